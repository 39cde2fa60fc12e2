using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Quality;

/// <summary>
/// Gopher's repetition rules (Rae et al. 2021, table A1), as datatrove's GopherRepetitionFilter computes
/// them, over <see cref="TextWords"/> tokens; fractions are of the text's characters. N-grams are compared
/// by a 64-bit hash of their words' hashes, not as strings.
/// </summary>
internal static class GopherRepetition
{
    private static readonly string[] TopReasons = [.. Enumerable.Range(0, 11).Select(n => $"gopher_top_{n}_gram")];
    private static readonly string[] DuplicateReasons = [.. Enumerable.Range(0, 11).Select(n => $"gopher_duplicate_{n}_grams")];

    /// <summary>The reason of the first rule that fails, or null.</summary>
    public static string? Check(string text, List<(int Start, int Length)> tokens, QualityOptions o)
    {
        if (text.Length == 0)
        {
            return null;
        }

        var (paragraphs, duplicateParagraphs, duplicateParagraphChars) = Duplicates(text, paragraphs: true);
        if (paragraphs > 0 && (double)duplicateParagraphs / paragraphs > o.MaxDuplicateParagraphFraction)
        {
            return "gopher_duplicate_paragraphs";
        }

        if ((double)duplicateParagraphChars / text.Length > o.MaxDuplicateParagraphCharFraction)
        {
            return "gopher_duplicate_paragraph_chars";
        }

        var (lines, duplicateLines, duplicateLineChars) = Duplicates(text, paragraphs: false);
        if (lines > 0 && (double)duplicateLines / lines > o.MaxDuplicateLineFraction)
        {
            return "gopher_duplicate_lines";
        }

        if ((double)duplicateLineChars / text.Length > o.MaxDuplicateLineCharFraction)
        {
            return "gopher_duplicate_line_chars";
        }

        if (tokens.Count < 2 || (o.TopNGramCharFractions.Count == 0 && o.DuplicateNGramCharFractions.Count == 0))
        {
            return null;
        }

        var hashes = ArrayPool<ulong>.Shared.Rent(tokens.Count);
        var counts = new Dictionary<ulong, (int Count, int Chars)>();
        var seen = new HashSet<ulong>();
        try
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                hashes[i] = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text.AsSpan(tokens[i].Start, tokens[i].Length)));
            }

            foreach (var (n, max) in o.TopNGramCharFractions)
            {
                counts.Clear();
                var top = (Count: 0, Chars: 0);
                for (var i = 0; i + n <= tokens.Count; i++)
                {
                    ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, Key(hashes, i, n), out _);
                    entry = (entry.Count + 1, Chars(tokens, i, n));
                    if (entry.Count > top.Count || (entry.Count == top.Count && entry.Chars > top.Chars))
                    {
                        top = entry;
                    }
                }

                if ((double)top.Count * top.Chars / text.Length > max)
                {
                    return Reason(TopReasons, n, "top");
                }
            }

            foreach (var (n, max) in o.DuplicateNGramCharFractions)
            {
                seen.Clear();
                long repeated = 0;
                var i = 0;
                while (i + n <= tokens.Count)
                {
                    if (seen.Add(Key(hashes, i, n)))
                    {
                        i++;
                    }
                    else
                    {
                        repeated += Chars(tokens, i, n);
                        i += n;
                    }
                }

                if ((double)repeated / text.Length > max)
                {
                    return Reason(DuplicateReasons, n, "duplicate");
                }
            }

            return null;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(hashes);
        }
    }

    private static string Reason(string[] cached, int n, string kind) =>
        n < cached.Length ? cached[n] : $"gopher_{kind}_{n}_gram{(kind == "top" ? "" : "s")}";

    private static ulong Key(ulong[] hashes, int start, int n) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(hashes.AsSpan(start, n)));

    /// <summary>Characters from the n-gram's first word to its last, separators included.</summary>
    private static int Chars(List<(int Start, int Length)> tokens, int start, int n) =>
        tokens[start + n - 1].Start + tokens[start + n - 1].Length - tokens[start].Start;

    /// <summary>Non-blank lines or blank-line separated paragraphs: how many, how many repeat an earlier one, their characters.</summary>
    private static (int Units, int Duplicates, long DuplicateChars) Duplicates(string text, bool paragraphs)
    {
        var seen = new HashSet<UInt128>();
        var units = 0;
        var duplicates = 0;
        long chars = 0;
        var span = text.AsSpan();
        var start = -1;
        var end = 0;
        foreach (var range in span.Split('\n'))
        {
            var (offset, length) = range.GetOffsetAndLength(span.Length);
            var blank = span.Slice(offset, length).IsWhiteSpace();
            if (!paragraphs && !blank)
            {
                Count(span.Slice(offset, length).Trim());
            }
            else if (paragraphs && !blank)
            {
                start = start < 0 ? offset : start;
                end = offset + length;
            }
            else if (paragraphs && start >= 0)
            {
                Count(span[start..end].Trim());
                start = -1;
            }
        }

        if (paragraphs && start >= 0)
        {
            Count(span[start..end].Trim());
        }

        return (units, duplicates, chars);

        void Count(ReadOnlySpan<char> unit)
        {
            units++;
            if (!seen.Add(XxHash128.HashToUInt128(MemoryMarshal.AsBytes(unit))))
            {
                duplicates++;
                chars += unit.Length;
            }
        }
    }
}
