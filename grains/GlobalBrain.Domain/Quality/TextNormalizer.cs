using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    private const ushort Removed = 0;
    private const ushort Space = 1;
    private const ushort Digit = 2;
    private const ushort Slow = 3;
    private const ushort FirstChar = 4;

    /// <summary>Room beyond the output's bound for a pending space and one whole vector written past the end.</summary>
    private const int Slack = 1 + 8;

    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ref var table = ref MemoryMarshal.GetArrayDataReference(CharTable.Entries);
        var buffer = ArrayPool<char>.Shared.Rent(text.Length + Slack);
        try
        {
            // Without branches on the kind of character (words are short: such branches mispredict at every
            // boundary). Each step writes a space and its character at the end, and counts what it keeps: the
            // space when one is pending and the character is written, the character unless it is a digit that
            // continues a number. A space pending before the first character is written too (so that no step
            // waits for the length), and taken off at the end. The output is never longer than the input read so
            // far, plus that space.
            //
            // Eight characters at a time while they are ASCII letters and single spaces (most of a Latin-script
            // text): those are written as they are, letters lower-cased (c | 0x20 is also ' ' for a space), up to
            // the first other character, which then takes a step of its own.
            var length = 0;
            var pendingSpace = 0;
            var inNumber = 0;
            ref var source = ref MemoryMarshal.GetReference(text.AsSpan());
            for (var i = 0; i < text.Length; i++)
            {
                if (i + Vector128<ushort>.Count <= text.Length)
                {
                    var chars = Vector128.LoadUnsafe(ref Unsafe.As<char, ushort>(ref source), (nuint)i);
                    var lower = chars | Vector128.Create((ushort)0x20);
                    var letters = Vector128.LessThanOrEqual(lower - Vector128.Create((ushort)'a'), Vector128.Create((ushort)('z' - 'a'))).ExtractMostSignificantBits();
                    var spaces = Vector128.Equals(chars, Vector128.Create((ushort)' ')).ExtractMostSignificantBits();
                    var simple = letters | (spaces & ~((spaces << 1) | (uint)pendingSpace));
                    var count = BitOperations.TrailingZeroCount(~simple);
                    if (count > 0)
                    {
                        buffer[length] = ' ';
                        length += pendingSpace;
                        lower.StoreUnsafe(ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetArrayDataReference(buffer)), (nuint)length);
                        pendingSpace = (int)(spaces >> (count - 1)) & 1;
                        length += count - pendingSpace;
                        inNumber = 0;
                        i += count;
                        if (count == Vector128<ushort>.Count)
                        {
                            i--;
                            continue;
                        }
                    }
                }

                int entry = Unsafe.Add(ref table, text[i]);
                if (entry != Slow)
                {
                    var write = entry >= Digit ? 1 : 0;
                    var digit = entry == Digit ? 1 : 0;
                    buffer[length] = ' ';
                    length += pendingSpace & write;
                    buffer[length] = digit != 0 ? '0' : (char)entry;
                    length += write & ~(digit & inNumber);
                    pendingSpace = (pendingSpace | (entry == Space ? 1 : 0)) & (write ^ 1);
                    inNumber = digit | (inNumber & (entry == Removed ? 1 : 0));
                    continue;
                }

                // A surrogate, or a character that decomposes into more than one (Hangul) or lowercases out of
                // the BMP: its rune through the reference steps. Only here can the output outgrow the input.
                Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed);
                var stripped = AccentStripper.Strip(rune.ToString());
                var needed = length + Slack + (2 * stripped.Length) + (text.Length - i - consumed);
                if (needed > buffer.Length)
                {
                    var larger = ArrayPool<char>.Shared.Rent(needed);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<char>.Shared.Return(buffer);
                    buffer = larger;
                }

                bool pending = pendingSpace != 0, number = inNumber != 0;
                foreach (var part in stripped.EnumerateRunes())
                {
                    Append(part, buffer, ref length, ref pending, ref number);
                }

                pendingSpace = pending ? 1 : 0;
                inNumber = number ? 1 : 0;

                i += consumed - 1;
            }

            // Only a space pending before the first character can begin the output (a written character is
            // never whitespace).
            var leading = length > 0 && buffer[0] == ' ' ? 1 : 0;
            return new string(buffer, leading, length - leading);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The reference: the whole text accent-stripped, then rune by rune. <see cref="Normalize"/> gives the same
    /// by a table of what these steps do with each BMP character on its own (they have no context but the
    /// pending space and the number in progress), and through them for the rest.
    /// </summary>
    internal static string NormalizeRunes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stripped = AccentStripper.Strip(text);
        var buffer = new char[(2 * stripped.Length) + 1];
        var length = 0;
        var pendingSpace = false;
        var inNumber = false;
        foreach (var rune in stripped.EnumerateRunes())
        {
            Append(rune, buffer, ref length, ref pendingSpace, ref inNumber);
        }

        return new string(buffer, 0, length);
    }

    /// <summary>One rune of accent-stripped text: whitespace starts a pending space, removed ones vanish, a digit run writes one 0, the rest its lower case.</summary>
    private static void Append(Rune stripped, char[] buffer, ref int length, ref bool pendingSpace, ref bool inNumber)
    {
        var kind = Classify(stripped, out var lower);
        switch (kind)
        {
            case Space:
                pendingSpace = length > 0;
                inNumber = false;
                return;
            case Removed:
                return;
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

            return;
        }

        inNumber = false;
        length += lower.EncodeToUtf16(buffer.AsSpan(length));
    }

    /// <summary>Space, Removed, Digit, or else <see cref="FirstChar"/> with <paramref name="lower"/> the rune to write.</summary>
    private static ushort Classify(Rune stripped, out Rune lower)
    {
        var rune = Fold(stripped);
        lower = default;
        if (Rune.IsWhiteSpace(rune))
        {
            return Space;
        }

        var category = Rune.GetUnicodeCategory(rune);
        if (IsRemoved(category))
        {
            return Removed;
        }

        if (category == UnicodeCategory.DecimalDigitNumber)
        {
            return Digit;
        }

        lower = Rune.ToLowerInvariant(rune);
        return FirstChar;
    }

    /// <summary>
    /// XxHash128 (seed 0) of the UTF-8 bytes of <see cref="Normalize"/>: the exact-duplicate key, the same
    /// in every process and run. Two texts that differ only in case, punctuation, diacritics, digits or
    /// spacing share it.
    /// </summary>
    public static UInt128 ExactHash(string text) => HashNormalized(Normalize(text));

    public static UInt128 HashNormalized(string normalized) => Utf8Hash.XxHash128Of(normalized);

    /// <summary>
    /// What <see cref="Append"/> does with each BMP character after it is accent-stripped on its own — Removed,
    /// Space, Digit, the character to write (≥ <see cref="FirstChar"/>), or Slow (surrogates, several runes after
    /// stripping, a lower case that is not one BMP character ≥ FirstChar) — computed from the same steps, so the
    /// fast path cannot differ. 128 KB, built on first use.
    /// </summary>
    private static class CharTable
    {
        public static readonly ushort[] Entries = Build();

        private static ushort[] Build()
        {
            var table = new ushort[char.MaxValue + 1];
            for (var c = 0; c < table.Length; c++)
            {
                table[c] = Slow;
                if (char.IsSurrogate((char)c))
                {
                    continue;
                }

                var stripped = AccentStripper.Strip(((char)c).ToString());
                if (stripped.Length == 0)
                {
                    table[c] = Removed;
                }
                else if (stripped.Length == 1)
                {
                    var kind = Classify(new Rune(stripped[0]), out var lower);
                    table[c] = kind != FirstChar ? kind
                        : lower.IsBmp && lower.Value >= FirstChar ? (ushort)lower.Value
                        : Slow;
                }
            }

            return table;
        }
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
