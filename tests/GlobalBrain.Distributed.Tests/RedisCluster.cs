using System.Text.Json;
using GlobalBrain.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Runtime;

namespace GlobalBrain.Distributed.Tests;

/// <summary>
/// A Redis-backed cluster of silo processes for one test: its own redis-server and cluster id,
/// silos started and stopped at will, the CLI pointed at it, and an Orleans client to look inside.
/// </summary>
internal sealed class RedisCluster : IDisposable
{
    private readonly RedisServer _redis;
    private readonly int _experts;

    private RedisCluster(RedisServer redis, int experts)
    {
        _redis = redis;
        _experts = experts;
    }

    public string ClusterId { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    public RedisServer Redis => _redis;

    /// <summary>The silos started so far that have not been disposed (stopped or killed ones included until <see cref="Forget"/>).</summary>
    public List<SiloProcess> Silos { get; } = [];

    public string CliCluster => "redis://" + _redis.ConnectionString;

    public static async Task<RedisCluster> StartAsync(int silos, int experts, bool appendOnly = false)
    {
        var cluster = new RedisCluster(await RedisServer.StartAsync(appendOnly), experts);
        try
        {
            await cluster.AddSilosAsync(silos);
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    public async Task AddSilosAsync(int count) => await Task.WhenAll(Enumerable.Range(0, count).Select(_ => AddSiloAsync()));

    /// <summary>
    /// Starts one silo and waits until it is ready. A free port can be taken by another process (other
    /// test assemblies run at the same time) between our look and the silo's bind: then it starts again
    /// on new ports.
    /// </summary>
    private async Task AddSiloAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            SiloProcess silo;
            lock (Silos)
            {
                silo = SiloProcess.Start($"silo {Silos.Count + 1}", _redis, ClusterId, _experts);
                Silos.Add(silo);
            }

            try
            {
                await silo.WaitUntilReadyAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && silo.HasExited && silo.Log.Contains("already in use", StringComparison.OrdinalIgnoreCase))
            {
                lock (Silos)
                {
                    Silos.Remove(silo);
                }

                silo.Dispose();
            }
        }
    }

    /// <summary>Stops tracking (and disposes) silos that were stopped or killed.</summary>
    public void Forget(IEnumerable<SiloProcess> silos)
    {
        foreach (var silo in silos.ToList())
        {
            silo.Dispose();
            Silos.Remove(silo);
        }
    }

    /// <summary>The process behind an Orleans silo address (IP:siloPort@generation).</summary>
    public SiloProcess SiloAt(string address) =>
        Silos.Single(s => address.Contains($":{SiloCommandLine.Invariant(s.SiloPort)}@", StringComparison.Ordinal));

    /// <summary>Environment for the CLI: the cluster id (the service id is the default).</summary>
    public IReadOnlyDictionary<string, string> CliEnvironment => new Dictionary<string, string> { ["GlobalBrain__Cluster__ClusterId"] = ClusterId };

    /// <summary><c>globalbrain ingest … --cluster redis://… --json</c>; fails the test unless it exits 0.</summary>
    public async Task<JsonElement> IngestAsync(params string[] arguments)
    {
        ProcessResult result;
        try
        {
            result = await ClusterProcesses.RunCliAsync(["ingest", .. arguments, "--cluster", CliCluster, "--json"], CliEnvironment);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{SiloLogTails()}", e);
        }

        Assert.True(result.ExitCode == 0, $"ingest through the cluster failed: {result}\n{SiloLogTails()}");
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    /// <summary>Each silo's state and the end of its log (warnings and errors), for failure messages.</summary>
    public string SiloLogTails() => string.Join("\n", Silos.Select((silo, i) =>
    {
        var log = silo.Log;
        return $"--- silo {i} (http {silo.HttpPort}){(silo.HasExited ? ", exited" : "")}, last of {log.Length} log chars:\n{log[Math.Max(0, log.Length - 6000)..]}";
    }));

    /// <summary>The aggregator's metrics and every expert's report.</summary>
    public async Task<(ClusterMetrics Metrics, IReadOnlyList<ExpertReport> Reports)> ReadAsync()
    {
        using var host = await ConnectAsync();
        var client = host.Services.GetRequiredService<IClusterClient>();
        var reports = await Task.WhenAll(Enumerable.Range(0, _experts).Select(i => client.GetGrain<IExpertGrain>(i).GetReportAsync()));
        var metrics = await client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        await host.StopAsync();
        return (metrics, reports);
    }

    public async Task WaitForActiveSilosAsync(int count, TimeSpan timeout)
    {
        using var host = await ConnectAsync();
        var management = host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        await Poll.WaitForAsync(
            $"the cluster to settle on {count} active silos",
            async () =>
            {
                try
                {
                    return (await management.GetHosts(onlyActive: true)).Count == count;
                }
                catch (OrleansException)
                {
                    // The management grain was on a dead silo (unavailable, message rejected); it comes back once membership says so.
                    return false;
                }
                catch (TimeoutException)
                {
                    // Same, while the call waited for the dead silo.
                    return false;
                }
            },
            timeout,
            TimeSpan.FromMilliseconds(500),
            () => string.Join("\n---\n", Silos.Select(s => s.Log)));
        await host.StopAsync();
    }

    /// <summary>An Orleans client on the cluster's Redis membership (dispose it).</summary>
    public async Task<IHost> ConnectAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseRedisClustering(_redis.ConnectionString)
            .Configure<ClusterOptions>(o =>
            {
                o.ServiceId = "globalbrain";
                o.ClusterId = ClusterId;
            }));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public void Dispose()
    {
        foreach (var silo in Silos)
        {
            silo.Dispose();
        }

        Silos.Clear();
        _redis.Dispose();
    }
}

/// <summary>Exact totals to compare a cluster with.</summary>
internal sealed record Totals(long Documents, long Tokens, double DistinctItems)
{
    /// <summary>The same documents through an embedded single-process cluster of <paramref name="experts"/> experts.</summary>
    public static async Task<Totals> EmbeddedAsync(int experts, params string[] inputs)
    {
        var result = await ClusterProcesses.RunCliAsync(["ingest", .. inputs, "--experts", SiloCommandLine.Invariant(experts), "--json"]);
        Assert.True(result.ExitCode == 0, $"embedded ingest failed: {result}");
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        return new Totals(json.GetProperty("documents").GetInt64(), json.GetProperty("tokens").GetInt64(), json.GetProperty("distinctItems").GetDouble());
    }

    public void AssertMatches(ClusterMetrics actual, string when)
    {
        Assert.True(Documents == actual.Documents, $"{when}: {actual.Documents} documents, expected {Documents}");
        Assert.True(Tokens == actual.Tokens, $"{when}: {actual.Tokens} tokens, expected {Tokens}");

        // The union of the experts' sketches does not depend on routing, order or silos: the same estimate
        // (the CLI prints it rounded to a whole item).
        Assert.True(DistinctItems == Math.Round(actual.DistinctItems), $"{when}: {actual.DistinctItems} distinct items, expected {DistinctItems}");
    }
}
