using System.Buffers;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using Lingua;

namespace GlobalBrain.Domain.Quality;

/// <summary>
/// A first stage in front of Lingua: for a text of Latin letters it computes what Lingua 2.0.0 computes — per
/// Latin-script candidate, the sum over the text's distinct letter n-grams of the log-probability of the n-gram (else
/// of its prefix one letter shorter, and so on) in that candidate's model; trigrams only from 120 cleaned characters
/// on, else sizes 1 to 5 added and divided by the text's distinct letters found in the candidate's unigram model — from
/// one table (n-gram → the log-probabilities of all those candidates), and answers
/// when the best candidate leads the second by <see cref="MinimumMargin"/> per trigram (long texts) or
/// <see cref="MinimumShortMargin"/> (shorter). Otherwise (other scripts, texts Lingua's rules could decide, close
/// calls) it does not answer and the caller asks Lingua.
/// </summary>
/// <remarks>
/// <para>What is mirrored (from the 2.0.0 assembly, decompiled): the text is trimmed, lower-cased, stripped of
/// punctuation and numbers and its whitespace runs become one space; n-grams are windows inside runs of
/// <see cref="char.IsLetter(char)"/>, each counted once, summed in the order they first occur (so the sums here are
/// the same doubles Lingua adds, in the same order); a size counts for a language only when its sum is below zero, a
/// language only when its score is not zero; the winner has the highest score, its confidence exp(score) over the sum
/// of exp(scores) (1 for a long text when those all underflow). Lingua's rules run first and can decide or narrow the
/// candidates; this stage declines the texts where they could: any character outside Latin (U+0000–U+024F,
/// U+1E00–U+1EFF), general punctuation (U+2000–U+206F) or whitespace, no word all of Latin letters, half the words or
/// more with a candidate's unique letter (ß), or a candidate counting half the words or more in Lingua's table of
/// telling accents (then Lingua keeps only those languages).</para>
/// <para>How it stays cheap (each step checked bit for bit against the former straightforward scoring,
/// LanguageFirstStageEquivalenceTests): one pass over the text cleans it into letter codes and counts the words the
/// rules read, from a table per character (so no char.ToLowerInvariant, IsPunctuation, IsLetter or dictionary per
/// character); a second lists the distinct n-grams in first-seen order (for long texts without a branch the processor
/// could mispredict); a third looks each up once in an open-addressing table of ulong keys shared by all sizes, whose
/// slot is the n-gram's row of log-probabilities with the key in its last lane (one cache line for 7 candidates), and
/// adds the rows as vectors, lane by lane — per candidate the same additions in the same order.</para>
/// <para>Compared with Lingua alone (LanguageFirstStageTests; candidates en, es, zh + <see cref="LanguageScreen.DefaultOthers"/>,
/// so tables for de, en, es, fr, it, nl, pt): the same code wherever it answers, and the same confidence to 1e-9 — of
/// the 9,085 corpus paragraphs and 6 document samples (as <see cref="LanguageScreen.Sample"/> cuts them) it answered
/// 8,329 (91.7 % of the characters; 2,924 under 120 cleaned characters) with 0 disagreements; of the test's 168-text
/// multilingual set 119 with 0. Tables: sizes 1–3 38,618 n-grams, +5.0 MB managed heap, 0.2 s; sizes 4–5 (loaded at
/// the first short text) 1,106,894 n-grams, +98 MB, 3.7 s. Throughput on the corpus paragraphs (benchmark
/// <c>quality</c>, one thread, MB per CPU second, on a shared machine whose CPU seconds vary by a third): Lingua alone
/// 0.6–0.8; first stage + Lingua 29–33 (the former scoring 16–17 in the run after it); the stage alone 46 (former:
/// 34); the stage alone, the former and this one alternating in one process, 1.6–1.9 times less CPU. Details and the
/// margins tried: <c>grains/GlobalBrain.Domain/Quality/README.md</c>, section Language.</para>
/// </remarks>
internal sealed class LanguageFirstStage
{
    /// <summary>Lingua's <c>HighAccuracyModeMaxTextLength</c>: from this cleaned length on it reads trigrams only, below it sizes 1 to 5.</summary>
    internal const int MinimumCleanedLength = 120;

    /// <summary>
    /// The lead, in log-probability per distinct trigram, the best candidate needs over the second. The sums are
    /// Lingua's own, so any lead would agree; this one leaves close calls (a text between two languages) to Lingua in
    /// case something is not mirrored. Chosen by measurement: see the README.
    /// </summary>
    internal const double MinimumMargin = 0.05;

    /// <summary>
    /// The lead in Lingua's score (the sum over sizes 1–5 of each size's log-probability sum, divided by the number of
    /// the text's distinct letters in the candidate's unigram model) the best candidate needs below 120 cleaned
    /// characters. Chosen by measurement: see the README.
    /// </summary>
    internal const double MinimumShortMargin = 0.5;

    /// <summary>Distinct trigrams a text of 120 cleaned characters or more needs before the stage answers.</summary>
    internal const int MinimumTrigrams = 20;

    private const int MaxAccentsPerWord = 16;

    /// <summary>Bits per letter in a table key: the letters this stage reads fit in ten, so a 5-gram fits a ulong.</summary>
    private const int CodeBits = 10;

    private static readonly string[] ModelNames = ["unigram", "bigram", "trigram", "quadrigram", "fivegram"];

    // Lingua's CharsToLanguagesMapping (2.0.0), the groups that can hold a Latin-script language; lower case only,
    // since the text is lower-cased before the rule reads it.
    private static readonly (string Characters, string[] Codes)[] TellingAccents =
    [
        ("ã", ["pt", "vi"]), ("ąę", ["lt", "pl"]), ("ż", ["pl", "ro"]), ("î", ["fr", "ro"]), ("ñ", ["eu", "es"]),
        ("ňť", ["cs", "sk"]), ("ă", ["ro", "vi"]), ("ığ", ["az", "tr"]), ("ẹọ", ["vi", "yo"]), ("ðþ", ["is", "tr"]),
        ("û", ["fr", "hu"]), ("ō", ["mi", "yo"]), ("āēī", ["lv", "mi", "yo"]), ("ş", ["az", "ro", "tr"]),
        ("ď", ["cs", "ro", "sk"]), ("ć", ["bs", "hr", "pl"]), ("đ", ["bs", "hr", "vi"]), ("ì", ["it", "vi", "yo"]),
        ("ø", ["nb", "da", "nn"]), ("ū", ["lv", "lt", "mi", "yo"]), ("ë", ["af", "sq", "nl", "fr"]),
        ("èù", ["fr", "it", "vi", "yo"]), ("ê", ["af", "fr", "pt", "vi"]), ("õ", ["et", "hu", "pt", "vi"]),
        ("ô", ["fr", "pt", "sk", "vi"]), ("ò", ["ca", "it", "vi", "yo"]), ("æ", ["nb", "da", "is", "nn"]),
        ("å", ["nb", "da", "nn", "sv"]), ("ý", ["cs", "is", "sk", "tr", "vi"]), ("ä", ["et", "fi", "de", "sk", "sv"]),
        ("à", ["ca", "fr", "it", "pt", "vi"]), ("â", ["fr", "pt", "ro", "tr", "vi"]),
        ("ü", ["az", "ca", "et", "de", "hu", "es", "tr"]), ("čšž", ["bs", "cs", "hr", "lv", "lt", "sk", "sl"]),
        ("ç", ["sq", "az", "eu", "ca", "fr", "pt", "tr"]), ("ö", ["az", "et", "fi", "de", "hu", "is", "sv", "tr"]),
        ("ó", ["ca", "hu", "is", "ga", "pl", "pt", "sk", "es", "vi", "yo"]),
        ("áíú", ["ca", "cs", "is", "ga", "hu", "pt", "sk", "es", "vi", "yo"]),
        ("é", ["ca", "cs", "fr", "hu", "is", "ga", "it", "pt", "sk", "es", "vi", "yo"]),
    ];

    private const int LongestNgram = 5;

    /// <summary>A cleaned position that is not a letter (a space, a symbol): it ends the run of letters.</summary>
    private const int NotLetter = int.MinValue;

    /// <summary>Entries in <see cref="_chars"/>: U+0000–U+024F, then U+1E00–U+1EFF, then U+2000–U+206F.</summary>
    private const int CharTableLength = 0x250 + 0x100 + 0x70;

    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>Where a listed n-gram's size is kept, above its key (50 bits at most).</summary>
    private const int SizeShift = 58;

    private readonly int _count;
    private readonly int _stride;
    private readonly Tables _trigramTables;
    private readonly Lazy<Tables> _allTables;
    private readonly CharInfo[] _chars;
    private readonly uint[] _accentColumns;

    private LanguageFirstStage(string[] codes, string directory, Tables trigramTables, CharInfo[] chars, uint[] accentColumns)
    {
        Codes = codes;
        _count = codes.Length;
        _stride = trigramTables.Stride;
        _trigramTables = trigramTables;
        _allTables = new Lazy<Tables>(() => Build(codes, directory, trigramTables));
        _chars = chars;
        _accentColumns = accentColumns;
    }

    /// <summary>The candidates it scores (the detector's Latin-script ones), in table column order.</summary>
    internal IReadOnlyList<string> Codes { get; }

    /// <summary>N-grams in the tables loaded so far, by size (1 to 3, or 1 to 5 once a short text has asked for them).</summary>
    internal IReadOnlyList<int> Rows => (_allTables.IsValueCreated ? _allTables.Value : _trigramTables).Sizes;

    /// <summary>Where Lingua 2.0.0 reads its models when the builder is not given a directory.</summary>
    internal static string LinguaModelsDirectory => Path.Combine(AppContext.BaseDirectory, "Lingua", "LanguageModels");

    /// <summary>
    /// The stage for <paramref name="candidates"/>, or null when fewer than two of them are written in Latin script.
    /// Reads the 1- to 3-gram models now; the 4- and 5-grams, needed only under 120 cleaned characters (and 25 times
    /// larger), the first time such a text comes (<see cref="LoadShortTextTables"/>).
    /// </summary>
    internal static LanguageFirstStage? Create(IReadOnlyCollection<Language> candidates, string? directory = null)
    {
        var latin = LanguageInfo.AllWithLatinScript();
        var languages = candidates.Where(latin.Contains).OrderBy(l => Code(l), StringComparer.Ordinal).ToArray();
        if (languages.Length is < 2 or > 32)
        {
            return null;
        }

        directory ??= LinguaModelsDirectory;
        var codes = languages.Select(Code).ToArray();
        var trigramTables = Build(codes, directory, lower: null);
        var position = codes.Select((code, i) => (code, i)).ToDictionary(p => p.code, p => p.i, StringComparer.Ordinal);
        var accents = new Dictionary<char, uint>();
        foreach (var (characters, groupCodes) in TellingAccents)
        {
            var columns = groupCodes.Where(position.ContainsKey).Aggregate(0u, (mask, g) => mask | (1u << position[g]));
            foreach (var ch in characters)
            {
                accents[ch] = columns; // a telling accent even when none of its languages is a candidate: it counts towards the 16
            }
        }

        var accentIds = accents.Keys.Select((ch, i) => (ch, i)).ToDictionary(p => p.ch, p => p.i + 1); // 1 to 51: a bit each in a ulong
        uint[] accentColumns = [0, .. accents.Values];
        var unique = string.Concat(languages.Select(l => l.UniqueCharacters() ?? ""));
        var chars = new CharInfo[CharTableLength];
        for (var i = 0; i < chars.Length; i++)
        {
            var c = (char)(i < 0x250 ? i : i < 0x350 ? 0x1E00 + (i - 0x250) : 0x2000 + (i - 0x350));
            var lower = char.ToLowerInvariant(c);
            if (char.IsWhiteSpace(c) || char.IsPunctuation(lower) || char.IsNumber(lower))
            {
                chars[i] = new CharInfo(NotLetter, char.IsWhiteSpace(c) ? CharInfo.Space : 0);
                continue;
            }

            var letter = char.IsLetter(lower);
            var accent = lower >= '\u00E0' && accentIds.TryGetValue(lower, out var id) ? id : 0;
            chars[i] = new CharInfo(
                letter ? CodeOf(lower) : NotLetter, // a letter whose lower case lies outside the ranges: −1, as the key always took it
                CharInfo.Kept | (letter ? CharInfo.Letter : 0) | (letter && lower != '\u00B5' ? 0 : CharInfo.NotLatin) // µ is a letter of the Common script
                    | (unique.Contains(lower, StringComparison.Ordinal) ? CharInfo.Unique : 0) | (accent << CharInfo.AccentShift));
        }

        return new LanguageFirstStage(codes, directory, trigramTables, chars, accentColumns);
    }

    /// <summary>Loads the 4- and 5-gram tables now rather than at the first short text.</summary>
    internal void LoadShortTextTables() => _ = _allTables.Value;

    /// <summary>
    /// <paramref name="lower"/>'s n-grams and the next sizes' (1 to 3 when it is null, else 4 and 5): each model read
    /// for every candidate into one row per n-gram, one hash table from every n-gram's key to its row.
    /// </summary>
    private static Tables Build(string[] codes, string directory, Tables? lower)
    {
        var count = codes.Length;
        var stride = (count + Vector256<double>.Count - 1) / Vector256<double>.Count * Vector256<double>.Count;
        var from = lower is null ? 1 : lower.Sizes.Length + 1;
        var to = lower is null ? 3 : LongestNgram;
        var index = new Dictionary<ulong, int>();
        var values = new List<double>();
        var sizes = new List<int>(lower?.Sizes ?? []);
        var unigramPresence = lower?.UnigramPresence ?? new uint[1 << CodeBits];
        if (lower is not null)
        {
            foreach (var (key, logs) in lower.Entries())
            {
                index[key] = index.Count;
                values.AddRange(logs);
                values.AddRange(Enumerable.Repeat(0.0, stride - count));
            }
        }

        for (var n = from; n <= to; n++)
        {
            var table = new Dictionary<ulong, double[]>();
            for (var c = 0; c < count; c++)
            {
                foreach (var (ngram, probability) in ReadModel(Path.Combine(directory, codes[c], ModelNames[n - 1] + "s.json.br")))
                {
                    // Lingua picks the model by the n-gram's UTF-16 length, so an entry of another length is never
                    // read; one with a letter outside the ranges this stage reads can never match a text it reads.
                    if (ngram.Length != n || !TryKey(ngram, out var key))
                    {
                        continue;
                    }

                    if (!table.TryGetValue(key, out var row))
                    {
                        table[key] = row = new double[count];
                        row.AsSpan().Fill(double.NaN); // not in that candidate's model
                    }

                    row[c] = Math.Log(probability);
                }
            }

            // Each row holds, per candidate, the log-probability Lingua adds for that n-gram: its own, else its
            // prefix's one size down, and so on, else zero (nothing added). The models hold conditional frequencies,
            // so some are 1: an n-gram of log-probability zero is there and stops the backing off, hence NaN for
            // "absent" while building. Rows are padded with zeros to whole vectors.
            foreach (var (key, row) in table)
            {
                var backOff = -1;
                for (var (m, prefix) = (n - 1, key >> CodeBits); m >= 1 && backOff < 0; m--, prefix >>= CodeBits)
                {
                    backOff = index.GetValueOrDefault(prefix, -1);
                }

                var r = index.Count;
                for (var c = 0; c < stride; c++)
                {
                    values.Add(c >= count ? 0 : !double.IsNaN(row[c]) ? row[c] : backOff < 0 ? 0 : values[(backOff * stride) + c]);
                    if (n == 1 && c < count && !double.IsNaN(row[c]))
                    {
                        unigramPresence[key] |= 1u << c;
                    }
                }

                index[key] = r;
            }

            sizes.Add(table.Count);
        }

        // The table the long texts read is kept sparse; the one with the 4- and 5-grams, 30 times larger, denser.
        return new Tables(index, values, count, stride, [.. sizes], unigramPresence, lower is null ? 0.5 : 0.75);
    }

    /// <summary>Lingua's verdict on <paramref name="text"/> when this stage can tell it; false when Lingua must be asked.</summary>
    internal bool TryDetect(string text, out LanguageGuess guess) => TryDetect(text, MinimumMargin, MinimumShortMargin, out guess, out _, out _);

    /// <inheritdoc cref="TryDetect(string, out LanguageGuess)"/>
    /// <param name="minimumMargin">The lead per distinct trigram needed from 120 cleaned characters on.</param>
    /// <param name="minimumShortMargin">The lead in Lingua's log-score needed below 120 cleaned characters.</param>
    /// <param name="margin">The best candidate's lead (NaN when the text was declined before scoring).</param>
    /// <param name="shortText">True when the text was scored as Lingua scores texts under 120 cleaned characters.</param>
    internal bool TryDetect(string text, double minimumMargin, double minimumShortMargin, out LanguageGuess guess, out double margin, out bool shortText)
    {
        ArgumentNullException.ThrowIfNull(text);
        guess = default;
        margin = double.NaN;
        shortText = false;
        var buffer = ArrayPool<int>.Shared.Rent(text.Length + 1);
        try
        {
            var length = CleanWhereRulesLeaveItToNgrams(text, buffer);
            if (length < 1)
            {
                return false;
            }

            var cleaned = buffer.AsSpan(0, length);
            Span<double> scores = stackalloc double[_count];
            Span<int> unigramCounts = stackalloc int[_count];
            scores.Clear();
            unigramCounts.Clear();
            shortText = length < MinimumCleanedLength;
            var trigrams = Score(cleaned, shortText, scores, unigramCounts);

            if (!shortText && trigrams < MinimumTrigrams)
            {
                return false;
            }

            int best = -1, second = -1;
            for (var c = 0; c < _count; c++)
            {
                if (shortText && unigramCounts[c] > 0)
                {
                    scores[c] /= unigramCounts[c];
                }

                if (scores[c] == 0)
                {
                    continue; // Lingua leaves out a language none of whose n-grams it found
                }

                if (best < 0 || scores[c] > scores[best])
                {
                    (second, best) = (best, c);
                }
                else if (second < 0 || scores[c] > scores[second])
                {
                    second = c;
                }
            }

            if (best < 0)
            {
                return false;
            }

            var lead = second < 0 ? double.PositiveInfinity : scores[best] - scores[second];
            margin = shortText ? lead : lead / trigrams;
            if (!(margin >= (shortText ? minimumShortMargin : minimumMargin)) || margin == 0)
            {
                return false;
            }

            var denominator = 0.0;
            for (var c = 0; c < _count; c++)
            {
                denominator += scores[c] != 0 ? Math.Exp(scores[c]) : 0;
            }

            if (denominator == 0 && shortText)
            {
                return false; // Lingua would then take the best unigram sum alone
            }

            guess = new LanguageGuess(Codes[best], denominator == 0 ? 1 : Math.Exp(scores[best]) / denominator);
            return true;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Lingua 2.0.0's cleaning (trim, lower-case, drop punctuation and numbers, each whitespace run → one space) into
    /// <paramref name="output"/> as letter codes (<see cref="NotLetter"/> for the rest), and in the same pass the test
    /// that Lingua's two rules leave the verdict to the n-grams of all Latin-script candidates: the cleaned text's
    /// words (split at spaces) include one of Latin letters only, so Latin is the text's alphabet; fewer than half of
    /// them hold a candidate's unique letter; no candidate has half the word count in telling accents. Returns the
    /// cleaned length, or −1 when the text has a character this stage does not read (see the class remarks) or the
    /// rules could decide.
    /// </summary>
    private int CleanWhereRulesLeaveItToNgrams(ReadOnlySpan<char> text, Span<int> output)
    {
        int start = 0, end = text.Length;
        while (start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        if (output.Length <= end - start)
        {
            throw new ArgumentException("The output must hold the text and one space more.", nameof(output));
        }

        Span<int> accentCounts = stackalloc int[_count];
        accentCounts.Clear();
        ref var chars = ref MemoryMarshal.GetArrayDataReference(_chars);
        ref var cleaned = ref MemoryMarshal.GetReference(output);
        int length = 0, words = 0, latinWords = 0, uniqueWords = 0;
        var word = 0; // the current word's flags, ORed
        var all = 0; // every word's
        var accents = 0UL; // the current word's telling accents, a bit each
        var space = false; // the cleaned text ends with a space: a whitespace run has been seen after the last kept character
        for (var i = start; i < end; i++)
        {
            int c = text[i];
            var at = c < 0x250 ? c : c is >= 0x1E00 and <= 0x1EFF ? c - 0x1E00 + 0x250 : c is >= 0x2000 and <= 0x206F ? c - 0x2000 + 0x350 : -1;
            var info = at >= 0 ? Unsafe.Add(ref chars, at) : char.IsWhiteSpace((char)c) ? new CharInfo(NotLetter, CharInfo.Space) : default;
            if ((info.Flags & CharInfo.Kept) != 0)
            {
                Unsafe.Add(ref cleaned, length++) = info.Code;
                space = false;
                word |= info.Flags;
                if (info.Flags >= 1 << CharInfo.AccentShift)
                {
                    accents |= 1UL << (info.Flags >> CharInfo.AccentShift);
                    if (BitOperations.PopCount(accents) > MaxAccentsPerWord)
                    {
                        return -1;
                    }
                }
            }
            else if (info.Flags == CharInfo.Space)
            {
                // Lingua writes one space for the run when a kept character follows or the text ends, so always.
                if (!space)
                {
                    Unsafe.Add(ref cleaned, length++) = NotLetter;
                    space = true;
                }

                if (word != 0)
                {
                    words++;
                    latinWords += (word & CharInfo.NotLatin) == 0 ? 1 : 0;
                    uniqueWords += (word & CharInfo.Unique) != 0 ? 1 : 0;
                    all |= word;
                    word = 0;
                    for (; accents != 0; accents &= accents - 1)
                    {
                        for (var columns = _accentColumns[BitOperations.TrailingZeroCount(accents)]; columns != 0; columns &= columns - 1)
                        {
                            accentCounts[BitOperations.TrailingZeroCount(columns)]++;
                        }
                    }
                }
            }
            else if (at < 0)
            {
                return -1; // other scripts (Lingua's rules decide them), surrogates, combining marks
            }
        }

        if (word != 0)
        {
            words++;
            latinWords += (word & CharInfo.NotLatin) == 0 ? 1 : 0;
            uniqueWords += (word & CharInfo.Unique) != 0 ? 1 : 0;
            all |= word;
            for (; accents != 0; accents &= accents - 1)
            {
                for (var columns = _accentColumns[BitOperations.TrailingZeroCount(accents)]; columns != 0; columns &= columns - 1)
                {
                    accentCounts[BitOperations.TrailingZeroCount(columns)]++;
                }
            }
        }

        if ((all & CharInfo.Letter) == 0 || latinWords == 0 || 2 * uniqueWords >= words)
        {
            return -1;
        }

        foreach (var count in accentCounts)
        {
            if (2 * count >= words)
            {
                return -1;
            }
        }

        return length;
    }

    /// <summary>
    /// Adds to <paramref name="scores"/> Lingua's sums for sizes 1 to 5 (<paramref name="shortText"/>) or 3 alone, in
    /// that order, each only when below zero: per size, the log-probabilities (backed off) of the distinct n-grams,
    /// added in first-seen order; for unigrams also counts, per candidate, those in its model. One pass lists the
    /// distinct n-grams, a second looks them up, fetching the next ones' slots ahead (the lookups are what cost).
    /// Returns how many distinct trigrams there were.
    /// </summary>
    private int Score(ReadOnlySpan<int> cleaned, bool shortText, Span<double> scores, Span<int> unigramCounts)
    {
        const int Ahead = 8;
        var tables = shortText ? _allTables.Value : _trigramTables;
        var buffer = ArrayPool<ulong>.Shared.Rent(cleaned.Length * (shortText ? LongestNgram : 1));
        try
        {
            var keys = buffer.AsSpan();
            var (distinct, trigrams) = shortText ? ListAllSizes(cleaned, keys) : ListTrigrams(cleaned, keys);
            Span<double> sums = stackalloc double[LongestNgram * _stride];
            sums.Clear();
            if (!shortText && _stride <= 2 * Vector256<double>.Count)
            {
                tables.AddTrigrams(keys[..distinct], sums.Slice(2 * _stride, _stride));
                distinct = 0; // added
            }

            for (var j = 0; j < distinct; j++)
            {
                if (j + Ahead < distinct)
                {
                    tables.Prefetch(keys[j + Ahead] & ((1UL << SizeShift) - 1));
                }

                var n = (int)(keys[j] >> SizeShift);
                var slot = tables.Find(keys[j] & ((1UL << SizeShift) - 1), n);
                if (slot < 0)
                {
                    continue;
                }

                if (n == 1)
                {
                    for (var present = tables.UnigramPresence[keys[j] & ((1UL << SizeShift) - 1)]; present != 0; present &= present - 1)
                    {
                        unigramCounts[BitOperations.TrailingZeroCount(present)]++;
                    }
                }

                tables.AddRow(slot, sums.Slice((n - 1) * _stride, _stride));
            }

            for (var n = 0; n < LongestNgram; n++)
            {
                for (var c = 0; c < _count; c++)
                {
                    var sum = sums[(n * _stride) + c];
                    scores[c] += sum < 0 ? sum : 0; // Lingua keeps a size's sum only when it is below zero
                }
            }

            return trigrams;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The distinct trigrams of <paramref name="cleaned"/> into <paramref name="keys"/>, in first-seen order and with
    /// their size in the high bits; returns how many (twice). The first probe of the set settles almost every window
    /// (it is kept an eighth full at most), so that path has no branch to mispredict: whether a window is a trigram
    /// and whether it is new are masks.
    /// </summary>
    private static (int Distinct, int Trigrams) ListTrigrams(ReadOnlySpan<int> cleaned, Span<ulong> keys)
    {
        const uint KeyMask = (1u << (CodeBits * 3)) - 1;
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(256, cleaned.Length * 8));
        var shift = 32 - BitOperations.Log2((uint)capacity);
        var buffer = ArrayPool<uint>.Shared.Rent(capacity);
        try
        {
            var distinct = 0;
            // References, not fixed pointers: a pinned local lives in memory, and so would be read and written there.
            ref var codes = ref MemoryMarshal.GetReference(cleaned);
            ref var seen = ref MemoryMarshal.GetArrayDataReference(buffer);
            ref var list = ref MemoryMarshal.GetReference(keys);
            buffer.AsSpan(0, capacity).Clear(); // 0 is free: a trigram's key is not zero
            uint key = 0;
            var run = 0;
            for (var i = 0; i < cleaned.Length; i++)
            {
                // Masks, not branches: all ones for a letter, for a new trigram.
                var code = Unsafe.Add(ref codes, i);
                var notLetter = (uint)code ^ unchecked((uint)NotLetter); // 0 for no letter
                var letter = -(int)((notLetter | (0u - notLetter)) >> 31);
                key = (key & ~(uint)letter) | ((((key << CodeBits) | (uint)code) & KeyMask) & (uint)letter);
                run = (run + 1) & letter;
                var slot = (int)((key * 0x9E3779B1u) >> shift);
                var found = Unsafe.Add(ref seen, slot);
                if (((found != key) & (found != 0) & (run >= 3)) != false)
                {
                    do
                    {
                        slot = (slot + 1) & (capacity - 1);
                        found = Unsafe.Add(ref seen, slot);
                    }
                    while (found != key && found != 0);
                }

                var added = (int)(((uint)-(int)found >> 31) ^ 1) & (int)((uint)(2 - run) >> 31);
                Unsafe.Add(ref seen, slot) = found | (key & (uint)-added);
                Unsafe.Add(ref list, distinct) = key | (3UL << SizeShift);
                distinct += added;
            }

            return (distinct, distinct);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The distinct n-grams of sizes 1 to 5 of <paramref name="cleaned"/> into <paramref name="keys"/>, in first-seen
    /// order and with their size in the high bits (which keeps the sizes apart in the one set); returns how many, and
    /// how many of them are trigrams.
    /// </summary>
    private static (int Distinct, int Trigrams) ListAllSizes(ReadOnlySpan<int> cleaned, Span<ulong> keys)
    {
        const ulong KeyMask = (1UL << (CodeBits * LongestNgram)) - 1;
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, cleaned.Length * 2 * LongestNgram));
        var buffer = ArrayPool<ulong>.Shared.Rent(capacity);
        try
        {
            var seen = buffer.AsSpan(0, capacity);
            seen.Clear(); // 0 is free: an n-gram key is not zero
            int distinct = 0, trigrams = 0, run = 0;
            ulong key = 0;
            foreach (var code in cleaned)
            {
                if (code == NotLetter)
                {
                    run = 0;
                    continue;
                }

                // Each size's key is the low bits of the longest one's, as its own rolling key would be.
                key = ((key << CodeBits) | (uint)code) & KeyMask;
                run++;
                for (var n = 1; n <= LongestNgram && n <= run; n++)
                {
                    var sized = (key & ((1UL << (CodeBits * n)) - 1)) | ((ulong)n << SizeShift);
                    if (AddNew(seen, sized))
                    {
                        keys[distinct++] = sized;
                        trigrams += n == 3 ? 1 : 0;
                    }
                }
            }

            return (distinct, trigrams);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(buffer);
        }
    }

    /// <summary>Adds <paramref name="key"/> to the open-addressing set <paramref name="seen"/>; false when it was there.</summary>
    private static bool AddNew(Span<ulong> seen, ulong key)
    {
        var mask = seen.Length - 1;
        var slot = (int)((key * Golden) >> 40) & mask;
        while (seen[slot] != 0)
        {
            if (seen[slot] == key)
            {
                return false;
            }

            slot = (slot + 1) & mask;
        }

        seen[slot] = key;
        return true;
    }

    /// <summary>An n-gram's letters as <see cref="CodeBits"/>-bit codes, the first one highest, so a prefix is a shift.</summary>
    private static bool TryKey(string ngram, out ulong key)
    {
        key = 0;
        foreach (var c in ngram)
        {
            var code = CodeOf(c);
            if (code <= 0)
            {
                return false;
            }

            key = (key << CodeBits) | (uint)code;
        }

        return true;
    }

    /// <summary>U+0001–U+024F as themselves, U+1E00–U+1EFF after them, else −1: every letter of a text the stage reads.</summary>
    private static int CodeOf(char c) => c < '\u0250' ? c : c is >= '\u1E00' and <= '\u1EFF' ? 0x250 + (c - '\u1E00') : -1;

    /// <summary>A model file as Lingua reads it: {"language": …, "ngrams": {"numerator/denominator": "ngram ngram …"}}.</summary>
    internal static List<(string Ngram, double Probability)> ReadModel(string path)
    {
        var entries = new List<(string, double)>();
        if (!File.Exists(path))
        {
            return entries; // Lingua treats a missing model as empty
        }

        using var file = File.OpenRead(path);
        using var brotli = new BrotliStream(file, CompressionMode.Decompress);
        using var json = new MemoryStream();
        brotli.CopyTo(json);
        var reader = new Utf8JsonReader(json.GetBuffer().AsSpan(0, (int)json.Length));
        var inNgrams = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && !inNgrams)
            {
                inNgrams = reader.ValueTextEquals("ngrams"u8);
                if (!inNgrams)
                {
                    reader.Read();
                }

                continue;
            }

            if (inNgrams && reader.TokenType == JsonTokenType.PropertyName)
            {
                var fraction = reader.GetString()!;
                var slash = fraction.IndexOf('/', StringComparison.Ordinal);
                var probability = double.Parse(fraction.AsSpan(0, slash), System.Globalization.CultureInfo.InvariantCulture)
                    / int.Parse(fraction.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture);
                reader.Read();
                foreach (var ngram in reader.GetString()!.Split(' '))
                {
                    entries.Add((ngram, probability));
                }
            }
            else if (inNgrams && reader.TokenType == JsonTokenType.EndObject)
            {
                inNgrams = false;
            }
        }

        return entries;
    }

    private static string Code(Language language) => language.IsoCode6391().ToString().ToLowerInvariant();

    /// <summary>What a character of the text becomes in the cleaned text, and what Lingua's rules read of it.</summary>
    /// <param name="Code">Its lower case's letter code (<see cref="CodeOf"/>), or <see cref="NotLetter"/>.</param>
    /// <param name="Flags">
    /// <see cref="Kept"/> or <see cref="Space"/> or neither (dropped); for a kept one, what its lower case is, and
    /// from <see cref="AccentShift"/> its place in <see cref="TellingAccents"/> from 1 (0: none).
    /// </param>
    private readonly record struct CharInfo(int Code, int Flags)
    {
        public const int Kept = 1;
        public const int Space = 2;
        public const int Letter = 4;
        public const int NotLatin = 8;
        public const int Unique = 16;
        public const int AccentShift = 8;
    }


    /// <summary>
    /// The n-grams of sizes 1 to <see cref="Sizes"/>.Length in one open-addressing table (a key's size is where its
    /// highest letter lies, so the sizes share it), each slot an n-gram's log-probabilities per candidate with its key
    /// in the last lane: a lookup that finds its n-gram at home reads one cache line (64 bytes for 7 candidates).
    /// </summary>
    private sealed unsafe class Tables
    {
        private const int CacheLine = 64;

        private readonly double[] _array; // pinned, so _slots stays where it is
        private readonly double* _slots;
        private readonly int _length;
        private readonly int _width;
        private readonly ulong _capacity;
        private readonly int _count;

        public Tables(Dictionary<ulong, int> rows, List<double> logs, int count, int stride, int[] sizes, uint[] unigramPresence, double load)
        {
            _count = count;
            _width = stride > count ? stride : stride + Vector256<double>.Count;
            _capacity = (ulong)(rows.Count / load) + 1;
            _length = (int)_capacity * _width;
            _array = GC.AllocateArray<double>(_length + (CacheLine / sizeof(double)), pinned: true);
            var address = (nuint)Unsafe.AsPointer(ref _array[0]);
            _slots = (double*)(address + ((CacheLine - (address % CacheLine)) % CacheLine)); // slots start on a cache line
            foreach (var (key, row) in rows)
            {
                var slot = Home(key);
                while (KeyAt(slot) != 0)
                {
                    slot = slot + _width == _length ? 0 : slot + _width;
                }

                for (var c = 0; c < count; c++)
                {
                    _slots[slot + c] = logs[(row * stride) + c];
                }

                _slots[slot + _width - 1] = BitConverter.UInt64BitsToDouble(key);
            }

            Stride = stride;
            Sizes = sizes;
            UnigramPresence = unigramPresence;
        }

        /// <summary>Log-probabilities a row adds (the candidates', then padding) in whole vectors.</summary>
        public int Stride { get; }

        /// <summary>N-grams per size, from 1.</summary>
        public int[] Sizes { get; }

        /// <summary>Per unigram key, a bit for each candidate whose unigram model holds it.</summary>
        public uint[] UnigramPresence { get; }

        /// <summary>Each n-gram's key and its log-probabilities per candidate.</summary>
        public List<(ulong Key, double[] Logs)> Entries()
        {
            var entries = new List<(ulong, double[])>();
            for (var slot = 0; slot < _length; slot += _width)
            {
                if (KeyAt(slot) != 0)
                {
                    entries.Add((KeyAt(slot), new ReadOnlySpan<double>(_slots + slot, _count).ToArray()));
                }
            }

            return entries;
        }

        /// <summary>The slot of what Lingua adds for the <paramref name="n"/>-gram <paramref name="key"/>: its own, else its longest prefix's; −1 when none.</summary>
        public int Find(ulong key, int n)
        {
            for (; n >= 1; n--, key >>= CodeBits)
            {
                var slot = Home(key);
                while (true)
                {
                    var found = KeyAt(slot);
                    if (found == key)
                    {
                        return slot;
                    }

                    if (found == 0)
                    {
                        break;
                    }

                    slot += _width;
                    slot = slot == _length ? 0 : slot;
                }
            }

            return -1;
        }

        /// <summary>
        /// Adds to <paramref name="sums"/> (<see cref="Stride"/> long, two vectors at most) the rows of the listed
        /// trigrams, in their order, lane by lane as <see cref="AddRow"/> does, the sums held in registers.
        /// </summary>
        public void AddTrigrams(ReadOnlySpan<ulong> trigrams, Span<double> sums)
        {
            const ulong KeyMask = (1UL << SizeShift) - 1;
            ref var to = ref MemoryMarshal.GetReference(sums);
            var low = Vector256.LoadUnsafe(ref to);
            var high = Stride > Vector256<double>.Count ? Vector256.LoadUnsafe(ref to, (nuint)Vector256<double>.Count) : default;
            foreach (var listed in trigrams)
            {
                var key = listed & KeyMask;
                var slot = Home(key);
                if (KeyAt(slot) != key)
                {
                    slot = Find(key, 3);
                    if (slot < 0)
                    {
                        continue;
                    }
                }

                low += Vector256.Load(_slots + slot);
                if (Stride > Vector256<double>.Count)
                {
                    high += Vector256.Load(_slots + slot + Vector256<double>.Count);
                }
            }

            low.StoreUnsafe(ref to);
            if (Stride > Vector256<double>.Count)
            {
                high.StoreUnsafe(ref to, (nuint)Vector256<double>.Count);
            }
        }

        /// <summary>Asks the processor for the cache line where <paramref name="key"/>'s slot should be.</summary>
        public void Prefetch(ulong key)
        {
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(_slots + Home(key));
            }
        }

        /// <summary>Adds the slot's log-probabilities to <paramref name="sums"/> (<see cref="Stride"/> long), lane by lane.</summary>
        public void AddRow(int slot, Span<double> sums)
        {
            var from = _slots + slot;
            ref var to = ref MemoryMarshal.GetReference(sums);
            for (var c = 0; c < Stride; c += Vector256<double>.Count)
            {
                (Vector256.Load(from + c) + Vector256.LoadUnsafe(ref to, (nuint)c)).StoreUnsafe(ref to, (nuint)c);
            }
        }

        private int Home(ulong key) => (int)Math.BigMul(key * Golden, _capacity, out _) * _width;

        private ulong KeyAt(int slot) => BitConverter.DoubleToUInt64Bits(_slots[slot + _width - 1]);
    }
}
