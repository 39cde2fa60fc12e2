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
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"candidates {string.Join(',', DefaultCandidates)} → tables for {string.Join(',', stage.Codes)}: {stage.Rows:N0} n-grams, {bytes / 1e6:F1} MB managed heap, built in {seconds:F2} s"));

        Assert.Equal(["de", "en", "es", "fr", "it", "nl", "pt"], stage.Codes);
        Assert.True(stage.Rows > 10_000);
        Assert.Null(LanguageFirstStage.Create(Languages(["en", "zh", "ru"])));
        GC.KeepAlive(stage);
    }

    [Fact]
    public void ItDeclines_ShortTexts_OtherScripts_AndRuleDecidedOnes()
    {
        var stage = Stage.Value;

        Assert.False(stage.TryDetect("The weather is lovely today, and we are going for a walk.", out _));
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
        var answeredAt = new int[Margins.Length];
        var wrongAt = new int[Margins.Length];
        var disagreements = new List<string>();
        int answered = 0, latinLong = 0;
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

            stage.TryDetect(text, 0, out var guess, out var margin);
            latinLong += double.IsNaN(margin) ? 0 : 1;
            for (var m = 0; m < Margins.Length; m++)
            {
                if (margin >= Margins[m] && margin > 0)
                {
                    answeredAt[m]++;
                    wrongAt[m] += guess.Code != alone.Code ? 1 : 0;
                }
            }

            if (stage.TryDetect(text, out var first))
            {
                answered++;
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
            $"{name}: {texts.Count} texts; scored by the stage (Latin, ≥ {LanguageFirstStage.MinimumCleanedLength} cleaned characters, rules silent): {latinLong}; answered at margin {LanguageFirstStage.MinimumMargin}: {answered} ({(double)answered / texts.Count:P1} of texts, {(double)answeredCharacters / Math.Max(1, characters):P1} of characters); disagreements: {disagreements.Count}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"detector time over the set (one thread, in-test Stopwatch): Lingua alone {linguaSeconds:F2} s, with the stage {stageSeconds:F2} s"));
        output.WriteLine("margin per trigram → answered, of which not Lingua's code:");
        for (var m = 0; m < Margins.Length; m++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ≥ {Margins[m],-6} {answeredAt[m],6} {wrongAt[m],4}"));
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
