namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>What HuggingFace's BertNormalizer + BertPreTokenizer do with one character.</summary>
internal enum BertCharClass : byte
{
    /// <summary>Part of a word.</summary>
    Word,

    /// <summary>Whitespace: ends a word and is dropped.</summary>
    Separator,

    /// <summary>Deleted by clean_text (Cc, Cf, Co, NUL, U+FFFD) without ending the word.</summary>
    Removed,

    /// <summary>Punctuation, or a code point of HF's CJK ranges: a word of its own.</summary>
    Isolated,

    HighSurrogate,

    LowSurrogate,
}

/// <summary>
/// HuggingFace's character rules (tokenizers, normalizers/bert.rs and pre_tokenizers/bert.rs), with the
/// Unicode 8.0.0 categories its unicode_categories crate holds (<see cref="BertUnicode8Data"/>, generated),
/// not .NET's newer ones: unassigned code points (Cn) are kept as letters, punctuation assigned after
/// Unicode 8 is a letter, and code points whose category changed since keep their 8.0 one.
/// One table per normalizer setting over every code point, built once. One definition for every caller.
/// </summary>
internal static class BertCharClasses
{
    private const int CodePoints = 0x110000;

    private static readonly BertCharClass[]?[] Tables = new BertCharClass[]?[4];

    /// <summary>HF's is_chinese_char ranges: the CJK Unified Ideographs blocks, assigned or not (not kana or hangul).</summary>
    private static ReadOnlySpan<int> ChineseRanges =>
    [
        0x4E00, 0x9FFF, 0x3400, 0x4DBF, 0x20000, 0x2A6DF, 0x2A700, 0x2B73F,
        0x2B740, 0x2B81F, 0x2B920, 0x2CEAF, 0xF900, 0xFAFF, 0x2F800, 0x2FA1F,
    ];

    /// <summary>
    /// The class of every code point for these settings, indexed by code point (so by UTF-16 code unit in
    /// the BMP); U+D800–U+DFFF hold the surrogate classes, for pairs to be looked up as code points.
    /// </summary>
    public static BertCharClass[] Table(bool cleanText, bool handleChineseChars)
    {
        var index = (cleanText ? 1 : 0) | (handleChineseChars ? 2 : 0);
        var table = Volatile.Read(ref Tables[index]);
        if (table is null)
        {
            table = Build(cleanText, handleChineseChars);
            Volatile.Write(ref Tables[index], table);
        }

        return table;
    }

    /// <summary>The class of one code point, decided rule by rule in HF's order (the tables are built by ranges; the tests compare the two).</summary>
    public static BertCharClass OfCodePoint(int codePoint, bool cleanText, bool handleChineseChars)
    {
        // clean_text filters first (NUL, U+FFFD, Cc/Cf/Co except \t \n \r), then maps whitespace to ' '.
        if (cleanText && (codePoint == 0 || codePoint == 0xFFFD || IsControl(codePoint)))
        {
            return BertCharClass.Removed;
        }

        if (IsWhitespace(codePoint))
        {
            return BertCharClass.Separator;
        }

        if ((handleChineseChars && IsChineseChar(codePoint)) || IsPunctuation(codePoint))
        {
            return BertCharClass.Isolated;
        }

        return BertCharClass.Word;
    }

    /// <summary>Rust's char::is_whitespace: the White_Space property.</summary>
    public static bool IsWhitespace(int codePoint) => InRanges(BertUnicode8Data.WhiteSpace, codePoint);

    /// <summary>HF's is_control: unicode_categories' is_other() (Cc, Cf, Co of Unicode 8.0; not Cn) except \t \n \r.</summary>
    public static bool IsControl(int codePoint) =>
        codePoint is not ('\t' or '\n' or '\r') && InRanges(BertUnicode8Data.Other, codePoint);

    /// <summary>HF's is_bert_punc: ASCII punctuation (which includes symbols such as $ + = ^ `) or a P* category of Unicode 8.0.</summary>
    public static bool IsPunctuation(int codePoint) =>
        codePoint < 0x80
            ? char.IsAsciiLetterOrDigit((char)codePoint) is false && codePoint is > 0x20 and < 0x7F
            : InRanges(BertUnicode8Data.Punctuation, codePoint);

    /// <summary>unicode_categories' is_mark_nonspacing, which strip_accents drops: Mn of Unicode 8.0.</summary>
    public static bool IsNonspacingMark(int codePoint) => codePoint >= 0x300 && InRanges(BertUnicode8Data.NonspacingMark, codePoint);

    /// <summary>HF's is_chinese_char: the CJK Unified Ideographs blocks (not Japanese kana or Korean hangul).</summary>
    public static bool IsChineseChar(int codePoint) => InRanges(ChineseRanges, codePoint, sorted: false);

    private static BertCharClass[] Build(bool cleanText, bool handleChineseChars)
    {
        // Later rules win, so they are written in the reverse of HF's order of precedence.
        var table = new BertCharClass[CodePoints];
        if (handleChineseChars)
        {
            Fill(table, ChineseRanges, BertCharClass.Isolated);
        }

        Fill(table, BertUnicode8Data.Punctuation, BertCharClass.Isolated);
        for (var c = 0x21; c < 0x7F; c++)
        {
            if (!char.IsAsciiLetterOrDigit((char)c))
            {
                table[c] = BertCharClass.Isolated;
            }
        }

        Fill(table, BertUnicode8Data.WhiteSpace, BertCharClass.Separator);
        if (cleanText)
        {
            var separators = (table['\t'], table['\n'], table['\r']);
            Fill(table, BertUnicode8Data.Other, BertCharClass.Removed);
            (table['\t'], table['\n'], table['\r']) = separators;
            table[0] = BertCharClass.Removed;
            table[0xFFFD] = BertCharClass.Removed;
        }

        table.AsSpan(0xD800, 0x400).Fill(BertCharClass.HighSurrogate);
        table.AsSpan(0xDC00, 0x400).Fill(BertCharClass.LowSurrogate);
        return table;
    }

    private static void Fill(BertCharClass[] table, ReadOnlySpan<int> ranges, BertCharClass value)
    {
        for (var i = 0; i < ranges.Length; i += 2)
        {
            table.AsSpan(ranges[i], ranges[i + 1] - ranges[i] + 1).Fill(value);
        }
    }

    /// <summary>Whether <paramref name="codePoint"/> is in one of the inclusive [start, end] pairs.</summary>
    internal static bool InRanges(ReadOnlySpan<int> ranges, int codePoint, bool sorted = true)
    {
        if (!sorted)
        {
            for (var i = 0; i < ranges.Length; i += 2)
            {
                if (codePoint >= ranges[i] && codePoint <= ranges[i + 1])
                {
                    return true;
                }
            }

            return false;
        }

        var lo = 0;
        var hi = (ranges.Length / 2) - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (codePoint < ranges[2 * mid])
            {
                hi = mid - 1;
            }
            else if (codePoint > ranges[(2 * mid) + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }
}
