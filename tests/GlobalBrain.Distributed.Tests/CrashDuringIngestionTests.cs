using System.Text;
using System.Text.Json;
using GlobalBrain.Grains;
using Xunit.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Distributed.Tests;

/// <summary>
/// Exactly-once effect under a crash: 100,000 documents go in through the CLI while one of three
/// silo processes is killed with SIGKILL and a new one started; the CLI retries what was not
/// acknowledged, and the cluster's exact totals equal those of the same documents ingested once.
/// </summary>
public sealed class CrashDuringIngestionTests(ITestOutputHelper output) : IDisposable
{
    private const int Experts = 24;
    private const int Documents = 100_000;

    private readonly string _work = Directory.CreateTempSubdirectory("globalbrain-crash-").FullName;
    private RedisCluster? _cluster;

    [SkippableFact]
    public async Task A_silo_killed_and_restarted_during_ingestion_loses_and_doubles_nothing()
    {
        Skip.If(ClusterProcesses.RedisServerPath is null, ClusterProcesses.MissingRedis);
        var input = WriteDocuments(Path.Combine(_work, "documents.jsonl"), Documents, seed: 7);
        var expected = await Totals.EmbeddedAsync(Experts, input);
        Assert.Equal(Documents, expected.Documents);

        _cluster = await RedisCluster.StartAsync(silos: 3, Experts);
        var cluster = _cluster;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Without duplicate claims, as this test was written: the claims (issue 19) are made in input order and
        // confirmed after each batch, which leaves so few batches at the experts at any moment that the kill at a
        // tenth sometimes met none and tested no retry (CI, twice). Claims under faults: DedupClaimFateTests.
        var ingest = ClusterProcesses.RunCliAsync(["ingest", input, "--cluster", cluster.CliCluster, "--json", "--dedup", "off"], cluster.CliEnvironment, TimeSpan.FromMinutes(6));

        // Once a tenth is in, a silo dies without warning; a new one joins a moment later.
        var reached = await WaitForDocumentsAsync(cluster, Documents / 10, TimeSpan.FromMinutes(2));
        Assert.True(reached < Documents, $"the ingestion finished ({reached} documents) before the crash could hit it");
        var victim = cluster.Silos[1];
        victim.KillAbruptly();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.AddSilosAsync(1);
        var joinedAt = clock.Elapsed;

        var result = await ingest;
        output.WriteLine($"the new silo was ready {joinedAt.TotalSeconds:F1} s into the ingestion, which took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.ExitCode == 0, $"ingest did not get every document in: {result}");
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        var ingested = json.GetProperty("ingested");
        output.WriteLine($"killed at {reached} documents; the CLI reported: {ingested}");
        Assert.Equal(Documents, ingested.GetProperty("documents").GetInt64());
        Assert.Equal(expected.Tokens, ingested.GetProperty("tokens").GetInt64());
        Assert.Equal(0, json.GetProperty("rejected").GetInt64());
        Assert.True(ingested.GetProperty("retries").GetInt32() > 0, $"the crash cost no batch a retry, so it did not test them:\n{result.Stdout}");

        // How much of the rest went to the silo that joined is reported, not asserted: after a SIGKILL the
        // batches in flight wait many seconds on the dead silo, and what is left by the time the new one is
        // found varies from run to run (0 to 1 batches of 196 here). DispatcherRediscoveryTests checks that a
        // running ingestion sends batches to a silo that joins.
        var joined = cluster.Silos[^1];
        var toJoined = ingested.GetProperty("batchesBySilo").EnumerateObject()
            .Where(p => p.Name.Contains($":{SiloCommandLine.Invariant(joined.SiloPort)}@", StringComparison.Ordinal)).Sum(p => p.Value.GetInt32());
        output.WriteLine($"batches to the silo that joined: {toJoined}");

        // Everything acknowledged is in, once: the exact counts and the sketch union equal the reference.
        cluster.Forget([victim]);
        await cluster.WaitForActiveSilosAsync(3, TimeSpan.FromSeconds(90));
        var (metrics, _) = await cluster.ReadAsync();
        expected.AssertMatches(metrics, "after the crash");
    }

    [SkippableFact]
    public async Task IngestAndMetrics_StartedRightAfterASiloIsKilled_GetPastIt_WithExactTotals()
    {
        Skip.If(ClusterProcesses.RedisServerPath is null, ClusterProcesses.MissingRedis);
        var input = WriteDocuments(Path.Combine(_work, "after-kill.jsonl"), 10_000, seed: 8);
        var expected = await Totals.EmbeddedAsync(Experts, input);
        _cluster = await RedisCluster.StartAsync(silos: 3, Experts);
        var cluster = _cluster;

        // Killed, and the commands start at once: membership still lists the dead silo as active.
        var victim = cluster.Silos[0];
        victim.KillAbruptly();
        var ingest = ClusterProcesses.RunCliAsync(["ingest", input, "--cluster", cluster.CliCluster, "--json"], cluster.CliEnvironment, TimeSpan.FromMinutes(4));
        var metrics = ClusterProcesses.RunCliAsync(["metrics", "--cluster", cluster.CliCluster, "--json"], cluster.CliEnvironment, TimeSpan.FromMinutes(4));

        var ingested = await ingest;
        Assert.True(ingested.ExitCode == 0, $"ingest did not get past the dead silo: {ingested}");
        var read = await metrics;
        Assert.True(read.ExitCode == 0, $"metrics did not get past the dead silo: {read}");
        Assert.Equal(10_000, JsonDocument.Parse(ingested.Stdout).RootElement.GetProperty("ingested").GetProperty("documents").GetInt64());

        cluster.Forget([victim]);
        await cluster.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(90));
        var (after, _) = await cluster.ReadAsync();
        expected.AssertMatches(after, "after ingesting past a dead silo");
    }

    public void Dispose()
    {
        _cluster?.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }

    /// <summary>Polls the aggregator until at least <paramref name="documents"/> are in; returns the count seen.</summary>
    internal static async Task<long> WaitForDocumentsAsync(RedisCluster cluster, long documents, TimeSpan timeout)
    {
        using var host = await cluster.ConnectAsync();
        var aggregator = host.Services.GetRequiredService<IClusterClient>().GetGrain<IAggregatorGrain>(0);
        var seen = await Poll.UntilAsync(async () => (await aggregator.GetMetricsAsync()).Documents, n => n >= documents, timeout, TimeSpan.FromMilliseconds(200));
        return seen >= documents
            ? seen
            : throw new TimeoutException($"{seen} documents, fewer than {documents}, arrived within {timeout.TotalSeconds:F0} s:\n{string.Join("\n---\n", cluster.Silos.Select(s => s.Log))}");
    }

    internal static string WriteDocuments(string path, int count, int seed)
    {
        // JSON Lines of short made-up documents from a fixed seed (≈ 20 MB): the same every run.
        var random = new Random(seed);
        var words = Enumerable.Range(0, 5000).Select(_ => new string(Enumerable.Range(0, random.Next(2, 10)).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToArray();
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Clear();
            var length = random.Next(10, 50);
            for (var w = 0; w < length; w++)
            {
                text.Append(words[random.Next(words.Length)]).Append(' ');
            }

            writer.Write("{\"id\":\"doc-");
            writer.Write(i);
            writer.Write("\",\"text\":\"");
            writer.Write(text.ToString().TrimEnd());
            writer.Write("\"}\n");
        }

        return path;
    }
}
