using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GlobalBrain.Silo.Api;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Silo.Tests.Api;

/// <summary>
/// Bounded work: one request processed at a time and one waiting (the fixture's limits); beyond that 429 with
/// Retry-After, at once and without reading the body. Idempotency-Key: a retried request counts nothing twice.
/// </summary>
[Collection(SecuredSiloDefinition.Name)]
public sealed class BackpressureTests(SecuredSiloFixture silo)
{
    [Fact]
    public async Task BeyondThePlaces_RequestsGet429WithRetryAfter_AndSlowBodiesHoldNoTurn()
    {
        var gate = silo.Services.GetRequiredService<RequestGate>();
        var before = await silo.TotalsAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // 1. Two requests whose bodies arrive half, then wait: they hold both places (one turn + one
        //    queued), but no turn — a body is read before its request asks for one.
        var held = new[]
        {
            silo.Http.SendAsync(Post(new StalledContent(Lines("held-a", 3), release.Task))),
            silo.Http.SendAsync(Post(new StalledContent(Lines("held-b", 2), release.Task))),
        };
        await WaitFor(() => gate.Admitted == 2, "both requests to be admitted");
        Assert.Equal(0, gate.Busy);

        // 2. No place left: 429 at once, although the body was never sent (it is not read).
        var full = await HeadersOnlyAsync(silo.ApiPort, contentLength: 1_000);
        Assert.StartsWith("HTTP/1.1 429 ", full, StringComparison.Ordinal);
        Assert.Contains("\r\nRetry-After: 1\r\n", full, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("MaxConcurrentRequests", full, StringComparison.Ordinal);

        // 3. Once their bodies are in, both are ingested (one turn at a time) and counted.
        release.SetResult();
        foreach (var request in held)
        {
            using var answer = await request;
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        Assert.Equal(before.Documents + 5, (await silo.TotalsAsync()).Documents);
        Assert.Equal((0, 0, 0), (gate.Busy, gate.Queued, gate.Admitted));
    }

    [Fact]
    public async Task SameBodySameIdempotencyKey_IsCountedOnce()
    {
        var body = Lines("idem-once", 5);
        var key = Guid.NewGuid().ToString();
        var before = await silo.TotalsAsync();

        var first = await PostAsync(body, key);
        var afterFirst = await silo.TotalsAsync();
        var second = await PostAsync(body, key);
        var afterSecond = await silo.TotalsAsync();

        Assert.Equal((5L, 5L), (first, second));
        Assert.Equal(before.Documents + 5, afterFirst.Documents);
        Assert.Equal(afterFirst, afterSecond);
    }

    [Fact]
    public async Task SameBodyDifferentIdempotencyKeys_IsCountedTwice()
    {
        var body = Lines("idem-twice", 4);
        var before = await silo.TotalsAsync();

        await PostAsync(body, Guid.NewGuid().ToString());
        var afterFirst = await silo.TotalsAsync();
        await PostAsync(body, Guid.NewGuid().ToString());
        var afterSecond = await silo.TotalsAsync();

        Assert.Equal(before.Documents + 4, afterFirst.Documents);
        Assert.Equal(afterFirst.Documents + 4, afterSecond.Documents);
        Assert.Equal(afterFirst.Tokens - before.Tokens, afterSecond.Tokens - afterFirst.Tokens);
    }

    [Fact]
    public async Task SameIdempotencyKeyWithAnotherBody_CountsTheNewDocuments()
    {
        // A client that reuses a key by mistake loses nothing: the key is scoped to the body.
        var key = Guid.NewGuid().ToString();
        var before = await silo.TotalsAsync();

        await PostAsync(Lines("reused-a", 3), key);
        await PostAsync(Lines("reused-b", 3), key);

        Assert.Equal(before.Documents + 6, (await silo.TotalsAsync()).Documents);
    }

    private async Task<long> PostAsync(byte[] body, string idempotencyKey)
    {
        using var request = Post(new ByteArrayContent(body));
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await silo.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("accepted").GetInt64();
    }

    /// <summary>Sends a POST's headers, never its body, and returns the answer's head and body as text.</summary>
    private static async Task<string> HeadersOnlyAsync(int port, int contentLength)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var head = $"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SecuredSiloFixture.Key}\r\n" +
                   $"Content-Type: application/x-ndjson\r\nContent-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        // Complete once the JSON body has arrived, whole or as the last chunk (Kestrel keeps the connection open).
        while (!answer.ToString().EndsWith('}') && !answer.ToString().EndsWith("}\r\n0\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return answer.ToString();
    }

    private static HttpRequestMessage Post(HttpContent content)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/documents", UriKind.Relative)) { Content = content };
    }

    private static byte[] Lines(string prefix, int count) => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, count).Select(i =>
        $"{{\"id\":\"{prefix}-{i}\",\"text\":\"document {i} of {prefix}, for the experts to share\"}}\n")));

    private static Task WaitFor(Func<bool> condition, string what) =>
        Poll.WaitForAsync(what, condition, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10));

    /// <summary>A body of known length that sends its first half, then the rest once <paramref name="proceed"/> completes.</summary>
    private sealed class StalledContent(byte[] body, Task proceed) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
            await stream.FlushAsync();
            await proceed;
            await stream.WriteAsync(body.AsMemory(body.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
