using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary><c>globalbrain simulate --churn R</c> and <c>--faults</c> (the live cluster's fault settings): outputs, reproducibility, the same settings however given.</summary>
public sealed class SimulateChurnFaultsTests(ITestOutputHelper output)
{
    private const string Faults = "DropProbability=0.1,DuplicateProbability=0.2,DelayProbability=0.2,MaxDelay=00:00:00.500,ReorderProbability=0.1,DeactivateProbability=0.05,Seed=3";

    [Theory]
    [InlineData("rounds")]
    [InlineData("async")]
    [InlineData("poisson")]
    public async Task Churn_IsInTheJson_AndTheSameForTheSameSeed(string clock)
    {
        string[] args = ["simulate", "--clock", clock, "--experts", "20000", "--rounds", "30", "--churn", "0.05", "--seed", "5", "--json"];

        var first = await CliRunner.RunAsync(output, args);
        var second = await CliRunner.RunAsync(output, args);
        var other = await CliRunner.RunAsync(output, [.. args[..^2], "6", "--json"]);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.NotEqual(first.Stdout, other.Stdout);
        var json = first.SingleJsonObject();
        Assert.Equal(0.05, json.GetProperty("churn").GetDouble());
        // Churn keeps a share of the experts uninformed: mean reach settles below 1 (theory: about 1 − R/2 … 1 − R).
        var last = json.GetProperty(clock == "rounds" ? "rounds" : "samples").EnumerateArray().Last();
        Assert.InRange(last.GetProperty("meanReach").GetDouble(), 0.9, 0.99);
    }

    [Fact]
    public async Task Churn_OffTheCompleteGraph_RunsOnTheBlockEngineInThisProcess_AsTheCompactEngineWouldOnIt()
    {
        string[] args = ["simulate", "--experts", "5000", "--rounds", "25", "--churn", "0.02", "--seed", "2", "--json"];

        var compact = await CliRunner.RunAsync(output, args);
        var blocks = await CliRunner.RunAsync(output, [.. args, "--engine", "blocks"]);
        var ring = await CliRunner.RunAsync(output, [.. args, "--topology", "ring"]);

        Assert.Equal(0, compact.ExitCode);
        Assert.Equal(compact.Stdout, blocks.Stdout);
        Assert.Equal(0, ring.ExitCode);
        Assert.Equal("ring", ring.SingleJsonObject().GetProperty("topology").GetString());
    }

    [Fact]
    public async Task Faults_GivenAsPairs_OrAsASiloSettingsFile_RunTheSame()
    {
        using var temp = new TempDirectory();
        var file = temp.Write("appsettings.json", """
            { "GlobalBrain": { "Faults": { "DropProbability": 0.1, "DuplicateProbability": 0.2, "DelayProbability": 0.2, "MaxDelay": "00:00:00.500",
              "ReorderProbability": 0.1, "DeactivateProbability": 0.05, "Seed": 3 } } }
            """);
        string[] args = ["simulate", "--clock", "async", "--experts", "5000", "--until-converged", "--seed", "4", "--json"];

        var pairs = await CliRunner.RunAsync(output, [.. args, "--faults", Faults]);
        var again = await CliRunner.RunAsync(output, [.. args, "--faults", Faults]);
        var settings = await CliRunner.RunAsync(output, [.. args, "--faults", file]);
        var prefixed = await CliRunner.RunAsync(output, [.. args, "--faults", string.Join(',', Faults.Split(',').Select(p => "GlobalBrain:Faults:" + p))]);

        Assert.Equal(0, pairs.ExitCode);
        Assert.Equal(pairs.Stdout, again.Stdout);
        Assert.Equal(pairs.Stdout, settings.Stdout);
        Assert.Equal(pairs.Stdout, prefixed.Stdout);
        var faults = pairs.SingleJsonObject().GetProperty("faults");
        Assert.Equal(0.1, faults.GetProperty("dropProbability").GetDouble());
        Assert.Equal(0.5, faults.GetProperty("maxDelaySeconds").GetDouble());
        Assert.Equal(3UL, faults.GetProperty("seed").GetUInt64());
        Assert.True(pairs.SingleJsonObject().GetProperty("times").GetProperty("toFullCoverage").GetDouble() > 0);
    }

    [Fact]
    public async Task Table_SaysTheChurnAndTheFaults()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--clock", "poisson", "--experts", "2000", "--rounds", "20", "--churn", "0.01", "--faults", "DropProbability=0.1,DelayProbability=0.3,MaxDelay=00:00:02");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("faults: drop 0.1, delay 0.3 (up to 2 s), churn 0.01 per period (experts replaced by uninformed joiners)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutChurnOrFaults_TheJsonHasNeither()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--clock", "async", "--experts", "1000", "--until-converged", "--json");

        var json = result.SingleJsonObject();
        Assert.False(json.TryGetProperty("churn", out _));
        Assert.False(json.TryGetProperty("faults", out _));
        Assert.Equal(0, result.ExitCode);
        output.WriteLine(json.GetProperty("times").GetProperty("to99").GetDouble().ToString(CultureInfo.InvariantCulture));
    }
}
