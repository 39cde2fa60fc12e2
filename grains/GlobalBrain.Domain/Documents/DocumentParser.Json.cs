using System.Text.Json;

namespace GlobalBrain.Domain.Documents;

// JSON Lines and JSON arrays of {"id", "text"}: each element read on its own, so that one bad element never stops the others.
public static partial class DocumentParser
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 64 };

    /// <summary>Parses JSON Lines: one <c>{"id", "text"}</c> object per line; blank lines are skipped.</summary>
    public static void ParseJsonLines(ReadOnlySpan<byte> bytes, string source, ICollection<Document> documents, ICollection<Rejection> rejections)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(rejections);
        bytes = StripBom(bytes);
        var before = documents.Count;
        var rejectedBefore = rejections.Count;
        long lineNumber = 0;
        while (!bytes.IsEmpty)
        {
            lineNumber++;
            var end = bytes.IndexOf((byte)'\n');
            var line = end < 0 ? bytes : bytes[..end];
            bytes = end < 0 ? [] : bytes[(end + 1)..];
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            if (!TryDecode(line, source, lineNumber - 1, rejections, out _))
            {
                continue;
            }

            try
            {
                using var json = JsonDocument.Parse(line.ToArray(), JsonOptions);
                ReadDocument(json.RootElement, source, lineNumber, $"{source}#{lineNumber}", documents, rejections);
            }
            catch (JsonException e)
            {
                rejections.Add(new Rejection(source, lineNumber, RejectionReason.MalformedJson, $"not valid JSON ({DescribeJsonError(e)})"));
            }
        }

        if (documents.Count == before && rejections.Count == rejectedBefore)
        {
            rejections.Add(new Rejection(source, null, RejectionReason.Empty, "the file holds no JSON lines"));
        }
    }

    /// <summary>
    /// Parses a JSON array of <c>{"id", "text"}</c> objects. A body that is not a JSON array is one
    /// rejection; invalid elements are rejected one by one (their "line" is the 1-based element index).
    /// </summary>
    public static void ParseJsonArray(ReadOnlySpan<byte> bytes, string source, ICollection<Document> documents, ICollection<Rejection> rejections)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(rejections);
        bytes = StripBom(bytes);
        if (!TryDecode(bytes, source, 0, rejections, out _))
        {
            return;
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(bytes.ToArray(), JsonOptions);
        }
        catch (JsonException e)
        {
            rejections.Add(new Rejection(source, null, RejectionReason.MalformedJson, $"not valid JSON ({DescribeJsonError(e)})"));
            return;
        }

        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Array)
            {
                rejections.Add(new Rejection(source, null, RejectionReason.MalformedJson,
                    $"expected a JSON array of {{\"id\", \"text\"}} objects, found a JSON {json.RootElement.ValueKind.ToString().ToLowerInvariant()}"));
                return;
            }

            var index = 0;
            foreach (var element in json.RootElement.EnumerateArray())
            {
                index++;
                ReadDocument(element, source, index, $"{source}#{index}", documents, rejections);
            }

            if (index == 0)
            {
                rejections.Add(new Rejection(source, null, RejectionReason.Empty, "the JSON array is empty"));
            }
        }
    }

    private static void ReadDocument(JsonElement element, string source, long line, string defaultId, ICollection<Document> documents, ICollection<Rejection> rejections)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            rejections.Add(new Rejection(source, line, RejectionReason.MalformedJson,
                $"expected an object {{\"id\", \"text\"}}, found a JSON {element.ValueKind.ToString().ToLowerInvariant()}"));
            return;
        }

        // A document refused for its text is reported under the id it was sent with, when that id is valid.
        var givenId = GivenId(element);
        if (!element.TryGetProperty("text", out var textElement) || textElement.ValueKind != JsonValueKind.String)
        {
            var found = textElement.ValueKind == JsonValueKind.Undefined ? "it is missing" : $"found a JSON {textElement.ValueKind.ToString().ToLowerInvariant()}";
            rejections.Add(new Rejection(source, line, RejectionReason.MissingText, $"\"text\" must be a string ({found})") { DocumentId = givenId });
            return;
        }

        string id;
        if (!element.TryGetProperty("id", out var idElement) || idElement.ValueKind == JsonValueKind.Null)
        {
            id = defaultId;
        }
        else if (givenId is not null)
        {
            id = givenId;
        }
        else
        {
            rejections.Add(new Rejection(source, line, RejectionReason.InvalidId, "\"id\" must be a non-empty string or a number"));
            return;
        }

        string text;
        try
        {
            text = textElement.GetString()!;
        }
        catch (InvalidOperationException)
        {
            rejections.Add(new Rejection(source, line, RejectionReason.InvalidUtf8, "\"text\" contains an escaped lone surrogate (invalid UTF-16)") { DocumentId = givenId });
            return;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            rejections.Add(new Rejection(source, line, RejectionReason.Empty, "\"text\" is empty") { DocumentId = givenId });
            return;
        }

        documents.Add(new Document(id, text));
    }

    /// <summary>The element's "id" when it is a valid one (a non-empty string or a number), else null.</summary>
    private static string? GivenId(JsonElement element)
    {
        if (!element.TryGetProperty("id", out var id))
        {
            return null;
        }

        if (id.ValueKind == JsonValueKind.Number)
        {
            return id.GetRawText();
        }

        try
        {
            return id.ValueKind == JsonValueKind.String && id.GetString() is { } text && !string.IsNullOrWhiteSpace(text) ? text : null;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate: not a valid id.
            return null;
        }
    }

    private static string DescribeJsonError(JsonException e)
    {
        // JsonException messages end with "LineNumber: 0 | BytePositionInLine: 5."; keep the reason, report the column ourselves.
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        if (cut > 0)
        {
            message = message[..cut].TrimEnd('.', ' ');
        }

        return e.BytePositionInLine is { } column ? $"{message}, at column {column + 1}" : message;
    }
}
