using System.Globalization;
using System.Text;
using GlobalBrain.Domain.Quality;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// <see cref="LanguageFirstStage"/> against <see cref="LanguageFirstStageReference"/> (the straightforward scoring it
/// replaced): on every text, whether it answers, the code, the confidence, the margin and whether it scored the text
/// as short must be the same — bit for bit, not within a tolerance, since the scores are the same doubles added in the
/// same order. Margin 0 makes the stage report every text it scores, so the comparison covers the close calls too.
/// </summary>
public sealed class LanguageFirstStageEquivalenceTests(ITestOutputHelper output)
{
    private static readonly Lingua.Language[] Candidates =
        [.. LanguageScreen.Candidates(["en", "es", "zh"]).Select(c => Lingua.LanguageInfo.GetByIsoCode6391(Enum.Parse<Lingua.IsoCode6391>(c, ignoreCase: true)))];

    private static readonly Lazy<LanguageFirstStage> Stage = new(() => LanguageFirstStage.Create(Candidates)!);
    private static readonly Lazy<LanguageFirstStageReference> Reference = new(() => LanguageFirstStageReference.Create(Candidates)!);

    /// <summary>Characters the cleaning and the rules treat each their own way, for the random texts.</summary>
    private static readonly string Alphabet = string.Concat(
        "abcdefghijklmnopqrstuvwxyz eeeeaaaoooiiinnsstt    ",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "áéíóúñüçàèìòùâêîôûäëïöÿãõåæøœßµ", // telling accents, ß (German's unique letter), µ (a letter of no script)
        "ąężňťăığẹọðþōāēīşďćđūčšžýẞ",
        "ȺȾİǅǈǋ", // letters whose lower case lies outside the ranges the stage reads, or title case
        ".,;:!?¡¿'\"()[]{}-–—…«»‘’“”/\\@#%&*_", // punctuation, dropped
        "0123456789½²³", // numbers, dropped
        "+=<>$€£©®°§¶|~^`", // symbols: kept, not letters
        "\t\n\r\u00A0\u2002\u2009\u3000\u200B", // whitespace (U+200B is not)
        "\u0301\u0308", // combining marks: declined
        "ДЖ漢字あア"); // other scripts: declined

    [Fact]
    public void SameVerdicts_AsTheStraightforwardScoring_OnTheMultilingualSet_AndEveryPrefix()
    {
        var texts = new List<string>();
        foreach (var (_, text) in MultilingualTexts.All())
        {
            texts.Add(text);
            for (var length = 1; length < Math.Min(text.Length, 260); length += 3)
            {
                texts.Add(text[..length]);
            }
        }

        Compare(texts, "multilingual set and its prefixes");
    }

    [Fact]
    public void SameVerdicts_AsTheStraightforwardScoring_OnEdgeCases()
    {
        var english = MultilingualTexts.Long["en"];
        string[] texts =
        [
            "", " ", "\t\n", ".", "a", "ab", "abc", "  abc  ", "- abc -", "abc -", "- abc", "abc - def", "abc,def", "abc , def",
            "Hello, world!", "Hola, ¿qué tal?", "µµµ µµµ hello", "straße", "Straße und Fuß", "groß größer",
            "Ⱥ Ⱦ İstanbul ȺȾ", "ȺȺȺȺ abcdef", "ǅemal ǈubljana", "ẞtraße", "ạḅḉ ẹọ", "naïve café résumé",
            "áéíóúñüçàèìòùâêîôûäëïöÿãõåæøœ", "áéíóúñüçàèìòùâêîôûäëïöÿãõåæøœ word", // one word with more than 16 telling accents
            "ñandú ñoño ñu año", "ção não são mãe pão", "l'été à Paris", "don’t won’t can’t", "A\u00A0B\u3000C D",
            "word\u200Bword other words here", "e\u0301te", "hello Привет", "hello 漢字", "1234 5678", "$100 + 200 = 300",
            english, english.ToUpperInvariant(), english.Replace(' ', '\u00A0'), english.Replace(' ', '-'),
            english + " µ", english + " Ⱥ", string.Concat(Enumerable.Repeat("abc ", 40)), string.Concat(Enumerable.Repeat("the ", 100)),
            string.Join(' ', Enumerable.Repeat("straße fuß groß maß", 20)), new string('a', 5000), english[..119], english[..120], english[..121],
        ];

        Compare([.. texts], "edge cases");
    }

    [Fact]
    public void SameVerdicts_AsTheStraightforwardScoring_OnRandomTexts()
    {
        var random = new Random(20261201);
        var texts = new List<string>();
        var text = new StringBuilder();
        for (var t = 0; t < 4000; t++)
        {
            text.Clear();
            var length = random.Next(1, t % 4 == 0 ? 600 : 160);
            for (var i = 0; i < length; i++)
            {
                // Mostly letters and spaces, so most texts are scored rather than declined.
                text.Append(random.Next(10) < 8 ? Alphabet[random.Next(50)] : Alphabet[random.Next(Alphabet.Length)]);
            }

            texts.Add(text.ToString());
        }

        Compare(texts, "random texts");
    }

    [SkippableFact]
    public void SameVerdicts_AsTheStraightforwardScoring_OnEveryCorpusParagraph()
    {
        var corpus = QualityCorpus.Folder();
        var texts = QualityCorpus.Paragraphs(corpus).Select(p => p.Text)
            .Concat(QualityCorpus.Paragraphs(corpus).Select(p => LanguageScreen.Sample(p.Text)))
            .Concat(QualityCorpus.Files(corpus).Select(f => LanguageScreen.Sample(f.Text)))
            .Concat(QualityCorpus.Files(corpus).Select(f => f.Text[..Math.Min(f.Text.Length, 50_000)]))
            .ToList();

        Compare(texts, "corpus paragraphs, their samples, document samples and documents");
    }

    private void Compare(List<string> texts, string name)
    {
        var stage = Stage.Value;
        var reference = Reference.Value;
        var differences = new List<string>();
        int scored = 0, answered = 0;
        foreach (var text in texts)
        {
            var expected = Verdict(reference.TryDetect(text, 0, 0, out var g, out var m, out var s), g, m, s)
                + " | " + Verdict(reference.TryDetect(text, out g), g, double.NaN, false);
            var actual = Verdict(stage.TryDetect(text, 0, 0, out g, out m, out s), g, m, s)
                + " | " + Verdict(stage.TryDetect(text, out g), g, double.NaN, false);
            scored += double.IsNaN(m) ? 0 : 1;
            answered += stage.TryDetect(text, out _) ? 1 : 0;
            if (actual != expected)
            {
                differences.Add($"expected {expected}, got {actual}: {(text.Length > 80 ? text[..80] + "…" : text)}");
            }
        }

        output.WriteLine($"{name}: {texts.Count} texts, {scored} scored, {answered} answered at the default margins; differences: {differences.Count}");
        foreach (var line in differences.Take(20))
        {
            output.WriteLine("  " + line);
        }

        Assert.Empty(differences);
        Assert.True(scored > 0);
    }

    /// <summary>The verdict as text, with the doubles' bits, so only the very same values compare equal.</summary>
    private static string Verdict(bool answers, LanguageGuess guess, double margin, bool shortText) => string.Create(CultureInfo.InvariantCulture,
        $"{answers} {guess.Code} {BitConverter.DoubleToInt64Bits(guess.Confidence):X16} {BitConverter.DoubleToInt64Bits(margin):X16} {shortText}");
}
