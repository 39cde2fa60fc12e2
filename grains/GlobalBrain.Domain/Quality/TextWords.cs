using System.Text;

namespace GlobalBrain.Domain.Quality;

/// <summary>
/// Word boundaries shared by the near-duplicate shingles and the quality heuristics: runs of
/// non-whitespace, except that each Han, Hiragana or Katakana character is a word of its own — those
/// scripts do not separate words with spaces, so a character is the only unit that needs no dictionary
/// (datatrove uses a segmenter per language there; this project has none).
/// </summary>
internal static class TextWords
{
    /// <summary>Appends the (start, length) of every word of <paramref name="text"/> to <paramref name="words"/>.</summary>
    public static void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> words)
    {
        var start = -1;
        var i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
            if (Rune.IsWhiteSpace(rune))
            {
                Flush(words, ref start, i);
            }
            else if (IsSpaceless(rune.Value))
            {
                Flush(words, ref start, i);
                words.Add((i, consumed));
            }
            else if (start < 0)
            {
                start = i;
            }

            i += consumed;
        }

        Flush(words, ref start, text.Length);
    }

    /// <summary>Han (CJK unified and compatibility ideographs, extensions), Hiragana, Katakana.</summary>
    public static bool IsSpaceless(int c) =>
        c is (>= 0x3040 and <= 0x30FF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x4E00 and <= 0x9FFF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x3FFFF);

    private static void Flush(List<(int, int)> words, ref int start, int end)
    {
        if (start >= 0)
        {
            words.Add((start, end - start));
            start = -1;
        }
    }
}
