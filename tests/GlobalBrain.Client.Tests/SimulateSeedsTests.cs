using System.Globalization;
using System.Text.Json;
using GlobalBrain.Client.Cli;
using GlobalBrain.Domain.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary><c>simulate --seeds K</c>: statistics over the seeds, checked against K single-seed runs; K = 1 is today's output; the parallelism changes no byte.</summary>
[Collection(EmbeddedClusterRuns.Name)]
public sealed class SimulateSeedsTests(ITestOutputHelper output)
{
    private const double T975With4Degrees = 2.776445105; // Student t, 97.5% quantile, ν = 4 (published tables)

    private static readonly string[] SeedPointKeys =
    [
        "experts", "flowRate", "mode", "topology", "k", "beta", "m", "scenario", "itemsPerExpert", "exchangeCap", "seed", "maxRounds", "untilConverged", "epsilon",
        "distinctItems", "topologyEdges", "seeds", "roundsRun", "roundsToFullCoverage", "finalMeanReach", "finalMinReach", "finalCollectiveIntelligence", "exchanges", "bytesExchanged", "runs",
    ];

    [Fact]
    public async Task Json_OfFiveSeeds_IsTheMeanSdAndTIntervalOfFiveSingleSeedRuns()
    {
        string[] args = ["simulate", "--experts", "1000", "--mode", "push", "--until-converged", "--seed", "7", "--json"];
        var seeded = (await CliRunner.RunAsync(output, [.. args, "--seeds", "5"])).SingleJsonObject();
        var single = new List<JsonElement>();
        for (var seed = 7; seed < 12; seed++)
        {
            single.Add((await CliRunner.RunAsync(output, [.. args[..^2], seed.ToString(CultureInfo.InvariantCulture), "--json"])).SingleJsonObject());
        }

        Assert.Equal((7UL, 5), (seeded.GetProperty("seed").GetUInt64(), seeded.GetProperty("seeds").GetInt32()));
        AssertStatistic(seeded.GetProperty("roundsToFullCoverage"), [.. single.Select(s => (double)s.GetProperty("roundsToFullCoverage").GetInt32())]);
        AssertStatistic(seeded.GetProperty("finalMeanReach"), [.. single.Select(s => s.GetProperty("rounds").EnumerateArray().Last().GetProperty("meanReach").GetDouble())]);
        AssertStatistic(seeded.GetProperty("exchanges"), [.. single.Select(s => (double)s.GetProperty("rounds").EnumerateArray().Sum(r => r.GetProperty("exchanges").GetInt64()))]);

        // Each seed's run, as --seed gives it alone.
        var runs = seeded.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(7, 5).Select(s => (ulong)s), runs.Select(r => r.GetProperty("seed").GetUInt64()));
        Assert.Equal(single.Select(s => s.GetProperty("roundsToFullCoverage").GetInt32()), runs.Select(r => r.GetProperty("roundsToFullCoverage").GetInt32()));

        // Round by round, over the runs still going: a run that converged has stopped.
        var rounds = seeded.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal(single.Max(s => s.GetProperty("rounds").GetArrayLength()), rounds.Count);
        for (var i = 0; i < rounds.Count; i++)
        {
            var at = single.Where(s => s.GetProperty("rounds").GetArrayLength() > i).Select(s => s.GetProperty("rounds")[i]).ToList();
            Assert.Equal(at.Count, rounds[i].GetProperty("n").GetInt32());
            if (at.Count == 5)
            {
                AssertStatistic(rounds[i].GetProperty("meanReach"), [.. at.Select(r => r.GetProperty("meanReach").GetDouble())]);
                AssertStatistic(rounds[i].GetProperty("minReach"), [.. at.Select(r => r.GetProperty("minReach").GetDouble())]);
            }
        }
    }

    [Fact]
    public async Task SweepJson_HasOneStatisticsObjectPerGridPoint_InThisKeyOrder()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "300,600", "--rounds", "12", "--seeds", "3", "--json");

        Assert.Equal(0, result.ExitCode);
        var points = result.SingleJsonObject().GetProperty("sweep").EnumerateArray().ToList();
        Assert.Equal(2, points.Count);
        Assert.All(points, p => Assert.Equal(SeedPointKeys, p.EnumerateObject().Select(property => property.Name)));
        var reach = points[0].GetProperty("finalMeanReach");
        Assert.Equal(["mean", "sd", "ci95", "n"], reach.EnumerateObject().Select(property => property.Name));
        Assert.Equal(3, reach.GetProperty("n").GetInt32());
        Assert.Equal(3, points[1].GetProperty("runs").GetArrayLength());
    }

    [Theory]
    [InlineData("--json")]
    [InlineData("--csv")]
    [InlineData("--table")]
    public async Task OneSeed_IsByteForByteTheOutputWithoutSeeds(string format)
    {
        using var temp = new TempDirectory();
        string[] run = ["simulate", "--experts", "400,800", "--scenario", "items", "--exchange-cap", "4", "--rounds", "15"];
        string[] with = format switch
        {
            "--json" => ["--json"],
            "--csv" => ["--csv", Path.Combine(temp.Path, "rounds.csv")],
            _ => [],
        };

        var without = await CliRunner.RunAsync(output, [.. run, .. with]);
        var csvWithout = format == "--csv" ? await File.ReadAllTextAsync(with[1]) : null;
        var one = await CliRunner.RunAsync(output, [.. run, .. with, "--seeds", "1"]);
        var csvOne = format == "--csv" ? await File.ReadAllTextAsync(with[1]) : null;

        Assert.Equal((0, 0), (without.ExitCode, one.ExitCode));
        Assert.Equal(csvWithout, csvOne);
        Assert.Equal(WithoutTimings(without.Stdout), WithoutTimings(one.Stdout));
        Assert.DoesNotContain("±", one.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rumor", 2000)] // compact engine, in this process
    [InlineData("items", 300)] // block grains on an embedded silo
    public async Task Parallel_AndSerialRuns_GiveTheSameBytes(string scenario, long experts)
    {
        using var temp = new TempDirectory();
        var spec = new SimulationSpec(experts, 1, ExchangeMode.PushPull, new TopologySpec(TopologyKind.Complete, 2, 0.1, 3), scenario == "rumor" ? ScenarioKind.Rumor : ScenarioKind.Items, 11, 20, ExchangeCap: 4);
        var grid = new SimulationGrid([experts, experts * 2], [0.5, 1], [ExchangeMode.PushPull], [TopologyKind.Complete]);

        async Task<(string Json, string Csv)> Run(int parallelism)
        {
            var csv = Path.Combine(temp.Path, $"p{parallelism}.csv");
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = await new SimulateCommand(new CliContext { Out = stdout, Error = stderr })
                .RunAsync(new SimulateArguments(spec, null, csv, Json: true, grid, Seeds: 6, SeedParallelism: parallelism), CancellationToken.None);
            Assert.Equal(0, exit);
            return (stdout.ToString(), await File.ReadAllTextAsync(csv));
        }

        var serial = await Run(1);
        var parallel = await Run(4);

        Assert.Equal(serial.Json, parallel.Json);
        Assert.Equal(serial.Csv, parallel.Csv);
    }

    [Fact]
    public async Task TableCsvAndPlot_OfSeveralSeeds_SayMeanAndInterval()
    {
        using var temp = new TempDirectory();
        var csv = Path.Combine(temp.Path, "seeds.csv");
        var png = Path.Combine(temp.Path, "seeds.png");

        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "500", "--rounds", "10", "--seeds", "4", "--csv", csv, "--plot", png);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("seeds 1–4 (K = 4)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("95% confidence interval (Student t)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(" ± ", result.Stdout, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(csv);
        var header = lines[0].Split(',');
        Assert.Equal(["round", "n", "meanReach_mean", "meanReach_sd", "meanReach_ci95_low", "meanReach_ci95_high"], header[..6]);
        Assert.Equal(2 + (7 * 4), header.Length);
        Assert.Equal(11, lines.Length - 1);
        Assert.All(lines[1..], line => Assert.Equal(header.Length, line.Split(',').Length));
        Assert.True(new FileInfo(png).Length > 1000);
    }

    [Fact]
    public async Task Checkpoint_WithSeveralSeeds_IsBadUsage()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--checkpoint", "state.bin", "--seeds", "3");

        Assert.Equal(2, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains("--checkpoint saves a single run of the compact engine (--scenario rumor --topology complete, no comma lists, no --seeds", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>mean, sd (n − 1) and mean ± t(0.975, 4)·sd/√5, computed here from the single runs.</summary>
    private static void AssertStatistic(JsonElement statistic, double[] values)
    {
        Assert.Equal(5, values.Length);
        var mean = values.Sum() / 5;
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / 4);
        var half = T975With4Degrees * sd / Math.Sqrt(5);
        Assert.Equal(5, statistic.GetProperty("n").GetInt32());
        Assert.Equal(mean, statistic.GetProperty("mean").GetDouble(), 1e-9 * Math.Max(1, Math.Abs(mean)));
        Assert.Equal(sd, statistic.GetProperty("sd").GetDouble(), 1e-9 * Math.Max(1, sd));
        var ci = statistic.GetProperty("ci95").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(mean - half, ci[0], 1e-7 * Math.Max(1, Math.Abs(mean)));
        Assert.Equal(mean + half, ci[1], 1e-7 * Math.Max(1, Math.Abs(mean)));
    }

    /// <summary>The table without its last line, the wall-clock time and speed.</summary>
    private static string WithoutTimings(string table) =>
        string.Join('\n', table.Split('\n').Where(line => !line.Contains("exchanges/s", StringComparison.Ordinal)));
}
