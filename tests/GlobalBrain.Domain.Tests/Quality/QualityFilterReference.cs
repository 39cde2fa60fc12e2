using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;
using GlobalBrain.Domain.Quality;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// The pre-optimisation <see cref="QualityFilter"/> and <c>GopherRepetition</c> (commit e3105e7), kept verbatim
/// as the oracle that the optimised rules must agree with, verdict for verdict (see QualityFilterEquivalenceTests).
/// Only the names changed. Do not optimise or "fix" this copy: it is the definition of today's behaviour.
/// </summary>
internal sealed class QualityFilterReference(QualityOptions? options = null)
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

        var repetition = GopherRepetitionReference.Check(text, tokens, o);
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

/// <summary>
/// The pre-optimisation GopherRepetition (commit e3105e7), verbatim: part of <see cref="QualityFilterReference"/>.
/// Gopher's repetition rules (Rae et al. 2021, table A1), as datatrove's GopherRepetitionFilter computes
/// them, over <see cref="TextWords"/> tokens; fractions are of the text's characters. N-grams are compared
/// by a 64-bit hash of their words' hashes, not as strings.
/// </summary>
internal static class GopherRepetitionReference
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

        var scratch = Scratch.ForThread();
        var hashes = ArrayPool<ulong>.Shared.Rent(tokens.Count);
        var keys = ArrayPool<ulong>.Shared.Rent(tokens.Count);
        try
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                hashes[i] = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text.AsSpan(tokens[i].Start, tokens[i].Length)));
            }

            // keys[i] is the hash of the n-gram that starts at word i, grown one word per n, so a pass costs one mix per
            // position; n-grams of one n are compared only with each other.
            var n = 1;
            hashes.AsSpan(0, tokens.Count).CopyTo(keys);

            // A text with no repeated k-gram has no repeated n-gram for any n ≥ k (an equal n-gram starts with an equal
            // k-gram): from there every count is 1, the top n-gram is the longest one, and nothing is repeated.
            var unrepeatedFrom = int.MaxValue;
            var counts = scratch.Counts;
            foreach (var (size, max) in o.TopNGramCharFractions)
            {
                var top = (Count: 0, Chars: 0);
                if (size < unrepeatedFrom)
                {
                    Grow(keys, hashes, tokens.Count, ref n, size);
                    counts.Clear();
                    for (var i = 0; i + size <= tokens.Count; i++)
                    {
                        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, keys[i], out _);
                        entry = (entry.Count + 1, Chars(tokens, i, size));
                        if (entry.Count > top.Count || (entry.Count == top.Count && entry.Chars > top.Chars))
                        {
                            top = entry;
                        }
                    }

                    unrepeatedFrom = counts.Count < tokens.Count - size + 1 ? unrepeatedFrom : size;
                }
                else
                {
                    for (var i = 0; i + size <= tokens.Count; i++)
                    {
                        top = (1, Math.Max(top.Chars, Chars(tokens, i, size)));
                    }
                }

                if ((double)top.Count * top.Chars / text.Length > max)
                {
                    return Reason(TopReasons, size, "top");
                }
            }

            var seen = scratch.Seen;
            foreach (var (size, max) in o.DuplicateNGramCharFractions)
            {
                if (size >= unrepeatedFrom)
                {
                    // Nothing repeats at this size: the repeated characters are 0, within any threshold of 0 or more.
                    if (max < 0)
                    {
                        return Reason(DuplicateReasons, size, "duplicate");
                    }

                    continue;
                }

                Grow(keys, hashes, tokens.Count, ref n, size);
                seen.Clear();
                long repeated = 0;
                var i = 0;
                var any = false;
                while (i + size <= tokens.Count)
                {
                    if (seen.Add(keys[i]))
                    {
                        i++;
                    }
                    else
                    {
                        any = true;
                        repeated += Chars(tokens, i, size);
                        i += size;
                    }
                }

                // Only a pass that found nothing added every position, and so proves that nothing repeats.
                unrepeatedFrom = any ? unrepeatedFrom : Math.Min(unrepeatedFrom, size);
                if ((double)repeated / text.Length > max)
                {
                    return Reason(DuplicateReasons, size, "duplicate");
                }
            }

            return null;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(hashes);
            ArrayPool<ulong>.Shared.Return(keys);
        }
    }

    /// <summary>Extends keys[i] from the n-gram hashes at each start to those of <paramref name="size"/>-grams (sizes only grow).</summary>
    private static void Grow(ulong[] keys, ulong[] hashes, int count, ref int n, int size)
    {
        if (size < n)
        {
            // Sizes out of order (a caller's options): start again from single words.
            hashes.AsSpan(0, count).CopyTo(keys);
            n = 1;
        }

        for (; n < size; n++)
        {
            for (var i = 0; i + n < count; i++)
            {
                keys[i] = Mix(keys[i], hashes[i + n]);
            }
        }
    }

    /// <summary>Adds one word's hash to an n-gram's (a multiply-xorshift mix, as in Murmur3's finaliser, of the pair).</summary>
    private static ulong Mix(ulong key, ulong word)
    {
        var h = (BitOperations.RotateLeft(key, 23) ^ word) * 0x9E3779B97F4A7C15UL;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        return h ^ (h >> 32);
    }

    private static string Reason(string[] cached, int n, string kind) =>
        n < cached.Length ? cached[n] : $"gopher_{kind}_{n}_gram{(kind == "top" ? "" : "s")}";

    /// <summary>Characters from the n-gram's first word to its last, separators included.</summary>
    private static int Chars(List<(int Start, int Length)> tokens, int start, int n) =>
        tokens[start + n - 1].Start + tokens[start + n - 1].Length - tokens[start].Start;

    /// <summary>Non-blank lines or blank-line separated paragraphs: how many, how many repeat an earlier one, their characters.</summary>
    private static (int Units, int Duplicates, long DuplicateChars) Duplicates(string text, bool paragraphs)
    {
        var seen = Scratch.ForThread().Units;
        seen.Clear();
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

    /// <summary>The sets one check fills, kept per thread so that screening a batch allocates no new ones per document.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? _current;

        public Dictionary<ulong, (int Count, int Chars)> Counts { get; } = [];

        public HashSet<ulong> Seen { get; } = [];

        public HashSet<UInt128> Units { get; } = [];

        public static Scratch ForThread() => _current ??= new Scratch();
    }
}
