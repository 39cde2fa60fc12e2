using System.Text.Json;
using GlobalBrain.Client.Cli;
using GlobalBrain.Client.Export;
using GlobalBrain.Grains;
using Microsoft.Extensions.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary>
/// <c>ingest --dedup --pii --languages --quality</c>: bad values are usage errors before any cluster starts; the
/// flags win over the GlobalBrain__Quality__* settings; a run with every filter on drops each kind of document
/// for its reason, says so in --json and in the table, and exports only what it kept, with its language.
/// </summary>
[Collection(EmbeddedClusterRuns.Name)]
public sealed class IngestFiltersTests(ITestOutputHelper output)
{
    private const string English1 =
        "Knowledge spreads through the network as experts exchange what they have learned with randomly chosen peers. Each exchange merges two sketches, so nothing is counted twice, and after a few rounds every expert holds nearly everything that any of them has seen. Operators watch the reach climb on their dashboards while new documents keep arriving from many sources. Questions about the experiment can be sent to ada.lovelace@example.org at any time.";

    private const string English2 =
        "The ingestion front of every silo cuts the incoming text into batches and hands them to the tokenizer workers, which run on all cores at once. Each worker turns the words into numbers, groups the resulting items by expert, and returns them to the front, which forwards them to the experts that own them. Nothing waits for a single thread, so the work grows with the number of machines in the cluster.";

    private const string French =
        "Les experts échangent ce qu'ils savent avec leurs pairs choisis au hasard, et le réseau converge lentement vers une image partagée du monde. Chaque échange fusionne deux esquisses, de sorte que rien n'est compté deux fois, et après quelques tours chaque expert connaît presque tout ce que les autres ont vu. Les opérateurs observent la progression sur leurs tableaux de bord pendant que de nouveaux documents arrivent.";

    private const string Junk =
        "click here to buy now click here to buy now click here to buy now click here to buy now click here to buy now click here to buy now click here to buy now click here to buy now click here to buy now click here to buy now click here to buy now";

    [Theory]
    [InlineData("--dedup", "maybe", "'maybe' is not off, exact or near")]
    [InlineData("--pii", "mask", "'mask' is not off, redact or drop")]
    [InlineData("--quality", "strict", "'strict' is not off or default")]
    [InlineData("--languages", "en,xx", "'xx' is not an ISO 639-1 code")]
    [InlineData("--languages", "en,,es", "an empty item")]
    public async Task ABadFilterValue_FailsWithUsage_NamingTheOption_BeforeACluster(string option, string value, string expected)
    {
        var result = await CliRunner.RunAsync(output, "ingest", "-", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(option, result.Stderr, StringComparison.Ordinal);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.False(result.StdinOpened);
        result.AssertNoStackTrace();
    }

    [Fact]
    public void TheFlagsWin_OverTheSettings_WhichHoldTheThresholds()
    {
        var settings = Settings(("Dedup", "near"), ("Pii", "drop"), ("Languages", "es,EN"), ("Quality", "default"), ("MinWords", ""), ("MaxWords", "500"));

        var filters = new FilterArguments(Pii: PiiMode.Redact).Resolve(settings);

        Assert.Equal(DedupMode.Near, filters.Dedup);
        Assert.Equal(PiiMode.Redact, filters.Pii);
        Assert.Equal(["es", "en"], filters.Languages);
        Assert.Equal(QualityMode.Default, filters.Quality);
        Assert.Null(filters.EffectiveRules.MinWords);
        Assert.Equal(500, filters.EffectiveRules.MaxWords);
        var defaults = new FilterArguments().Resolve(Settings());
        Assert.Equal((DedupMode.Exact, PiiMode.Redact, QualityMode.Off), (defaults.Dedup, defaults.Pii, defaults.Quality));
        Assert.Empty(defaults.Languages);
    }

    [Theory]
    [InlineData("MinWords", "many", "GlobalBrain__Quality__MinWords")]
    [InlineData("Dedup", "sometimes", "GlobalBrain__Quality__Dedup")]
    [InlineData("DuplicateNGramCharFractions", "5=0.1", "GlobalBrain__Quality__DuplicateNGramCharFractions")]
    public void ABadSetting_IsAUsageError_NamingItsVariable(string key, string value, string variable)
    {
        var e = Assert.Throws<CliException>(() => new FilterArguments().Resolve(Settings((key, value))));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(variable, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryFilterOn_DropsEachDocumentForItsReason_AndExportsOnlyWhatWasKept_WithItsLanguage()
    {
        using var temp = new TempDirectory();
        var lines = new (string Id, string Text)[]
        {
            ("english-1", English1),
            ("exact-copy", "  " + English1.ToUpperInvariant().Replace(", ", " - ", StringComparison.Ordinal)),
            ("english-2", English2),
            ("near-copy", English2.Replace("cluster.", "whole cluster.", StringComparison.Ordinal)),
            ("french", French),
            ("junk", Junk),
        };
        var input = temp.Write("docs.jsonl", string.Join('\n', lines.Select(l => JsonSerializer.Serialize(new { id = l.Id, text = l.Text }))) + "\n");
        var dataset = Path.Combine(temp.Path, "dataset");

        var result = await CliRunner.RunAsync(output,
            "ingest", input, "--dedup", "near", "--pii", "redact", "--languages", "en", "--quality", "default",
            "--export", dataset, "--export-format", "jsonl", "--experts", "2", "--flow-rate", "20", "--json");

        Assert.Equal(0, result.ExitCode);
        var json = result.SingleJsonObject();
        Assert.Equal(2, json.GetProperty("ingested").GetProperty("documents").GetInt64());
        var filtered = json.GetProperty("filtered");
        Assert.Equal(4, filtered.GetProperty("total").GetInt64());
        var byFilter = filtered.GetProperty("byFilter");
        Assert.Equal(1, byFilter.GetProperty("dedup").GetProperty("exact").GetInt64());
        Assert.Equal(1, byFilter.GetProperty("dedup").GetProperty("near").GetInt64());
        Assert.Equal(1, byFilter.GetProperty("language").GetProperty("fr").GetInt64());
        Assert.Equal(1, byFilter.GetProperty("quality").GetProperty("gopher_top_2_gram").GetInt64());
        Assert.Equal(2, json.GetProperty("redacted").GetProperty("email").GetInt64()); // the copy was redacted too: duplicates are compared as they would be tokenized
        Assert.Equal("near", json.GetProperty("filters").GetProperty("dedup").GetString());

        var manifest = DatasetManifest.FromJson(await File.ReadAllTextAsync(Path.Combine(dataset, DatasetManifest.FileName)));
        var records = DatasetSplits.All.SelectMany(s => manifest.Splits[s].Files).SelectMany(f => Export.DatasetWriterTests.ReadJsonl(Path.Combine(dataset, f))).ToList();
        Assert.Equal([("english-1", "en"), ("english-2", "en")], records.Select(r => (r.DocumentId, r.Language)).Order());
        Assert.Equal(4, manifest.Filters!.Dropped!.Sum(d => d.Count));
        Assert.Contains("language", manifest.Columns);

        // What was tokenized is the redacted text: the record equals tokenize's encoding of it.
        var redacted = English1.Replace("ada.lovelace@example.org", "[EMAIL]", StringComparison.Ordinal);
        var tokenize = await CliRunner.RunAsync(output, CliRunner.Utf8(redacted + "\n"), "tokenize");
        var expected = JsonDocument.Parse(tokenize.Stdout).RootElement.GetProperty("input_ids").EnumerateArray().Select(v => v.GetInt32());
        Assert.Equal(expected, records.Single(r => r.DocumentId == "english-1").InputIds);
    }

    [Fact]
    public async Task TheDefaults_DropExactDuplicates_AndTheTableSaysWhichFiltersRan()
    {
        using var temp = new TempDirectory();
        var input = temp.Write("docs.jsonl",
            JsonSerializer.Serialize(new { id = "a", text = English2 }) + "\n" + JsonSerializer.Serialize(new { id = "b", text = "  " + English2.ToLowerInvariant() }) + "\n");

        var result = await CliRunner.RunAsync(output, "ingest", input, "--experts", "2", "--flow-rate", "20");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("filters", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("dedup exact, pii redact, languages (not detected), quality off", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("filtered                     1 (dedup: exact 1)", result.Stdout, StringComparison.Ordinal);
    }

    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create($"GlobalBrain:Quality:{s.Key}", (string?)s.Value))).Build();
}
