using System.Text;
using GlobalBrain.Domain.Quality;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// The optimised <see cref="QualityFilter"/> gives the same verdict (keep, or the same reason) as
/// <see cref="QualityFilterReference"/>, the code before the optimisation, under many option sets: on generated
/// documents made to sit near every rule's threshold, and (with GLOBALBRAIN_DATA) on every corpus paragraph and file.
/// </summary>
public sealed class QualityFilterEquivalenceTests(ITestOutputHelper output)
{
    private const int Documents = 2500;

    [Fact]
    public void GeneratedDocuments_GetTheReferenceVerdict()
    {
        var options = OptionSets();
        var random = new Random(20261201);
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var d = 0; d < Documents; d++)
        {
            var text = Generate(random);
            foreach (var (name, o) in options)
            {
                var expected = Compare(text, Languages[random.Next(Languages.Length)], name, o);
                reasons[expected ?? "kept"] = reasons.GetValueOrDefault(expected ?? "kept") + 1;
            }
        }

        output.WriteLine(string.Join(", ", reasons.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}")));
        string[] rules =
        [
            "kept", "gopher_too_few_words", "gopher_too_many_words", "gopher_mean_word_length_low", "gopher_mean_word_length_high",
            "gopher_hash_ratio", "gopher_ellipsis_ratio", "gopher_non_alphabetic_words", "gopher_bullet_lines", "gopher_ellipsis_lines",
            "gopher_stop_words", "gopher_duplicate_paragraphs", "gopher_duplicate_paragraph_chars", "gopher_duplicate_lines",
            "gopher_duplicate_line_chars", "gopher_top_2_gram", "gopher_top_3_gram", "gopher_top_4_gram", "gopher_duplicate_5_grams",
            "c4_lorem_ipsum", "c4_curly_bracket", "c4_boilerplate_lines", "c4_terminal_punctuation", "c4_too_few_sentences",
        ];
        Assert.All(rules, rule => Assert.True(reasons.GetValueOrDefault(rule) >= 20, $"the generated documents hit {rule} {reasons.GetValueOrDefault(rule)} times"));
    }

    [Fact]
    public void EdgeCases_GetTheReferenceVerdict()
    {
        string[] texts =
        [
            "", " ", "\n", "\r\n\r\n", "a", "#", "...", "…", "{", "\uD800", "\uDC00", "\uD840\uDC00", "\uD83D\uDE00", "e\u0301",
            "・", "゠", "ー", "\u3000", "\u0085", "\u2028", "\u001C\u001D\u001E\u001F", "\u200B\u200Bword\u200B", "\u00A0a\u00A0",
            "lorem ipsum", "LOREM IPSUM", "lorem\u00A0ipsum", "lorem ıpsum", "LOREM İPSUM", "ſ", "javascrıpt", "JAVASCRİPT",
            "use cooKies", "use coo\u212Aies", "uſes cookies", "terms of uſe", "privacy policy", "ＪＡＶＡＳＣＲＩＰＴ",
            string.Join(' ', Enumerable.Repeat("the be to of and that have with", 20)),
            string.Join('\n', Enumerable.Repeat("same line here.", 60)),
            string.Join("\n\n", Enumerable.Repeat("same paragraph here, over two\nlines of text.", 30)),
            string.Concat(Enumerable.Repeat("漢字かなカナ", 40)), string.Concat(Enumerable.Repeat("\uD840\uDC00\uD840\uDC01 ", 60)),
        ];
        foreach (var (name, o) in OptionSets())
        {
            foreach (var text in texts)
            {
                foreach (var language in Languages)
                {
                    Compare(text, language, name, o);
                }
            }
        }
    }

    [SkippableFact]
    public void CorpusParagraphsAndFiles_GetTheReferenceVerdict()
    {
        var corpus = QualityCorpus.Folder();
        var documents = QualityCorpus.Paragraphs(corpus).Concat(QualityCorpus.Files(corpus)).ToList();
        var compared = 0;

        // The defaults, and rule sets under which the later rule groups decide (whole files are judged past the word
        // bounds); the language matters only as "en" or not.
        string[] sets =
        [
            "default", "min 5 words, 5 sentences", "min 3 words, 3 sentences, rules up to MaxMeanWordLength off",
            "min 3 words, 3 sentences, rules up to MinStopWords off", "min 3 words, 3 sentences, rules up to TopNGramCharFractions off",
            "min 3 words, 3 sentences, rules up to RejectCurlyBracket off",
        ];
        foreach (var (name, o) in OptionSets().Where(s => sets.Contains(s.Name)))
        {
            foreach (var (language, _, text) in documents)
            {
                Compare(text, language, name, o, stopWords: name == "default");
                compared++;
                if (language == "en")
                {
                    Compare(text, null, name, o, stopWords: false);
                    compared++;
                }
            }
        }

        output.WriteLine($"{documents.Count} corpus documents, {compared} verdicts compared");
    }

    private static readonly string?[] Languages = [null, "en", "EN", "es"];

    /// <summary>Asserts equal verdicts of <see cref="QualityFilter.Evaluate"/> and <see cref="QualityFilter.EvaluateStopWords"/>; returns the reference reason.</summary>
    private static string? Compare(string text, string? language, string name, QualityOptions options, bool stopWords = true)
    {
        var expected = new QualityFilterReference(options).Evaluate(text, language).Reason;
        var actual = new QualityFilter(options).Evaluate(text, language).Reason;
        if (expected != actual)
        {
            Assert.Fail($"options {name}, language {language ?? "null"}: expected {expected ?? "keep"}, got {actual ?? "keep"} for {Escape(text)}");
        }

        if (!stopWords)
        {
            return expected;
        }

        var expectedStop = new QualityFilterReference(options).EvaluateStopWords(text, language).Reason;
        var actualStop = new QualityFilter(options).EvaluateStopWords(text, language).Reason;
        if (expectedStop != actualStop)
        {
            Assert.Fail($"EvaluateStopWords, options {name}, language {language ?? "null"}: expected {expectedStop ?? "keep"}, got {actualStop ?? "keep"} for {Escape(text)}");
        }

        return expected;
    }

    private static string Escape(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text.Length > 3000 ? text[..3000] : text)
        {
            builder.Append(c is >= ' ' and < '\x7f' ? c.ToString() : $"\\u{(int)c:X4}");
        }

        return builder.Append('"').ToString();
    }

    /// <summary>
    /// Defaults; every rule off alone; the rules switched off cumulatively in evaluation order (so that each later rule
    /// is the first to decide for many documents); lenient word bounds; sentences counted; n-gram sizes out of order.
    /// </summary>
    private static List<(string Name, QualityOptions Options)> OptionSets()
    {
        var d = QualityOptions.Default;
        (string, Func<QualityOptions, QualityOptions>)[] offs =
        [
            ("MinWords", o => o with { MinWords = null }),
            ("MaxWords", o => o with { MaxWords = null }),
            ("MinMeanWordLength", o => o with { MinMeanWordLength = null }),
            ("MaxMeanWordLength", o => o with { MaxMeanWordLength = null }),
            ("MaxHashWordRatio", o => o with { MaxHashWordRatio = null }),
            ("MaxEllipsisWordRatio", o => o with { MaxEllipsisWordRatio = null }),
            ("MinAlphabeticWordFraction", o => o with { MinAlphabeticWordFraction = null }),
            ("MaxBulletLineFraction", o => o with { MaxBulletLineFraction = null }),
            ("MaxEllipsisLineFraction", o => o with { MaxEllipsisLineFraction = null }),
            ("MinStopWords", o => o with { MinStopWords = null }),
            ("MaxDuplicateParagraphFraction", o => o with { MaxDuplicateParagraphFraction = null }),
            ("MaxDuplicateParagraphCharFraction", o => o with { MaxDuplicateParagraphCharFraction = null }),
            ("MaxDuplicateLineFraction", o => o with { MaxDuplicateLineFraction = null }),
            ("MaxDuplicateLineCharFraction", o => o with { MaxDuplicateLineCharFraction = null }),
            ("TopNGramCharFractions", o => o with { TopNGramCharFractions = [] }),
            ("DuplicateNGramCharFractions", o => o with { DuplicateNGramCharFractions = [] }),
            ("RejectLoremIpsum", o => o with { RejectLoremIpsum = false }),
            ("RejectCurlyBracket", o => o with { RejectCurlyBracket = false }),
            ("MaxBoilerplateLineFraction", o => o with { MaxBoilerplateLineFraction = null }),
            ("MinTerminalPunctuationFraction", o => o with { MinTerminalPunctuationFraction = null }),
        ];
        var sets = new List<(string, QualityOptions)> { ("default", d), ("off", QualityOptions.Off) };
        sets.AddRange(offs.Select(off => ($"default without {off.Item1}", off.Item2(d))));
        var cumulative = d with { MinWords = 3, MinSentences = 3 };
        foreach (var (name, off) in offs.Skip(1))
        {
            cumulative = off(cumulative);
            sets.Add(($"min 3 words, 3 sentences, rules up to {name} off", cumulative));
        }

        sets.Add(("min 5 words", d with { MinWords = 5 }));
        sets.Add(("min 5 words, 5 sentences", d with { MinWords = 5, MinSentences = 5 }));
        sets.Add(("max 40 words", d with { MinWords = 0, MaxWords = 40 }));
        sets.Add(("min 2 words, 8 stop words, strict repetition", d with
        {
            MinWords = 2, MinStopWords = 8, MaxDuplicateLineFraction = 0.05, MaxDuplicateParagraphFraction = 0.05,
            TopNGramCharFractions = [(1, 0.05), (2, 0.08)], DuplicateNGramCharFractions = [(3, 0.05), (4, 0.04)],
        }));
        sets.Add(("min 3 words, n-grams out of order", d with
        {
            MinWords = 3, TopNGramCharFractions = [(4, 0.16), (2, 0.20), (3, 0.18)],
            DuplicateNGramCharFractions = [(8, 0.12), (5, 0.15), (12, 0.08), (6, 0.14)],
        }));
        sets.Add(("min 3 words, negative duplicate threshold", d with { MinWords = 3, DuplicateNGramCharFractions = [(5, 0.15), (7, -0.01)] }));
        sets.Add(("min 0 stop words", d with { MinWords = 3, MinStopWords = 0 }));
        return sets;
    }

    private static readonly string[] StopWords = ["the", "be", "to", "of", "and", "that", "have", "with", "THE", "The", "tHe", "wıth", "WİTH", "aNd", "thé", "th", "thee"];

    private static readonly string[] PolicyPhrases =
        ["javascript", "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies", "lorem ipsum"];

    private static readonly string[] Oddities =
    [
        "#", "#tag", "...", "…", "word...", "(word)", "\"quoted,\"", "—", "--", "{", "}", "{x}", "123", "4.5", "$9", "%", "😀", "\uD83D\uDE00word",
        "\uD800", "x\uDC00", "e\u0301", "\u0301", "\u200Bzw\u200B", "\u00ADsoft", "ß", "İ", "ı", "ſ", "\u212A", "Å", "ǅ", "ＡＢＣ", "𝐀𝐁",
        "漢字", "かな", "カナ", "・", "゠", "ー", "\uD840\uDC00", "\uD840\uDC00\uD840\uDC01", "\uD87E\uDC00", "한국어", "עברית", "\u0007",
        "a\u0000b", "\u00A0", "\u2003", "\u3000", "\u0085", "\u2028", "\u2029", "\v", "\f", "\u001C", "\u001F", "\t",
    ];

    private static readonly string[] Numbers = ["1", "42", "2026", "3.14", "1,000", "+44", "-7", "12:30", "2026-12-01", "#1", "(3)", "½", "٣", "Ⅻ", "①"];

    private static readonly string[] LineEnds = [".", "!", "?", ":", "...", "…", " ...", "」", ")", "\"", "’", "。", ",", "", " ", "\t", ".\u200B"];

    private static readonly string[] Bullets = ["• ", "- ", "* ", "■ ", "◦", "‣ ", "▪", "●", " • ", "\t- ", "+ "];

    /// <summary>A document whose mix of words, lines and repeats is drawn per document, so the rules' ratios spread around their thresholds.</summary>
    private static string Generate(Random random)
    {
        var pStop = random.NextDouble() * 0.4;
        var pOdd = random.NextDouble() * random.NextDouble() * 0.6;
        var pPhrase = random.NextDouble() < 0.3 ? random.NextDouble() * 0.05 : 0;
        var pBullet = random.NextDouble() < 0.3 ? random.NextDouble() : 0;
        var pRepeatLine = random.NextDouble() < 0.4 ? random.NextDouble() * 0.6 : 0;
        var pRepeatParagraph = random.NextDouble() < 0.3 ? random.NextDouble() * 0.6 : 0;
        var pNGram = random.NextDouble() < 0.3 ? random.NextDouble() * 0.3 : 0;
        var pCjk = random.NextDouble() < 0.15 ? random.NextDouble() : 0;
        var pNumber = random.NextDouble() < 0.3 ? random.NextDouble() * 0.5 : 0;
        var (minLength, maxLength) = random.Next(5) switch { 0 => (1, 4), 1 => (8, 16), _ => (2, 9) };
        var newline = random.Next(4) == 0 ? "\r\n" : "\n";
        var nGram = Enumerable.Range(0, random.Next(2, 7)).Select(_ => Word(random, minLength, maxLength)).ToArray();
        var vocabulary = Enumerable.Range(0, random.Next(3, 400)).Select(_ => Word(random, minLength, maxLength)).ToArray();
        var paragraphs = new List<string>();
        var lines = new List<string>();
        var paragraphCount = random.Next(1, random.Next(2, 9));
        for (var p = 0; p < paragraphCount; p++)
        {
            if (paragraphs.Count > 0 && random.NextDouble() < pRepeatParagraph)
            {
                paragraphs.Add(paragraphs[random.Next(paragraphs.Count)]);
                continue;
            }

            var paragraph = new List<string>();
            var lineCount = random.Next(1, random.Next(2, 10));
            for (var l = 0; l < lineCount; l++)
            {
                if (lines.Count > 0 && random.NextDouble() < pRepeatLine)
                {
                    paragraph.Add(lines[random.Next(lines.Count)] + (random.Next(8) == 0 ? " " : ""));
                    continue;
                }

                var line = new StringBuilder();
                if (random.NextDouble() < pBullet)
                {
                    line.Append(Bullets[random.Next(Bullets.Length)]);
                }

                var words = random.Next(0, random.Next(1, 30));
                for (var w = 0; w < words; w++)
                {
                    if (w > 0)
                    {
                        line.Append(random.Next(30) switch { 0 => "  ", 1 => "\t", 2 => "\u00A0", 3 => " \u3000", _ => " " });
                    }

                    var draw = random.NextDouble();
                    line.Append(
                        draw < pPhrase ? Vary(PolicyPhrases[random.Next(PolicyPhrases.Length)], random)
                        : (draw -= pPhrase) < pNGram ? string.Join(' ', nGram)
                        : (draw -= pNGram) < pStop ? StopWords[random.Next(StopWords.Length)]
                        : (draw -= pStop) < pOdd ? Oddities[random.Next(Oddities.Length)]
                        : (draw -= pOdd) < pCjk ? CjkRun(random)
                        : (draw -= pCjk) < pNumber ? Numbers[random.Next(Numbers.Length)]
                        : vocabulary[random.Next(vocabulary.Length)]);
                }

                line.Append(LineEnds[random.Next(LineEnds.Length)]);
                if (random.Next(10) == 0)
                {
                    line.Append(random.Next(2) == 0 ? " " : "\t");
                }

                lines.Add(line.ToString());
                paragraph.Add(line.ToString());
            }

            paragraphs.Add(string.Join(newline, paragraph));
        }

        var blank = random.Next(6) switch { 0 => newline + " " + newline, 1 => newline + "\u00A0\t" + newline, 2 => newline + newline + newline, _ => newline + newline };
        var text = string.Join(blank, paragraphs);
        return random.Next(8) switch { 0 => newline + text, 1 => text + newline, 2 => " " + text + " \n", _ => text };
    }

    /// <summary>The phrase in random case, sometimes with a non-ASCII character that OrdinalIgnoreCase may or may not fold onto it.</summary>
    private static string Vary(string phrase, Random random)
    {
        var chars = phrase.Select(c => random.Next(3) == 0 ? char.ToUpperInvariant(c) : c).ToArray();
        var varied = new string(chars);
        return random.Next(6) switch
        {
            0 => varied.Replace('i', 'ı'),
            1 => varied.Replace('i', 'İ').Replace('I', 'İ'),
            2 => varied.Replace('s', 'ſ'),
            3 => varied.Replace('k', '\u212A'),
            4 => varied.Replace(' ', random.Next(2) == 0 ? '\u00A0' : '\n'),
            _ => varied,
        };
    }

    private static string CjkRun(Random random)
    {
        string[] pieces = ["漢", "字", "か", "な", "カ", "ナ", "・", "ー", "。", "、", "\uD840\uDC00", "\uD869\uDED6", "！", "」"];
        return string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => pieces[random.Next(pieces.Length)]));
    }

    private static string Word(Random random, int min, int max) =>
        string.Create(random.Next(min, max + 1), random, (span, r) =>
        {
            var upper = r.Next(10) == 0;
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)((upper && i == 0 ? 'A' : 'a') + r.Next(26));
            }
        });
}
