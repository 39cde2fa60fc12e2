using GlobalBrain.Domain.Quality;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// Acceptance: generated junk of each kind is dropped by the rule made for it; corpus paragraphs (with
/// GLOBALBRAIN_DATA) are kept when they are long enough to be judged.
/// </summary>
public sealed class QualityFilterTests(ITestOutputHelper output)
{
    private const int Variants = 30;
    private const string Clean =
        "The river rose slowly through the night, and by morning the lower fields were under water. " +
        "Farmers who had lived in the valley for generations said that they had never seen anything like it. " +
        "The council met at noon to decide what should be done with the families whose houses were flooded, " +
        "and it was agreed that the school would stay open as a shelter until the water went down again.";

    public static TheoryData<string, string> JunkKinds => new()
    {
        { "short", "gopher_too_few_words" },
        { "gibberish", "gopher_mean_word_length_high" },
        { "hashtags", "gopher_hash_ratio" },
        { "numbers", "gopher_non_alphabetic_words" },
        { "bullets", "gopher_bullet_lines" },
        { "teasers", "gopher_ellipsis_lines" },
        { "no-stop-words", "gopher_stop_words" },
        { "repeated-lines", "gopher_duplicate_lines" },
        { "spam-phrase", "gopher_top_2_gram" },
        { "lorem", "c4_lorem_ipsum" },
        { "template", "c4_curly_bracket" },
        { "cookies", "c4_boilerplate_lines" },
        { "menu", "c4_terminal_punctuation" },
    };

    [Theory]
    [MemberData(nameof(JunkKinds))]
    public void Junk_IsDroppedByItsRule(string kind, string reason)
    {
        var filter = new QualityFilter();
        var random = new Random(kind.Length * 7919);
        var verdicts = Enumerable.Range(0, Variants).Select(_ => filter.Evaluate(Junk(kind, random), kind == "no-stop-words" ? "en" : null)).ToList();

        Assert.All(verdicts, v => Assert.Equal(reason, v.Reason));
        Assert.All(Enumerable.Range(0, Variants), _ => Assert.True(new QualityFilter(QualityOptions.Off).Evaluate(Junk(kind, random)).Keep));
    }

    [Fact]
    public void CleanProse_IsKept()
    {
        Assert.True(new QualityFilter().Evaluate(Clean, "en").Keep);
        Assert.Equal("gopher_stop_words", new QualityFilter().Evaluate(Clean.Replace("the ", "a ", StringComparison.OrdinalIgnoreCase)
            .Replace(" and ", " or ", StringComparison.Ordinal).Replace(" that ", " as ", StringComparison.Ordinal)
            .Replace(" to ", " for ", StringComparison.Ordinal).Replace(" with ", " by ", StringComparison.Ordinal)
            .Replace(" be ", " is ", StringComparison.Ordinal).Replace(" of ", " in ", StringComparison.Ordinal), "en").Reason);
        Assert.True(new QualityFilter(QualityOptions.Default with { MinStopWords = null }).Evaluate("a b c " + Clean, "en").Keep);
    }

    [SkippableFact]
    public void CorpusParagraphs_AreKept_WhenLongEnoughToJudge()
    {
        var corpus = QualityCorpus.Folder();
        var filter = new QualityFilter();
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        int judged = 0, judgedKept = 0, kept = 0;
        var paragraphs = QualityCorpus.Paragraphs(corpus);
        var dropped = new List<string>();
        foreach (var (language, id, text) in paragraphs)
        {
            var verdict = filter.Evaluate(text, language);
            kept += verdict.Keep ? 1 : 0;
            reasons[verdict.Reason ?? "kept"] = reasons.GetValueOrDefault(verdict.Reason ?? "kept") + 1;
            if (verdict.Reason is not ("gopher_too_few_words" or "gopher_too_many_words"))
            {
                judged++;
                judgedKept += verdict.Keep ? 1 : 0;
                if (!verdict.Keep)
                {
                    dropped.Add($"{id} {verdict.Reason}: {(text.Length > 70 ? text[..70] + "…" : text)}");
                }
            }
        }

        var files = QualityCorpus.Files(corpus).Select(f => (f.Id, filter.Evaluate(f.Text, f.Language).Reason ?? "kept")).ToList();
        output.WriteLine($"paragraphs: {kept}/{paragraphs.Count} kept; of the {judged} within Gopher's word bounds, {judgedKept} kept ({(double)judgedKept / judged:P1})");
        output.WriteLine(string.Join(", ", reasons.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value}")));
        output.WriteLine("files: " + string.Join(", ", files.Select(f => $"{f.Id} {f.Item2}")));
        foreach (var line in dropped.Take(15))
        {
            output.WriteLine("  " + line);
        }

        Assert.True((double)judgedKept / judged >= 0.95, $"{judgedKept}/{judged} corpus paragraphs within the word bounds kept");
    }

    private static string Junk(string kind, Random random)
    {
        string Words(int n, int min = 4, int max = 8) => string.Join(' ', Enumerable.Range(0, n).Select(_ => Word(random, min, max)));
        string Sentence(int n) => Words(n) + ".";
        return kind switch
        {
            "short" => $"Click here to {Word(random, 4, 8)} now.",
            "gibberish" => Words(80, 14, 24) + ".",
            "hashtags" => string.Join(' ', Enumerable.Range(0, 70).Select(i => i % 4 == 0 ? "#" + Word(random, 4, 8) : Word(random, 4, 8))) + ".",
            "numbers" => string.Join(' ', Enumerable.Range(0, 70).Select(i => i % 3 == 0 ? Word(random, 4, 8) : random.Next(100, 99999).ToString(System.Globalization.CultureInfo.InvariantCulture))) + ".",
            "bullets" => string.Join('\n', Enumerable.Range(0, 12).Select(_ => "• " + Sentence(6))),
            "teasers" => string.Join('\n', Enumerable.Range(0, 8).Select(_ => Words(12) + " ...")),
            "no-stop-words" => string.Join(' ', Enumerable.Range(0, 8).Select(_ => Sentence(9))),
            "repeated-lines" => string.Join('\n', Enumerable.Repeat(Enumerable.Range(0, 6).Select(_ => Sentence(8)).ToList(), 3).SelectMany(x => x)),
            "spam-phrase" => string.Join(' ', Enumerable.Range(0, 60).Select(i => i % 5 == 0 ? "cheap pills" : Word(random, 4, 8))) + ".",
            "lorem" => "Lorem ipsum " + string.Join(' ', Enumerable.Range(0, 8).Select(_ => string.Join(' ', Enumerable.Range(0, 9).Select(_ => Latin[random.Next(Latin.Length)])) + ".")),
            "template" => string.Join(' ', Enumerable.Range(0, 6).Select(_ => Sentence(10))) + " Settings { " + Word(random, 4, 8) + " } apply.",
            "cookies" => string.Join('\n', Enumerable.Range(0, 8).Select(_ => Sentence(9)).Concat(Policy.OrderBy(_ => random.Next()).Take(2))),
            "menu" => string.Join("\n\n", Enumerable.Range(0, 6).Select(_ => string.Join('\n', Enumerable.Range(0, 3).Select(_ => Words(4))))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    private static readonly string[] Latin =
        ["dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "eiusmod", "tempor", "incididunt", "labore",
         "dolore", "magna", "aliqua", "enim", "minim", "veniam", "quis", "nostrud", "exercitation", "ullamco", "laboris"];

    private static readonly string[] Policy =
        ["This website uses cookies to improve your experience.", "Please read our privacy policy before you continue.",
         "By using this site you accept the terms of use.", "Please enable JavaScript to view the comments."];

    private static string Word(Random random, int min, int max) =>
        string.Create(random.Next(min, max + 1), random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + r.Next(26));
            }
        });
}
