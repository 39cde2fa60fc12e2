using System.Globalization;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Grains;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Silo.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Silo.Api;

/// <summary>One refused document in an API answer; "line" is the JSONL line or the array index (1-based).</summary>
public sealed record ApiRejection(string? Id, long? Line, string Reason, string Message);

/// <summary>The answer of POST /v1/documents.</summary>
public sealed record IngestResponse(long Accepted, long Rejected, long Tokens, IReadOnlyList<ApiRejection> Rejections)
{
    /// <summary>Documents the data-quality filters (GlobalBrain:Quality) dropped: neither accepted nor rejected.</summary>
    public long Filtered { get; init; }

    /// <summary>The dropped documents by filter (dedup, pii, language, quality) and reason; null when none.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>? FilteredByReason { get; init; }
}

/// <summary>The answer to a request that could not be used at all.</summary>
public sealed record ApiError(string Error);

/// <summary>What a POST /v1/documents needs besides its body: bound per request by <c>[AsParameters]</c>.</summary>
public readonly record struct DocumentsRequest(
    HttpContext Http,
    IngestService Ingest,
    RequestGate Gate,
    IOptions<GlobalBrainApiOptions> Options,
    GlobalBrain.Grains.Telemetry.GlobalBrainInstruments Instruments,
    ILogger<DocumentsRequest> Logger);

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

    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder endpoints)
    {
        // Everything under /v1 needs the API key (when one is set); /metrics and /healthz never do.
        var v1 = endpoints.MapGroup("/v1").AddEndpointFilter<ApiKeyFilter>();
        v1.MapPost("/documents", HandleAsync);
        return endpoints;
    }

    private static async Task<IResult> HandleAsync([AsParameters] DocumentsRequest request)
    {
        try
        {
            return await ProcessAsync(request);
        }
        catch (Exception e) when (request.Http.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            // The client went away (while waiting for a turn, sending its body, or being ingested):
            // nobody to answer. What was acknowledged by the cluster stays; a retry with the same
            // Idempotency-Key does not count it twice.
            return TypedResults.Empty;
        }
    }

    private static async Task<IResult> ProcessAsync(DocumentsRequest call)
    {
        var (http, ingest, gate, options, instruments, logger) = call;
        var request = http.Request;
        var api = options.Value;
        var cancellationToken = http.RequestAborted;
        if (DocumentsRequestReader.ContentTypeProblem(request.ContentType, out var jsonLines) is { } contentType)
        {
            return Error(contentType, StatusCodes.Status415UnsupportedMediaType);
        }

        if (DocumentsRequestReader.IdempotencyKeyProblem(request.Headers, out var idempotencyKey) is { } badKey)
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
                (body, length) = await DocumentsRequestReader.ReadBodyAsync(request, api.MaxBodyBytes, deadline.Token);
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
        if (DocumentsRequestReader.CountDocuments(bytes, jsonLines, stopAfter: api.MaxDocuments) > api.MaxDocuments)
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
            return TypedResults.Json(new IngestResponse(0, refused.Count, 0, refused), statusCode: StatusCodes.Status400BadRequest);
        }

        var scopedKey = idempotencyKey is null ? null : DocumentsRequestReader.ScopeIdempotencyKey(idempotencyKey, bytes, api.Tokenizer);
        IngestSummary summary;
        try
        {
            summary = await ingest.IngestAsync([.. documents.Select(d => new DocumentInput(d.Id, d.Text))], new TokenizerSpec(api.Tokenizer), scopedKey, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not (ArgumentException or OutOfMemoryException))
        {
            // No active silo, or a failure the dispatcher does not retry: some batches may be in, which
            // the answer cannot say; a retry under the same Idempotency-Key adds only the others.
            LogClusterUnavailable(logger, e);
            http.Response.Headers.RetryAfter = Seconds(ClusterRetryAfterSeconds);
            return Error($"the cluster cannot take documents now ({WhatFailed(e)}); retry after the Retry-After seconds with the same body and Idempotency-Key (what already went in is then not counted twice)",
                StatusCodes.Status503ServiceUnavailable);
        }

        refused.AddRange(summary.Rejections.Select(r => new ApiRejection(r.DocumentId, null, r.Reason, r.Message)));
        var response = new IngestResponse(summary.Accepted, refused.Count, summary.Tokens, refused)
        {
            Filtered = summary.FilteredTotal,
            FilteredByReason = summary.Filtered.Count == 0 ? null : summary.Filtered
                .GroupBy(f => f.Filter, StringComparer.Ordinal)
                .ToDictionary(
                    g => g.Key,
                    g => (IReadOnlyDictionary<string, long>)g.GroupBy(f => f.Reason, StringComparer.Ordinal).ToDictionary(r => r.Key, r => r.Sum(f => f.Count), StringComparer.Ordinal),
                    StringComparer.Ordinal),
        };
        if (summary.FailedBatches > 0)
        {
            // The accepted documents are in; those listed as ingest_failed are not: a retry of the same
            // body under the same Idempotency-Key adds exactly those.
            http.Response.Headers.RetryAfter = Seconds(ClusterRetryAfterSeconds);
            return TypedResults.Json(response, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return TypedResults.Json(response);
    }

    private static JsonHttpResult<ApiError> TooManyRequests(HttpContext http, RequestGate gate, GlobalBrainApiOptions api)
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
        DedupStorageException => "the duplicate memory could not store the documents' keys: the grain storage failed or did not answer",
        SiloUnavailableException => "a silo went away",
        _ => "a silo or its storage failed",
    };

    private static JsonHttpResult<ApiError> TooLarge(GlobalBrainApiOptions api) =>
        Error($"the body is larger than {api.MaxBodyBytes} bytes (GlobalBrain:Api:MaxBodyBytes); send smaller batches", StatusCodes.Status413PayloadTooLarge);

    private static JsonHttpResult<ApiError> Error(string message, int status) => TypedResults.Json(new ApiError(message), statusCode: status);

    private static string Seconds(int seconds) => seconds.ToString(CultureInfo.InvariantCulture);

    // Log event ids 2100–2199: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "POST /v1/documents answered 503: the cluster cannot take documents")]
    private static partial void LogClusterUnavailable(ILogger logger, Exception exception);
}
