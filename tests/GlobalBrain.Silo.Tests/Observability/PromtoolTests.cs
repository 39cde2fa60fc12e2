namespace GlobalBrain.Silo.Tests.Observability;

/// <summary>The Prometheus configuration, rules and the silo's exposition pass promtool.</summary>
[Collection(ObservedSiloDefinition.Name)]
public sealed class PromtoolTests(ObservedSiloFixture silo)
{
    [SkippableFact]
    public async Task CheckConfig_PrometheusYml_IsValidWithItsRuleFiles()
    {
        Skip.If(ObservabilityTools.PrometheusMissing, ObservabilityTools.MissingPrometheus);

        var result = await ProcessRunner.RunAsync("promtool", ["check", "config", Path.Combine(ObservabilityTools.PrometheusDir, "prometheus.yml")]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SUCCESS: 2 rule files found", result.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task TestRules_RuleUnitTests_Pass()
    {
        Skip.If(ObservabilityTools.PrometheusMissing, ObservabilityTools.MissingPrometheus);

        var result = await ProcessRunner.RunAsync("promtool", ["test", "rules", Path.Combine(ObservabilityTools.PrometheusDir, "tests", "rules-test.yml")]);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [SkippableFact]
    public async Task CheckMetrics_LiveScrape_HasNoGlobalBrainProblems()
    {
        Skip.If(ObservabilityTools.PrometheusMissing, ObservabilityTools.MissingPrometheus);
        await silo.IngestAsync();

        // The first scrape starts the gauges' refresh; wait until a scrape shows them.
        var payload = await Poll.UntilAsync(
            silo.ScrapeAsync, p => p.Contains("\nglobalbrain_reach_mean{", StringComparison.Ordinal), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));

        Assert.Contains("globalbrain_ingest_documents_total", payload, StringComparison.Ordinal);
        Assert.Contains("\nglobalbrain_reach_mean{", payload, StringComparison.Ordinal);

        // Orleans' own metrics draw lint warnings (no help text, milliseconds); only ours must be clean.
        // promtool prints one "<metric> <problem>" line per finding.
        var result = await ProcessRunner.RunAsync("promtool", ["check", "metrics"], stdin: payload);
        var ours = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains("globalbrain_", StringComparison.Ordinal))
            .ToList();

        Assert.True(ours.Count == 0, "promtool check metrics found problems:\n" + string.Join('\n', ours));
        Assert.True(result.ExitCode is 0 or 3, $"promtool check metrics failed to run ({result.ExitCode}):\n{result.Output}");
    }
}
