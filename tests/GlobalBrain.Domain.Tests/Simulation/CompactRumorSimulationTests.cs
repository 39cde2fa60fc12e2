using System.Text.Json;
using GlobalBrain.Domain.Simulation;
using Xunit;

namespace GlobalBrain.Domain.Tests.Simulation;

public sealed class CompactRumorSimulationTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData(1L)]
    [InlineData(2L)]
    [InlineData(10L)]
    [InlineData(1_000L)]
    [InlineData(100_000L)]
    [InlineData(1_000_000L)]
    public void Run_GivesTheBlockEnginesBytes_InEveryMode(long experts)
    {
        foreach (var mode in new[] { ExchangeMode.Push, ExchangeMode.Pull, ExchangeMode.PushPull })
        {
            var spec = new SimulationSpec(experts, 1, mode, TopologySpec.Complete, ScenarioKind.Rumor, 5, MaxRounds: 200, UntilConverged: true);

            var blocks = JsonSerializer.Serialize(GossipSimulation.Run(spec), Json);
            var compact = JsonSerializer.Serialize(CompactRumorSimulation.Run(spec), Json);

            Assert.Equal(blocks, compact);
        }
    }

    [Theory]
    [InlineData(ExchangeMode.Push, 0.7)]
    [InlineData(ExchangeMode.Pull, 1.5)]
    [InlineData(ExchangeMode.PushPull, 2.25)]
    [InlineData(ExchangeMode.PushPull, 0)]
    public void Run_GivesTheBlockEnginesBytes_ForAnyFlowRateAndAFixedRoundCount(ExchangeMode mode, double flowRate)
    {
        var spec = new SimulationSpec(20_000, flowRate, mode, TopologySpec.Complete, ScenarioKind.Rumor, 77, MaxRounds: 30);

        var blocks = GossipSimulation.Run(spec);
        var compact = CompactRumorSimulation.Run(spec);

        Assert.Equal(31, compact.Rounds.Count);
        Assert.Equal(JsonSerializer.Serialize(blocks, Json), JsonSerializer.Serialize(compact, Json));
    }

    [Fact]
    public void Run_IsTheSameWhateverTheNumberOfThreads()
    {
        var spec = new SimulationSpec(3_000_000, 1, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Rumor, 9, MaxRounds: 100, UntilConverged: true);
        var all = CompactRumorSimulation.Run(spec);

        // One worker: the same rounds as every core writing into the shared words at once.
        var one = CompactRumorSimulation.Run(spec, null, null, 1, default);

        Assert.Equal(all.Rounds, one.Rounds);
        Assert.NotNull(all.RoundsToFullCoverage);
    }

    [Theory]
    [InlineData(ExchangeMode.Push)]
    [InlineData(ExchangeMode.PushPull)]
    public void Resume_FromACheckpoint_EndsWithTheRoundsOfAnUninterruptedRun(ExchangeMode mode)
    {
        var path = Path.Combine(Path.GetTempPath(), $"globalbrain-checkpoint-{Guid.NewGuid():N}.bin");
        try
        {
            var spec = new SimulationSpec(500_000, 1.3, mode, TopologySpec.Complete, ScenarioKind.Rumor, 21, MaxRounds: 100, UntilConverged: true);
            var uninterrupted = CompactRumorSimulation.Run(spec);

            using var stop = new CancellationTokenSource();
            var seen = new List<int>();
            var progress = new Inline(r =>
            {
                seen.Add(r.Round);
                if (r.Round == 6)
                {
                    stop.Cancel();
                }
            });
            Assert.ThrowsAny<OperationCanceledException>(() => CompactRumorSimulation.Run(spec, progress, new CompactCheckpoint(path), stop.Token));
            Assert.True(File.Exists(path));
            var resumedFrom = new List<int>();
            var resumed = CompactRumorSimulation.Run(spec, new Inline(r => resumedFrom.Add(r.Round)), new CompactCheckpoint(path));

            Assert.Equal(Enumerable.Range(0, 7), seen);
            Assert.Equal(JsonSerializer.Serialize(uninterrupted, Json), JsonSerializer.Serialize(resumed, Json));
            Assert.Equal(Enumerable.Range(6, uninterrupted.Rounds.Count - 6), resumedFrom); // from the last saved round on
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Checkpoint_OfAnotherRun_IsRefusedWithWhatItHolds()
    {
        var path = Path.Combine(Path.GetTempPath(), $"globalbrain-checkpoint-{Guid.NewGuid():N}.bin");
        try
        {
            var spec = new SimulationSpec(10_000, 1, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Rumor, 3, MaxRounds: 3);
            CompactRumorSimulation.Run(spec, checkpoint: new CompactCheckpoint(path));

            var error = Assert.Throws<InvalidDataException>(() => CompactRumorSimulation.Run(spec with { Seed = 4 }, checkpoint: new CompactCheckpoint(path)));

            Assert.Contains("checkpoint of another run (N = 10000, v = 1, push-pull, seed 3)", error.Message, StringComparison.Ordinal);
            File.WriteAllText(path, "not a checkpoint");
            Assert.Throws<InvalidDataException>(() => CompactRumorSimulation.Run(spec, checkpoint: new CompactCheckpoint(path)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Spec_AcceptsNAbove2To31_ForTheRumorOnTheCompleteGraphOnly()
    {
        var humanity = new SimulationSpec(8_000_000_000, 1, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Rumor, 1, MaxRounds: 50);

        Assert.Empty(humanity.Validate());
        Assert.True(humanity.IsCompact);
        Assert.Equal(2_000_000_000, CompactRumorSimulation.StateBytes(humanity.Experts));
        Assert.Equal(Int128.Parse("31999999996000000000", System.Globalization.CultureInfo.InvariantCulture), Topology.CountEdges(TopologySpec.Complete, humanity.Experts));
        Assert.Equal(
            ["--experts must be from 1 to 16,000,000,000 (got 16000000001)"],
            (humanity with { Experts = SimulationSpec.MaxCompactExperts + 1 }).Validate());
        Assert.Equal(
            ["--experts above 100,000,000 needs --scenario rumor and --topology complete, the scenario that runs at two bits per expert (got 3000000000)"],
            (humanity with { Experts = 3_000_000_000, Topology = new TopologySpec(TopologyKind.Ring) }).Validate());
        Assert.Single((humanity with { Scenario = ScenarioKind.Items }).Validate(), e => e.StartsWith("--experts above 100,000,000", StringComparison.Ordinal));
        var blockEngine = Assert.Throws<ArgumentException>(() => GossipSimulation.Validate(humanity, null));
        Assert.Contains("the block engine holds at most 100,000,000 experts", blockEngine.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CompletePeer_AboveTwoTo32_ReachesEveryPartOfTheRange_AndBelowItIsTheIntDraw()
    {
        const long n = 8_000_000_000;
        var high = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var random = CounterRandom.Next(1, 2, 3, i, 0);
            var peer = Topology.CompletePeer(5_000_000_000, n, random);
            Assert.InRange(peer, 0, n - 1);
            Assert.NotEqual(5_000_000_000, peer);
            high += peer >= 1L << 32 ? 1 : 0;

            Assert.Equal(CounterRandom.Below(random, 999_999), CounterRandom.Below(random, 999_999L));
            Assert.Equal(CounterRandom.Below(random, int.MaxValue), CounterRandom.Below(random, (long)int.MaxValue));
        }

        // (n − 2^32) / n ≈ 46% of the draws land above 2^32.
        Assert.InRange(high, 4_300, 4_950);
    }

    [Theory]
    [InlineData(0L, 0)]
    [InlineData(5_000_000_000L, 3)]
    [InlineData(-7L, 1)]
    public void CounterRandom_ForARunOfExperts_GivesEachExpertsDraw(long firstExpert, int draw)
    {
        var key = CounterRandom.RoundKey(42, 7, 11);
        var values = new ulong[67];

        CounterRandom.Next(key, firstExpert, draw, values);

        Assert.Equal(Enumerable.Range(0, values.Length).Select(i => CounterRandom.Next(42, 7, 11, firstExpert + i, draw)), values);
    }

    [Theory]
    [InlineData(2L, 0L)]
    [InlineData(1_000_000L, 999_950L)]
    [InlineData(4_294_967_297L, 4_294_967_200L)] // bound 2^32: the last bound of the 32-bit multiply-shift
    [InlineData(4_294_967_298L, 0L)] // bound 2^32 + 1: the 128-bit product
    [InlineData(8_000_000_000L, 123_456_789L)]
    [InlineData(16_000_000_000L, 15_999_999_900L)]
    public void CompletePeers_ForARunOfExperts_GiveEachExpertsCompletePeer(long experts, long firstExpert)
    {
        var key = CounterRandom.RoundKey(42, 7, 11);
        for (var draw = 0; draw < 3; draw++)
        {
            var count = (int)Math.Min(67, experts - firstExpert);
            var peers = new long[count];

            CounterRandom.CompletePeers(key, firstExpert, draw, experts, peers);

            Assert.Equal(Enumerable.Range(0, count).Select(i => Topology.CompletePeer(firstExpert + i, experts, CounterRandom.Next(key, firstExpert + i, draw))), peers);
        }
    }

    private sealed class Inline(Action<RoundStats> report) : IProgress<RoundStats>
    {
        public void Report(RoundStats value) => report(value);
    }
}
