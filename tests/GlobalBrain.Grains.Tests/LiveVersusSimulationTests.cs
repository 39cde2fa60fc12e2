using System.Diagnostics;
using System.Globalization;
using GlobalBrain.Domain.Simulation;
using GlobalBrain.Grains.Experts;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace GlobalBrain.Grains.Tests;

/// <summary>
/// Does <c>simulate --clock async</c> predict the live cluster? A one-silo cluster of N experts at v = 1 (push-pull,
/// complete: the defaults), every expert active and on its silo's <see cref="ExchangeClock"/>, is given
/// <see cref="Rumors"/> one-document rumors at once, each at its own expert; the time from a rumor's store at its origin
/// until 99% of the experts hold it (its origin's exact count in their shards, read off the silo's
/// <see cref="SiloKnowledgeBoard"/> every few milliseconds: the gauges' refresh interval is far too coarse) is averaged
/// over the rumors and compared with <see cref="AsyncRumorSimulation"/>'s mean over <see cref="SimulatedSeeds"/> seeds at
/// the same N and v. Each rumor is one run of the live clock (they share the experts' phases and peers, so their mean
/// varies more than that of independent runs, but each one is distributed as a single rumor).
/// </summary>
/// <remarks>
/// The simulation assumes every expert exchanges v times a second; a machine too loaded to keep that rate is no test of
/// the clock, so that is checked first — the exchanges per second within 5% of N·v (a clock that stalled catches up in a
/// burst), no tick skipped, no pause of the watching loop over 300 ms. An attempt that fails it is measured again with
/// fresh rumors (a stall of the machine, other processes taking its cores, passes), and three that fail it fail the test
/// with a message that says so. The 15% is never widened.
/// </remarks>
[Collection(LiveTiming.Name)]
public sealed class LiveVersusSimulationTests(ITestOutputHelper output)
{
    private const double FlowRate = 1;
    private const int Rumors = 12;
    private const int SimulatedSeeds = 400;
    private const double Tolerance = 0.15;

    /// <summary>Outside this share of N·v exchanges a second the machine did not run the clock the simulation models (after a stall the clock catches up in a burst: above is as wrong as below).</summary>
    private const double MinRateRatio = 0.95;

    private const double MaxRateRatio = 1.05;

    /// <summary>A longer pause between two looks at the board is a stall of the process: the times it measured would be that late.</summary>
    private static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(300);

    /// <summary>Attempts at a measurement whose machine kept the rate, each with fresh rumors in the same cluster.</summary>
    private const int MaxAttempts = 3;

    [Theory]
    [InlineData(256)]
    [InlineData(1024)]
    public async Task TimeTo99_IsWithin15PercentOfTheAsyncSimulation(int experts)
    {
        var simulated = SimulatedTimesTo99(experts);
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<Configurator>();
        builder.Properties[$"{ExpertsOptions.SectionName}:Count"] = experts.ToString(CultureInfo.InvariantCulture);
        builder.Properties[$"{ExpertsOptions.SectionName}:FlowRate"] = FlowRate.ToString(CultureInfo.InvariantCulture);
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var services = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress);
            var board = services.GetRequiredService<SiloKnowledgeBoard>();
            var clock = services.GetRequiredService<ExchangeClock>();

            // The first metrics pass asks every expert no board holds, which activates it; each joins the clock at a random phase.
            await cluster.Client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
            await Poll.WaitForAsync($"all {experts} experts on the exchange clock", () => clock.Count == experts, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), () => $"{clock.Count} joined");

            // A machine that stalls (other processes taking the cores) runs no clock worth comparing: such an attempt is
            // measured again with fresh rumors, a few times at most; the comparison itself is never loosened.
            Spread? live = null;
            var attempts = new List<Spread>();
            for (var attempt = 0; attempt < MaxAttempts && live is null; attempt++)
            {
                var spread = await SpreadAsync(cluster.Client, board, clock, experts, attempt);
                attempts.Add(spread);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"attempt {attempt + 1}: {spread.Summary}"));
                live = spread.KeptTheClock ? spread : null;
            }

            Assert.True(live is not null, string.Create(CultureInfo.InvariantCulture,
                $"this machine did not keep the exchange clock the simulation assumes in any of {MaxAttempts} attempts ({string.Join("; ", attempts.Select(a => a.Summary))}; needed: {MinRateRatio:P0} to {MaxRateRatio:P0} of N·v exchanges a second, no tick skipped, no pause over {MaxPause.TotalMilliseconds} ms): the comparison with simulate --clock async means nothing on a machine this loaded — run it when the cores are free"));
            var liveMean = live.TimesTo99.Average();
            var simulatedMean = simulated.Average();
            var ratio = liveMean / simulatedMean;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"N = {experts}, v = {FlowRate}: live t·v to 99% over {Rumors} rumors {liveMean:F3} (sd {Sd(live.TimesTo99):F3}; {string.Join(", ", live.TimesTo99.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))}); " +
                $"simulate --clock async over {SimulatedSeeds} seeds {simulatedMean:F3} (sd {Sd(simulated):F3}); live/simulated {ratio:F3}; " +
                $"{live.Summary}"));

            Assert.True(live.TimesTo99.Count == Rumors, $"only {live.TimesTo99.Count} of {Rumors} rumors reached 99% of the experts within {SpreadTimeout.TotalSeconds} s ({live.Summary})");
            Assert.True(Math.Abs(ratio - 1) <= Tolerance, string.Create(CultureInfo.InvariantCulture,
                $"N = {experts}: the live cluster's mean time to 99% reach × v, {liveMean:F3}, is {ratio - 1:+0.0%;-0.0%} off simulate --clock async's {simulatedMean:F3} (at most ±{Tolerance:P0})"));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static readonly TimeSpan SpreadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The simulation's times to 99% reach (seconds; × v = 1) over seeds 1 … <see cref="SimulatedSeeds"/>.</summary>
    private static List<double> SimulatedTimesTo99(int experts) =>
        [.. Enumerable.Range(1, SimulatedSeeds).Select(seed => AsyncRumorSimulation.Run(new SimulationSpec(
            experts, FlowRate, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Rumor, (ulong)seed, MaxRounds: 100, UntilConverged: true, Clock: SimulationClock.Async))
            .Times!.To99!.Value * FlowRate)];

    /// <summary>
    /// Learns one document at each of <see cref="Rumors"/> experts spread over the ids, then watches the board until each
    /// document's origin count is held by 99% of the experts, and measures the exchanges started meanwhile.
    /// </summary>
    private static async Task<Spread> SpreadAsync(IClusterClient client, SiloKnowledgeBoard board, ExchangeClock clock, int experts, int attempt)
    {
        // Each attempt's rumors start at experts no earlier attempt started one at (N/12 > 3 apart), so their counts are new.
        var origins = Enumerable.Range(0, Rumors).Select(j => (int)((long)j * experts / Rumors) + attempt).ToArray();
        // The fewest informed experts whose mean reach is ≥ 99%, as the simulation counts them.
        var needed = (int)Math.Ceiling((0.99 * experts) - 1e-9);
        var exchangesBefore = board.Exchanges;
        var skippedBefore = clock.Skipped;
        var watch = Stopwatch.StartNew();
        var seeded = await Task.WhenAll(origins.Select(async (origin, j) =>
        {
            await client.GetGrain<IExpertGrain>(origin).LearnAsync(new KnowledgeDelta(Guid.NewGuid(), 1, 3, [(ulong)((attempt * Rumors) + j + 1) * 0x9E3779B97F4A7C15UL]));
            return watch.Elapsed.TotalSeconds; // stored, so its count is in what the origin gossips from now on
        }));
        var started = watch.Elapsed.TotalSeconds;

        var reached = new double?[Rumors];
        var longestGap = 0.0;
        var last = watch.Elapsed.TotalSeconds;
        while (reached.Any(r => r is null) && watch.Elapsed < SpreadTimeout)
        {
            var now = watch.Elapsed.TotalSeconds;
            longestGap = Math.Max(longestGap, now - last);
            last = now;
            var holders = new int[Rumors];
            foreach (var slot in board.Snapshot())
            {
                if (slot.Shard is not { } shard)
                {
                    continue;
                }

                for (var j = 0; j < Rumors; j++)
                {
                    holders[j] += shard.TotalsOf(origins[j]).Documents > 0 ? 1 : 0;
                }
            }

            for (var j = 0; j < Rumors; j++)
            {
                if (reached[j] is null && holders[j] >= needed)
                {
                    reached[j] = now - seeded[j];
                }
            }

            await Task.Delay(2);
        }

        var window = watch.Elapsed.TotalSeconds - started;
        var exchanges = board.Exchanges - exchangesBefore;
        var rateRatio = exchanges / (experts * FlowRate * window);
        var skipped = clock.Skipped - skippedBefore;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{exchanges:N0} exchanges in {window:F2} s = {exchanges / window:N0}/s of N·v = {experts * FlowRate:N0}/s ({rateRatio:P1}), {skipped} ticks skipped, longest pause between two looks at the board {longestGap * 1000:F0} ms");
        var kept = rateRatio is >= MinRateRatio and <= MaxRateRatio && skipped == 0 && longestGap <= MaxPause.TotalSeconds;
        return new Spread([.. reached.Where(r => r is not null).Select(r => r!.Value * FlowRate)], kept, summary);
    }

    private static double Sd(List<double> values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, values.Count - 1));
    }

    /// <param name="KeptTheClock">The silo ran N·v exchanges a second on time and the board was watched without a stall.</param>
    private sealed record Spread(List<double> TimesTo99, bool KeptTheClock, string Summary);

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddGlobalBrain();
    }
}

/// <summary>Tests that time the live cluster's clock: run alone, after the assembly's other tests, so that they do not share the cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveTiming
{
    public const string Name = "live timing";
}
