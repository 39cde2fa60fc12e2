using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using GlobalBrain.Silo.Hosting;
using GlobalBrain.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Silo.Tests.Api;

/// <summary>
/// Bodies that arrive slowly or malformed: a slow sender holds a place but no turn and gets 408 after
/// GlobalBrain:Api:BodyTimeout, while honest clients are served meanwhile; a chunk size no server can
/// hold (18 hex digits) is the client's fault: 400, never 500.
/// </summary>
public sealed class SlowBodyTests : IAsyncLifetime
{
    private const string Key = "slow-body-key-0123456789";
    private WebApplication _app = null!;
    private HttpClient Http { get; set; } = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = FreePorts.Next();
        _app = SiloApp.Build(
        [
            .. SiloCommandLine.OnLoopback(_port),
            "--GlobalBrain:Experts:Count", "1",
            "--GlobalBrain:Api:Key", Key,
            "--GlobalBrain:Api:MaxConcurrentRequests", "2",
            "--GlobalBrain:Api:MaxQueuedRequests", "8",
            "--GlobalBrain:Api:BodyTimeout", "00:00:04",
            // These tests are about the API's mechanics; their bodies repeat and differ only in numbers, which are
            // exact duplicates once normalised (digits fold to 0). QualityApiTests covers the filters.
            "--GlobalBrain:Quality:Dedup", "off",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task FourSlowSenders_DoNotLockOutHonestClients_AndGet408AfterTheBodyTimeout()
    {
        // Four clients trickle 300 bytes per second (the case that locked every client out for 30 s).
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var slow = Enumerable.Range(0, 4).Select(i => TrickleAsync($"slow-{i}", stop.Token)).ToArray();
        await Task.Delay(500);

        // Meanwhile honest requests are answered at once, one after the other.
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            using var content = new StringContent($"{{\"id\":\"honest-{i}\",\"text\":\"an honest client sends its body at once\"}}\n", Encoding.UTF8, "application/x-ndjson");
            using var answer = await Http.PostAsync("/v1/documents", content);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"an honest request waited {clock.Elapsed.TotalSeconds:F1} s behind slow senders");
        }

        foreach (var answer in await Task.WhenAll(slow))
        {
            Assert.StartsWith("HTTP/1.1 408 ", answer, StringComparison.Ordinal);
            Assert.Contains("GlobalBrain:Api:BodyTimeout", answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheSameIdempotencyKey_AfterTenThousandOtherRequests_IsCountedOnce()
    {
        var grains = _app.Services.GetRequiredService<IGrainFactory>();
        var first = Post("first", "the first request, sent again after ten thousand others");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(first, "key-first")).StatusCode);

        // Eight clients at a time, each request under its own key; the cluster has one expert, so every request reaches it.
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) <= 10_000)
            {
                using var answer = await SendAsync(Post($"other-{i}", $"another request, number {i}"), $"key-{i}");
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }
        }));
        var before = await grains.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        using var again = await SendAsync(first, "key-first");
        var after = await grains.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(10_001, before.Documents);
        Assert.Equal(before.Documents, after.Documents);
        Assert.Equal(before.Tokens, after.Tokens);
    }

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFFFF")]
    [InlineData("123456789abcdef012")]
    [InlineData("zz")]
    public async Task AChunkSizeThatIsNotOne_Gets400_Never500(string chunkSize)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = await RawAsync(
            "Transfer-Encoding: chunked\r\n\r\n" + chunkSize + "\r\n{\"text\":\"x\"}\r\n0\r\n\r\n",
            timeout.Token);

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
    }

    /// <summary>Declares 3,000 bytes and sends them at 300 bytes per second; returns the answer.</summary>
    private async Task<string> TrickleAsync(string id, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _port, cancellationToken);
        var stream = client.GetStream();
        var line = $"{{\"id\":\"{id}\",\"text\":\"{new string('x', 2970 - id.Length)}\"}}\n";
        var body = Encoding.ASCII.GetBytes(line.PadRight(3000 - 1) + "\n")[..3000];
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Head() + $"Content-Length: {body.Length}\r\n\r\n"), cancellationToken);
        var reading = HostileRequestTests.ReadToEndAsync(stream, cancellationToken);
        try
        {
            for (var sent = 0; sent < body.Length && !reading.IsCompleted; sent += 30)
            {
                await stream.WriteAsync(body.AsMemory(sent, Math.Min(30, body.Length - sent)), cancellationToken);
                await Task.Delay(100, cancellationToken);
            }
        }
        catch (IOException)
        {
            // The silo gave up on the body and closed the connection: its answer is what counts.
        }

        return await reading;
    }

    private async Task<string> RawAsync(string rest, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _port, cancellationToken);
        var stream = client.GetStream();
        var reading = HostileRequestTests.ReadToEndAsync(stream, cancellationToken);
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Head() + rest), cancellationToken);
        }
        catch (IOException)
        {
            // Closed after the answer.
        }

        return await reading;
    }

    private static string Post(string id, string text) => $"{{\"id\":\"{id}\",\"text\":\"{text}\"}}\n";

    private async Task<HttpResponseMessage> SendAsync(string body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/documents") { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };
        request.Headers.Add("Idempotency-Key", key);
        return await Http.SendAsync(request);
    }

    private static string Head() =>
        $"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {Key}\r\nContent-Type: application/x-ndjson\r\n";
}
