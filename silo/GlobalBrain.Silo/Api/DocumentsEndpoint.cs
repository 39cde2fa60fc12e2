using GlobalBrain.Domain.Documents;
using GlobalBrain.Grains;
using GlobalBrain.Silo.Hosting;
using Microsoft.Extensions.Options;

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
public static class DocumentsEndpoint
{
    private static readonly string[] JsonLinesTypes = ["application/x-ndjson", "application/jsonl", "application/json-lines", "application/x-jsonlines", "text/jsonl"];

    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/documents", HandleAsync);
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(
        HttpRequest request,
        IngestService ingest,
        IOptions<GlobalBrainApiOptions> options,
        GlobalBrain.Grains.Telemetry.GlobalBrainInstruments instruments,
        CancellationToken cancellationToken)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var jsonLines = mediaType is not null && JsonLinesTypes.Contains(mediaType);
        if (!jsonLines && mediaType != "application/json")
        {
            return Results.Json(new ApiError($"unsupported content type '{request.ContentType}': send application/json (an array of {{\"id\", \"text\"}}) or application/x-ndjson (one object per line)"),
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Results.Json(new ApiError($"the body is larger than {options.Value.MaxBodyBytes} bytes (GlobalBrain:Api:MaxBodyBytes); send smaller batches"),
                statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var documents = new List<Document>();
        var rejections = new List<Rejection>();
        if (jsonLines)
        {
            DocumentParser.ParseJsonLines(body, "body", documents, rejections);
        }
        else
        {
            DocumentParser.ParseJsonArray(body, "body", documents, rejections);
        }

        var refused = rejections.Select(r => new ApiRejection(null, r.Line, r.Reason.Code(), r.Message)).ToList();
        foreach (var rejection in refused)
        {
            // Those the cluster refuses are counted where they are refused (the ingest front).
            instruments.DocumentsRejected.Add(1, new KeyValuePair<string, object?>("reason", rejection.Reason));
        }

        if (documents.Count == 0)
        {
            return Results.Json(new IngestResponse(0, refused.Count, 0, refused), statusCode: StatusCodes.Status400BadRequest);
        }

        var summary = await ingest.IngestAsync([.. documents.Select(d => new DocumentInput(d.Id, d.Text))], new TokenizerSpec(options.Value.Tokenizer), cancellationToken);
        refused.AddRange(summary.Rejections.Select(r => new ApiRejection(r.DocumentId, null, r.Reason, r.Message)));
        var response = new IngestResponse(summary.Accepted, refused.Count, summary.Tokens, refused);
        return summary.FailedBatches > 0
            ? Results.Json(response, statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Json(response);
    }
}
