using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

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
/// <para>
/// Cost: the words are found and measured in one walk over the text that classifies each UTF-16 unit with one
/// table lookup (the same boundaries as <see cref="TextWords.Split"/>), and the lines and paragraphs in one
/// more; the lorem ipsum and policy phrases are looked for in one vectorised pass, line by line only when that
/// finds one. QualityFilterEquivalenceTests hold the verdicts to those of the straightforward version
/// (QualityFilterReference there).
/// </para>
/// </remarks>
public sealed class QualityFilter(QualityOptions? options = null)
{
    private static readonly string[] StopWords = ["the", "be", "to", "of", "and", "that", "have", "with"];
    private static readonly string[] PolicyPhrases = ["javascript", "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"];
    private const string LoremIpsum = "lorem ipsum";

    /// <summary>Every phrase the C4 rules look for, to rule them all out in one pass (OrdinalIgnoreCase, as the rules compare).</summary>
    private static readonly SearchValues<string> Flagged = SearchValues.Create([.. PolicyPhrases, LoremIpsum], StringComparison.OrdinalIgnoreCase);
    private static readonly SearchValues<char> Bullets = SearchValues.Create("•●◦‣▪■-*");
    private static readonly SearchValues<char> Terminal = SearchValues.Create(".!?\"'”’»」』）)。！？．:：");

    public QualityOptions Options { get; } = options ?? QualityOptions.Default;

    /// <param name="text">The document.</param>
    /// <param name="language">ISO 639-1 code when known (the stop-word rule needs "en").</param>
    public QualityVerdict Evaluate(string text, string? language = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var o = Options;
        var english = string.Equals(language, "en", StringComparison.OrdinalIgnoreCase);
        var scratch = Scratch.ForThread();

        // The stop-word rule only asks whether there are MinStopWords of them: counting stops there.
        var stats = new WordStats(text, scratch.Tokens, english && o.MinStopWords is { } minStop ? minStop : 0);
        stats.Tokens.Clear();
        Walk(text, ref stats);
        var words = stats.Words;
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
            var mean = (double)stats.Letters / words;
            var cjk = stats.Spaceless * 2 > words;
            if (!cjk && mean < o.MinMeanWordLength)
            {
                return new("gopher_mean_word_length_low");
            }

            if (!cjk && mean > o.MaxMeanWordLength)
            {
                return new("gopher_mean_word_length_high");
            }

            if (o.MaxHashWordRatio is { } maxHash && (double)text.AsSpan().Count('#') / words > maxHash)
            {
                return new("gopher_hash_ratio");
            }

            if (o.MaxEllipsisWordRatio is { } maxEllipsis
                && (double)(text.AsSpan().Count("...") + text.AsSpan().Count('…')) / words > maxEllipsis)
            {
                return new("gopher_ellipsis_ratio");
            }

            if ((double)stats.Alphabetic / words < o.MinAlphabeticWordFraction)
            {
                return new("gopher_non_alphabetic_words");
            }
        }

        var layout = Layout.Of(text, scratch);
        var lines = layout.Lines.Count;
        if (lines > 0 && (double)layout.BulletLines / lines > o.MaxBulletLineFraction)
        {
            return new("gopher_bullet_lines");
        }

        if (lines > 0 && (double)layout.EllipsisLines / lines > o.MaxEllipsisLineFraction)
        {
            return new("gopher_ellipsis_lines");
        }

        if (english && stats.StopWords < o.MinStopWords)
        {
            return new("gopher_stop_words");
        }

        var repetition = GopherRepetition.Check(text, CollectionsMarshal.AsSpan(stats.Tokens), layout, o);
        if (repetition is not null)
        {
            return new(repetition);
        }

        // One pass rules out both phrase rules for almost every text; only a text it flags is searched as the rules state.
        bool? flagged = null;
        if (o.RejectLoremIpsum && (flagged ??= text.AsSpan().ContainsAny(Flagged)) && text.Contains(LoremIpsum, StringComparison.OrdinalIgnoreCase))
        {
            return new("c4_lorem_ipsum");
        }

        if (o.RejectCurlyBracket && text.Contains('{'))
        {
            return new("c4_curly_bracket");
        }

        if (lines > 0 && o.MaxBoilerplateLineFraction is { } maxBoilerplate
            && (double)((flagged ??= text.AsSpan().ContainsAny(Flagged)) ? BoilerplateLines(text, layout.Lines) : 0) / lines > maxBoilerplate)
        {
            return new("c4_boilerplate_lines");
        }

        if (o.MinTerminalPunctuationFraction is { } minTerminal
            && (layout.Paragraphs.Count == 0 ? 1 : (double)layout.TerminalParagraphs / layout.Paragraphs.Count) < minTerminal)
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

        var count = new StopWordCount(text, min);
        Walk(text, ref count);
        return count.Count >= min ? default : new("gopher_stop_words");
    }

    /// <summary>What the walk learns of one token: where its word (the token without the punctuation and symbols at its ends) is.</summary>
    private interface ITokenSink
    {
        /// <param name="start">The token, as <see cref="TextWords.Split"/> delimits it.</param>
        /// <param name="length">Its length.</param>
        /// <param name="wordStart">Where its word starts, or -1 when the token is only punctuation or symbols (no word).</param>
        /// <param name="wordEnd">Where its word ends (exclusive).</param>
        /// <param name="alphabetic">Whether the word has a letter (or a surrogate, as the rule has always counted one).</param>
        /// <param name="spaceless">Whether the token is one Han/kana character.</param>
        /// <returns>False to stop the walk.</returns>
        bool Token(int start, int length, int wordStart, int wordEnd, bool alphabetic, bool spaceless);
    }

    /// <summary>The counts the Gopher quality rules need, and the tokens for the repetition rules.</summary>
    private struct WordStats(string text, List<(int Start, int Length)> tokens, int enoughStopWords) : ITokenSink
    {
        public readonly List<(int Start, int Length)> Tokens = tokens;
        public int Words;
        public long Letters;
        public int Spaceless;
        public int Alphabetic;

        /// <summary>Stop words, counted up to the number the rule asks for.</summary>
        public int StopWords;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Token(int start, int length, int wordStart, int wordEnd, bool alphabetic, bool spaceless)
        {
            Tokens.Add((start, length));
            if (wordStart < 0)
            {
                return true;
            }

            Words++;
            Letters += wordEnd - wordStart;
            Spaceless += spaceless ? 1 : 0;
            Alphabetic += alphabetic ? 1 : 0;
            if (StopWords < enoughStopWords && IsStopWord(text.AsSpan(wordStart, wordEnd - wordStart)))
            {
                StopWords++;
            }

            return true;
        }
    }

    /// <summary>Counts stop words until there are enough.</summary>
    private struct StopWordCount(string text, int enough) : ITokenSink
    {
        public int Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Token(int start, int length, int wordStart, int wordEnd, bool alphabetic, bool spaceless)
        {
            if (wordStart >= 0 && IsStopWord(text.AsSpan(wordStart, wordEnd - wordStart)))
            {
                Count++;
            }

            return Count < enough;
        }
    }

    /// <summary>How the word walk sees one UTF-16 unit.</summary>
    [Flags]
    private enum CharKind : byte
    {
        /// <summary>Part of a word, and trimmed from its ends (punctuation, symbol, format or control).</summary>
        None = 0,

        /// <summary><see cref="Rune.IsWhiteSpace"/>: ends a token.</summary>
        Space = 1,

        /// <summary><see cref="TextWords.IsSpaceless"/>: a token of its own.</summary>
        Spaceless = 2,

        /// <summary>Not punctuation, symbol, format or control: kept when a word is trimmed.</summary>
        Kept = 4,

        /// <summary>A letter or a surrogate (what the alphabetic-word rule counts).</summary>
        Alphabetic = 8,

        /// <summary>Starts a surrogate pair: decoded before it is classified.</summary>
        HighSurrogate = 16,
    }

    private static readonly SearchValues<char> NonLetters = SearchValues.Create(
        [.. Enumerable.Range(0, 0x10000).Select(c => (char)c).Where(c => !char.IsLetter(c) && !char.IsSurrogate(c))]);

    /// <summary>Every UTF-16 unit's <see cref="CharKind"/>, from the same predicates the rules are stated with.</summary>
    private static readonly CharKind[] Kinds = BuildKinds();

    private static CharKind[] BuildKinds()
    {
        var kinds = new CharKind[0x10000];
        for (var i = 0; i < kinds.Length; i++)
        {
            var c = (char)i;
            var kind = CharKind.None;
            if (char.IsHighSurrogate(c))
            {
                kind |= CharKind.HighSurrogate;
            }
            else if (!char.IsSurrogate(c))
            {
                kind |= Rune.IsWhiteSpace(new Rune(c)) ? CharKind.Space : CharKind.None;
                kind |= TextWords.IsSpaceless(c) ? CharKind.Spaceless : CharKind.None;
            }

            kind |= IsPunctuationOrSymbol(c) ? CharKind.None : CharKind.Kept;
            kind |= NonLetters.Contains(c) ? CharKind.None : CharKind.Alphabetic;
            kinds[i] = kind;
        }

        return kinds;
    }

    /// <summary>
    /// The tokens of <see cref="TextWords.Split"/> (runs of non-whitespace, each Han/kana character alone), each with
    /// its word: the token less the punctuation, symbols, format and control characters at its ends.
    /// </summary>
    private static void Walk<TSink>(ReadOnlySpan<char> text, ref TSink sink)
        where TSink : struct, ITokenSink
    {
        const CharKind Boundary = CharKind.Space | CharKind.Spaceless | CharKind.HighSurrogate;
        ref var kinds = ref MemoryMarshal.GetArrayDataReference(Kinds);
        var i = 0;
        while (i < text.Length)
        {
            var kind = Unsafe.Add(ref kinds, text[i]);
            if ((kind & Boundary) == 0 || InWord(text, i, kind) > 0)
            {
                // A token: only the union of its characters' kinds is kept; its word is found when it ends.
                var start = i;
                var seen = CharKind.None;
                while (true)
                {
                    if ((kind & Boundary) == 0)
                    {
                        seen |= kind;
                        i++;
                    }
                    else if (InWord(text, i, kind) is var width and > 0)
                    {
                        seen |= kind;
                        i += width;
                    }
                    else
                    {
                        break;
                    }

                    if (i == text.Length)
                    {
                        break;
                    }

                    kind = Unsafe.Add(ref kinds, text[i]);
                }

                if (!Flush(text, ref sink, start, i, seen))
                {
                    return;
                }
            }
            else if ((kind & CharKind.Space) != 0)
            {
                i++;
            }
            else if ((kind & CharKind.Spaceless) != 0)
            {
                if (!sink.Token(i, 1, (kind & CharKind.Kept) != 0 ? i : -1, i + 1, (kind & CharKind.Alphabetic) != 0, spaceless: true))
                {
                    return;
                }

                i++;
            }
            else
            {
                // A surrogate pair that is white space (none is, today) or a Han character of its own.
                if (!Rune.IsWhiteSpace(new Rune(text[i], text[i + 1])) && !sink.Token(i, 2, i, i + 2, alphabetic: true, spaceless: true))
                {
                    return;
                }

                i += 2;
            }
        }
    }

    /// <summary>
    /// For a high surrogate, how many units of a word it starts: 2 for a pair that is neither white space nor Han/kana,
    /// 1 alone (a replacement character, part of a word); 0 otherwise.
    /// </summary>
    private static int InWord(ReadOnlySpan<char> text, int i, CharKind kind)
    {
        if ((kind & CharKind.HighSurrogate) == 0)
        {
            return 0;
        }

        if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            var rune = new Rune(text[i], text[i + 1]);
            return Rune.IsWhiteSpace(rune) || TextWords.IsSpaceless(rune.Value) ? 0 : 2;
        }

        return 1;
    }

    /// <summary>Hands a token to the sink with its word: the token less the unkept characters at its ends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Flush<TSink>(ReadOnlySpan<char> text, ref TSink sink, int start, int end, CharKind seen)
        where TSink : struct, ITokenSink
    {
        var wordStart = -1;
        var wordEnd = -1;
        if ((seen & CharKind.Kept) != 0)
        {
            ref var kinds = ref MemoryMarshal.GetArrayDataReference(Kinds);
            wordStart = start;
            while ((Unsafe.Add(ref kinds, text[wordStart]) & CharKind.Kept) == 0)
            {
                wordStart++;
            }

            wordEnd = end;
            while ((Unsafe.Add(ref kinds, text[wordEnd - 1]) & CharKind.Kept) == 0)
            {
                wordEnd--;
            }
        }

        return sink.Token(start, end - start, wordStart, wordEnd, (seen & CharKind.Alphabetic) != 0, spaceless: false);
    }

    private static bool IsPunctuationOrSymbol(char c) => char.GetUnicodeCategory(c) is
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
        or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
        or UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol
        or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol or UnicodeCategory.Format or UnicodeCategory.Control;

    /// <summary>
    /// OrdinalIgnoreCase equality with a stop word. An ASCII word is packed a byte per character with the case bit set
    /// (c | 0x20 equals a lowercase letter only for that letter and its capital) and compared as one number.
    /// </summary>
    private static bool IsStopWord(ReadOnlySpan<char> word)
    {
        if (word.Length is < 2 or > 4)
        {
            return false;
        }

        var packed = 0u;
        foreach (var c in word)
        {
            if (c >= 0x80)
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

            packed = packed << 8 | c | 0x20u;
        }

        // the, be, to, of, and, that, have, with
        return packed is 0x746865 or 0x6265 or 0x746F or 0x6F66 or 0x616E64 or 0x74686174 or 0x68617665 or 0x77697468;
    }

    private static int BoilerplateLines(string text, List<(int Start, int Length)> lines)
    {
        var count = 0;
        foreach (var (start, length) in lines)
        {
            var line = text.AsSpan(start, length);
            foreach (var phrase in PolicyPhrases)
            {
                if (line.Contains(phrase, StringComparison.OrdinalIgnoreCase))
                {
                    count++;
                    break;
                }
            }
        }

        return count;
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

    /// <summary>
    /// The text's non-blank lines and blank-line separated paragraphs (each trimmed of white space), with what the
    /// line and paragraph rules count of them; the lists belong to the thread's <see cref="Scratch"/>.
    /// </summary>
    internal readonly record struct Layout(
        List<(int Start, int Length)> Lines, List<(int Start, int Length)> Paragraphs, int BulletLines, int EllipsisLines, int TerminalParagraphs)
    {
        /// <summary>
        /// Lines start with a bullet or end with an ellipsis ("..." or "…"); a paragraph ends in terminal punctuation
        /// when its last line's last character is one and that line does not end with "...".
        /// </summary>
        public static Layout Of(string text, Scratch scratch)
        {
            var lines = scratch.Lines;
            var paragraphs = scratch.Paragraphs;
            lines.Clear();
            paragraphs.Clear();
            int bullets = 0, ellipses = 0, terminal = 0;
            var paragraphStart = -1;
            var last = (Start: 0, Length: 0);
            var span = text.AsSpan();
            var from = 0;
            while (true)
            {
                var newline = span[from..].IndexOf('\n');
                var to = newline < 0 ? span.Length : from + newline;
                var raw = span[from..to];
                var line = raw.TrimStart();
                var start = to - line.Length;
                line = line.TrimEnd();
                if (!line.IsEmpty)
                {
                    lines.Add((start, line.Length));
                    bullets += Bullets.Contains(line[0]) ? 1 : 0;
                    ellipses += line.EndsWith("...") || line.EndsWith('…') ? 1 : 0;
                    paragraphStart = paragraphStart < 0 ? start : paragraphStart;
                    last = (start, line.Length);
                }
                else if (paragraphStart >= 0)
                {
                    Close(span, ref paragraphStart, last, paragraphs, ref terminal);
                }

                if (newline < 0)
                {
                    break;
                }

                from = to + 1;
            }

            if (paragraphStart >= 0)
            {
                Close(span, ref paragraphStart, last, paragraphs, ref terminal);
            }

            return new(lines, paragraphs, bullets, ellipses, terminal);
        }

        private static void Close(ReadOnlySpan<char> text, ref int paragraphStart, (int Start, int Length) last, List<(int, int)> paragraphs, ref int terminal)
        {
            paragraphs.Add((paragraphStart, last.Start + last.Length - paragraphStart));
            var line = text.Slice(last.Start, last.Length);
            terminal += Terminal.Contains(line[^1]) && !line.EndsWith("...") ? 1 : 0;
            paragraphStart = -1;
        }
    }

    /// <summary>The lists one evaluation fills, kept per thread so that screening a batch allocates none per document.</summary>
    internal sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? _current;

        public List<(int Start, int Length)> Tokens { get; } = [];

        public List<(int Start, int Length)> Lines { get; } = [];

        public List<(int Start, int Length)> Paragraphs { get; } = [];

        public static Scratch ForThread() => _current ??= new Scratch();
    }
}
