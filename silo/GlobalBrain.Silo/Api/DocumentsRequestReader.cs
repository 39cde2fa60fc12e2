using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GlobalBrain.Domain.Documents;
using Microsoft.Net.Http.Headers;

namespace GlobalBrain.Silo.Api;

/// <summary>
/// The parts of POST /v1/documents that read the request before the cluster sees it: its content type,
/// its Idempotency-Key, its body within the size limit, and the number of documents it holds.
/// </summary>
internal static class DocumentsRequestReader
{
    private static readonly string[] JsonLinesTypes = ["application/x-ndjson", "application/jsonl", "application/json-lines", "application/x-jsonlines", "text/jsonl"];

    private static readonly string[] Utf8Names = ["utf-8", "utf8"];

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
        var values = headers[DocumentsEndpoint.IdempotencyKeyHeader];
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            return $"{DocumentsEndpoint.IdempotencyKeyHeader}: send one header, not {values.Count}";
        }

        var value = values[0] ?? string.Empty;
        if (value.Length == 0 || value.Length > DocumentsEndpoint.MaxIdempotencyKeyLength)
        {
            return $"{DocumentsEndpoint.IdempotencyKeyHeader} must be 1 to {DocumentsEndpoint.MaxIdempotencyKeyLength} characters (got {value.Length}); a UUID is a good key";
        }

        if (!value.All(c => c is >= ' ' and <= '~'))
        {
            return $"{DocumentsEndpoint.IdempotencyKeyHeader} must be printable ASCII (letters, digits, punctuation, spaces); a UUID is a good key";
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
    internal static async Task<(byte[] Body, int Length)> ReadBodyAsync(HttpRequest request, long maxBodyBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream((int)Math.Min(request.ContentLength ?? 0, 1 << 16));
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > maxBodyBytes)
        {
            throw new BadHttpRequestException("the body is too large", StatusCodes.Status413PayloadTooLarge);
        }

        return (buffer.GetBuffer(), (int)buffer.Length);
    }
}
