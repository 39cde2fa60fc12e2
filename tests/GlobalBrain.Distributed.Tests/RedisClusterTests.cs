using System.Text;
using System.Text.Json;
using GlobalBrain.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Runtime;

namespace GlobalBrain.Distributed.Tests;

/// <summary>
/// Three silo processes on one Redis (membership and grain state), fed by the globalbrain CLI:
/// knowledge and exact counts survive stopping and restarting every silo, and a silo killed with
/// SIGKILL is declared dead while its experts come back on the survivors with their knowledge.
/// </summary>
public sealed class RedisClusterTests : IDisposable
{
    private const int Experts = 24;

    private readonly string _clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _work = Directory.CreateTempSubdirectory("globalbrain-distributed-").FullName;
    private readonly List<SiloProcess> _silos = [];
    private RedisServer? _redis;

    [SkippableFact]
    public async Task Knowledge_and_counts_survive_a_full_restart_and_a_killed_silo()
    {
        Skip.If(ClusterProcesses.RedisServerPath is null, ClusterProcesses.MissingRedis);
        var first = WriteCorpus("first", files: 6, paragraphsPerFile: 40, seed: 1);
        var second = WriteCorpus("second", files: 3, paragraphsPerFile: 40, seed: 2);

        // The exact reference: the same documents through an embedded single-process cluster.
        var expectedFirst = await EmbeddedTotalsAsync(first);
        var expectedBoth = await EmbeddedTotalsAsync(first, second);

        _redis = await RedisServer.StartAsync();
        await StartSilosAsync(3);

        // 1. Ingestion through the client, which finds the gateways in Redis.
        var ingest = await IngestAsync(first);
        Assert.Equal(expectedFirst.Documents, ingest.GetProperty("ingested").GetProperty("documents").GetInt64());
        var before = await ReadClusterAsync();
        AssertTotals(expectedFirst, before.Metrics, "after the first ingestion");
        Assert.Equal(3, before.Metrics.Silos);
        Assert.Equal(3, before.Reports.Select(r => r.Silo).Distinct().Count());
        Assert.True(await _redis.CountKeysAsync("*expert*") >= Experts, "expert state is kept in Redis");

        // 2. Every silo stops (SIGTERM); a new set of silos starts on the same Redis.
        foreach (var silo in _silos)
        {
            Assert.Equal(0, await silo.StopGracefullyAsync());
        }

        DisposeSilos();
        await StartSilosAsync(3);
        var restarted = await ReadClusterAsync();
        AssertTotals(expectedFirst, restarted.Metrics, "after stopping and restarting all silos");
        AssertSameKnowledge(before.Reports, restarted.Reports);

        // 3. The silo holding the most experts dies without warning.
        var victimAddress = restarted.Reports.GroupBy(r => r.Silo).MaxBy(g => g.Count())!.Key;
        var victim = SiloAt(victimAddress);
        var victimExperts = restarted.Reports.Where(r => r.Silo == victimAddress).Select(r => r.Expert).ToHashSet();
        victim.KillAbruptly();
        await WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(90));
        var survived = await ReadClusterAsync();
        Assert.DoesNotContain(survived.Reports, r => r.Silo == victimAddress);
        Assert.All(survived.Reports.Where(r => victimExperts.Contains(r.Expert)), r => Assert.NotEqual(victimAddress, r.Silo));
        AssertTotals(expectedFirst, survived.Metrics, "after a silo was killed");
        AssertSameKnowledge(restarted.Reports, survived.Reports);
        Assert.Equal(2, survived.Metrics.Silos);

        // 4. Ingestion goes on with two silos; the totals stay exact.
        await IngestAsync(second);
        var after = await ReadClusterAsync();
        AssertTotals(expectedBoth, after.Metrics, "after ingesting more on the surviving silos");
    }

    public void Dispose()
    {
        DisposeSilos();
        _redis?.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }

    private static void AssertTotals(Totals expected, ClusterMetrics actual, string when)
    {
        Assert.True(expected.Documents == actual.Documents, $"{when}: {actual.Documents} documents, expected {expected.Documents}");
        Assert.True(expected.Tokens == actual.Tokens, $"{when}: {actual.Tokens} tokens, expected {expected.Tokens}");

        // The union of the experts' sketches does not depend on routing, order or silos: the same estimate
        // (the CLI prints it rounded to a whole item).
        Assert.True(expected.DistinctItems == Math.Round(actual.DistinctItems), $"{when}: {actual.DistinctItems} distinct items, expected {expected.DistinctItems}");
    }

    /// <summary>Each expert's own exact counts are what they were: nothing learned was lost by the move.</summary>
    private static void AssertSameKnowledge(IReadOnlyList<ExpertReport> before, IReadOnlyList<ExpertReport> after)
    {
        Assert.Equal(before.Count, after.Count);
        foreach (var (was, now) in before.OrderBy(r => r.Expert).Zip(after.OrderBy(r => r.Expert)))
        {
            Assert.True(was.OwnDocuments == now.OwnDocuments && was.OwnTokens == now.OwnTokens,
                $"expert {was.Expert}: {was.OwnDocuments} documents / {was.OwnTokens} tokens on {was.Silo}, now {now.OwnDocuments} / {now.OwnTokens} on {now.Silo}");
            Assert.True(now.Knowledge >= was.Knowledge - 1e-9, $"expert {was.Expert} knew {was.Knowledge}, now {now.Knowledge}");
        }
    }

    private async Task StartSilosAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _silos.Add(SiloProcess.Start($"silo {_silos.Count + 1}", _redis!, _clusterId, Experts));
        }

        await Task.WhenAll(_silos.Select(s => s.WaitUntilReadyAsync()));
    }

    private void DisposeSilos()
    {
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }

        _silos.Clear();
    }

    private async Task<JsonElement> IngestAsync(string directory)
    {
        var result = await ClusterProcesses.RunCliAsync(
            ["ingest", directory, "--split", "paragraphs", "--cluster", "redis://" + _redis!.ConnectionString, "--json"],
            new Dictionary<string, string> { ["GlobalBrain__Cluster__ClusterId"] = _clusterId });
        Assert.True(result.ExitCode == 0, $"ingest through the cluster failed: {result}");
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    private static async Task<Totals> EmbeddedTotalsAsync(params string[] directories)
    {
        var result = await ClusterProcesses.RunCliAsync(["ingest", .. directories, "--split", "paragraphs", "--experts", ClusterProcesses.Invariant(Experts), "--json"]);
        Assert.True(result.ExitCode == 0, $"embedded ingest failed: {result}");
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        return new Totals(json.GetProperty("documents").GetInt64(), json.GetProperty("tokens").GetInt64(), json.GetProperty("distinctItems").GetDouble());
    }

    /// <summary>The aggregator's metrics and every expert's report, read through an Orleans client on the cluster's Redis membership.</summary>
    private async Task<(ClusterMetrics Metrics, IReadOnlyList<ExpertReport> Reports)> ReadClusterAsync()
    {
        using var host = await ConnectAsync();
        var client = host.Services.GetRequiredService<IClusterClient>();
        var reports = await Task.WhenAll(Enumerable.Range(0, Experts).Select(i => client.GetGrain<IExpertGrain>(i).GetReportAsync(Guid.Empty, -1)));
        var metrics = await client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        await host.StopAsync();
        return (metrics, reports);
    }

    private async Task WaitForActiveSilosAsync(int count, TimeSpan timeout)
    {
        using var host = await ConnectAsync();
        var management = host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + timeout;
        Dictionary<SiloAddress, SiloStatus> hosts;
        do
        {
            try
            {
                hosts = await management.GetHosts(onlyActive: true);
                if (hosts.Count == count)
                {
                    await host.StopAsync();
                    return;
                }
            }
            catch (OrleansException)
            {
                // The management grain was on the dead silo (unavailable, message rejected); it comes back once membership says so.
            }
            catch (TimeoutException)
            {
                // Same, while the call waited for the dead silo.
            }

            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"the cluster did not settle on {count} active silos within {timeout.TotalSeconds:F0} s:\n{string.Join("\n---\n", _silos.Select(s => s.Log))}");
    }

    /// <summary>The process behind an Orleans silo address (IP:siloPort@generation).</summary>
    private SiloProcess SiloAt(string address) =>
        _silos.Single(s => address.Contains($":{ClusterProcesses.Invariant(s.SiloPort)}@", StringComparison.Ordinal) || address.EndsWith($":{ClusterProcesses.Invariant(s.SiloPort)}", StringComparison.Ordinal));

    private async Task<IHost> ConnectAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseRedisClustering(_redis!.ConnectionString)
            .Configure<ClusterOptions>(o =>
            {
                o.ServiceId = "globalbrain";
                o.ClusterId = _clusterId;
            }));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private string WriteCorpus(string name, int files, int paragraphsPerFile, int seed)
    {
        // Made-up words from a fixed seed: the same documents every run, many distinct shingles.
        var random = new Random(seed);
        var words = Enumerable.Range(0, 3000).Select(_ => new string(Enumerable.Range(0, random.Next(2, 9)).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToArray();
        var directory = Path.Combine(_work, name);
        Directory.CreateDirectory(directory);
        for (var f = 0; f < files; f++)
        {
            var text = new StringBuilder();
            for (var p = 0; p < paragraphsPerFile; p++)
            {
                var length = random.Next(20, 120);
                for (var w = 0; w < length; w++)
                {
                    text.Append(words[random.Next(words.Length)]).Append(w % 17 == 16 ? ".\n" : " ");
                }

                text.Append("\n\n");
            }

            File.WriteAllText(Path.Combine(directory, $"{name}-{f:D2}.txt"), text.ToString());
        }

        return directory;
    }

    private sealed record Totals(long Documents, long Tokens, double DistinctItems);
}
