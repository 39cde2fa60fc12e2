using System.Globalization;

namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>What HuggingFace's BertNormalizer + BertPreTokenizer do with one character.</summary>
internal enum BertCharClass : byte
{
    /// <summary>Part of a word.</summary>
    Word,

    /// <summary>Whitespace: ends a word and is dropped.</summary>
    Separator,

    /// <summary>Deleted by clean_text (controls, format characters, NUL, U+FFFD …) without ending the word.</summary>
    Removed,

    /// <summary>Punctuation, or a CJK ideograph: a word of its own.</summary>
    Isolated,

    HighSurrogate,

    LowSurrogate,
}

/// <summary>
/// HuggingFace's character rules (tokenizers, normalizers/bert.rs and pre_tokenizers/bert.rs),
/// as a table over the BMP built once per normalizer setting. One definition for every caller.
/// </summary>
internal static class BertCharClasses
{
    private static readonly BertCharClass[]?[] Tables = new BertCharClass[]?[4];

    /// <summary>The class of every UTF-16 code unit for these settings (surrogates are classified in pairs by <see cref="OfCodePoint"/>).</summary>
    public static BertCharClass[] Table(bool cleanText, bool handleChineseChars)
    {
        var index = (cleanText ? 1 : 0) | (handleChineseChars ? 2 : 0);
        var table = Volatile.Read(ref Tables[index]);
        if (table is null)
        {
            table = new BertCharClass[char.MaxValue + 1];
            for (var c = 0; c <= char.MaxValue; c++)
            {
                table[c] = c switch
                {
                    >= 0xD800 and <= 0xDBFF => BertCharClass.HighSurrogate,
                    >= 0xDC00 and <= 0xDFFF => BertCharClass.LowSurrogate,
                    _ => OfCodePoint(c, cleanText, handleChineseChars),
                };
            }

            Volatile.Write(ref Tables[index], table);
        }

        return table;
    }

    public static BertCharClass OfCodePoint(int codePoint, bool cleanText, bool handleChineseChars)
    {
        // clean_text filters first (NUL, U+FFFD, controls except \t \n \r), then maps whitespace to ' '.
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

    /// <summary>Rust's char::is_whitespace (Unicode White_Space), which .NET's definition matches.</summary>
    public static bool IsWhitespace(int codePoint) =>
        codePoint <= char.MaxValue && char.IsWhiteSpace((char)codePoint);

    /// <summary>HF's is_control: every "Other" category (Cc, Cf, Cs, Co, Cn) except \t \n \r.</summary>
    public static bool IsControl(int codePoint)
    {
        if (codePoint is '\t' or '\n' or '\r')
        {
            return false;
        }

        return CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    /// <summary>HF's is_bert_punc: ASCII punctuation (which includes symbols such as $ + = ^ `) or any Unicode P* category.</summary>
    public static bool IsPunctuation(int codePoint)
    {
        if (codePoint < 0x80)
        {
            return char.IsAsciiLetterOrDigit((char)codePoint) is false && codePoint is > 0x20 and < 0x7F;
        }

        return CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>HF's is_chinese_char: the CJK Unified Ideographs blocks (not Japanese kana or Korean hangul).</summary>
    public static bool IsChineseChar(int codePoint) => codePoint switch
    {
        >= 0x4E00 and <= 0x9FFF => true,
        >= 0x3400 and <= 0x4DBF => true,
        >= 0x20000 and <= 0x2A6DF => true,
        >= 0x2A700 and <= 0x2B73F => true,
        >= 0x2B740 and <= 0x2B81F => true,
        >= 0x2B920 and <= 0x2CEAF => true,
        >= 0xF900 and <= 0xFAFF => true,
        >= 0x2F800 and <= 0x2FA1F => true,
        _ => false,
    };
}
