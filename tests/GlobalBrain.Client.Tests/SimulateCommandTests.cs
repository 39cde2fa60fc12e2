using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary><c>globalbrain simulate</c>: output shapes, reproducibility and bad input.</summary>
public sealed class SimulateCommandTests(ITestOutputHelper output)
{
    private static readonly string[] RoundKeys = ["round", "meanReach", "minReach", "p50Reach", "stdReach", "collectiveIntelligence", "exchanges", "bytesExchanged"];

    [Fact]
    public async Task Json_IsOneObject_WithTheParametersEveryRoundAndCoverage_IdenticalForTheSameSeed()
    {
        string[] args = ["simulate", "--experts", "2000", "--flow-rate", "1.5", "--mode", "push", "--topology", "small-world", "--k", "3", "--beta", "0.2", "--seed", "42", "--until-converged", "--json"];

        var first = await CliRunner.RunAsync(output, args);
        var second = await CliRunner.RunAsync(output, args);
        var otherSeed = await CliRunner.RunAsync(output, [.. args[..^3], "43", "--until-converged", "--json"]);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.NotEqual(first.Stdout, otherSeed.Stdout);
        var json = first.SingleJsonObject();
        Assert.Equal(2000, json.GetProperty("experts").GetInt32());
        Assert.Equal(1.5, json.GetProperty("flowRate").GetDouble());
        Assert.Equal(("push", "small-world", "rumor"), (json.GetProperty("mode").GetString(), json.GetProperty("topology").GetString(), json.GetProperty("scenario").GetString()));
        Assert.Equal((3, 0.2), (json.GetProperty("k").GetInt32(), json.GetProperty("beta").GetDouble()));
        Assert.Equal(42UL, json.GetProperty("seed").GetUInt64());
        var rounds = json.GetProperty("rounds").EnumerateArray().ToList();
        Assert.All(rounds, r => Assert.All(RoundKeys, key => Assert.True(r.TryGetProperty(key, out _), $"a round has no '{key}'")));
        Assert.Equal(Enumerable.Range(0, rounds.Count), rounds.Select(r => r.GetProperty("round").GetInt32()));
        var covered = json.GetProperty("roundsToFullCoverage").GetInt32();
        Assert.Equal(rounds.Count - 1, covered);
        Assert.Equal(1.0, rounds[^1].GetProperty("minReach").GetDouble());
    }

    [Fact]
    public async Task Csv_HasAHeaderAndOneLinePerRound_AndTheTableSaysWhenEveryoneKnew()
    {
        using var temp = new TempDirectory();
        var csv = Path.Combine(temp.Path, "rounds.csv");

        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "500", "--scenario", "items", "--items-per-expert", "2", "--exchange-cap", "16", "--rounds", "25", "--csv", csv);

        Assert.Equal(0, result.ExitCode);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.Equal(string.Join(",", RoundKeys), lines[0]);
        Assert.Equal(26, lines.Length - 1);
        Assert.All(lines[1..], line => Assert.Equal(8, line.Split(',').Length));
        var start = lines[1].Split(',');
        Assert.Equal("0", start[0]);
        Assert.Equal(0.002, double.Parse(start[1], System.Globalization.CultureInfo.InvariantCulture), 12); // 2 of I = 1000 items each
        Assert.Equal("0.002", start[2]);
        Assert.Contains("GlobalBrain simulation: N = 500", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("exchanges/s", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--experts must be from 1", "--experts", "0")]
    [InlineData("--flow-rate must be a number from 0", "--flow-rate", "-1")]
    [InlineData("Argument 'star' not recognized", "--topology", "star")]
    [InlineData("Argument 'gossip' not recognized", "--mode", "gossip")]
    [InlineData("--k must be from 1 to 4 for N = 10", "--experts", "10", "--topology", "ring", "--k", "5")]
    [InlineData("--beta is a rewiring probability", "--topology", "small-world", "--beta", "1.5")]
    [InlineData("--m must be from 1 to N − 1 = 9", "--experts", "10", "--topology", "scale-free", "--m", "10")]
    [InlineData("--scenario corpus needs --docs PATH", "--scenario", "corpus")]
    [InlineData("--rounds must be at least 1", "--rounds", "0")]
    [InlineData("the items scenario keeps exact sets", "--experts", "1000000", "--scenario", "items")]
    public async Task BadUsage_IsOneClearLine_WithExitCode2(string message, params string[] options)
    {
        var result = await CliRunner.RunAsync(output, ["simulate", .. options]);

        Assert.Equal(2, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntilConverged_ThatRunsOutOfRounds_SaysSo()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "1000", "--topology", "ring", "--k", "1", "--until-converged", "--rounds", "20", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(JsonValueKind.Null, result.SingleJsonObject().GetProperty("roundsToFullCoverage").ValueKind);
        Assert.Contains("not converged after 20 rounds", result.Stderr, StringComparison.Ordinal);
    }
}
