using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace GlobalBrain.Distributed.Tests;

/// <summary>
/// Counted = acknowledged, exactly, when the storage fails under the cluster: three silo processes on
/// Redis membership and Redis grain storage (append-only file), and Redis frozen (SIGSTOP) for longer
/// than its clients' timeouts, or killed (SIGKILL) and restarted from its append-only file, in the
/// middle of ingestion — through the HTTP API with a client that resends what was not acknowledged
/// under the same Idempotency-Key, and through the CLI. The cluster's exact totals equal what was
/// acknowledged, then a clean run's, and stay so after every silo restarts.
/// </summary>
public sealed class StorageFaultsTests(ITestOutputHelper output) : IDisposable
{
    private const int Experts = 16;
    private const int Documents = 12_000;
    private const int LinesPerRequest = 100;
    private static readonly TimeSpan Freeze = TimeSpan.FromSeconds(12);

    private readonly string _work = Directory.CreateTempSubdirectory("globalbrain-storage-faults-").FullName;
    private RedisCluster? _cluster;

    [SkippableFact]
    public async Task HttpClientThatResends_IsCountedExactly_WhenRedisFreezes_AndWhenItIsKilledAndRestarted()
    {
        Skip.If(ClusterProcesses.RedisServerPath is null, ClusterProcesses.MissingRedis);
        var input = CrashDuringIngestionTests.WriteDocuments(Path.Combine(_work, "documents.jsonl"), Documents, seed: 11);
        var expected = await Totals.EmbeddedAsync(Experts, input);
        var requests = File.ReadAllLines(input).Chunk(LinesPerRequest).Select(lines => string.Join('\n', lines) + "\n").ToArray();
        _cluster = await RedisCluster.StartAsync(silos: 3, Experts, appendOnly: true);
        var cluster = _cluster;
        var client = new ResendingClient(cluster);

        // Half the requests while Redis freezes for longer than the storage's timeouts.
        var half = requests.Length / 2;
        await client.SendAllAsync(requests[..half], 0, half / 4, async () =>
        {
            cluster.Redis.Pause();
            await Task.Delay(Freeze);
            cluster.Redis.Resume();
        });
        await AssertCountsAsync(cluster, client.AcknowledgedDocuments, "after Redis froze");

        // The other half while Redis is killed and restarted from its append-only file.
        await client.SendAllAsync(requests[half..], half, (requests.Length - half) / 4, () => cluster.Redis.KillAndRestartAsync(TimeSpan.FromSeconds(6)));
        Assert.Equal(Documents, client.AcknowledgedDocuments);
        var (metrics, _) = await cluster.ReadAsync();
        expected.AssertMatches(metrics, "after Redis was killed and restarted");

        await RestartEverySiloAsync(cluster);
        (metrics, _) = await cluster.ReadAsync();
        expected.AssertMatches(metrics, "after every silo restarted");
        output.WriteLine($"resends: {client.Resends}; answers: {string.Join(", ", client.Answers.OrderBy(a => a.Key).Select(a => $"{a.Key} ×{a.Value}"))}");
    }

    [SkippableFact]
    public async Task TheCli_NeverCrashes_AndCountsExactly_WhenRedisFreezes_AndWhenItIsKilledAndRestarted()
    {
        Skip.If(ClusterProcesses.RedisServerPath is null, ClusterProcesses.MissingRedis);
        var first = CrashDuringIngestionTests.WriteDocuments(Path.Combine(_work, "first.jsonl"), Documents, seed: 12);
        var second = CrashDuringIngestionTests.WriteDocuments(Path.Combine(_work, "second.jsonl"), Documents, seed: 13);
        _cluster = await RedisCluster.StartAsync(silos: 3, Experts, appendOnly: true);
        var cluster = _cluster;

        var acknowledged = await IngestThroughFaultAsync(cluster, first, 0, async () =>
        {
            cluster.Redis.Pause();
            await Task.Delay(Freeze);
            cluster.Redis.Resume();
        });
        acknowledged += await IngestThroughFaultAsync(cluster, second, acknowledged, () => cluster.Redis.KillAndRestartAsync(TimeSpan.FromSeconds(6)));

        var (metrics, _) = await cluster.ReadAsync();
        Assert.Equal(acknowledged, metrics.Documents);
        if (acknowledged == 2 * Documents)
        {
            var expected = await Totals.EmbeddedAsync(Experts, first, second);
            expected.AssertMatches(metrics, "after both faults");
        }

        await RestartEverySiloAsync(cluster);
        Assert.Equal(acknowledged, (await cluster.ReadAsync()).Metrics.Documents);
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

    /// <summary>Runs the CLI over <paramref name="input"/>, with the fault once a quarter is in; returns what it acknowledged.</summary>
    private async Task<long> IngestThroughFaultAsync(RedisCluster cluster, string input, long before, Func<Task> fault)
    {
        var ingest = ClusterProcesses.RunCliAsync(["ingest", input, "--cluster", cluster.CliCluster, "--json", "--wait-timeout", "0"], cluster.CliEnvironment, TimeSpan.FromMinutes(6));
        await CrashDuringIngestionTests.WaitForDocumentsAsync(cluster, before + (Documents / 4), TimeSpan.FromMinutes(2));
        await fault();
        var result = await ingest;
        output.WriteLine(result.Stderr);

        // Exit 0 with every document, or 1 with a summary of what was acknowledged: never a crash.
        Assert.True(result.ExitCode is 0 or 1, $"the CLI crashed: {result}\n{cluster.SiloLogTails()}");
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(result.Stdout).RootElement.Clone();
        }
        catch (JsonException)
        {
            // No summary (e.g. the cluster's metrics could not be read after the fault): what the silos saw says why.
            throw new Xunit.Sdk.XunitException($"the CLI wrote no JSON summary: {result}\n{cluster.SiloLogTails()}");
        }

        var ingested = json.GetProperty("ingested").GetProperty("documents").GetInt64();
        if (result.ExitCode == 0)
        {
            Assert.Equal(Documents, ingested);
        }

        var (metrics, _) = await cluster.ReadAsync();
        Assert.True(metrics.Documents >= before + ingested, $"{metrics.Documents} documents counted, fewer than the {before + ingested} acknowledged");
        Assert.True(metrics.Documents <= before + Documents, $"{metrics.Documents} documents counted, more than the {before + Documents} sent");
        return metrics.Documents - before;
    }

    private static async Task AssertCountsAsync(RedisCluster cluster, long acknowledged, string when)
    {
        var (metrics, _) = await cluster.ReadAsync();
        Assert.True(acknowledged == metrics.Documents, $"{when}: {metrics.Documents} documents counted, {acknowledged} acknowledged");
    }

    private static async Task RestartEverySiloAsync(RedisCluster cluster)
    {
        var old = cluster.Silos.ToList();
        foreach (var silo in old)
        {
            await silo.StopGracefullyAsync();
        }

        cluster.Forget(old);
        await cluster.AddSilosAsync(3);
        await cluster.WaitForActiveSilosAsync(3, TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// An HTTP client as operators write them: four requests at a time, each under its own Idempotency-Key,
    /// sent to the silos in turn; a request answered 429, 503, 5xx or not at all is sent again (to the next
    /// silo) until it is answered 200. It counts what was acknowledged.
    /// </summary>
    private sealed class ResendingClient(RedisCluster cluster)
    {
        private long _acknowledged;
        private int _resends;
        private int _next;

        public long AcknowledgedDocuments => Interlocked.Read(ref _acknowledged);

        public int Resends => _resends;

        public ConcurrentDictionary<string, int> Answers { get; } = new();

        /// <summary>Sends every request until acknowledged; starts <paramref name="fault"/> once <paramref name="faultAfter"/> are.</summary>
        public async Task SendAllAsync(string[] requests, int firstKey, int faultAfter, Func<Task> fault)
        {
            var queue = new ConcurrentQueue<(string Body, string Key)>(requests.Select((body, i) => (body, $"request-{firstKey + i}")));
            var done = 0;
            var faulted = new TaskCompletionSource();
            var faultTask = Task.Run(async () =>
            {
                await faulted.Task;
                await fault();
            });

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                while (queue.TryDequeue(out var request))
                {
                    await SendUntilAcknowledgedAsync(http, request.Body, request.Key);
                    if (Interlocked.Increment(ref done) == faultAfter)
                    {
                        faulted.TrySetResult();
                    }
                }
            }));
            faulted.TrySetResult();
            await faultTask;
        }

        private async Task SendUntilAcknowledgedAsync(HttpClient http, string body, string key)
        {
            var answer = "";
            await Poll.WaitForAsync(
                $"request {key} to be acknowledged",
                async () =>
                {
                    var silos = cluster.Silos.Where(s => !s.HasExited).ToList();
                    var silo = silos[Interlocked.Increment(ref _next) % silos.Count];
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"{SiloCommandLine.Url(silo.HttpPort)}/v1/documents")
                    {
                        Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson"),
                    };
                    request.Headers.Add("Idempotency-Key", key);
                    try
                    {
                        using var response = await http.SendAsync(request);
                        answer = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                            Interlocked.Add(ref _acknowledged, json.RootElement.GetProperty("accepted").GetInt64());
                            Answers.AddOrUpdate(answer, 1, (_, n) => n + 1);
                            return true;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        answer = e.GetType().Name;
                    }

                    Answers.AddOrUpdate(answer, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref _resends);
                    return false;
                },
                TimeSpan.FromMinutes(4),
                TimeSpan.FromMilliseconds(500),
                () => $"last answer {answer}");
        }
    }
}
