using System.Text.Json;
using GlobalBrain.Client.Output;
using GlobalBrain.Grains;
using Xunit;

namespace GlobalBrain.Client.Tests;

public sealed class MetricsReportTests
{
    private static readonly string[] RequiredKeys =
    [
        "experts", "flowRate", "documents", "rejected", "tokens", "distinctItems", "meanReach", "minReach", "collectiveIntelligence",
    ];

    private static ClusterMetrics Metrics() => new(
        Experts: 16,
        FlowRate: 2.5,
        Documents: 4,
        Tokens: 1_234_567,
        DistinctItems: 987_654.4,
        MeanReach: 0.99512,
        MinReach: 0.98031,
        MedianReach: 0.99601,
        StdReach: 0.00412,
        CollectiveIntelligence: 15_725_000.6,
        Exchanges: 321,
        BytesExchanged: 42_000_000,
        Silos: 1,
        Timestamp: DateTimeOffset.UnixEpoch);

    private static RejectionEntry[] Rejections() =>
    [
        new("docs.jsonl", 2, "malformed_json", "not valid JSON"),
        new("docs.jsonl", 3, "missing_text", "\"text\" must be a string (it is missing)"),
        new("empty.txt", null, "empty", "the file is empty (no text to ingest)"),
        new("more.jsonl", 7, "malformed_json", "not valid JSON"),
    ];

    [Fact]
    public void ToJson_UsesCamelCaseKeys_AndHasTheRequiredKeys()
    {
        using var json = JsonDocument.Parse(MetricsReport.From(Metrics(), []).ToJson());
        var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();

        Assert.All(RequiredKeys, key => Assert.Contains(key, keys));
        Assert.All(keys, key => Assert.True(char.IsLower(key[0]), $"key '{key}' is not camelCase"));
        Assert.Equal(16, json.RootElement.GetProperty("experts").GetInt32());
        Assert.Equal(2.5, json.RootElement.GetProperty("flowRate").GetDouble());
        Assert.Equal(4, json.RootElement.GetProperty("documents").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("rejected").GetInt64());
        Assert.Equal(1_234_567, json.RootElement.GetProperty("tokens").GetInt64());
        Assert.Equal(987_654, json.RootElement.GetProperty("distinctItems").GetDouble());
        Assert.Equal(0.99512, json.RootElement.GetProperty("meanReach").GetDouble());
        Assert.Equal(0.98031, json.RootElement.GetProperty("minReach").GetDouble());
        Assert.Equal(15_725_001, json.RootElement.GetProperty("collectiveIntelligence").GetDouble());
    }

    [Fact]
    public void ToJson_IsOneLine_AndLeavesOutWhatIsNotKnown()
    {
        var text = MetricsReport.From(Metrics(), []).ToJson();
        using var json = JsonDocument.Parse(text);

        Assert.DoesNotContain('\n', text);
        Assert.False(json.RootElement.TryGetProperty("converged", out _));
        Assert.False(json.RootElement.TryGetProperty("ingested", out _));
        Assert.False(json.RootElement.TryGetProperty("rejectedByReason", out _));
        Assert.False(json.RootElement.TryGetProperty("rejections", out _));
    }

    [Fact]
    public void ToJson_CountsRejectionsByReasonCode_AndListsThemWithTheirLines()
    {
        using var json = JsonDocument.Parse(MetricsReport.From(Metrics(), Rejections()).ToJson());
        var root = json.RootElement;

        Assert.Equal(4, root.GetProperty("rejected").GetInt64());
        var byReason = root.GetProperty("rejectedByReason").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["empty"] = 1, ["malformed_json"] = 2, ["missing_text"] = 1 }, byReason);

        var first = root.GetProperty("rejections")[0];
        Assert.Equal("docs.jsonl", first.GetProperty("source").GetString());
        Assert.Equal(2, first.GetProperty("line").GetInt64());
        Assert.Equal("malformed_json", first.GetProperty("reason").GetString());
        Assert.False(root.GetProperty("rejections")[2].TryGetProperty("line", out _));
    }

    [Fact]
    public void ToJson_IncludesTheIngestRun_WithCamelCaseKeys()
    {
        var report = MetricsReport.From(Metrics(), []) with
        {
            Converged = true,
            ConvergenceSeconds = 1.25,
            Ingested = new IngestRun(4, 1_234_567, 2_955_851, 1.5, 1.97, 823_045, 12, new Dictionary<string, int> { ["S127.0.0.1:11111:1"] = 12 }),
        };

        using var json = JsonDocument.Parse(report.ToJson());
        var ingested = json.RootElement.GetProperty("ingested");

        Assert.True(json.RootElement.GetProperty("converged").GetBoolean());
        Assert.Equal(1.25, json.RootElement.GetProperty("convergenceSeconds").GetDouble());
        Assert.Equal(4, ingested.GetProperty("documents").GetInt64());
        Assert.Equal(2_955_851, ingested.GetProperty("bytes").GetInt64());
        Assert.Equal(1.97, ingested.GetProperty("megabytesPerSecond").GetDouble());
        Assert.Equal(12, ingested.GetProperty("batchesBySilo").GetProperty("S127.0.0.1:11111:1").GetInt32());
    }

    [Fact]
    public void ToTable_ContainsTheFigures()
    {
        var report = MetricsReport.From(Metrics(), Rejections()) with { Converged = true, ConvergenceSeconds = 1.5 };

        var table = report.ToTable("an embedded in-process silo");

        Assert.Contains("an embedded in-process silo", table, StringComparison.Ordinal);
        Assert.Matches(@"experts \(N\)\s+16\n", table);
        Assert.Matches(@"flow rate \(v\)\s+2\.5 ", table);
        Assert.Matches(@"documents\s+4\n", table);
        Assert.Matches(@"rejected\s+4\n", table);
        Assert.Matches(@"tokens\s+1,234,567\n", table);
        Assert.Matches(@"distinct items \(I\)\s+987,654\n", table);
        Assert.Matches(@"mean reach \(C̄\)\s+0\.9951\n", table);
        Assert.Matches(@"min reach\s+0\.9803\n", table);
        Assert.Matches(@"collective intelligence \(C\)\s+15,725,001\n", table);
        Assert.Matches(@"exchanges\s+321\n", table);
        Assert.Contains("after 1.5 s", table, StringComparison.Ordinal);
        Assert.Contains("rejected by reason: empty 1, malformed_json 2, missing_text 1", table, StringComparison.Ordinal);
        Assert.Matches(@"flow rate \(v\)\s+2\.5 exchanges/s per expert\n", table);
        Assert.EndsWith(MetricsReport.Legend + "\n", table, StringComparison.Ordinal);
    }

    [Fact]
    public void ToTable_OneExchangePerSecond_IsSingular_AndASmallRunsRate_IsNotZero()
    {
        var run = new IngestRun(3, 900, 4_200, 1.0, MegabytesPerSecond: 0.0042, TokensPerSecond: 900, 1, new Dictionary<string, int>());
        var report = MetricsReport.From(Metrics() with { FlowRate = 1 }, []) with { Ingested = run };

        var table = report.ToTable("an embedded in-process silo");

        Assert.Matches(@"flow rate \(v\)\s+1 exchange/s per expert\n", table);
        Assert.Matches(@"ingest rate\s+4\.20 kB/s, 900 tokens/s\n", table);
        Assert.Matches(@"ingest rate\s+1\.97 MB/s", (report with { Ingested = run with { MegabytesPerSecond = 1.97 } }).ToTable("x"));
    }

    [Fact]
    public void ToTable_EndsWithWhatTheSymbolsMean()
    {
        var table = MetricsReport.From(Metrics(), []).ToTable("x");

        var legend = table.TrimEnd('\n').Split('\n')[^1];
        Assert.Contains("I: distinct knowledge items", legend, StringComparison.Ordinal);
        Assert.Contains("C̄: mean reach", legend, StringComparison.Ordinal);
        Assert.Contains("C = N·C̄·I", legend, StringComparison.Ordinal);
        Assert.Contains("reach of an expert: the share of I it holds", legend, StringComparison.Ordinal);
    }
}
