using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Grains;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Silo.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GlobalBrain.Silo.Api;

/// <summary>One refused document in an API answer; "line" is the JSONL line or the array index (1-based).</summary>
public sealed record ApiRejection(string? Id, long? Line, string Reason, string Message);

/// <summary>The answer of POST /v1/documents.</summary>
public sealed record IngestResponse(long Accepted, long Rejected, long Tokens, IReadOnlyList<ApiRejection> Rejections);

/// <summary>The answer to a request that could not be used at all.</summary>
public sealed record ApiError(string Error);

/// <summary>
/// POST /v1/documents: a JSON array (application/json) or JSON Lines (application/x-ndjson,
/// application/jsonl) of {id, text}. Valid documents are ingested even when others are refused.
/// </summary>
/// <remarks>
/// The order of the checks is the order of their cost: the API key, the headers (content type,
/// Idempotency-Key, a declared length over the limit), a turn (429 without reading the body), then
/// the body (size, number of documents, parsing) and the cluster (503 for batches it could not take).
/// </remarks>
public static partial class DocumentsEndpoint
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>Retry-After of a 503: a few seconds, while Orleans notices a silo that went away and the batches find another.</summary>
    public const int ClusterRetryAfterSeconds = 5;

    private static readonly string[] JsonLinesTypes = ["application/x-ndjson", "application/jsonl", "application/json-lines", "application/x-jsonlines", "text/jsonl"];

    private static readonly string[] Utf8Names = ["utf-8", "utf8"];

    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder endpoints)
    {
        // Everything under /v1 needs the API key (when one is set); /metrics and /healthz never do.
        var v1 = endpoints.MapGroup("/v1").AddEndpointFilter<ApiKeyFilter>();
        v1.MapPost("/documents", HandleAsync);
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(
        HttpContext http,
        IngestService ingest,
        RequestGate gate,
        IOptions<GlobalBrainApiOptions> options,
        GlobalBrain.Grains.Telemetry.GlobalBrainInstruments instruments,
        ILoggerFactory loggers)
    {
        try
        {
            return await ProcessAsync(http, ingest, gate, options, instruments, loggers);
        }
        catch (Exception e) when (http.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            // The client went away (while waiting for a turn, sending its body, or being ingested):
            // nobody to answer. What was acknowledged by the cluster stays; a retry with the same
            // Idempotency-Key does not count it twice.
            return Results.Empty;
        }
    }

    private static async Task<IResult> ProcessAsync(
        HttpContext http,
        IngestService ingest,
        RequestGate gate,
        IOptions<GlobalBrainApiOptions> options,
        GlobalBrain.Grains.Telemetry.GlobalBrainInstruments instruments,
        ILoggerFactory loggers)
    {
        var request = http.Request;
        var api = options.Value;
        var cancellationToken = http.RequestAborted;
        if (ContentTypeProblem(request.ContentType, out var jsonLines) is { } contentType)
        {
            return Error(contentType, StatusCodes.Status415UnsupportedMediaType);
        }

        if (IdempotencyKeyProblem(request.Headers, out var idempotencyKey) is { } badKey)
        {
            return Error(badKey, StatusCodes.Status400BadRequest);
        }

        if (request.ContentLength > api.MaxBodyBytes)
        {
            return TooLarge(api);
        }

        using var admission = gate.TryAdmit();
        if (admission is null)
        {
            return TooManyRequests(http, gate, api);
        }

        // The body first, within its deadline, and only then a turn: a slow sender holds no turn.
        byte[] body;
        int length;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(api.BodyTimeout);
            try
            {
                (body, length) = await ReadBodyAsync(request, api.MaxBodyBytes, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                http.Response.Headers.Connection = "close";
                return Error(
                    $"the body did not arrive within {api.BodyTimeout.TotalSeconds:G} s (GlobalBrain:Api:BodyTimeout); send it faster, or in smaller requests",
                    StatusCodes.Status408RequestTimeout);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return TooLarge(api);
            }
            catch (BadHttpRequestException e)
            {
                return Error($"the body could not be read: {e.Message}", StatusCodes.Status400BadRequest);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException or OverflowException && !cancellationToken.IsCancellationRequested)
            {
                // A malformed chunked encoding and the like: the request is at fault, not the server.
                return Error($"the body could not be read: {e.Message.Split('\n')[0]}", StatusCodes.Status400BadRequest);
            }
        }

        using var turn = await gate.TryEnterAsync(cancellationToken);
        if (turn is null)
        {
            return TooManyRequests(http, gate, api);
        }

        var bytes = body.AsSpan(0, length);
        if (CountDocuments(bytes, jsonLines, stopAfter: api.MaxDocuments) > api.MaxDocuments)
        {
            return Error(
                $"the body holds more than {api.MaxDocuments} documents (GlobalBrain:Api:MaxDocuments); send at most {api.MaxDocuments} per request",
                StatusCodes.Status413PayloadTooLarge);
        }

        var documents = new List<Document>();
        var rejections = new List<Rejection>();
        if (jsonLines)
        {
            DocumentParser.ParseJsonLines(bytes, "body", documents, rejections);
        }
        else
        {
            DocumentParser.ParseJsonArray(bytes, "body", documents, rejections);
        }

        var refused = rejections.Select(r => new ApiRejection(r.DocumentId, r.Line, r.Reason.Code(), r.Message)).ToList();
        foreach (var rejection in refused)
        {
            // Those the cluster refuses are counted where they are refused (the ingest front).
            instruments.DocumentsRejected.Add(1, new KeyValuePair<string, object?>("reason", rejection.Reason));
        }

        if (documents.Count == 0)
        {
            return Results.Json(new IngestResponse(0, refused.Count, 0, refused), statusCode: StatusCodes.Status400BadRequest);
        }

        var scopedKey = idempotencyKey is null ? null : ScopeIdempotencyKey(idempotencyKey, bytes, api.Tokenizer);
        IngestSummary summary;
        try
        {
            summary = await ingest.IngestAsync([.. documents.Select(d => new DocumentInput(d.Id, d.Text))], new TokenizerSpec(api.Tokenizer), scopedKey, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not (ArgumentException or OutOfMemoryException))
        {
            // No active silo, or a failure the dispatcher does not retry: some batches may be in, which
            // the answer cannot say; a retry under the same Idempotency-Key adds only the others.
            LogClusterUnavailable(loggers.CreateLogger(typeof(DocumentsEndpoint).FullName!), e);
            http.Response.Headers.RetryAfter = Seconds(ClusterRetryAfterSeconds);
            return Error($"the cluster cannot take documents now ({WhatFailed(e)}); retry after the Retry-After seconds with the same body and Idempotency-Key (what already went in is then not counted twice)",
                StatusCodes.Status503ServiceUnavailable);
        }

        refused.AddRange(summary.Rejections.Select(r => new ApiRejection(r.DocumentId, null, r.Reason, r.Message)));
        var response = new IngestResponse(summary.Accepted, refused.Count, summary.Tokens, refused);
        if (summary.FailedBatches > 0)
        {
            // The accepted documents are in; those listed as ingest_failed are not: a retry of the same
            // body under the same Idempotency-Key adds exactly those.
            http.Response.Headers.RetryAfter = Seconds(ClusterRetryAfterSeconds);
            return Results.Json(response, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return Results.Json(response);
    }

    /// <summary>Null when the content type is one the API reads, else why not.</summary>
    internal static string? ContentTypeProblem(string? contentType, out bool jsonLines)
    {
        jsonLines = false;
        const string Expected = "send application/json (an array of {\"id\", \"text\"}) or application/x-ndjson (one object per line), in UTF-8";
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return $"no Content-Type header: {Expected}";
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
        {
            return $"unreadable Content-Type '{contentType}': {Expected}";
        }

        jsonLines = JsonLinesTypes.Contains(type, StringComparer.OrdinalIgnoreCase);
        if (!jsonLines && !type.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return $"unsupported content type '{contentType}': {Expected}";
        }

        if (media.Charset.Value is { } charset && !Utf8Names.Contains(charset.Trim('"'), StringComparer.OrdinalIgnoreCase))
        {
            return $"unsupported charset '{charset}' in Content-Type '{contentType}': {Expected}";
        }

        return null;
    }

    /// <summary>Null when the Idempotency-Key header is absent or usable, else why not.</summary>
    internal static string? IdempotencyKeyProblem(IHeaderDictionary headers, out string? key)
    {
        key = null;
        var values = headers[IdempotencyKeyHeader];
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            return $"{IdempotencyKeyHeader}: send one header, not {values.Count}";
        }

        var value = values[0] ?? string.Empty;
        if (value.Length == 0 || value.Length > MaxIdempotencyKeyLength)
        {
            return $"{IdempotencyKeyHeader} must be 1 to {MaxIdempotencyKeyLength} characters (got {value.Length}); a UUID is a good key";
        }

        if (!value.All(c => c is >= ' ' and <= '~'))
        {
            return $"{IdempotencyKeyHeader} must be printable ASCII (letters, digits, punctuation, spaces); a UUID is a good key";
        }

        key = value;
        return null;
    }

    /// <summary>
    /// The key the batch ids derive from: the client's key, the body and the tokenizer. The same key
    /// with a different body (a client reusing keys by mistake) then counts the new documents instead
    /// of mistaking them for a retry, and only a true retry — same key, same body — counts nothing twice.
    /// </summary>
    internal static string ScopeIdempotencyKey(string key, ReadOnlySpan<byte> body, string tokenizer)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(key));
        hash.AppendData([0]);
        hash.AppendData(SHA256.HashData(body));
        hash.AppendData(Encoding.UTF8.GetBytes(tokenizer));
        return "http:" + Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Documents in a body, counted without parsing them, up to one past <paramref name="stopAfter"/>.</summary>
    internal static long CountDocuments(ReadOnlySpan<byte> body, bool jsonLines, int stopAfter)
    {
        body = DocumentParser.StripBom(body);
        long count = 0;
        if (jsonLines)
        {
            // Non-blank lines, as the parser sees them.
            while (!body.IsEmpty && count <= stopAfter)
            {
                var end = body.IndexOf((byte)'\n');
                var line = end < 0 ? body : body[..end];
                body = end < 0 ? [] : body[(end + 1)..];
                if (!line.Trim(" \t\r"u8).IsEmpty)
                {
                    count++;
                }
            }

            return count;
        }

        // The elements of a top-level array; a body that is not one is the parser's to refuse.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return 0;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray && count <= stopAfter)
            {
                count++;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Malformed: the parser says where.
        }

        return count;
    }

    /// <summary>
    /// The body, in a buffer that grows with what arrives (never the declared length up front: a
    /// declared gigabyte that never comes costs nothing). Kestrel stops a body over MaxBodyBytes.
    /// </summary>
    private static async Task<(byte[] Body, int Length)> ReadBodyAsync(HttpRequest request, long maxBodyBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream((int)Math.Min(request.ContentLength ?? 0, 1 << 16));
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > maxBodyBytes)
        {
            throw new BadHttpRequestException("the body is too large", StatusCodes.Status413PayloadTooLarge);
        }

        return (buffer.GetBuffer(), (int)buffer.Length);
    }

    private static IResult TooManyRequests(HttpContext http, RequestGate gate, GlobalBrainApiOptions api)
    {
        http.Response.Headers.RetryAfter = Seconds(Math.Max(1, (int)Math.Ceiling(api.QueueTimeout.TotalSeconds)));
        return Error(
            $"too many requests: this silo is processing {gate.Busy} and has {gate.Queued} waiting (GlobalBrain:Api:MaxConcurrentRequests, MaxQueuedRequests); retry after the Retry-After seconds with the same body and Idempotency-Key",
            StatusCodes.Status429TooManyRequests);
    }

    /// <summary>What failed, in words: never the exception's own text, which may name storage internals (commands, keys).</summary>
    private static string WhatFailed(Exception e) => e switch
    {
        InvalidOperationException => "it has no active silo",
        TimeoutException => "it did not answer in time",
        ExpertStorageException => "an expert could not store the documents: the grain storage failed or did not answer",
        SiloUnavailableException => "a silo went away",
        _ => "a silo or its storage failed",
    };

    private static IResult TooLarge(GlobalBrainApiOptions api) =>
        Error($"the body is larger than {api.MaxBodyBytes} bytes (GlobalBrain:Api:MaxBodyBytes); send smaller batches", StatusCodes.Status413PayloadTooLarge);

    private static IResult Error(string message, int status) => Results.Json(new ApiError(message), statusCode: status);

    private static string Seconds(int seconds) => seconds.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "POST /v1/documents answered 503: the cluster cannot take documents")]
    private static partial void LogClusterUnavailable(ILogger logger, Exception exception);
}
