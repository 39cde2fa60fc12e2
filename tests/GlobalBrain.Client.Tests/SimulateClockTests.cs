using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary><c>globalbrain simulate --clock async|poisson</c> (and <c>--loss</c>): outputs in time, reproducibility and refusals.</summary>
public sealed class SimulateClockTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ClockRounds_IsTheDefault_ByteForByte()
    {
        string[] args = ["simulate", "--experts", "3000", "--mode", "push", "--seed", "9", "--until-converged", "--json"];

        var plain = await CliRunner.RunAsync(output, args);
        var rounds = await CliRunner.RunAsync(output, [.. args, "--clock", "rounds"]);

        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(plain.Stdout, rounds.Stdout);
        Assert.DoesNotContain("\"clock\"", plain.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("async")]
    [InlineData("poisson")]
    public async Task Json_HasSamplesInTimeAndTheTimesOfTheThresholds_IdenticalForTheSameSeed(string clock)
    {
        string[] args = ["simulate", "--clock", clock, "--experts", "5000", "--flow-rate", "2", "--seed", "4", "--until-converged", "--json"];

        var first = await CliRunner.RunAsync(output, args);
        var second = await CliRunner.RunAsync(output, args);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
        var json = first.SingleJsonObject();
        Assert.Equal(clock, json.GetProperty("clock").GetString());
        Assert.Equal(0, json.GetProperty("loss").GetDouble());
        Assert.False(json.TryGetProperty("rounds", out _));
        var samples = json.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, samples.Count).Select(k => k / 2.0), samples.Select(s => s.GetProperty("time").GetDouble()));
        var times = json.GetProperty("times");
        var to99 = times.GetProperty("to99").GetDouble();
        var toFull = times.GetProperty("toFullCoverage").GetDouble();
        Assert.InRange(to99, 0.1, toFull);
        Assert.InRange(toFull, samples[^1].GetProperty("time").GetDouble() - 0.5, samples[^1].GetProperty("time").GetDouble());
        Assert.Equal(1.0, samples[^1].GetProperty("minReach").GetDouble());
    }

    [Fact]
    public async Task TableAndCsv_AreInTime()
    {
        using var temp = new TempDirectory();
        var csv = Path.Combine(temp.Path, "async.csv");

        var result = await CliRunner.RunAsync(output, "simulate", "--clock", "async", "--experts", "2000", "--flow-rate", "0.5", "--until-converged", "--csv", csv);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("clock async (each expert ticks every 1/v s from a random phase)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("    t (s)   mean reach", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"mean reach ≥ 99% at t = [0-9.]+ s \(t·v = [0-9.]+\)", result.Stdout);
        Assert.Matches(@"everyone holds everything at t = [0-9.]+ s \(t·v = [0-9.]+\)", result.Stdout);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.Equal("time,meanReach,minReach,p50Reach,stdReach,collectiveIntelligence,exchanges,bytesExchanged,to99,toFullCoverage", lines[0]);
        Assert.Equal(Enumerable.Range(0, lines.Length - 1).Select(k => k * 2.0), lines[1..].Select(l => double.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)));

        // Every row carries the run's threshold times, the seconds the table prints.
        var times = lines[1..].Select(l => l.Split(',')[^2..]).Distinct(new CellsComparer()).Single();
        var to99 = double.Parse(times[0], CultureInfo.InvariantCulture);
        var toFull = double.Parse(times[1], CultureInfo.InvariantCulture);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"mean reach ≥ 99% at t = {to99:G6} s"), result.Stdout, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"everyone holds everything at t = {toFull:G6} s"), result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seeds_ReportTheTimesAsMeansWithIntervals()
    {
        var table = await CliRunner.RunAsync(output, "simulate", "--clock", "poisson", "--experts", "1000", "--until-converged", "--seeds", "8", "--loss", "0.2");
        var json = await CliRunner.RunAsync(output, "simulate", "--clock", "poisson", "--experts", "1000", "--until-converged", "--seeds", "8", "--loss", "0.2", "--json");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("each message lost with probability 0.2", table.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"mean reach ≥ 99% at t = [0-9.]+ ± [0-9.]+ s \(t·v = [0-9.]+ ± [0-9.]+; 8 of 8 seeds got there\)", table.Stdout);
        Assert.Matches(@"everyone holds everything at t = [0-9.]+ ± [0-9.]+ s", table.Stdout);
        var point = json.SingleJsonObject();
        Assert.Equal(0.2, point.GetProperty("loss").GetDouble());
        Assert.Equal(8, point.GetProperty("timeToFullCoverage").GetProperty("n").GetInt32());
        Assert.Equal(8, point.GetProperty("timeTo99").GetProperty("n").GetInt32());
        Assert.All(point.GetProperty("runs").EnumerateArray(), r => Assert.True(r.GetProperty("times").GetProperty("toFullCoverage").GetDouble() > 0));
        Assert.All(point.GetProperty("rounds").EnumerateArray(), r => Assert.Equal(r.GetProperty("round").GetInt32(), r.GetProperty("time").GetDouble()));
    }

    [Fact]
    public async Task Sweep_AddsTheTimesAsColumns()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--clock", "async", "--experts", "500,1000", "--mode", "push,push-pull", "--until-converged");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("t·v 99%    t·v full", result.Stdout, StringComparison.Ordinal);
        // In time, not rounds: the heading and the column say so.
        Assert.Contains("until min reach ≥ 1 (at most 1,000,000 periods of 1/v s)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("topology      time (s)   mean reach", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("rounds", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeedsSweep_IsInTime_AndItsCsvCarriesTheThresholdTimes()
    {
        using var temp = new TempDirectory();
        var csv = Path.Combine(temp.Path, "sweep.csv");

        var result = await CliRunner.RunAsync(output, "simulate", "--clock", "async", "--experts", "500,1000", "--until-converged", "--seeds", "4", "--csv", csv);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("at most 1,000,000 periods of 1/v s", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("topology             time (s)     n", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("rounds", result.Stdout, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.StartsWith("experts,flowRate,mode,topology,time,n,", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(",timeTo99_mean,timeTo99_sd,timeTo99_ci95_low,timeTo99_ci95_high,timeTo99_n,timeToFullCoverage_mean,timeToFullCoverage_sd,timeToFullCoverage_ci95_low,timeToFullCoverage_ci95_high,timeToFullCoverage_n", lines[0], StringComparison.Ordinal);
        Assert.All(lines[1..], l => Assert.Equal("4", l.Split(',')[^1]));
    }

    [Theory]
    [InlineData("--clock: 'turbo' is not rounds, async or poisson", "--clock", "turbo")]
    [InlineData("--clock async has its own engine in this process (block grains run synchronous rounds): leave out --engine blocks", "--clock", "async", "--engine", "blocks")]
    [InlineData("--clock poisson has its own engine (the compact engine runs synchronous rounds): leave out --engine compact", "--clock", "poisson", "--engine", "compact")]
    [InlineData("--clock async runs in this process, one exchange at a time (block grains run synchronous rounds): leave out --cluster", "--clock", "async", "--cluster", "127.0.0.1:1")]
    [InlineData("--checkpoint saves runs of synchronous rounds only (got --clock async)", "--clock", "async", "--checkpoint", "state.bin")]
    [InlineData("--clock async runs --scenario rumor only (got items): use --clock rounds", "--clock", "async", "--scenario", "items")]
    [InlineData("--clock async runs at most 100,000,000 experts", "--clock", "async", "--experts", "200000000")]
    [InlineData("--clock async needs --flow-rate above 0", "--clock", "async", "--flow-rate", "0")]
    [InlineData("--loss runs with --clock async or poisson only: add --clock async", "--loss", "0.1")]
    [InlineData("--loss is the probability that a message is lost, from 0 up to, not including, 1 (got 1)", "--clock", "async", "--loss", "1")]
    [InlineData("--churn is the fraction of experts replaced per round (per period of 1/v s with --clock async or poisson), from 0 up to, not including, 1 (got 1)", "--churn", "1")]
    [InlineData("--churn runs --scenario rumor only (got items)", "--churn", "0.1", "--scenario", "items")]
    [InlineData("--churn with --until-converged: experts keep leaving", "--churn", "0.1", "--until-converged")]
    [InlineData("--churn runs in this process (the compact engine, or the block engine on all cores): leave out --cluster", "--churn", "0.1", "--cluster", "127.0.0.1:1")]
    [InlineData("--checkpoint does not save --churn runs", "--churn", "0.1", "--checkpoint", "state.bin")]
    [InlineData("--faults runs with --clock async or poisson only (the live cluster's experts tick on their own clocks): add --clock async", "--faults", "DropProbability=0.1")]
    [InlineData("--faults: GlobalBrain:Faults:DropProbability is a probability, from 0 to 1 (got 1.5)", "--clock", "async", "--faults", "DropProbability=1.5")]
    [InlineData("--faults: GlobalBrain:Faults:DropProbability + DelayProbability + ReorderProbability must be at most 1", "--clock", "async", "--faults", "DropProbability=0.5,DelayProbability=0.4,ReorderProbability=0.2")]
    [InlineData("--faults: GlobalBrain:Faults:MaxDelay must be a time span [d.]hh:mm:ss[.fffffff], e.g. 00:00:05 for 5 seconds (got 'soon')", "--clock", "async", "--faults", "MaxDelay=soon")]
    [InlineData("--faults: 'Drop=0.1' is not KEY=VALUE with a GlobalBrain:Faults setting as KEY (DropProbability, DuplicateProbability, DelayProbability, MaxDelay, ReorderProbability, DeactivateProbability, Seed)", "--clock", "async", "--faults", "Drop=0.1")]
    [InlineData("--faults: DropProbability is given twice", "--clock", "async", "--faults", "DropProbability=0.1,GlobalBrain__Faults__DropProbability=0.2")]
    [InlineData("'no-such.json' is neither (no such file)", "--clock", "async", "--faults", "no-such.json")]
    public async Task BadUsage_IsOneClearLine_WithExitCode2(string message, params string[] options)
    {
        var result = await CliRunner.RunAsync(output, ["simulate", .. options]);

        Assert.Equal(2, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Rows of cells compared by content.</summary>
    private sealed class CellsComparer : IEqualityComparer<string[]>
    {
        public bool Equals(string[]? x, string[]? y) => x is not null && y is not null && x.SequenceEqual(y, StringComparer.Ordinal);

        public int GetHashCode(string[] obj) => string.Join(',', obj).GetHashCode(StringComparison.Ordinal);
    }
}
