using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using GlobalBrain.Domain.Tokenization.Bert;

namespace GlobalBrain.Domain.Quality;

/// <summary>
/// The text form that duplicates are compared in, after datatrove's <c>simplify_text</c> defaults
/// (datatrove/utils/text.py, TextNormConfig): diacritics removed (NFD, then every Mn mark dropped),
/// lowercase, punctuation and symbols removed (Unicode P* and S*, which covers datatrove's list), each
/// run of digits replaced by one <c>0</c>, whitespace runs collapsed to one space, trimmed.
/// </summary>
/// <remarks>
/// string.Normalize is a no-op under InvariantGlobalization (this solution's setting), so NFKC is not
/// available: the decomposition is the table the BERT tokenizer already uses (<see cref="AccentStripper"/>),
/// and of the compatibility mappings only the one that matters for web text is applied — full-width ASCII
/// (U+FF01–U+FF5E) and the ideographic space fold to ASCII. Ligatures, circled and super/subscript forms
/// stay as they are.
/// </remarks>
public static class TextNormalizer
{
    private const byte Space = 1;
    private const byte Removed = 2;
    private const byte Digit = 3;

    /// <summary>
    /// What <see cref="NormalizeRunes"/> does with each ASCII character — whitespace, removed, a digit, or the
    /// character to append (lower case) — computed from the same predicates, so the fast path cannot differ.
    /// </summary>
    private static readonly byte[] AsciiClass = BuildAsciiClass();

    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return System.Text.Ascii.IsValid(text) ? NormalizeAscii(text) : NormalizeRunes(text);
    }

    /// <summary>The same as <see cref="NormalizeRunes"/> for text that is all ASCII (nothing to strip or fold), by table, into one buffer.</summary>
    private static string NormalizeAscii(string text)
    {
        var buffer = ArrayPool<char>.Shared.Rent(Math.Max(1, text.Length));
        try
        {
            var length = 0;
            var pendingSpace = false;
            var inNumber = false;
            foreach (var c in text)
            {
                var kind = AsciiClass[c];
                switch (kind)
                {
                    case Space:
                        pendingSpace = length > 0;
                        inNumber = false;
                        continue;
                    case Removed:
                        continue;
                }

                if (pendingSpace)
                {
                    buffer[length++] = ' ';
                    pendingSpace = false;
                }

                if (kind == Digit)
                {
                    if (!inNumber)
                    {
                        buffer[length++] = '0';
                        inNumber = true;
                    }

                    continue;
                }

                inNumber = false;
                buffer[length++] = (char)kind;
            }

            return new string(buffer, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    internal static string NormalizeRunes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stripped = AccentStripper.Strip(text);
        var builder = new StringBuilder(stripped.Length);
        var pendingSpace = false;
        var inNumber = false;
        foreach (var original in stripped.EnumerateRunes())
        {
            var rune = Fold(original);
            if (Rune.IsWhiteSpace(rune))
            {
                pendingSpace = builder.Length > 0;
                inNumber = false;
                continue;
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (IsRemoved(category))
            {
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            if (category == UnicodeCategory.DecimalDigitNumber)
            {
                if (!inNumber)
                {
                    builder.Append('0');
                    inNumber = true;
                }

                continue;
            }

            inNumber = false;
            var lower = Rune.ToLowerInvariant(rune);
            if (lower.IsBmp)
            {
                builder.Append((char)lower.Value);
            }
            else
            {
                builder.Append(lower.ToString());
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// XxHash128 (seed 0) of the UTF-8 bytes of <see cref="Normalize"/>: the exact-duplicate key, the same
    /// in every process and run. Two texts that differ only in case, punctuation, diacritics, digits or
    /// spacing share it.
    /// </summary>
    public static UInt128 ExactHash(string text) => HashNormalized(Normalize(text));

    public static UInt128 HashNormalized(string normalized) => Utf8Hash.XxHash128Of(normalized);

    private static byte[] BuildAsciiClass()
    {
        var table = new byte[128];
        for (var c = 0; c < table.Length; c++)
        {
            var rune = new Rune(c);
            var category = Rune.GetUnicodeCategory(rune);
            table[c] = Rune.IsWhiteSpace(rune) ? Space
                : IsRemoved(category) ? Removed
                : category == UnicodeCategory.DecimalDigitNumber ? Digit
                : (byte)Rune.ToLowerInvariant(rune).Value;
        }

        return table;
    }

    private static Rune Fold(Rune rune) => rune.Value switch
    {
        >= 0xFF01 and <= 0xFF5E => new Rune(rune.Value - 0xFEE0),
        0x3000 => new Rune(' '),
        _ => rune,
    };

    private static bool IsRemoved(UnicodeCategory category) => category is
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
        or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
        or UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol
        or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol or UnicodeCategory.Control
        or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse;
}
