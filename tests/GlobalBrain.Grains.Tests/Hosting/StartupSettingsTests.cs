using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Grains.Tests.Hosting;

/// <summary>
/// The grains' sections as the silo and the CLI's embedded silo register them: every bound section is
/// checked by its validator before the host starts, and every problem comes back at once.
/// </summary>
public sealed class StartupSettingsTests
{
    [Fact]
    public void ProblemsInSeveralSections_AreAllReported_EachNamingItsVariable()
    {
        using var services = Registered(new()
        {
            // Bounds the embedded silo did not check before: a parameter of a topology not in use, a
            // flush interval beyond a day, a metrics interval of zero.
            ["GlobalBrain:Experts:M"] = "0",
            ["GlobalBrain:Knowledge:FlushInterval"] = "2.00:00:00",
            ["GlobalBrain:Metrics:Interval"] = "00:00:00",
        });

        var problems = StartupSettings.Problems(services);

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("GlobalBrain:Experts:M must be at least 1", StringComparison.Ordinal) && p.Contains("GlobalBrain__Experts__M", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("GlobalBrain__Knowledge__FlushInterval", StringComparison.Ordinal) && p.Contains("a bare number is read as days", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("GlobalBrain__Metrics__Interval", StringComparison.Ordinal));
    }

    [Fact]
    public void TheDefaults_HaveNoProblems()
    {
        using var services = Registered(new());

        Assert.Empty(StartupSettings.Problems(services));
    }

    [Fact]
    public void AValueItsTypeCannotHold_IsNamedBeforeBinding()
    {
        var configuration = Configuration(new() { ["GlobalBrain:Ingest:QueueTimeout"] = "soon", ["GlobalBrain:Experts:Count"] = "NaN" });

        var problems = SettingFormats.Check(configuration, SettingFormats.GrainSections);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("GlobalBrain__Ingest__QueueTimeout", StringComparison.Ordinal) && p.Contains("'soon'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("GlobalBrain__Experts__Count", StringComparison.Ordinal) && p.Contains("whole number from 1 to 1000000", StringComparison.Ordinal));
    }

    private static ServiceProvider Registered(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection().AddSingleton(Configuration(settings));
        services.AddValidatedOptions<ExpertsOptions, ExpertsOptionsValidator>(ExpertsOptions.SectionName);
        services.AddValidatedOptions<KnowledgeOptions, KnowledgeOptionsValidator>(KnowledgeOptions.SectionName);
        services.AddValidatedOptions<MetricsOptions, MetricsOptionsValidator>(MetricsOptions.SectionName);
        return services.BuildServiceProvider();
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
