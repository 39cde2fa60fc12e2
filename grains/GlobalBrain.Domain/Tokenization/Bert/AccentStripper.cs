using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>
/// HF BertNormalizer's strip_accents: canonical decomposition (NFD), then every Mn character dropped —
/// Mn of Unicode 8.0, as HF's unicode_categories has it (a mark assigned later stays).
/// </summary>
internal static class AccentStripper
{
    private const int HangulBase = 0xAC00;
    private const int HangulCount = 11172;
    private const int JamoL = 0x1100;
    private const int JamoV = 0x1161;
    private const int JamoT = 0x11A7;
    private const int VowelCount = 21;
    private const int TrailingCount = 28;

    private static readonly Lazy<FrozenDictionary<int, string>> Decompositions = new(Load);

    public static string Strip(string text)
    {
        var map = Decompositions.Value;
        var builder = new StringBuilder(text.Length);

        // EnumerateRunes yields U+FFFD for a lone surrogate, which clean_text then deletes.
        foreach (var rune in text.EnumerateRunes())
        {
            var value = rune.Value;
            if (value - HangulBase is >= 0 and < HangulCount)
            {
                var index = value - HangulBase;
                builder.Append((char)(JamoL + (index / (VowelCount * TrailingCount))));
                builder.Append((char)(JamoV + (index % (VowelCount * TrailingCount) / TrailingCount)));
                if (index % TrailingCount != 0)
                {
                    builder.Append((char)(JamoT + (index % TrailingCount)));
                }
            }
            else if (map.TryGetValue(value, out var kept))
            {
                builder.Append(kept);
            }
            else if (!BertCharClasses.IsNonspacingMark(value))
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    private static FrozenDictionary<int, string> Load()
    {
        var map = new Dictionary<int, string>();
        foreach (var entry in AccentStripperData.Entries.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            var key = int.Parse(entry.AsSpan(0, colon), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var kept = new StringBuilder();
            foreach (var part in entry[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                kept.Append(char.ConvertFromUtf32(int.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            map[key] = kept.ToString();
        }

        return map.ToFrozenDictionary();
    }
}
