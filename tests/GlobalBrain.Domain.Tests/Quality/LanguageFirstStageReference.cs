using System.Buffers;
using System.Collections.Frozen;
using System.Numerics;
using GlobalBrain.Domain.Quality;
using Lingua;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// The straightforward first stage as it was before the one-pass scoring (commit e3105e7), kept verbatim as the
/// reference <see cref="LanguageFirstStageEquivalenceTests"/> compares <see cref="LanguageFirstStage"/> with: the same
/// cleaning, rules and n-gram sums in separate passes, one frozen dictionary per n-gram size.
/// </summary>
internal sealed class LanguageFirstStageReference
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

    private readonly int _count;
    private readonly Tables _trigramTables;
    private readonly Lazy<Tables> _allTables;
    private readonly uint[] _unigramPresence;
    private readonly FrozenDictionary<char, int[]> _accents;
    private readonly string _uniqueLetters;

    private LanguageFirstStageReference(string[] codes, string directory, Tables trigramTables, uint[] unigramPresence, FrozenDictionary<char, int[]> accents, string uniqueLetters)
    {
        Codes = codes;
        _count = codes.Length;
        _trigramTables = trigramTables;
        _allTables = new Lazy<Tables>(() => Build(codes, directory, trigramTables, out _));
        _unigramPresence = unigramPresence;
        _accents = accents;
        _uniqueLetters = uniqueLetters;
    }

    /// <summary>The candidates it scores (the detector's Latin-script ones), in table column order.</summary>
    internal IReadOnlyList<string> Codes { get; }

    /// <summary>N-grams in the tables loaded so far, by size (1 to 3, or 1 to 5 once a short text has asked for them).</summary>
    internal IReadOnlyList<int> Rows => [.. (_allTables.IsValueCreated ? _allTables.Value : _trigramTables).Keys.Select(k => k.Count)];

    /// <summary>Where Lingua 2.0.0 reads its models when the builder is not given a directory.</summary>
    internal static string LinguaModelsDirectory => Path.Combine(AppContext.BaseDirectory, "Lingua", "LanguageModels");

    /// <summary>
    /// The stage for <paramref name="candidates"/>, or null when fewer than two of them are written in Latin script.
    /// Reads the 1- to 3-gram models now; the 4- and 5-grams, needed only under 120 cleaned characters (and 25 times
    /// larger), the first time such a text comes (<see cref="LoadShortTextTables"/>).
    /// </summary>
    internal static LanguageFirstStageReference? Create(IReadOnlyCollection<Language> candidates, string? directory = null)
    {
        var latin = LanguageInfo.AllWithLatinScript();
        var languages = candidates.Where(latin.Contains).OrderBy(l => Code(l), StringComparer.Ordinal).ToArray();
        if (languages.Length is < 2 or > 32)
        {
            return null;
        }

        directory ??= LinguaModelsDirectory;
        var codes = languages.Select(Code).ToArray();
        var trigramTables = Build(codes, directory, new Tables([], []), out var presence);
        var position = codes.Select((code, i) => (code, i)).ToDictionary(p => p.code, p => p.i, StringComparer.Ordinal);
        var accents = new Dictionary<char, int[]>();
        foreach (var (characters, groupCodes) in TellingAccents)
        {
            var columns = groupCodes.Where(position.ContainsKey).Select(g => position[g]).ToArray();
            foreach (var ch in characters)
            {
                accents[ch] = columns;
            }
        }

        var unique = string.Concat(languages.Select(l => l.UniqueCharacters() ?? ""));
        return new LanguageFirstStageReference(codes, directory, trigramTables, presence, accents.ToFrozenDictionary(), unique);
    }

    /// <summary>Loads the 4- and 5-gram tables now rather than at the first short text.</summary>
    internal void LoadShortTextTables() => _ = _allTables.Value;

    /// <summary>
    /// <paramref name="lower"/>'s tables and the next sizes' (to 3 when it is empty, else to 5): each model read for
    /// every candidate into one row per n-gram, the n-gram's key mapping to the row's offset.
    /// </summary>
    private static Tables Build(string[] codes, string directory, Tables lower, out uint[] unigramPresence)
    {
        var count = codes.Length;
        var from = lower.Keys.Length + 1;
        var to = from == 1 ? 3 : LongestNgram;
        var keys = new FrozenDictionary<ulong, int>[to];
        var logs = new double[to][];
        lower.Keys.CopyTo(keys, 0);
        lower.Logs.CopyTo(logs, 0);
        unigramPresence = [];
        for (var n = from; n <= to; n++)
        {
            var table = new Dictionary<ulong, double[]>();
            for (var c = 0; c < count; c++)
            {
                foreach (var (ngram, probability) in LanguageFirstStage.ReadModel(Path.Combine(directory, codes[c], ModelNames[n - 1] + "s.json.br")))
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
            // "absent" while building.
            var index = new Dictionary<ulong, int>(table.Count);
            var values = new double[table.Count * count];
            if (n == 1)
            {
                unigramPresence = new uint[table.Count];
            }

            var r = 0;
            foreach (var (key, row) in table)
            {
                var backOff = n > 1 ? Lower(key, n, keys, logs, count) : default;
                for (var c = 0; c < count; c++)
                {
                    values[(r * count) + c] = !double.IsNaN(row[c]) ? row[c] : backOff.IsEmpty ? 0 : backOff[c];
                    if (n == 1 && !double.IsNaN(row[c]))
                    {
                        unigramPresence[r] |= 1u << c;
                    }
                }

                index[key] = r++ * count;
            }

            keys[n - 1] = index.ToFrozenDictionary();
            logs[n - 1] = values;
        }

        return new Tables(keys, logs);
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
        var buffer = ArrayPool<char>.Shared.Rent(text.Length + 1);
        try
        {
            var length = Clean(text, buffer);
            if (length < 1)
            {
                return false;
            }

            var cleaned = buffer.AsSpan(0, length);
            if (!RulesLeaveItToNgrams(cleaned))
            {
                return false;
            }

            Span<double> scores = stackalloc double[_count];
            Span<double> sums = stackalloc double[_count];
            Span<int> unigramCounts = stackalloc int[_count];
            scores.Clear();
            unigramCounts.Clear();
            shortText = length < MinimumCleanedLength;
            var trigrams = 0;
            var tables = shortText ? _allTables.Value : _trigramTables;
            for (var n = shortText ? 1 : 3; n <= (shortText ? Math.Min(LongestNgram, length) : 3); n++)
            {
                var distinct = Score(tables, cleaned, n, sums, unigramCounts);
                trigrams = n == 3 ? distinct : trigrams;
                for (var c = 0; c < _count; c++)
                {
                    scores[c] += sums[c] < 0 ? sums[c] : 0; // Lingua keeps a size's sum only when it is below zero
                }
            }

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
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Lingua 2.0.0's cleaning (trim, lower-case, drop punctuation and numbers, each whitespace run → one space), into
    /// <paramref name="output"/>; −1 when the text has a character this stage does not read (see the class remarks).
    /// </summary>
    internal static int Clean(ReadOnlySpan<char> text, Span<char> output)
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

        var length = 0;
        var space = false;
        for (var i = start; i < end; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (!(c < '\u0250' || c is (>= '\u1E00' and <= '\u1EFF') or (>= '\u2000' and <= '\u206F')))
            {
                return -1; // other scripts (Lingua's rules decide them), surrogates, combining marks
            }

            var lower = char.ToLowerInvariant(c);
            if (char.IsPunctuation(lower) || char.IsNumber(lower))
            {
                continue;
            }

            if (space)
            {
                output[length++] = ' ';
                space = false;
            }

            output[length++] = lower;
        }

        if (space)
        {
            output[length++] = ' ';
        }

        return length;
    }

    /// <summary>
    /// True when Lingua's two rules leave the verdict to the n-grams of all Latin-script candidates: its words (split
    /// at spaces) include one of Latin letters only, so Latin is the text's alphabet; fewer than half of them hold a
    /// candidate's unique letter; and no candidate has half the word count in telling accents.
    /// </summary>
    private bool RulesLeaveItToNgrams(ReadOnlySpan<char> cleaned)
    {
        Span<int> accentCounts = stackalloc int[_count];
        accentCounts.Clear();
        Span<char> seen = stackalloc char[MaxAccentsPerWord];
        int words = 0, latinWords = 0, uniqueWords = 0;
        var hasLetter = false;
        foreach (var range in cleaned.Split(' '))
        {
            var word = cleaned[range];
            if (word.IsEmpty)
            {
                continue;
            }

            words++;
            var latin = true;
            var unique = false;
            var accents = 0;
            foreach (var c in word)
            {
                var letter = char.IsLetter(c);
                hasLetter |= letter;
                latin &= letter && c != '\u00B5'; // µ is a letter of the Common script
                unique |= _uniqueLetters.Contains(c);
                if (c >= '\u00E0' && _accents.ContainsKey(c) && !seen[..accents].Contains(c))
                {
                    if (accents == MaxAccentsPerWord)
                    {
                        return false;
                    }

                    seen[accents++] = c;
                }
            }

            latinWords += latin ? 1 : 0;
            uniqueWords += unique ? 1 : 0;
            foreach (var c in seen[..accents])
            {
                foreach (var column in _accents[c])
                {
                    accentCounts[column]++;
                }
            }
        }

        if (!hasLetter || latinWords == 0 || 2 * uniqueWords >= words)
        {
            return false;
        }

        foreach (var count in accentCounts)
        {
            if (2 * count >= words)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Sets <paramref name="sums"/> to the sums of each distinct <paramref name="n"/>-gram's log-probabilities (backed
    /// off), added in first-seen order; for unigrams also counts, per candidate, those in its model. Returns how many
    /// distinct n-grams there were.
    /// </summary>
    private int Score(Tables tables, ReadOnlySpan<char> cleaned, int n, Span<double> sums, Span<int> unigramCounts)
    {
        sums.Clear();
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, cleaned.Length * 2));
        var slots = ArrayPool<ulong>.Shared.Rent(capacity);
        try
        {
            var seen = slots.AsSpan(0, capacity);
            seen.Clear(); // 0 is free: an n-gram key has n non-zero letters
            var mask = capacity - 1;
            var keyMask = (1UL << (CodeBits * n)) - 1;
            var distinct = 0;
            var run = 0;
            ulong key = 0;
            for (var i = 0; i < cleaned.Length; i++)
            {
                if (!char.IsLetter(cleaned[i]))
                {
                    run = 0;
                    continue;
                }

                key = ((key << CodeBits) | (uint)CodeOf(cleaned[i])) & keyMask;
                if (++run < n)
                {
                    continue;
                }

                var slot = (int)((key * 0x9E3779B97F4A7C15UL) >> 40) & mask;
                while (seen[slot] != 0 && seen[slot] != key)
                {
                    slot = (slot + 1) & mask;
                }

                if (seen[slot] == key)
                {
                    continue;
                }

                seen[slot] = key;
                distinct++;
                ReadOnlySpan<double> row = default;
                var lower = key;
                for (var m = n; m >= 1; m--, lower >>= CodeBits)
                {
                    if (tables.Keys[m - 1].TryGetValue(lower, out var at))
                    {
                        row = tables.Logs[m - 1].AsSpan(at, _count);
                        if (n == 1)
                        {
                            var present = _unigramPresence[at / _count];
                            for (var c = 0; c < _count; c++)
                            {
                                unigramCounts[c] += (int)((present >> c) & 1);
                            }
                        }

                        break;
                    }
                }

                for (var c = 0; c < row.Length; c++)
                {
                    sums[c] += row[c];
                }
            }

            return distinct;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(slots);
        }
    }

    private static ReadOnlySpan<double> Lower(ulong key, int n, FrozenDictionary<ulong, int>[] keys, double[][] logs, int count)
    {
        for (var m = n - 1; m >= 1; m--)
        {
            key >>= CodeBits;
            if (keys[m - 1].TryGetValue(key, out var at))
            {
                return logs[m - 1].AsSpan(at, count);
            }
        }

        return default;
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

    private static string Code(Language language) => language.IsoCode6391().ToString().ToLowerInvariant();

    /// <summary>One table per n-gram size from 1: key → offset of its row in the same size's log-probabilities.</summary>
    private sealed record Tables(FrozenDictionary<ulong, int>[] Keys, double[][] Logs);
}
