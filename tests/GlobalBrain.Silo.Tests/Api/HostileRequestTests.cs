using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace GlobalBrain.Silo.Tests.Api;

/// <summary>
/// Hostile requests to POST /v1/documents, one table: each is refused or handled with the right status
/// and a clear JSON message, no stack trace, and the valid documents of the same request still count
/// (checked against the cluster's exact totals). The silo's limits are the fixture's: 64 KiB bodies,
/// 100 documents per request. Too many requests (429) are in <see cref="BackpressureTests"/>.
/// </summary>
[Collection(SecuredSiloDefinition.Name)]
public sealed class HostileRequestTests(SecuredSiloFixture silo)
{
    private const string Jsonl = "application/x-ndjson";
    private const string Json = "application/json";
    private const string Valid = "{\"id\":\"valid\",\"text\":\"a valid document next to the hostile one\"}\n";
    private const int HundredMegabytes = 100_000_000;

    /// <summary>Every case: what is sent, the status, a fragment of the answer, and how many documents go in.</summary>
    private static readonly HostileRequest[] Table =
    [
        new("invalid UTF-8 in one line", Jsonl, () => Bytes([.. "{\"text\":\"bad "u8, 0xC3, 0x28, .. " byte\"}\n"u8, .. Utf8(Valid)]), HttpStatusCode.OK, "invalid UTF-8 at byte", 1),
        new("a lone surrogate, escaped", Jsonl, () => Text("{\"text\":\"half \\ud800 a pair\"}\n" + Valid), HttpStatusCode.OK, "lone surrogate", 1),
        new("a lone surrogate, as raw bytes (CESU-8)", Jsonl, () => Bytes([.. "{\"text\":\"half "u8, 0xED, 0xA0, 0x80, .. " a pair\"}\n"u8, .. Utf8(Valid)]), HttpStatusCode.OK, "invalid UTF-8", 1),
        new("a NUL, escaped in the text (text like any other)", Jsonl, () => Text("{\"text\":\"nul \\u0000 inside\"}\n" + Valid), HttpStatusCode.OK, null, 2),
        new("a raw NUL byte inside a string", Jsonl, () => Bytes([.. "{\"text\":\"nul "u8, 0x00, .. " inside\"}\n"u8, .. Utf8(Valid)]), HttpStatusCode.OK, "not valid JSON", 1),
        new("binary bytes as JSON Lines", Jsonl, () => Bytes(Binary(4096)), HttpStatusCode.BadRequest, "invalid UTF-8", 0),
        new("binary bytes as a JSON array", Json, () => Bytes(Binary(4096)), HttpStatusCode.BadRequest, "invalid UTF-8", 0),
        new("binary content type", "application/octet-stream", () => Bytes(Binary(64)), HttpStatusCode.UnsupportedMediaType, "unsupported content type", 0),
        new("no content type", null, () => Text(Valid), HttpStatusCode.UnsupportedMediaType, "no Content-Type", 0),
        new("text/plain", "text/plain", () => Text("just some text"), HttpStatusCode.UnsupportedMediaType, "application/x-ndjson", 0),
        new("form data", "multipart/form-data; boundary=x", () => Text("--x\r\n\r\nhello\r\n--x--"), HttpStatusCode.UnsupportedMediaType, "unsupported content type", 0),
        new("XML", "application/xml", () => Text("<doc>hello</doc>"), HttpStatusCode.UnsupportedMediaType, "unsupported content type", 0),
        new("JSON in UTF-16", "application/json; charset=utf-16", () => Bytes(Encoding.Unicode.GetBytes("[{\"text\":\"wide\"}]")), HttpStatusCode.UnsupportedMediaType, "charset", 0),
        new("JSON nested 10,000 deep", Json, () => Text(new string('[', 10_000) + new string(']', 10_000)), HttpStatusCode.BadRequest, "depth", 0),
        new("one line nested 10,000 deep", Jsonl, () => Text("{\"text\":" + new string('[', 10_000) + new string(']', 10_000) + "}\n" + Valid), HttpStatusCode.OK, "depth", 1),
        new("a 100 MB line, its length declared", Jsonl, () => new GeneratedContent(HundredMegabytes, declareLength: true), HttpStatusCode.RequestEntityTooLarge, "GlobalBrain:Api:MaxBodyBytes", 0),
        new("a 100 MB line, chunked", Jsonl, () => new GeneratedContent(HundredMegabytes, declareLength: false), HttpStatusCode.RequestEntityTooLarge, "GlobalBrain:Api:MaxBodyBytes", 0, Streamed: true),
        new("more lines than MaxDocuments", Jsonl, () => Text(string.Concat(Enumerable.Repeat("{\"text\":\"x\"}\n", SecuredSiloFixture.MaxDocuments + 1))), HttpStatusCode.RequestEntityTooLarge, "GlobalBrain:Api:MaxDocuments", 0),
        new("more array elements than MaxDocuments", Json, () => Text("[" + string.Join(',', Enumerable.Repeat("{\"text\":\"x\"}", SecuredSiloFixture.MaxDocuments + 1)) + "]"), HttpStatusCode.RequestEntityTooLarge, "GlobalBrain:Api:MaxDocuments", 0),
        new("exactly MaxDocuments lines", Jsonl, () => Text(string.Concat(Enumerable.Range(0, SecuredSiloFixture.MaxDocuments).Select(i => $"{{\"text\":\"document {i}\"}}\n"))), HttpStatusCode.OK, null, 100),
        new("malformed JSON Lines", Jsonl, () => Text("{\"text\":\"unterminated}\n{\"text\":\"trailing comma\",}\n\"a bare string\"\n[1,2]\n{\"text\":42}\n{\"id\":[],\"text\":\"id is an array\"}\n" + Valid), HttpStatusCode.OK, "not valid JSON", 1),
        new("a JSON array sent as JSON Lines", Jsonl, () => Text("[{\"text\":\"one\"},{\"text\":\"two\"}]"), HttpStatusCode.BadRequest, "expected an object", 0),
        new("JSON Lines sent as a JSON array", Json, () => Text(Valid + Valid), HttpStatusCode.BadRequest, "not valid JSON", 0),
        new("a truncated array", Json, () => Text("[{\"text\":\"cut off\"},"), HttpStatusCode.BadRequest, "not valid JSON", 0),
        new("an empty body", Jsonl, () => Text(string.Empty), HttpStatusCode.BadRequest, "no JSON lines", 0),
        new("blank lines only", Jsonl, () => Text("\n \r\n\t\n"), HttpStatusCode.BadRequest, "no JSON lines", 0),
        new("an empty array", Json, () => Text("[]"), HttpStatusCode.BadRequest, "empty", 0),
        new("huge, negative and exponent numbers as ids", Jsonl, () => Text("{\"id\":1e999,\"text\":\"huge id\"}\n{\"id\":-123456789012345678901234567890,\"text\":\"negative id\"}\n"), HttpStatusCode.OK, null, 2),
        new("NaN and Infinity (not JSON)", Jsonl, () => Text("{\"id\":NaN,\"text\":\"nan\"}\n{\"id\":Infinity,\"text\":\"inf\"}\n" + Valid), HttpStatusCode.OK, "not valid JSON", 1),
        new("a number as the text", Jsonl, () => Text("{\"text\":-1e309}\n" + Valid), HttpStatusCode.OK, "must be a string", 1),
        new("a byte order mark", Jsonl, () => Bytes([0xEF, 0xBB, 0xBF, .. Utf8(Valid)]), HttpStatusCode.OK, null, 1),
        new("an Idempotency-Key of 201 characters", Jsonl, () => Text(Valid), HttpStatusCode.BadRequest, "Idempotency-Key must be 1 to 200 characters", 0, Header: ("Idempotency-Key", new string('k', 201))),
        new("an Idempotency-Key with a tab", Jsonl, () => Text(Valid), HttpStatusCode.BadRequest, "printable ASCII", 0, Header: ("Idempotency-Key", "key\twith\ttabs")),
        new("no API key", Jsonl, () => Text(Valid), HttpStatusCode.Unauthorized, "API key is required", 0, Anonymous: true),
        new("a wrong API key", Jsonl, () => Text(Valid), HttpStatusCode.Unauthorized, "not valid", 0, Anonymous: true, Header: ("X-Api-Key", "wrong-key-0123456789abcdef")),
    ];

    public static TheoryData<string> Cases => [.. Table.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostileRequest_IsRefusedOrHandled_WithTheRightStatusAndMessage_AndValidDocumentsCount(string name)
    {
        var hostile = Table.Single(c => c.Name == name);
        var before = await silo.TotalsAsync();
        var (status, text) = hostile.Streamed ? await SendStreamedAsync(hostile) : await SendAsync(hostile);

        Assert.True(hostile.Status == status, $"{name}: expected {(int)hostile.Status}, got {(int)status}: {text}");
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        string messages;
        if (root.TryGetProperty("error", out var error))
        {
            messages = error.GetString()!;
        }
        else
        {
            // An ingest answer: the accepted documents and one message per refused one.
            Assert.Equal(hostile.Accepted, root.GetProperty("accepted").GetInt64());
            messages = string.Join('\n', root.GetProperty("rejections").EnumerateArray().Select(r => r.GetProperty("message").GetString()));
        }

        if (hostile.Fragment is { } fragment)
        {
            Assert.Contains(fragment, messages, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(string.Empty, messages);
        }

        Assert.Equal(before.Documents + hostile.Accepted, (await silo.TotalsAsync()).Documents);
    }

    private async Task<(HttpStatusCode Status, string Text)> SendAsync(HostileRequest hostile)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/documents", UriKind.Relative)) { Content = hostile.Body() };
        if (hostile.ContentType is { } type)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        }

        if (hostile.Header is var (header, value))
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        // Lets the silo refuse a body it will not read before the client sends it (no 100 Continue is asked for then).
        request.Headers.ExpectContinue = true;
        using var response = await (hostile.Anonymous ? silo.Anonymous : silo.Http).SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Streams the body chunked over a raw connection while reading the answer: the silo answers 413 part
    /// way and closes the connection, which HttpClient, still writing, reports only as a broken pipe.
    /// </summary>
    private async Task<(HttpStatusCode Status, string Text)> SendStreamedAsync(HostileRequest hostile)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, silo.ApiPort);
        var stream = client.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reading = ReadToEndAsync(stream, timeout.Token);
        var head = $"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SecuredSiloFixture.Key}\r\n" +
                   $"Content-Type: {hostile.ContentType}\r\nTransfer-Encoding: chunked\r\n\r\n";
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
            await using var chunked = new ChunkedStream(stream);
            await hostile.Body().CopyToAsync(chunked, timeout.Token);
        }
        catch (IOException)
        {
            // The silo stopped reading and closed the connection: its answer is what counts.
        }

        var answer = await reading;
        var status = (HttpStatusCode)int.Parse(answer.AsSpan(9, 3), CultureInfo.InvariantCulture);
        var body = answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        // A chunked answer: the JSON lies between the first chunk-size line and the last chunk.
        var start = body.IndexOf('{', StringComparison.Ordinal);
        return (status, body[start..(body.LastIndexOf('}') + 1)]);
    }

    /// <summary>Everything the server sends until it closes the connection (or only resets it after its answer).</summary>
    internal static async Task<string> ReadToEndAsync(Stream stream, CancellationToken cancellationToken)
    {
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // A reset after the answer.
        }

        return answer.ToString();
    }

    private static ByteArrayContent Text(string text) => new(Encoding.UTF8.GetBytes(text));

    private static ByteArrayContent Bytes(byte[] bytes) => new(bytes);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Bytes no text encoder produces: NULs, 0xFF, lone continuation bytes.</summary>
    private static byte[] Binary(int length)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        bytes[0] = 0xFF;
        bytes[1] = 0x00;
        bytes[2] = 0x80;
        return bytes;
    }

    private sealed record HostileRequest(
        string Name,
        string? ContentType,
        Func<HttpContent> Body,
        HttpStatusCode Status,
        string? Fragment,
        int Accepted,
        bool Anonymous = false,
        (string Name, string Value)? Header = null,
        bool Streamed = false);

    /// <summary>Writes what it is given as HTTP/1.1 chunks.</summary>
    private sealed class ChunkedStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(Encoding.ASCII.GetBytes(buffer.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
            await inner.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override async ValueTask DisposeAsync()
        {
            await inner.WriteAsync("0\r\n\r\n"u8.ToArray());
            await base.DisposeAsync();
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>One JSON line of <paramref name="length"/> bytes, generated as it is sent (nothing that large is ever held in memory).</summary>
    private sealed class GeneratedContent(long length, bool declareLength) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var prefix = "{\"id\":\"huge\",\"text\":\""u8.ToArray();
            var block = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("the experts know ", 4096)));
            await stream.WriteAsync(prefix);
            var left = length - prefix.Length - 3;
            while (left > 0)
            {
                var count = (int)Math.Min(block.Length, left);
                await stream.WriteAsync(block.AsMemory(0, count));
                left -= count;
            }

            await stream.WriteAsync("\"}\n"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return declareLength;
        }
    }
}
