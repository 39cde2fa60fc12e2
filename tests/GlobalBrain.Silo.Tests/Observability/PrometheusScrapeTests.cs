using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GlobalBrain.Silo.Tests.Observability;

/// <summary>A real Prometheus scrapes a real silo, evaluates the repository's rules, and answers every dashboard query.</summary>
[Collection(ObservedSiloDefinition.Name)]
public sealed partial class PrometheusScrapeTests(ObservedSiloFixture silo) : IDisposable
{
    // Grafana's variables, replaced explicitly: one job, every instance, a rate window of several 1 s scrapes.
    private static readonly (string Variable, string Value)[] Substitutions =
    [
        ("$__rate_interval", "5s"),
        ("$__interval", "1s"),
        ("$job", "globalbrain"),
        ("$instance", ".*"),
    ];

    private static readonly string[] RuleFiles = ["recording-rules.yml", "alert-rules.yml"];

    private readonly string _tempDir = Directory.CreateTempSubdirectory("globalbrain-prometheus-").FullName;
    private ServerProcess? _prometheus;

    [SkippableFact]
    public async Task Prometheus_ScrapingASilo_AnswersEveryDashboardQueryAndRecordingRule()
    {
        Skip.If(ObservabilityTools.PrometheusMissing, ObservabilityTools.MissingPrometheus);

        var queries = DashboardQueries().Concat(RecordingRuleNames()).Distinct(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(queries);
        Assert.All(queries, q => Assert.DoesNotContain("$", q, StringComparison.Ordinal));

        await silo.IngestAsync();
        var port = FreePorts.Next();
        StartPrometheus(port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await _prometheus!.WaitUntilReadyAsync(http, "/-/ready", TimeSpan.FromSeconds(30));

        var pending = new HashSet<string>(queries, StringComparer.Ordinal);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        await Poll.UntilAsync(
            async () =>
            {
                await silo.IngestAsync();
                foreach (var query in pending.ToList())
                {
                    var (ok, error) = await HasDataAsync(http, query);
                    if (ok)
                    {
                        pending.Remove(query);
                        errors.Remove(query);
                    }
                    else if (error is not null)
                    {
                        errors[query] = error;
                    }
                }

                return pending.Count == 0;
            },
            TimeSpan.FromSeconds(60),
            TimeSpan.FromSeconds(1));

        Assert.True(
            pending.Count == 0,
            $"{pending.Count} of {queries.Count} queries never returned data within 60 s:\n" +
            string.Join('\n', pending.Select(q => errors.TryGetValue(q, out var e) ? $"{q}  ({e})" : q)) +
            $"\nscrape target: {(pending.Count == 0 ? "" : await TargetHealthAsync(http))}");
    }

    public void Dispose()
    {
        _prometheus?.Dispose();
        try
        {
            Directory.Delete(_tempDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the OS temp cleanup will take it.
        }
    }

    internal static List<string> DashboardQueries()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "grafana", "globalbrain-dashboard.json")));
        var queries = new List<string>();
        Collect(doc.RootElement.GetProperty("panels"));
        return queries;

        void Collect(JsonElement panels)
        {
            foreach (var panel in panels.EnumerateArray())
            {
                if (panel.TryGetProperty("targets", out var targets))
                {
                    foreach (var target in targets.EnumerateArray())
                    {
                        if (target.TryGetProperty("expr", out var expr) && expr.GetString() is { Length: > 0 } text)
                        {
                            queries.Add(Substitute(text));
                        }
                    }
                }

                if (panel.TryGetProperty("panels", out var nested))
                {
                    Collect(nested);
                }
            }
        }
    }

    internal static List<string> RecordingRuleNames() =>
        RecordRegex().Matches(File.ReadAllText(Path.Combine(ObservabilityTools.PrometheusDir, "recording-rules.yml")))
            .Select(m => m.Groups[1].Value)
            .ToList();

    private static string Substitute(string expr)
    {
        foreach (var (variable, value) in Substitutions)
        {
            expr = expr.Replace(variable, value, StringComparison.Ordinal);
        }

        return expr;
    }

    private void StartPrometheus(int port)
    {
        var ruleFiles = RuleFiles.Select(f => Path.Combine(ObservabilityTools.PrometheusDir, f));
        var config = new StringBuilder()
            .AppendLine("global:")
            .AppendLine("  scrape_interval: 1s")
            .AppendLine("  scrape_timeout: 1s")
            .AppendLine("  evaluation_interval: 1s")
            .AppendLine("rule_files:");
        foreach (var file in ruleFiles)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"  - '{file}'");
        }

        config
            .AppendLine("scrape_configs:")
            .AppendLine("  - job_name: globalbrain")
            .AppendLine("    static_configs:")
            .AppendLine(CultureInfo.InvariantCulture, $"      - targets: ['127.0.0.1:{silo.MetricsPort}']");
        var configPath = Path.Combine(_tempDir, "prometheus.yml");
        File.WriteAllText(configPath, config.ToString());

        _prometheus = ServerProcess.Start(
            "prometheus",
            ProcessRunner.FindOnPath("prometheus")!,
            [
                $"--config.file={configPath}",
                $"--storage.tsdb.path={Path.Combine(_tempDir, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            _tempDir);
    }

    private static async Task<string> TargetHealthAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("/api/v1/targets?state=active", UriKind.Relative));
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return string.Join("; ", doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .Select(t => $"{t.GetProperty("scrapeUrl").GetString()} health={t.GetProperty("health").GetString()} lastError={t.GetProperty("lastError").GetString()}"));
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
    }

    private static async Task<(bool HasData, string? Error)> HasDataAsync(HttpClient http, string query)
    {
        try
        {
            using var form = new FormUrlEncodedContent([new KeyValuePair<string, string>("query", query)]);
            using var response = await http.PostAsync(new Uri("/api/v1/query", UriKind.Relative), form);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = doc.RootElement;
            if (root.GetProperty("status").GetString() != "success")
            {
                return (false, root.TryGetProperty("error", out var error) ? error.GetString() : "query failed");
            }

            var data = root.GetProperty("data");
            var result = data.GetProperty("result");
            return (data.GetProperty("resultType").GetString() switch
            {
                "vector" or "matrix" => result.GetArrayLength() > 0,
                _ => true,
            }, null);
        }
        catch (HttpRequestException e)
        {
            return (false, e.Message);
        }
        catch (TaskCanceledException)
        {
            return (false, "timed out");
        }
    }

    [GeneratedRegex(@"^\s*-\s*record:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RecordRegex();
}
