using System.Diagnostics;
using System.Globalization;
using GlobalBrain.Domain.Quality;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// Acceptance for <see cref="LanguageFirstStage"/>: wherever it answers, the detector gives the code Lingua alone
/// gives — on every corpus paragraph and document sample (with GLOBALBRAIN_DATA) and on a multilingual set built
/// here (long and short texts in 12 candidate and 6 other languages, mixtures, lists of names). Each reports how
/// many texts the stage answered, and for the corpus how many it would answer and get wrong at other margins.
/// </summary>
public sealed class LanguageFirstStageTests(ITestOutputHelper output)
{
    private static readonly string[] DefaultCandidates = LanguageScreen.Candidates(["en", "es", "zh"]);
    private static readonly Lazy<LanguageDetector> LinguaAlone = new(() => new LanguageDetector(DefaultCandidates, firstStage: false));
    private static readonly Lazy<LanguageFirstStage> Stage = new(() => LanguageFirstStage.Create(Languages(DefaultCandidates))!);
    private static readonly double[] Margins = [0, 0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5];
    private static readonly double[] ShortMargins = [0, 0.05, 0.1, 0.25, 0.5, 1, 2, 4];

    [Fact]
    public void Tables_HoldTheLatinScriptCandidates_AndLoadInMeasuredTime()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var stage = LanguageFirstStage.Create(Languages(DefaultCandidates))!;
        var seconds = clock.Elapsed.TotalSeconds;
        var bytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        var rows = stage.Rows;
        clock.Restart();
        stage.LoadShortTextTables();
        var shortSeconds = clock.Elapsed.TotalSeconds;
        var shortBytes = GC.GetTotalMemory(forceFullCollection: true) - before - bytes;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"candidates {string.Join(',', DefaultCandidates)} → tables for {string.Join(',', stage.Codes)}: sizes 1–3 {rows.Sum():N0} n-grams, +{bytes / 1e6:F1} MB managed heap, {seconds:F2} s; sizes 4–5 (first short text) {stage.Rows.Sum() - rows.Sum():N0} n-grams, +{shortBytes / 1e6:F1} MB, {shortSeconds:F2} s"));

        Assert.Equal(["de", "en", "es", "fr", "it", "nl", "pt"], stage.Codes);
        Assert.Equal(3, rows.Count);
        Assert.True(rows[2] > 10_000);
        Assert.Equal(5, stage.Rows.Count);
        Assert.Null(LanguageFirstStage.Create(Languages(["en", "zh", "ru"])));
        GC.KeepAlive(stage);
    }

    [Fact]
    public void ItDeclines_OtherScripts_AndRuleDecidedOnes()
    {
        var stage = Stage.Value;

        Assert.False(stage.TryDetect("Está aquí.", out _));
        Assert.False(stage.TryDetect("1234 5678 !!! ...", out _));
        Assert.False(stage.TryDetect(MultilingualTexts.Long["ru"], out _));
        Assert.False(stage.TryDetect(MultilingualTexts.Long["ja"], out _));
        Assert.False(stage.TryDetect(MultilingualTexts.Long["en"] + " Привет", out _));
        Assert.False(stage.TryDetect(string.Join(' ', Enumerable.Repeat("straße fuß groß maß", 20)), out _));
        Assert.True(stage.TryDetect(MultilingualTexts.Long["en"], out var english));
        Assert.Equal("en", english.Code);
    }

    [Fact]
    public void WhereItAnswers_ItAgreesWithLinguaAlone_OnTheMultilingualSet()
    {
        var texts = MultilingualTexts.All();
        var (answered, disagreements) = Compare(texts.Select(t => (t.Kind, t.Text)).ToList(), "multilingual set");

        Assert.Empty(disagreements);
        Assert.True(answered >= 20, $"the stage answered only {answered} of {texts.Count} texts");
    }

    [SkippableFact]
    public void WhereItAnswers_ItAgreesWithLinguaAlone_OnEveryCorpusParagraph()
    {
        var corpus = QualityCorpus.Folder();
        var texts = QualityCorpus.Paragraphs(corpus).Select(p => (p.Language, LanguageScreen.Sample(p.Text)))
            .Concat(QualityCorpus.Files(corpus).Select(f => (f.Language, LanguageScreen.Sample(f.Text))))
            .ToList();
        var (answered, disagreements) = Compare(texts, "corpus paragraphs + document samples");

        Assert.Empty(disagreements);
        Assert.True(answered > texts.Count / 4, $"the stage answered only {answered} of {texts.Count} texts");
    }

    /// <summary>Each text through the stage (at every margin in <see cref="Margins"/>) and through Lingua alone; also the detector with the stage.</summary>
    private (int Answered, List<string> Disagreements) Compare(List<(string Kind, string Text)> texts, string name)
    {
        var stage = Stage.Value;
        var lingua = LinguaAlone.Value;
        var withStage = new LanguageDetector(DefaultCandidates);
        withStage.Detect("Warm up: the tables of every size load now, not in the timed loop.");
        lingua.Detect("Warm up: the tables of every size load now, not in the timed loop.");
        var answeredAt = new int[Margins.Length];
        var wrongAt = new int[Margins.Length];
        var shortAnsweredAt = new int[ShortMargins.Length];
        var shortWrongAt = new int[ShortMargins.Length];
        var disagreements = new List<string>();
        int answered = 0, scored = 0, answeredShort = 0;
        long characters = 0, answeredCharacters = 0;
        double stageSeconds = 0, linguaSeconds = 0;
        var clock = new Stopwatch();
        foreach (var (kind, text) in texts)
        {
            characters += text.Length;
            clock.Restart();
            var alone = lingua.Detect(text);
            linguaSeconds += clock.Elapsed.TotalSeconds;
            clock.Restart();
            var combined = withStage.Detect(text);
            stageSeconds += clock.Elapsed.TotalSeconds;
            if (combined.Code != alone.Code)
            {
                disagreements.Add($"detector [{kind}] {alone.Code} alone, {combined.Code} with the stage: {Excerpt(text)}");
            }

            stage.TryDetect(text, 0, 0, out var guess, out var margin, out var shortText);
            scored += double.IsNaN(margin) ? 0 : 1;
            var (thresholds, answeredAtMargin, wrongAtMargin) = shortText ? (ShortMargins, shortAnsweredAt, shortWrongAt) : (Margins, answeredAt, wrongAt);
            for (var m = 0; m < thresholds.Length; m++)
            {
                if (margin >= thresholds[m] && margin > 0)
                {
                    answeredAtMargin[m]++;
                    wrongAtMargin[m] += guess.Code != alone.Code ? 1 : 0;
                }
            }

            if (stage.TryDetect(text, out var first))
            {
                answered++;
                answeredShort += shortText ? 1 : 0;
                answeredCharacters += text.Length;
                if (first.Code != alone.Code)
                {
                    disagreements.Add($"stage [{kind}] {alone.Code} alone, {first.Code} by the stage (margin {margin:F4}): {Excerpt(text)}");
                }
                else if (Math.Abs(first.Confidence - alone.Confidence) > 1e-9)
                {
                    disagreements.Add($"stage [{kind}] confidence {first.Confidence} by the stage, {alone.Confidence} alone: {Excerpt(text)}");
                }
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {texts.Count} texts; scored by the stage (Latin script, Lingua's rules silent): {scored}; answered at margins {LanguageFirstStage.MinimumMargin} per trigram (≥ {LanguageFirstStage.MinimumCleanedLength} cleaned characters) and {LanguageFirstStage.MinimumShortMargin} (shorter): {answered}, {answeredShort} of them short ({(double)answered / texts.Count:P1} of texts, {(double)answeredCharacters / Math.Max(1, characters):P1} of characters); disagreements: {disagreements.Count}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"detector time over the set (one thread, in-test Stopwatch): Lingua alone {linguaSeconds:F2} s, with the stage {stageSeconds:F2} s"));
        output.WriteLine($"≥ {LanguageFirstStage.MinimumCleanedLength} cleaned characters: margin per trigram → answered, of which not Lingua's code:");
        for (var m = 0; m < Margins.Length; m++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ≥ {Margins[m],-6} {answeredAt[m],6} {wrongAt[m],4}"));
        }

        output.WriteLine("shorter: margin in Lingua's score → answered, of which not Lingua's code:");
        for (var m = 0; m < ShortMargins.Length; m++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ≥ {ShortMargins[m],-6} {shortAnsweredAt[m],6} {shortWrongAt[m],4}"));
        }

        foreach (var line in disagreements.Take(20))
        {
            output.WriteLine("  " + line);
        }

        return (answered, disagreements);
    }

    private static Lingua.Language[] Languages(IEnumerable<string> codes) =>
        [.. codes.Select(c => Lingua.LanguageInfo.GetByIsoCode6391(Enum.Parse<Lingua.IsoCode6391>(c, ignoreCase: true)))];

    private static string Excerpt(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
