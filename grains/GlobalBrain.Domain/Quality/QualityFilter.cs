using System.Buffers;
using System.Globalization;

namespace GlobalBrain.Domain.Quality;

/// <summary>Keep, or drop with the name of the first rule that failed (a counter label value).</summary>
public readonly record struct QualityVerdict(string? Reason)
{
    public bool Keep => Reason is null;
}

/// <summary>
/// Heuristic quality rules in the style of Gopher and C4 (sources and thresholds in
/// <see cref="QualityOptions"/>), each a named reason: the Gopher quality rules first, then Gopher's
/// repetition rules, then C4's. A document is kept or dropped whole; its text is never edited.
/// </summary>
/// <remarks>
/// Words are <see cref="TextWords"/>: whitespace-separated tokens, with each Han/kana character a word of its
/// own, so Chinese and Japanese text gets word counts and n-grams without a segmenter (its word-count bounds
/// then count characters). Tokens made only of punctuation or symbols are not words; a word's length does not
/// include the punctuation around it (nltk's word_tokenize, which datatrove uses, splits it off). The mean word
/// length rule is skipped when most words are Han/kana characters; the stop-word rule applies to English only.
/// </remarks>
public sealed class QualityFilter(QualityOptions? options = null)
{
    private static readonly string[] StopWords = ["the", "be", "to", "of", "and", "that", "have", "with"];
    private static readonly string[] PolicyPhrases = ["javascript", "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"];
    private static readonly SearchValues<char> Bullets = SearchValues.Create("•●◦‣▪■-*");
    private static readonly SearchValues<char> Terminal = SearchValues.Create(".!?\"'”’»」』）)。！？．:：");

    public QualityOptions Options { get; } = options ?? QualityOptions.Default;

    /// <param name="text">The document.</param>
    /// <param name="language">ISO 639-1 code when known (the stop-word rule needs "en").</param>
    public QualityVerdict Evaluate(string text, string? language = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var o = Options;
        var tokens = Tokens(text);
        var words = 0;
        var letters = 0L;
        var spaceless = 0;
        var alphabetic = 0;
        var stopWords = 0;
        var english = string.Equals(language, "en", StringComparison.OrdinalIgnoreCase);
        foreach (var (start, length) in tokens)
        {
            var word = Trim(text.AsSpan(start, length));
            if (word.IsEmpty)
            {
                continue;
            }

            words++;
            letters += word.Length;
            spaceless += System.Text.Rune.DecodeFromUtf16(word, out var rune, out var used) == OperationStatus.Done
                && used == word.Length && TextWords.IsSpaceless(rune.Value) ? 1 : 0;
            alphabetic += word.ContainsAnyExcept(NonLetters) ? 1 : 0;
            if (english && o.MinStopWords is not null && IsStopWord(word))
            {
                stopWords++;
            }
        }

        if (words < o.MinWords)
        {
            return new("gopher_too_few_words");
        }

        if (words > o.MaxWords)
        {
            return new("gopher_too_many_words");
        }

        if (words > 0)
        {
            var mean = (double)letters / words;
            var cjk = spaceless * 2 > words;
            if (!cjk && mean < o.MinMeanWordLength)
            {
                return new("gopher_mean_word_length_low");
            }

            if (!cjk && mean > o.MaxMeanWordLength)
            {
                return new("gopher_mean_word_length_high");
            }

            if ((double)text.AsSpan().Count('#') / words > o.MaxHashWordRatio)
            {
                return new("gopher_hash_ratio");
            }

            if ((double)(text.AsSpan().Count("...") + text.AsSpan().Count('…')) / words > o.MaxEllipsisWordRatio)
            {
                return new("gopher_ellipsis_ratio");
            }

            if ((double)alphabetic / words < o.MinAlphabeticWordFraction)
            {
                return new("gopher_non_alphabetic_words");
            }
        }

        var lines = 0;
        var bullets = 0;
        var ellipses = 0;
        var boilerplate = 0;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan(range).Trim();
            if (line.IsEmpty)
            {
                continue;
            }

            lines++;
            bullets += Bullets.Contains(line[0]) ? 1 : 0;
            ellipses += line.EndsWith("...") || line.EndsWith('…') ? 1 : 0;
            boilerplate += IsBoilerplate(line) ? 1 : 0;
        }

        if (lines > 0 && (double)bullets / lines > o.MaxBulletLineFraction)
        {
            return new("gopher_bullet_lines");
        }

        if (lines > 0 && (double)ellipses / lines > o.MaxEllipsisLineFraction)
        {
            return new("gopher_ellipsis_lines");
        }

        if (english && stopWords < o.MinStopWords)
        {
            return new("gopher_stop_words");
        }

        var repetition = GopherRepetition.Check(text, tokens, o);
        if (repetition is not null)
        {
            return new(repetition);
        }

        if (o.RejectLoremIpsum && text.Contains("lorem ipsum", StringComparison.OrdinalIgnoreCase))
        {
            return new("c4_lorem_ipsum");
        }

        if (o.RejectCurlyBracket && text.Contains('{'))
        {
            return new("c4_curly_bracket");
        }

        if (lines > 0 && (double)boilerplate / lines > o.MaxBoilerplateLineFraction)
        {
            return new("c4_boilerplate_lines");
        }

        if (o.MinTerminalPunctuationFraction is { } minTerminal && TerminalParagraphFraction(text) < minTerminal)
        {
            return new("c4_terminal_punctuation");
        }

        if (o.MinSentences is { } minSentences && CountSentences(text) < minSentences)
        {
            return new("c4_too_few_sentences");
        }

        return default;
    }

    /// <summary>
    /// The stop-word rule alone, for a caller that ran <see cref="Evaluate"/> without a language (to reject junk
    /// before paying for language detection) and learned the language afterwards: fails only English text.
    /// </summary>
    public QualityVerdict EvaluateStopWords(string text, string? language)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Options.MinStopWords is not { } min || min <= 0 || !string.Equals(language, "en", StringComparison.OrdinalIgnoreCase))
        {
            return default;
        }

        var tokens = Tokens(text);
        var stopWords = 0;
        foreach (var (start, length) in tokens)
        {
            if (IsStopWord(Trim(text.AsSpan(start, length))) && ++stopWords >= min)
            {
                return default;
            }
        }

        return new("gopher_stop_words");
    }

    [ThreadStatic]
    private static List<(int Start, int Length)>? _tokens;

    /// <summary>The words of <paramref name="text"/>, in a list kept per thread (valid until this thread's next call).</summary>
    private static List<(int Start, int Length)> Tokens(string text)
    {
        var tokens = _tokens ??= [];
        tokens.Clear();
        TextWords.Split(text, tokens);
        return tokens;
    }

    private static readonly SearchValues<char> NonLetters = SearchValues.Create(
        [.. Enumerable.Range(0, 0x10000).Select(c => (char)c).Where(c => !char.IsLetter(c) && !char.IsSurrogate(c))]);

    private static ReadOnlySpan<char> Trim(ReadOnlySpan<char> token)
    {
        var start = 0;
        var end = token.Length;
        while (start < end && IsPunctuationOrSymbol(token[start]))
        {
            start++;
        }

        while (end > start && IsPunctuationOrSymbol(token[end - 1]))
        {
            end--;
        }

        return token[start..end];
    }

    private static bool IsPunctuationOrSymbol(char c) => char.GetUnicodeCategory(c) is
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
        or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
        or UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol
        or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol or UnicodeCategory.Format or UnicodeCategory.Control;

    private static bool IsStopWord(ReadOnlySpan<char> word)
    {
        foreach (var stop in StopWords)
        {
            if (word.Equals(stop, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsBoilerplate(ReadOnlySpan<char> line)
    {
        foreach (var phrase in PolicyPhrases)
        {
            if (line.Contains(phrase, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Blank-line separated paragraphs whose last character is terminal punctuation (not an ellipsis).</summary>
    private static double TerminalParagraphFraction(string text)
    {
        var paragraphs = 0;
        var terminal = 0;
        ReadOnlySpan<char> last = default;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan(range).Trim();
            if (!line.IsEmpty)
            {
                last = line;
                continue;
            }

            Close(ref last, ref paragraphs, ref terminal);
        }

        Close(ref last, ref paragraphs, ref terminal);
        return paragraphs == 0 ? 1 : (double)terminal / paragraphs;

        static void Close(ref ReadOnlySpan<char> last, ref int paragraphs, ref int terminal)
        {
            if (last.IsEmpty)
            {
                return;
            }

            paragraphs++;
            terminal += Terminal.Contains(last[^1]) && !last.EndsWith("...") ? 1 : 0;
            last = default;
        }
    }

    private static int CountSentences(string text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '.' or '!' or '?' or '。' or '！' or '？' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1]) || text[i] > 0x3000))
            {
                count++;
            }
        }

        return count;
    }
}
