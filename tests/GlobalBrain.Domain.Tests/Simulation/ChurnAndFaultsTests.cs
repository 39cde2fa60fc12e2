using System.Text.Json;
using GlobalBrain.Domain.Faults;
using GlobalBrain.Domain.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Simulation;

/// <summary>
/// Churn (experts replaced by uninformed joiners at rate R) and the live cluster's faults in the simulation, against
/// theory where there is one: under churn mean reach settles at 1 − u*, u* from <see cref="GossipTheory.ChurnSteadyUninformed"/>
/// (Poisson clocks: R / (c(1 − q)), exact in the mean-field limit); a dropped exchange is a lost message, so under
/// Poisson clocks push-pull with DropProbability p takes the birth chain's mean time with loss p.
/// </summary>
public sealed class ChurnAndFaultsTests(ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Measured here at N = 10^5, R = 0.05, samples 40–80 of four seeds: the uninformed fraction within 0.2% of u* for
    /// Poisson clocks (every mode, q = 0 and 0.2), 0.6% for periodic push-pull (whose pushes the theory takes as a Poisson
    /// stream), 0.2% for synchronous rounds. Here N = 5·10^4 and two seeds, so the window is 4%.
    /// </summary>
    [Theory]
    [InlineData(SimulationClock.Poisson, ExchangeMode.PushPull, 0.0)]
    [InlineData(SimulationClock.Poisson, ExchangeMode.PushPull, 0.2)]
    [InlineData(SimulationClock.Poisson, ExchangeMode.Push, 0.0)]
    [InlineData(SimulationClock.Async, ExchangeMode.PushPull, 0.0)]
    [InlineData(SimulationClock.Async, ExchangeMode.PushPull, 0.2)]
    [InlineData(SimulationClock.Async, ExchangeMode.Pull, 0.0)]
    [InlineData(SimulationClock.Rounds, ExchangeMode.PushPull, 0.0)]
    [InlineData(SimulationClock.Rounds, ExchangeMode.Push, 0.0)]
    public void UnderChurn_MeanReachSettlesWhereTheoryPutsIt(SimulationClock clock, ExchangeMode mode, double loss)
    {
        const double Churn = 0.05;
        var uninformed = new List<double>();
        foreach (var seed in new ulong[] { 1, 2 })
        {
            var spec = new SimulationSpec(50_000, 1, mode, TopologySpec.Complete, ScenarioKind.Rumor, seed, MaxRounds: 60, Clock: clock, Loss: loss, Churn: Churn);
            var result = clock == SimulationClock.Rounds ? CompactRumorSimulation.Run(spec) : AsyncRumorSimulation.Run(spec);
            uninformed.AddRange(result.Rounds.Skip(30).Select(r => 1 - r.MeanReach));
        }

        var theory = GossipTheory.ChurnSteadyUninformed(clock, mode, Churn, loss);
        output.WriteLine($"{clock} {mode} q = {loss}: uninformed {uninformed.Average():F5} (samples 30–60, 2 seeds), theory {theory:F5}, ratio {uninformed.Average() / theory:F4}");
        Assert.InRange(uninformed.Average(), theory * 0.96, theory * 1.04);
    }

    [Fact]
    public void SteadyState_Theory_HasItsClosedForms()
    {
        Assert.Equal(0.025, GossipTheory.ChurnSteadyUninformed(SimulationClock.Poisson, ExchangeMode.PushPull, 0.05), 12);
        Assert.Equal(0.0625, GossipTheory.ChurnSteadyUninformed(SimulationClock.Poisson, ExchangeMode.Pull, 0.05, loss: 0.2), 12);
        // Periodic push alone: the expert's own ticks carry nothing to it, so it is the Poisson push formula, R / (1 − q).
        Assert.Equal(0.0625, GossipTheory.ChurnSteadyUninformed(SimulationClock.Async, ExchangeMode.Push, 0.05, loss: 0.2), 6);
        // Churn faster than spreading: the rumor dies out.
        Assert.Equal(1, GossipTheory.ChurnSteadyUninformed(SimulationClock.Poisson, ExchangeMode.Push, 0.9, loss: 0.5));
        Assert.Equal(1, GossipTheory.ChurnSteadyUninformed(SimulationClock.Rounds, ExchangeMode.Pull, 0.9), 3);
    }

    [Fact]
    public void SynchronousChurn_IsTheSameOnBothEngines_AndOnAnyNumberOfBlocksOrThreads()
    {
        var spec = new SimulationSpec(10_000, 1.5, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Rumor, 3, MaxRounds: 25, Churn: 0.03);

        var compact = JsonSerializer.Serialize(CompactRumorSimulation.Run(spec), Json);

        Assert.Equal(compact, JsonSerializer.Serialize(GossipSimulation.Run(spec), Json));
        Assert.Equal(compact, JsonSerializer.Serialize(GossipSimulation.Run(spec, 3, null, null, CancellationToken.None), Json));
        Assert.Equal(compact, JsonSerializer.Serialize(CompactRumorSimulation.Run(spec, null, null, 1, CancellationToken.None), Json));
        Assert.NotEqual(compact, JsonSerializer.Serialize(CompactRumorSimulation.Run(spec with { Seed = 4 }), Json));
    }

    [Theory]
    [InlineData(SimulationClock.Async)]
    [InlineData(SimulationClock.Poisson)]
    public void ChurnAndFaults_AreTheSameForTheSameSeed(SimulationClock clock)
    {
        var spec = Spec(5_000, clock, 7) with
        {
            UntilConverged = false,
            MaxRounds = 40,
            Churn = 0.02,
            Faults = new SimulationFaults(new FaultRates(0.1, 0.2, 0.2, 0.1, 0.1), MaxDelaySeconds: 0.7, Seed: 9),
        };

        var first = JsonSerializer.Serialize(AsyncRumorSimulation.Run(spec), Json);

        Assert.Equal(first, JsonSerializer.Serialize(AsyncRumorSimulation.Run(spec), Json));
        Assert.NotEqual(first, JsonSerializer.Serialize(AsyncRumorSimulation.Run(spec with { Seed = 8 }), Json));
        Assert.NotEqual(first, JsonSerializer.Serialize(AsyncRumorSimulation.Run(spec with { Faults = spec.Faults! with { Seed = 10 } }), Json));
    }

    /// <summary>Faults whose probabilities are all 0 go through the fault path and change nothing — not a draw, not a byte.</summary>
    [Theory]
    [InlineData(SimulationClock.Async, ExchangeMode.PushPull)]
    [InlineData(SimulationClock.Async, ExchangeMode.Push)]
    [InlineData(SimulationClock.Poisson, ExchangeMode.Pull)]
    public void NoFaults_ThroughTheFaultPath_GiveTheRunWithout(SimulationClock clock, ExchangeMode mode)
    {
        var spec = Spec(3_000, clock, 2) with { Mode = mode, Loss = 0.1 };

        var plain = AsyncRumorSimulation.Run(spec);
        var faulty = AsyncRumorSimulation.Run(spec with { Faults = new SimulationFaults(FaultRates.None) });

        Assert.Equal(JsonSerializer.Serialize(plain.Rounds, Json), JsonSerializer.Serialize(faulty.Rounds, Json));
        Assert.Equal(plain.Times, faulty.Times);
    }

    /// <summary>A duplicate changes what an expert knows not at all (a merge is idempotent), and doubles the bytes.</summary>
    [Fact]
    public void Duplicates_DoubleTheBytes_AndNothingElse()
    {
        var spec = Spec(3_000, SimulationClock.Async, 5);

        var plain = AsyncRumorSimulation.Run(spec);
        var twice = AsyncRumorSimulation.Run(spec with { Faults = new SimulationFaults(new FaultRates(0, 1, 0, 0, 0)) });

        Assert.Equal(plain.Rounds.Select(r => r.MeanReach), twice.Rounds.Select(r => r.MeanReach));
        Assert.Equal(plain.Rounds.Select(r => 2 * r.BytesExchanged), twice.Rounds.Select(r => r.BytesExchanged));
    }

    [Fact]
    public void EveryMessageDropped_NothingSpreads()
    {
        var result = AsyncRumorSimulation.Run(Spec(1_000, SimulationClock.Async, 1) with { UntilConverged = false, MaxRounds = 20, Faults = new SimulationFaults(new FaultRates(1, 0, 0, 0, 0.3)) });

        Assert.All(result.Rounds, r => Assert.Equal(1, r.CollectiveIntelligence));
        Assert.Null(result.Times!.To99);
    }

    /// <summary>
    /// A dropped push-pull exchange loses both directions at once, a loss q each one alone; for the rumor only one direction
    /// matters in any exchange, so under Poisson clocks DropProbability p spreads as --loss p: the birth chain's mean time,
    /// (N − 1)/N · H(N − 1) / (2(1 − p)).
    /// </summary>
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.4)]
    public void PoissonPushPull_WithDroppedExchanges_TakesTheBirthChainsTimeWithLoss(double drop)
    {
        const int N = 1_000;
        var times = Enumerable.Range(1, 300).AsParallel().Select(seed =>
            AsyncRumorSimulation.Run(Spec(N, SimulationClock.Poisson, (ulong)seed) with { Faults = new SimulationFaults(new FaultRates(drop, 0, 0, 0, 0)) }).Times!.ToFullCoverage!.Value).ToList();

        var exact = GossipTheory.PoissonRumorTime(ExchangeMode.PushPull, N, N, drop);
        output.WriteLine($"drop {drop}: mean t·v to everyone {times.Average():F3} over 300 seeds; exact with loss {drop}: {exact:F3}");
        Assert.InRange(times.Average(), exact * 0.95, exact * 1.05);
    }

    /// <summary>
    /// Late and held-back messages slow spreading down, and a delay far below a period changes little: every message held
    /// back until its sender's next exchange (one period later on a periodic clock) costs about a period per generation.
    /// </summary>
    [Fact]
    public void DelayedAndHeldBackMessages_SlowSpreadingAsTheirWaitSays()
    {
        const int N = 2_000;
        double Mean(SimulationFaults? faults) => Enumerable.Range(1, 100).AsParallel()
            .Select(seed => AsyncRumorSimulation.Run(Spec(N, SimulationClock.Async, (ulong)seed) with { Faults = faults }).Times!.To99!.Value).Average();

        var plain = Mean(null);
        var shortDelay = Mean(new SimulationFaults(new FaultRates(0, 0, 1, 0, 0), MaxDelaySeconds: 0.01));
        var longDelay = Mean(new SimulationFaults(new FaultRates(0, 0, 1, 0, 0), MaxDelaySeconds: 2));
        var heldBack = Mean(new SimulationFaults(new FaultRates(0, 0, 0, 1, 0)));
        output.WriteLine($"t·v to 99%: no faults {plain:F3}; every message delayed ≤ 0.01 s {shortDelay:F3}, ≤ 2 s {longDelay:F3}; every message held back {heldBack:F3}");
        Assert.InRange(shortDelay, plain * 0.97, plain * 1.05);
        Assert.True(longDelay > plain * 1.3, "delays of up to two periods barely slowed spreading");
        Assert.True(heldBack > plain * 1.3, "holding every message back until the next exchange barely slowed spreading");
    }

    /// <summary>An expert that deactivates comes back at a new phase and loses what it still held; gossip still reaches everyone.</summary>
    [Theory]
    [InlineData(SimulationClock.Async)]
    [InlineData(SimulationClock.Poisson)]
    public void DeactivationsWithLateMessages_StillReachEveryone(SimulationClock clock)
    {
        var faults = new SimulationFaults(new FaultRates(0.2, 0.2, 0.3, 0.3, 0.3), MaxDelaySeconds: 0.5);

        var result = AsyncRumorSimulation.Run(Spec(5_000, clock, 3) with { Faults = faults });

        Assert.NotNull(result.Times!.ToFullCoverage);
        // One exchange a tick, however often the experts came back at new phases.
        Assert.All(result.Rounds.Skip(1).SkipLast(1), r => Assert.InRange(r.Exchanges, clock == SimulationClock.Async ? 4_000 : 4_500, clock == SimulationClock.Async ? 6_000 : 5_500));
        output.WriteLine($"{clock}: everyone at t·v = {result.Times.ToFullCoverage:F3}");
    }

    [Fact]
    public void BadChurnAndFaults_AreRefused_NamingTheOption()
    {
        var spec = Spec(100, SimulationClock.Async, 1);

        Assert.Contains("--churn is the fraction of experts replaced per round", Assert.Throws<ArgumentException>(() => AsyncRumorSimulation.Run(spec with { Churn = 1 })).Message, StringComparison.Ordinal);
        Assert.Contains("--churn with --until-converged", Assert.Throws<ArgumentException>(() => AsyncRumorSimulation.Run(spec with { Churn = 0.1 })).Message, StringComparison.Ordinal);
        Assert.Contains("--churn runs --scenario rumor only (got items)", Assert.Throws<ArgumentException>(() => GossipSimulation.Run(spec with { Clock = SimulationClock.Rounds, UntilConverged = false, Scenario = ScenarioKind.Items, Churn = 0.1 })).Message, StringComparison.Ordinal);
        Assert.Contains("--faults runs with --clock async or poisson only", Assert.Throws<ArgumentException>(() => CompactRumorSimulation.Run(spec with { Clock = SimulationClock.Rounds, Faults = new SimulationFaults(FaultRates.None) })).Message, StringComparison.Ordinal);
        Assert.Contains("--faults: DropProbability + DelayProbability + ReorderProbability must be at most 1", Assert.Throws<ArgumentException>(() => AsyncRumorSimulation.Run(spec with { Faults = new SimulationFaults(new FaultRates(0.5, 0, 0.5, 0.5, 0)) })).Message, StringComparison.Ordinal);
        Assert.Contains("--faults: MaxDelay must be more than 0", Assert.Throws<ArgumentException>(() => AsyncRumorSimulation.Run(spec with { Faults = new SimulationFaults(FaultRates.None, MaxDelaySeconds: 0) })).Message, StringComparison.Ordinal);
    }

    private static SimulationSpec Spec(long n, SimulationClock clock, ulong seed) =>
        new(n, 1, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Rumor, seed, MaxRounds: 10_000, UntilConverged: true, Clock: clock);
}
