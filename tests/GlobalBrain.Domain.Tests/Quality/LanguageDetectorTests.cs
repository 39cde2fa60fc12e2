using System.Diagnostics;
using GlobalBrain.Domain.Quality;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>Acceptance: on the shared corpus (en, es, zh) every document's language is right; paragraphs are reported.</summary>
public sealed class LanguageDetectorTests(ITestOutputHelper output)
{
    private static readonly Lazy<LanguageDetector> EnEsZh = new(() => new LanguageDetector(["en", "es", "zh"]));

    [Fact]
    public void Detect_ShortSentences_InTheCandidateSet()
    {
        var detector = EnEsZh.Value;

        Assert.Equal("en", detector.Detect("The weather is lovely today, and we are going for a walk.").Code);
        Assert.Equal("es", detector.Detect("El ingenioso hidalgo vivía en un lugar de la Mancha.").Code);
        Assert.Equal("zh", detector.Detect("话说宝玉一日在家中闲坐，忽然想起黛玉来。").Code);
        var guess = detector.Detect("1234 5678 !!! ...");
        Assert.False(guess.IsDetermined);
        Assert.Equal(LanguageGuess.Undetermined, guess.Code);
    }

    [Fact]
    public void HanOnlyText_IsChinese_WithoutLingua_AsLinguaWouldSay()
    {
        Assert.True(LanguageDetector.IsHanOnly("话说宝玉一日在家中闲坐，忽然想起黛玉来。"));
        Assert.True(LanguageDetector.IsHanOnly("第八十一回 “占旺相四美钓游鱼” 1 2 3"));
        Assert.False(LanguageDetector.IsHanOnly("これは日本語の文です。"));
        Assert.False(LanguageDetector.IsHanOnly("宝玉 said hello"));
        Assert.False(LanguageDetector.IsHanOnly("１２３ ！"));
        Assert.False(LanguageDetector.IsHanOnly("한국어 문장"));
        Assert.Equal(new LanguageGuess("zh", 1), EnEsZh.Value.Detect("话说宝玉一日在家中闲坐，忽然想起黛玉来。"));
        Assert.Equal("ja", new LanguageDetector(["en", "ja"]).Detect("话说宝玉一日在家中闲坐").Code);
    }

    [SkippableFact]
    public void HanOnlyShortcut_AgreesWithLingua_OnTheCorpusParagraphs()
    {
        var corpus = QualityCorpus.Folder();
        var candidates = LanguageScreen.Candidates(["en", "es", "zh"]);
        var lingua = Lingua.LanguageDetectorBuilder.FromLanguages([.. candidates.Select(c => Lingua.LanguageInfo.GetByIsoCode6391(Enum.Parse<Lingua.IsoCode6391>(c, ignoreCase: true)))]).Build();
        var han = QualityCorpus.Paragraphs(corpus).Where(p => LanguageDetector.IsHanOnly(p.Text)).ToList();
        output.WriteLine($"{han.Count} paragraphs are Han only");

        Assert.True(han.Count > 100);
        Assert.All(han, p => Assert.Equal(Lingua.Language.Chinese, lingua.ComputeLanguageConfidenceValues(p.Text).MaxBy(v => v.Value).Key));
    }

    [SkippableFact]
    public void Detect_OnTheSampleOfEachCorpusFile_AsIngestionReadsIt_IsRight()
    {
        var corpus = QualityCorpus.Folder();
        var detector = new LanguageDetector(LanguageScreen.Candidates(["en", "es", "zh"]));

        Assert.All(QualityCorpus.Files(corpus), f => Assert.Equal(f.Language, detector.Detect(LanguageScreen.Sample(f.Text)).Code));
    }

    [Fact]
    public void Constructor_RejectsUnknownCodes_AndKnowsLinguasLanguages()
    {
        var error = Assert.Throws<ArgumentException>(() => new LanguageDetector(["en", "xx"]));
        Assert.Contains("'xx'", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new LanguageDetector(["en", "12"]));
        Assert.Throws<ArgumentException>(() => new LanguageDetector(["en"]));
        Assert.Equal(79, LanguageDetector.SupportedCodes.Count);
        Assert.True(LanguageDetector.IsSupported("ZH"));
        Assert.Equal(["en", "es"], new LanguageDetector([" EN", "es", "en"]).Candidates);
    }

    [SkippableFact]
    public void Detect_OnTheCorpus_EveryDocumentRight_ParagraphsReported()
    {
        var corpus = QualityCorpus.Folder();
        var detector = EnEsZh.Value;
        var clock = Stopwatch.StartNew();
        detector.Detect("warm up the models: english, español, 中文");
        output.WriteLine($"first detections (models en, es, zh loaded): {clock.Elapsed.TotalSeconds:F1} s");

        var wrongFiles = QualityCorpus.Files(corpus)
            .Select(f => (f.Id, f.Language, Guess: detector.Detect(f.Text)))
            .Where(f => f.Guess.Code != f.Language)
            .Select(f => $"{f.Id}: {f.Guess.Code} ({f.Guess.Confidence:F2})")
            .ToList();

        var paragraphs = QualityCorpus.Paragraphs(corpus);
        long chars = 0;
        clock.Restart();
        var wrong = new List<string>();
        int longer = 0, longerWrong = 0;
        foreach (var (language, id, text) in paragraphs)
        {
            chars += text.Length;
            var guess = detector.Detect(text);
            longer += text.Length >= 50 ? 1 : 0;
            if (guess.Code != language)
            {
                longerWrong += text.Length >= 50 ? 1 : 0;
                wrong.Add($"{id} [{language}→{guess.Code}] {(text.Length > 60 ? text[..60] + "…" : text)}");
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"documents (files): {wrongFiles.Count} wrong");
        output.WriteLine($"paragraphs: {paragraphs.Count - wrong.Count}/{paragraphs.Count} right ({1 - ((double)wrong.Count / paragraphs.Count):P2}); {chars / 1e6 / seconds:F2} M chars/s");
        output.WriteLine($"paragraphs of 50 characters or more: {longer - longerWrong}/{longer} right");
        foreach (var line in wrong.Take(20))
        {
            output.WriteLine("  " + line);
        }

        Assert.Empty(wrongFiles);
    }
}
