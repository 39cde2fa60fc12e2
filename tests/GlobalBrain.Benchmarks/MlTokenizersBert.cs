using System.Buffers;
using GlobalBrain.Domain.Tokenization.Bert;
using Microsoft.ML.Tokenizers;

namespace GlobalBrain.Benchmarks;

/// <summary>
/// Microsoft.ML.Tokenizers' BertTokenizer made to follow HuggingFace's bert-base-cased rules: its WordPiece
/// model and pipeline, with HF's normalizer and pre-tokenizer (from <see cref="BertCharClasses"/>) plugged in.
/// The evidence for building <c>bert</c> on our own encoder instead: how exact and how fast this gets.
/// </summary>
internal static class MlTokenizersBert
{
    /// <summary>A cased BertTokenizer whose normalization and pre-tokenization are HF's, for a BERT vocab.txt.</summary>
    public static BertTokenizer Create(string vocabTxtPath)
    {
        // ML.Tokenizers 2.0.1 keeps a Normalizer and PreTokenizer given in the options whatever
        // ApplyBasicTokenization says (checked: "a=b" is 3 tokens, "½" survives, "\t" separates).
        // ApplyBasicTokenization = false states that none of its own BertNormalizer or word-or-punctuation
        // splitting is wanted; its special-token splitting only reaches its own pre-tokenizer, so ours does it.
        var options = new BertOptions
        {
            ApplyBasicTokenization = false,
            LowerCaseBeforeTokenization = false,
            RemoveNonSpacingMarks = false,
            IndividuallyTokenizeCjk = false,
            SplitOnSpecialTokens = false,
            Normalizer = new HfBertNormalizer(),
        };
        options.PreTokenizer = new HfBertPreTokenizer(
            [options.UnknownToken, options.SeparatorToken, options.PaddingToken, options.ClassificationToken, options.MaskingToken]);
        var tokenizer = BertTokenizer.Create(vocabTxtPath, options);
        if (!ReferenceEquals(tokenizer.Normalizer, options.Normalizer) || !ReferenceEquals(tokenizer.PreTokenizer, options.PreTokenizer))
        {
            throw new InvalidOperationException("Microsoft.ML.Tokenizers replaced the HF normalizer or pre-tokenizer given in BertOptions.");
        }

        return tokenizer;
    }

    /// <summary>
    /// Content ids of which the first <paramref name="count"/> are HF's truncation to that many (more may follow).
    /// ML's maxTokenCount stops before a word that no longer fits, where HF cuts inside it; a word gives at most
    /// MaxInputCharsPerWord pieces (a longer one is [UNK]), so that many more always include the word HF cuts.
    /// </summary>
    public static IReadOnlyList<int> EncodeFirst(BertTokenizer tokenizer, string text, int count)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return tokenizer.EncodeToIds(text, count + tokenizer.MaxInputCharsPerWord, addSpecialTokens: false, out _, out _);
    }
}

/// <summary>
/// HF's BertNormalizer for a cased vocabulary (clean_text and handle_chinese_chars; no lowercasing, no
/// accent stripping): deletes what clean_text deletes and lone surrogates, maps whitespace to ' ', and
/// surrounds CJK ideographs with spaces.
/// </summary>
internal sealed class HfBertNormalizer : Normalizer
{
    private const bool CleanText = true;
    private const bool HandleChineseChars = true;

    private readonly BertCharClass[] _classes = BertCharClasses.Table(CleanText, HandleChineseChars);

    private enum Edit : byte
    {
        Keep,
        Space,
        Delete,
        Surround,
    }

    /// <inheritdoc/>
    public override string Normalize(string original)
    {
        ArgumentNullException.ThrowIfNull(original);

        // Most paragraphs need no change: hand the same string back instead of a copy.
        var first = FirstEdit(original);
        return first < 0 ? original : Rewrite(original, first);
    }

    /// <inheritdoc/>
    public override string Normalize(ReadOnlySpan<char> original)
    {
        var first = FirstEdit(original);
        return first < 0 ? original.ToString() : Rewrite(original, first);
    }

    private int FirstEdit(ReadOnlySpan<char> text)
    {
        var i = 0;
        while (i < text.Length)
        {
            var edit = EditAt(text, i, out var width);
            if (edit != Edit.Keep && !(edit == Edit.Space && text[i] == ' '))
            {
                return i;
            }

            i += width;
        }

        return -1;
    }

    private string Rewrite(ReadOnlySpan<char> text, int first)
    {
        // A CJK ideograph grows to three chars (a surrogate pair to four): at most three times the input.
        var buffer = ArrayPool<char>.Shared.Rent(3 * text.Length);
        try
        {
            text[..first].CopyTo(buffer);
            var length = first;
            var i = first;
            while (i < text.Length)
            {
                var edit = EditAt(text, i, out var width);
                switch (edit)
                {
                    case Edit.Keep:
                        text.Slice(i, width).CopyTo(buffer.AsSpan(length));
                        length += width;
                        break;
                    case Edit.Space:
                        buffer[length++] = ' ';
                        break;
                    case Edit.Surround:
                        buffer[length++] = ' ';
                        text.Slice(i, width).CopyTo(buffer.AsSpan(length));
                        length += width;
                        buffer[length++] = ' ';
                        break;
                    default:
                        break;
                }

                i += width;
            }

            return new string(buffer, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>What to do with the character (or surrogate pair, <paramref name="width"/> 2) at <paramref name="i"/>.</summary>
    private Edit EditAt(ReadOnlySpan<char> text, int i, out int width)
    {
        var c = text[i];
        width = 1;
        int codePoint = c;
        var charClass = _classes[c];
        if (charClass == BertCharClass.HighSurrogate && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            width = 2;
            codePoint = char.ConvertToUtf32(c, text[i + 1]);
            charClass = BertCharClasses.OfCodePoint(codePoint, CleanText, HandleChineseChars);
        }

        return charClass switch
        {
            BertCharClass.Word => Edit.Keep,
            BertCharClass.Separator => Edit.Space,
            BertCharClass.Isolated => BertCharClasses.IsChineseChar(codePoint) ? Edit.Surround : Edit.Keep,

            // Removed, and lone surrogates (HF's bindings would have made them U+FFFD, which clean_text deletes).
            _ => Edit.Delete,
        };
    }
}

/// <summary>
/// HF's BertPreTokenizer on normalized text: words split on whitespace, every punctuation character (HF's
/// definition) and CJK ideograph a word of its own; the given special tokens are kept whole, as HF's added
/// tokens are (so that WordPiece finds them in the vocabulary).
/// </summary>
internal sealed class HfBertPreTokenizer : PreTokenizer
{
    private const bool CleanText = true;
    private const bool HandleChineseChars = true;

    private readonly BertCharClass[] _classes = BertCharClasses.Table(CleanText, HandleChineseChars);
    private readonly string[] _specialTokens;
    private readonly SearchValues<char> _specialTokenStarts;

    public HfBertPreTokenizer(IEnumerable<string> specialTokens)
    {
        ArgumentNullException.ThrowIfNull(specialTokens);
        _specialTokens = [.. specialTokens.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).OrderByDescending(t => t.Length)];
        _specialTokenStarts = SearchValues.Create([.. _specialTokens.Select(t => t[0]).Distinct()]);
    }

    /// <inheritdoc/>
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Split(text);
    }

    /// <inheritdoc/>
    /// <remarks>An enumerator cannot hold a span, so the text is copied (as ML.Tokenizers' own pre-tokenizers do).</remarks>
    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    private IEnumerable<(int Offset, int Length)> Split(string text)
    {
        var wordStart = -1;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var special = _specialTokenStarts.Contains(c) ? SpecialTokenLength(text, i) : 0;
            if (special > 0)
            {
                if (wordStart >= 0)
                {
                    yield return (wordStart, i - wordStart);
                    wordStart = -1;
                }

                yield return (i, special);
                i += special;
                continue;
            }

            var width = 1;
            var charClass = _classes[c];
            if (charClass == BertCharClass.HighSurrogate && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                width = 2;
                charClass = BertCharClasses.OfCodePoint(char.ConvertToUtf32(c, text[i + 1]), CleanText, HandleChineseChars);
            }

            switch (charClass)
            {
                case BertCharClass.Separator:
                case BertCharClass.Isolated:
                    if (wordStart >= 0)
                    {
                        yield return (wordStart, i - wordStart);
                        wordStart = -1;
                    }

                    if (charClass == BertCharClass.Isolated)
                    {
                        yield return (i, width);
                    }

                    break;

                // Words; what the normalizer deletes cannot occur in normalized text and would not end a word.
                default:
                    if (wordStart < 0)
                    {
                        wordStart = i;
                    }

                    break;
            }

            i += width;
        }

        if (wordStart >= 0)
        {
            yield return (wordStart, text.Length - wordStart);
        }
    }

    private int SpecialTokenLength(string text, int at)
    {
        foreach (var token in _specialTokens)
        {
            if (text.AsSpan(at).StartsWith(token, StringComparison.Ordinal))
            {
                return token.Length;
            }
        }

        return 0;
    }
}
