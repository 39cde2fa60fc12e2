using System.Diagnostics;
using System.Globalization;
using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Grains.Faults;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace GlobalBrain.Grains.Tests;

/// <summary>
/// Gossip under injected faults (GlobalBrain:Faults): documents go in while exchanges are dropped,
/// duplicated, delayed, reordered and experts deactivate; once the faults stop, every expert's shard
/// is the union — the registers of every ingested item and every origin's exact totals — and the
/// cluster counts exactly what was ingested.
/// </summary>
public sealed class GossipUnderFaultsTests(ITestOutputHelper output)
{
    private const int Experts = 12;
    private const int FlowRate = 20;
    private const int Documents = 60;

    /// <summary>Every configured fault must have been injected this often before the faults stop.</summary>
    private const int FaultsPerKind = 40;

    private static readonly string[] Words =
        ["gossip", "spreads", "what", "every", "expert", "knows", "even", "when", "messages", "are", "lost", "late", "twice", "or", "out", "of", "order", "and", "experts", "restart"];

    private static readonly string[] FaultTags = ["drop", "duplicate", "delay", "reorder", "deactivate"];

    /// <summary>Mode, seed, then the probabilities of drop, duplicate, delay, reorder and deactivate.</summary>
    public static TheoryData<string, ulong, double, double, double, double, double> Mixes => new()
    {
        { "push-pull", 1, 0.3, 0.3, 0.3, 0.3, 0.3 },
        { "push", 2, 0.3, 0.3, 0.3, 0.3, 0.3 },
        { "pull", 3, 0.3, 0.3, 0.3, 0.3, 0.3 },
        { "push-pull", 4, 0.7, 0, 0, 0, 0.25 },
        { "push", 5, 0, 0.5, 0.45, 0.5, 0 },
        { "pull", 6, 1, 0, 0, 0, 0.3 },
    };

    [Theory]
    [MemberData(nameof(Mixes))]
    public async Task EveryShard_ConvergesToTheUnion_OnceFaultsStop(string mode, ulong seed, double drop, double duplicate, double delay, double reorder, double deactivate)
    {
        var rates = new Dictionary<string, double>
        {
            ["drop"] = drop,
            ["duplicate"] = duplicate,
            ["delay"] = delay,
            ["reorder"] = reorder,
            ["deactivate"] = deactivate,
        };
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<Configurator>();
        Set(builder, ExpertsOptions.SectionName, ("Count", Experts), ("FlowRate", FlowRate), ("Mode", mode));
        Set(builder, FaultsOptions.SectionName, ("Seed", seed), ("DropProbability", drop), ("DuplicateProbability", duplicate),
            ("DelayProbability", delay), ("MaxDelay", "00:00:00.300"), ("ReorderProbability", reorder), ("DeactivateProbability", deactivate));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var faults = cluster.Silos.Select(s => cluster.GetSiloServiceProvider(s.SiloAddress).GetRequiredService<ExchangeFaults>()).ToList();
            Assert.All(faults, f => Assert.True(f.Active, "the settings reached every silo"));
            using var recorder = new MeterRecorder(cluster);

            // Ingested while the faults are on, half at the start and half just before they stop: experts
            // learn while others deactivate around them, and the second half has not spread yet when they stop.
            var documents = MakeDocuments(seed);
            var dispatcher = await IngestDispatcher.ConnectAsync(cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4 });
            var first = await dispatcher.IngestAsync(documents[..(Documents / 2)], TokenizerSpec.Default);

            var faulty = Stopwatch.StartNew();
            await Poll.UntilAsync(() => !rates.Any(r => r.Value > 0 && Injected(recorder, r.Key) < FaultsPerKind), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));

            var second = await dispatcher.IngestAsync(documents[(Documents / 2)..], TokenizerSpec.Default);
            Assert.Equal(Documents, first.Accepted + second.Accepted);
            foreach (var f in faults)
            {
                f.Enabled = false;
            }

            var stopped = Stopwatch.StartNew();
            var injected = FaultTags.ToDictionary(t => t, t => Injected(recorder, t));
            var expected = Expected(documents);
            var differingAtStop = (await WaitForUnionAsync(cluster.Client, expected, TimeSpan.Zero)).Count;
            var converged = await WaitForUnionAsync(cluster.Client, expected, TimeSpan.FromSeconds(30));
            var seconds = stopped.Elapsed.TotalSeconds;
            output.WriteLine(
                $"{mode}, seed {seed}: faults for {faulty.Elapsed.TotalSeconds:F2} s ({string.Join(", ", injected.Select(i => $"{i.Key} {i.Value}"))}); " +
                $"{differingAtStop} of {Experts} experts short of the union when they stopped, every shard the union {seconds:F2} s later (≈ {seconds * FlowRate:F0} exchange periods)");

            Assert.True(converged.Count == 0, $"{converged.Count} of {Experts} experts still differ from the union 30 s after the faults stopped: {string.Join("; ", converged)}");
            if (drop == 1)
            {
                // Nothing got through while every message was dropped: each expert held only its own.
                Assert.Equal(Experts, differingAtStop);
            }

            foreach (var (tag, rate) in rates)
            {
                if (rate > 0)
                {
                    Assert.True(injected[tag] >= FaultsPerKind, $"only {injected[tag]} '{tag}' faults were injected");
                }
                else
                {
                    Assert.Equal(0, injected[tag]);
                }
            }

            Assert.Subset(FaultTags.Cast<string?>().ToHashSet(), recorder.TagValues("globalbrain.faults.injected", "fault"));

            // Exact totals: nothing counted twice by duplicates, nothing lost by drops or deactivations.
            var metrics = await cluster.Client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
            Assert.Equal(Documents, metrics.Documents);
            Assert.Equal(expected.Tokens, metrics.Tokens);
            Assert.Equal(first.Tokens + second.Tokens, metrics.Tokens);

            // Switched off means off: no fault is injected any more, and the shards stay the union.
            var after = FaultTags.Sum(t => Injected(recorder, t));
            Assert.Empty(await WaitForUnionAsync(cluster.Client, expected, TimeSpan.Zero));
            Assert.Equal(after, FaultTags.Sum(t => Injected(recorder, t)));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task DeactivatedExpert_ComesBackFromItsStoredState()
    {
        // Every exchange is dropped (nothing spreads) and deactivates its expert, which restarts at once:
        // what an expert holds afterwards can only come from its own storage.
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<Configurator>();
        Set(builder, ExpertsOptions.SectionName, ("Count", 2), ("FlowRate", FlowRate), ("Mode", "push"));
        Set(builder, FaultsOptions.SectionName, ("DropProbability", 1), ("DeactivateProbability", 1));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var documents = MakeDocuments(seed: 7);
            var dispatcher = await IngestDispatcher.ConnectAsync(cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4 });
            await dispatcher.IngestAsync(documents, TokenizerSpec.Default);

            var experts = new[] { cluster.Client.GetGrain<IExpertGrain>(0), cluster.Client.GetGrain<IExpertGrain>(1) };
            var incarnations = new[] { new HashSet<Guid>(), new HashSet<Guid>() };
            var clock = Stopwatch.StartNew();
            await Poll.UntilAsync(
                async () =>
                {
                    for (var i = 0; i < 2; i++)
                    {
                        incarnations[i].Add((await experts[i].GetReportAsync()).Incarnation);
                    }

                    return incarnations.All(seen => seen.Count >= 5);
                },
                TimeSpan.FromSeconds(30),
                TimeSpan.FromMilliseconds(20));

            output.WriteLine($"5 activations of each expert in {clock.Elapsed.TotalSeconds:F2} s");
            Assert.All(incarnations, seen => Assert.True(seen.Count >= 5, $"an expert was activated only {seen.Count} times in 30 s"));
            var encoder = TextEncoders.Get(TextEncoders.Default);
            for (var i = 0; i < 2; i++)
            {
                var own = KnowledgeShard.Empty(new KnowledgeOptions().Precision);
                foreach (var document in documents.Where(d => ExpertRouting.ExpertFor(d.Id, 2) == i))
                {
                    var tokens = encoder.Encode(document.Text);
                    own = own.Learn(i, 1, tokens.Length, KnowledgeItems.Hash(tokens));
                }

                var report = await experts[i].GetReportAsync();
                Assert.Equal((own.Documents, own.Tokens), (report.OwnDocuments, report.OwnTokens));
                Assert.True(own.Items.ContentEquals(report.Items), "the expert's sketch differs from the one of its documents");
            }
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Faults_AreOffByDefault()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<Configurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var faults = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<ExchangeFaults>();
            Assert.False(faults.Active);
            Assert.True(faults.Draw(0, 0).IsNone);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task BadFaultSetting_StopsTheSilo_NamingTheSettingAndItsVariable()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<Configurator>();
        Set(builder, FaultsOptions.SectionName, ("DropProbability", "1.5"));
        var cluster = builder.Build();
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(cluster.DeployAsync);

            var message = Flatten(error);
            Assert.Contains("GlobalBrain:Faults:DropProbability is a probability, from 0 to 1 (got 1.5)", message, StringComparison.Ordinal);
            Assert.Contains("GlobalBrain__Faults__DropProbability", message, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private static string Flatten(Exception error) =>
        error is AggregateException aggregate ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(Flatten)) :
        error.InnerException is { } inner ? $"{error.Message} | {Flatten(inner)}" : error.Message;

    private static double Injected(MeterRecorder recorder, string fault) => recorder.Sum("globalbrain.faults.injected", ("fault", fault));

    /// <summary>
    /// Polls every expert's shard until each equals <paramref name="expected"/> or the time is up
    /// (one look when it is zero); returns what still differs.
    /// </summary>
    private static Task<List<string>> WaitForUnionAsync(IClusterClient client, KnowledgeShard expected, TimeSpan within) =>
        Poll.UntilAsync(
            async () =>
            {
                var snapshots = await Task.WhenAll(Enumerable.Range(0, Experts).Select(i => client.GetGrain<IExpertGrain>(i).ShareAsync()));
                var differing = new List<string>();
                for (var i = 0; i < Experts; i++)
                {
                    var shard = snapshots[i].Shard;
                    if (!shard.ContentEquals(expected))
                    {
                        differing.Add($"expert {i}: {shard.Documents}/{expected.Documents} documents, {shard.Tokens}/{expected.Tokens} tokens, {shard.Items.ToRegisters().AsSpan().CommonPrefixLength(expected.Items.ToRegisters())} registers agree before the first difference");
                    }
                }

                return differing;
            },
            differing => differing.Count == 0,
            within,
            TimeSpan.FromMilliseconds(50));

    /// <summary>The union, computed here from the documents alone: each one's items, and its exact counts at the expert it is routed to.</summary>
    private static KnowledgeShard Expected(IEnumerable<DocumentInput> documents)
    {
        var knowledge = new KnowledgeOptions();
        var encoder = TextEncoders.Get(TextEncoders.Default);
        var union = KnowledgeShard.Empty(knowledge.Precision);
        foreach (var document in documents)
        {
            var tokens = encoder.Encode(document.Text);
            union = union.Learn(ExpertRouting.ExpertFor(document.Id, Experts), 1, tokens.Length, KnowledgeItems.Hash(tokens, knowledge.ShingleWidth));
        }

        return union;
    }

    private static List<DocumentInput> MakeDocuments(ulong seed)
    {
        var random = new Random((int)seed);
        return [.. Enumerable.Range(0, Documents).Select(i => new DocumentInput(
            $"faults-{seed}/{i}",
            string.Join(' ', Enumerable.Range(0, random.Next(4, 40)).Select(_ => Words[random.Next(Words.Length)])) + $" {i}"))];
    }

    /// <summary>TestCluster hands its properties to every silo as configuration, bound like appsettings.</summary>
    private static void Set(TestClusterBuilder builder, string section, params (string Key, object Value)[] settings)
    {
        foreach (var (key, value) in settings)
        {
            builder.Properties[$"{section}:{key}"] = Convert.ToString(value, CultureInfo.InvariantCulture)!;
        }
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddGlobalBrain();
    }
}
