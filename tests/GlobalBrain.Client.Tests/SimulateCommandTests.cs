using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary><c>globalbrain simulate</c>: output shapes, reproducibility and bad input.</summary>
public sealed class SimulateCommandTests(ITestOutputHelper output)
{
    private static readonly string[] RoundKeys = ["round", "meanReach", "minReach", "p50Reach", "stdReach", "collectiveIntelligence", "exchanges", "bytesExchanged"];

    private static readonly string[] SweepPointKeys =
    [
        "experts", "flowRate", "mode", "topology", "k", "beta", "m", "scenario", "itemsPerExpert", "exchangeCap", "seed", "maxRounds", "untilConverged", "epsilon",
        "distinctItems", "topologyEdges", "roundsRun", "roundsToFullCoverage", "finalMeanReach", "finalMinReach", "finalCollectiveIntelligence", "exchanges", "bytesExchanged",
    ];

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

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
    [InlineData("--docs is used by --scenario corpus only", "--docs", "samples")]
    [InlineData("--rounds must be at least 1", "--rounds", "0")]
    [InlineData("the items scenario keeps exact sets", "--experts", "1000000", "--scenario", "items")]
    [InlineData("--experts above 100,000,000 needs --scenario rumor and --topology complete", "--experts", "3000000000", "--topology", "ring")]
    [InlineData("--experts above 100,000,000 needs --scenario rumor and --topology complete", "--experts", "200000000", "--scenario", "items")]
    [InlineData("--experts must be from 1 to 16,000,000,000 (got 16000000001)", "--experts", "16000000001")]
    [InlineData("--experts: '99999999999999999999' is out of range: N is from 1 to 16,000,000,000", "--experts", "99999999999999999999")]
    [InlineData("--engine: 'turbo' is not auto, compact or blocks", "--engine", "turbo")]
    [InlineData("--engine compact runs --scenario rumor on --topology complete only (got rumor on ring)", "--engine", "compact", "--topology", "ring")]
    [InlineData("--experts 200,000,000: block grains hold at most 100,000,000 experts", "--experts", "200000000", "--engine", "blocks")]
    [InlineData("--experts 3,000,000,000: block grains on --cluster hold at most 100,000,000 experts", "--experts", "3000000000", "--cluster", "127.0.0.1:1")]
    [InlineData("--checkpoint saves a single run of the compact engine", "--checkpoint", "state.bin", "--experts", "100,200")]
    [InlineData("--checkpoint saves a single run of the compact engine", "--checkpoint", "state.bin", "--scenario", "items")]
    public async Task BadUsage_IsOneClearLine_WithExitCode2(string message, params string[] options)
    {
        var result = await CliRunner.RunAsync(output, ["simulate", .. options]);

        Assert.Equal(2, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData("10")]
    [InlineData("1000")]
    [InlineData("100000")]
    public async Task Json_OfTheCompactEngine_IsByteForByteTheBlockEngines(string experts)
    {
        foreach (var mode in new[] { "push", "pull", "push-pull" })
        {
            string[] args = ["simulate", "--experts", experts, "--mode", mode, "--seed", "3", "--until-converged", "--rounds", "300", "--json"];

            var blocks = await CliRunner.RunAsync(output, [.. args, "--engine", "blocks"]);
            var compact = await CliRunner.RunAsync(output, [.. args, "--engine", "compact"]);
            var auto = await CliRunner.RunAsync(output, args);

            Assert.Equal((0, 0, 0), (blocks.ExitCode, compact.ExitCode, auto.ExitCode));
            Assert.Equal(blocks.Stdout, compact.Stdout);
            Assert.Equal(blocks.Stdout, auto.Stdout);
            Assert.Equal(1.0, blocks.SingleJsonObject().GetProperty("rounds").EnumerateArray().Last().GetProperty("minReach").GetDouble());
        }
    }

    [Fact]
    public async Task Experts_Above2To32_RunWith64BitIds()
    {
        // Push from the one informed expert: one round is a pass over 3·10^9 bits (375 MB a bitset).
        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "5000000000", "--mode", "push", "--rounds", "2", "--json");

        Assert.Equal(0, result.ExitCode);
        var json = result.SingleJsonObject();
        Assert.Equal(5_000_000_000, json.GetProperty("experts").GetInt64());
        Assert.Equal("12499999997500000000", json.GetProperty("topologyEdges").GetRawText());
        var rounds = json.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal([1.0, 2.0, 4.0], rounds.Select(r => r.GetProperty("collectiveIntelligence").GetDouble()));
        Assert.Equal([0L, 5_000_000_000L, 5_000_000_000L], rounds.Select(r => r.GetProperty("exchanges").GetInt64()));
        Assert.Equal([0L, 8L, 16L], rounds.Select(r => r.GetProperty("bytesExchanged").GetInt64()));
    }

    [Fact]
    public async Task Checkpoint_ResumedAfterAnInterruption_GivesTheUninterruptedOutput()
    {
        using var temp = new TempDirectory();
        var state = Path.Combine(temp.Path, "state.bin");
        string[] args = ["simulate", "--experts", "300000", "--mode", "pull", "--seed", "8", "--until-converged", "--json"];
        var uninterrupted = await CliRunner.RunAsync(output, args);

        // Stopped by its round budget after 5 rounds, then resumed with the full budget from the saved state.
        var first = await CliRunner.RunAsync(output, ["simulate", "--experts", "300000", "--mode", "pull", "--seed", "8", "--rounds", "5", "--checkpoint", state, "--json"]);
        var resumed = await CliRunner.RunAsync(output, [.. args, "--checkpoint", state]);
        var again = await CliRunner.RunAsync(output, [.. args, "--checkpoint", state]);
        var other = await CliRunner.RunAsync(output, ["simulate", "--experts", "300000", "--mode", "push", "--seed", "8", "--checkpoint", state]);

        Assert.Equal((0, 0, 0, 0), (uninterrupted.ExitCode, first.ExitCode, resumed.ExitCode, again.ExitCode));
        Assert.Equal(6, first.SingleJsonObject().GetProperty("rounds").GetArrayLength());
        Assert.Equal(uninterrupted.Stdout, resumed.Stdout);
        Assert.Equal(uninterrupted.Stdout, again.Stdout);
        Assert.Contains("globalbrain: simulate round 6  informed", resumed.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("--checkpoint: '" + state + "' is the checkpoint of another run (N = 300000, v = 1, pull, seed 8)", other.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Corpus_UsesTheDocumentsItems_AsIngestWouldSpreadThem()
    {
        using var temp = new TempDirectory();
        temp.Write("docs/a.txt", "The experts share what they know, and knowledge spreads at the flow rate.");
        temp.Write("docs/b.txt", "Every document lands at one expert; gossip carries its items to the others.");
        temp.Write("docs/notes.jsonl", "{\"id\": \"n1\", \"text\": \"A note about experts and knowledge.\"}\n{broken\n");
        var docs = Path.Combine(temp.Path, "docs");
        var encoder = GlobalBrain.Domain.Tokenization.TextEncoders.Get("cl100k_base");
        var texts = new[] { "The experts share what they know, and knowledge spreads at the flow rate.", "Every document lands at one expert; gossip carries its items to the others.", "A note about experts and knowledge." };
        var distinct = texts.SelectMany(t => GlobalBrain.Domain.Knowledge.KnowledgeItems.Hash(encoder.Encode(t))).Distinct().Count();

        var result = await CliRunner.RunAsync(output, "simulate", "--scenario", "corpus", "--docs", docs, "--experts", "40", "--until-converged", "--json");

        Assert.Equal(2, result.ExitCode); // the broken JSONL line is reported; the valid documents were used
        Assert.Contains("notes.jsonl:2", result.Stderr, StringComparison.Ordinal);
        var json = result.SingleJsonObject();
        Assert.Equal("corpus", json.GetProperty("scenario").GetString());
        Assert.Equal(distinct, json.GetProperty("distinctItems").GetInt64());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("roundsToFullCoverage").ValueKind);
        Assert.Equal(40.0 * distinct, json.GetProperty("rounds").EnumerateArray().Last().GetProperty("collectiveIntelligence").GetDouble());
    }

    [Fact]
    public async Task Corpus_WithAMissingPath_IsOneClearLine_WithExitCode2()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--scenario", "corpus", "--docs", "/nonexistent/docs");

        Assert.Equal(2, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Contains("/nonexistent/docs", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no documents to simulate with", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntilConverged_ThatRunsOutOfRounds_SaysSo()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "1000", "--topology", "ring", "--k", "1", "--until-converged", "--rounds", "20", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(JsonValueKind.Null, result.SingleJsonObject().GetProperty("roundsToFullCoverage").ValueKind);
        Assert.Contains("not converged after 20 rounds", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--experts", "400")]
    [InlineData("--experts", "200,400", "--mode", "push,push-pull")]
    [InlineData("--experts", "200,400", "--flow-rate", "0.5,1,2")]
    public async Task Plot_IsAPngOf800x500_AndTheOutputIsUnchanged(params string[] options)
    {
        using var temp = new TempDirectory();
        var png = Path.Combine(temp.Path, "reach.png");
        string[] args = ["simulate", .. options, "--rounds", "15", "--json"];

        var plain = await CliRunner.RunAsync(output, args);
        var plotted = await CliRunner.RunAsync(output, [.. args, "--plot", png]);

        Assert.Equal(0, plotted.ExitCode);
        Assert.Equal(plain.Stdout, plotted.Stdout);
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal((800, 500), (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20))));
        Assert.InRange(bytes.Length, 5_000, 2_000_000); // curves, axes and text: more than a blank image, far less than raw pixels
    }

    [Fact]
    public async Task Sweep_Table_ListsEveryGridPoint_InGridOrder()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "300,600", "--flow-rate", "0.5,1", "--mode", "push,push-pull", "--topology", "complete,ring", "--rounds", "12");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("GlobalBrain simulation sweep: 16 grid points, rumor, 12 rounds, seed 1; ring (k = 2)", result.Stdout, StringComparison.Ordinal);
        var rows = result.Stdout.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(cells => cells.Length == 9 && cells[0] is "300" or "600")
            .ToList();
        string[] sizes = ["300", "600"], rates = ["0.5", "1"], modes = ["push", "push-pull"], topologies = ["complete", "ring"];
        var expected =
            from n in sizes
            from v in rates
            from mode in modes
            from topology in topologies
            select (n, v, mode, topology);
        Assert.Equal(expected, rows.Select(c => (c[0], c[1], c[2], c[3])));
        Assert.All(rows, c => Assert.Equal("12", c[4]));
        Assert.All(rows, c => Assert.True(c[5] == "—" || int.Parse(c[5], CultureInfo.InvariantCulture) <= 12, $"full coverage '{c[5]}'"));
        Assert.All(rows, c => Assert.InRange(double.Parse(c[6], CultureInfo.InvariantCulture), 0, 1));
        Assert.Contains("exchanges/s", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_Json_IsOneObjectWithOneSummaryPerGridPoint_IdenticalOnRerun_AndAgreesWithASingleRun()
    {
        string[] args = ["simulate", "--experts", "500,1000", "--flow-rate", "0.75,1.5", "--mode", "pull", "--seed", "7", "--rounds", "30", "--json"];

        var first = await CliRunner.RunAsync(output, args);
        var second = await CliRunner.RunAsync(output, args);
        var single = (await CliRunner.RunAsync(output, "simulate", "--experts", "1000", "--flow-rate", "0.75", "--mode", "pull", "--seed", "7", "--rounds", "30", "--json")).SingleJsonObject();

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
        var json = first.SingleJsonObject();
        Assert.Equal(["sweep"], json.EnumerateObject().Select(p => p.Name));
        var points = json.GetProperty("sweep").EnumerateArray().ToList();
        Assert.Equal([(500, 0.75), (500, 1.5), (1000, 0.75), (1000, 1.5)], points.Select(p => (p.GetProperty("experts").GetInt32(), p.GetProperty("flowRate").GetDouble())));
        Assert.All(points, p => Assert.Equal(SweepPointKeys, p.EnumerateObject().Select(property => property.Name)));
        Assert.All(points, p => Assert.Equal(("pull", "complete", 7UL, 30), (p.GetProperty("mode").GetString(), p.GetProperty("topology").GetString(), p.GetProperty("seed").GetUInt64(), p.GetProperty("roundsRun").GetInt32())));

        // A grid point is the very run its parameters give alone.
        var point = points[2];
        var last = single.GetProperty("rounds").EnumerateArray().Last();
        Assert.Equal(last.GetProperty("meanReach").GetDouble(), point.GetProperty("finalMeanReach").GetDouble());
        Assert.Equal(last.GetProperty("collectiveIntelligence").GetDouble(), point.GetProperty("finalCollectiveIntelligence").GetDouble());
        Assert.Equal(single.GetProperty("rounds").EnumerateArray().Sum(r => r.GetProperty("exchanges").GetInt64()), point.GetProperty("exchanges").GetInt64());
        Assert.Equal(single.GetProperty("roundsToFullCoverage").ToString(), point.GetProperty("roundsToFullCoverage").ToString());
    }

    [Fact]
    public async Task Sweep_Csv_HasTheGridColumnsFirst_AndOneRowPerGridPointAndRound()
    {
        using var temp = new TempDirectory();
        var csv = Path.Combine(temp.Path, "sweep.csv");

        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "200,400", "--topology", "ring,scale-free", "--flow-rate", "1.5", "--rounds", "8", "--csv", csv);

        Assert.Equal(0, result.ExitCode);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.Equal("experts,flowRate,mode,topology," + string.Join(",", RoundKeys), lines[0]);
        var rows = lines[1..].Select(line => line.Split(',')).ToList();
        Assert.Equal(4 * 9, rows.Count);
        Assert.All(rows, cells => Assert.Equal(12, cells.Length));
        Assert.Equal(
            [("200", "ring"), ("200", "scale-free"), ("400", "ring"), ("400", "scale-free")],
            rows.Select(c => (c[0], c[3])).Distinct());
        Assert.All(rows, c => Assert.Equal(("1.5", "push-pull"), (c[1], c[2])));
        Assert.Equal(Enumerable.Range(0, 9).Select(r => r.ToString(CultureInfo.InvariantCulture)), rows.Take(9).Select(c => c[4]));
    }

    [Theory]
    [InlineData("--experts: 'abc' is not a whole number (in '1000,abc')", "--experts", "1000,abc")]
    [InlineData("--experts: an empty item in '1000,,2000'", "--experts", "1000,,2000")]
    [InlineData("--experts: '1000' is listed twice in '1000,1000'", "--experts", "1000,1000")]
    [InlineData("--flow-rate: '1/2' is not a number (in '0.25,1/2')", "--flow-rate", "0.25,1/2")]
    [InlineData("--mode: Argument 'gossip' not recognized; must be push, pull or push-pull (in 'push,gossip')", "--mode", "push,gossip")]
    [InlineData("--topology: Argument 'star' not recognized; must be complete, ring, small-world or scale-free (in 'ring,star')", "--topology", "ring,star")]
    [InlineData("--flow-rate must be a number from 0 to 1000 (got -2)", "--flow-rate", "1,-2")]
    [InlineData("--k must be from 1 to 4 for N = 10", "--experts", "1000,10", "--topology", "complete,ring", "--k", "5")]
    [InlineData("the sweep has 1,100 grid points (11 --experts × 100 --flow-rate × 1 --mode × 1 --topology); the most is 1,000", "--experts", "10,20,30,40,50,60,70,80,90,100,110", "--flow-rate", "0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1,0.11,0.12,0.13,0.14,0.15,0.16,0.17,0.18,0.19,0.2,0.21,0.22,0.23,0.24,0.25,0.26,0.27,0.28,0.29,0.3,0.31,0.32,0.33,0.34,0.35,0.36,0.37,0.38,0.39,0.4,0.41,0.42,0.43,0.44,0.45,0.46,0.47,0.48,0.49,0.5,0.51,0.52,0.53,0.54,0.55,0.56,0.57,0.58,0.59,0.6,0.61,0.62,0.63,0.64,0.65,0.66,0.67,0.68,0.69,0.7,0.71,0.72,0.73,0.74,0.75,0.76,0.77,0.78,0.79,0.8,0.81,0.82,0.83,0.84,0.85,0.86,0.87,0.88,0.89,0.9,0.91,0.92,0.93,0.94,0.95,0.96,0.97,0.98,0.99,1")]
    [InlineData("--plot writes a PNG: the file name must end in .png (got 'reach.jpg')", "--plot", "reach.jpg")]
    [InlineData("--plot-x flow-rate needs several --flow-rate values", "--plot", "reach.png", "--plot-x", "flow-rate")]
    [InlineData("--plot-x needs --plot FILE.png", "--plot-x", "round")]
    public async Task BadSweepOrPlotOptions_AreOneClearLine_WithExitCode2(string message, params string[] options)
    {
        var result = await CliRunner.RunAsync(output, ["simulate", .. options]);

        Assert.Equal(2, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_WithABadPointLateInTheGrid_IsRefusedBeforeAnyPointRuns()
    {
        // The first point alone would outlast the runner's two-minute timeout.
        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "20000000,0", "--rounds", "1000000");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Equal(["globalbrain: --experts must be from 1 to 16,000,000,000 (got 0)"], result.StderrLines); // the rumor on the complete graph: the compact engine's range
    }

    [SkippableTheory]
    [InlineData("missing/reach.png", "the directory")]
    [InlineData("file.txt/reach.png", "is a file, not a directory")]
    [InlineData("a-directory.png", "it is a directory")]
    [InlineData("/proc/globalbrain-reach.png", "cannot write '/proc/globalbrain-reach.png'")]
    public async Task UnwritablePlotPath_IsOneClearLine_WithExitCode1(string path, string message)
    {
        Skip.If(path.StartsWith("/proc/", StringComparison.Ordinal) && !OperatingSystem.IsLinux(), "/proc is Linux's");
        using var temp = new TempDirectory();
        temp.Write("file.txt", "not a directory");
        Directory.CreateDirectory(Path.Combine(temp.Path, "a-directory.png"));
        var plot = Path.IsPathRooted(path) ? path : Path.Combine(temp.Path, path);

        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "200", "--rounds", "5", "--plot", plot);

        Assert.Equal(1, result.ExitCode);
        result.AssertNoStackTrace();
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("globalbrain: --plot: cannot write", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }
}
