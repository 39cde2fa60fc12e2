namespace GlobalBrain.Domain.Documents;

/// <summary>One unit of text to ingest. Its id routes it to an expert.</summary>
public sealed record Document(string Id, string Text);

/// <summary>Why an input was not ingested. The code is what summaries and JSON output show.</summary>
public enum RejectionReason
{
    MissingPath,
    Unreadable,
    InvalidUtf8,
    Empty,
    MalformedJson,
    MissingText,
    InvalidId,
    NoDocuments,
    TokenizerFailed,
}

public static class RejectionReasonCodes
{
    public static string Code(this RejectionReason reason) => reason switch
    {
        RejectionReason.MissingPath => "missing_path",
        RejectionReason.Unreadable => "unreadable",
        RejectionReason.InvalidUtf8 => "invalid_utf8",
        RejectionReason.Empty => "empty",
        RejectionReason.MalformedJson => "malformed_json",
        RejectionReason.MissingText => "missing_text",
        RejectionReason.InvalidId => "invalid_id",
        RejectionReason.NoDocuments => "no_documents",
        RejectionReason.TokenizerFailed => "tokenizer_failed",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

/// <summary>An input that was refused, with where it came from (source and 1-based line, when it has one).</summary>
public sealed record Rejection(string Source, long? Line, RejectionReason Reason, string Message)
{
    /// <summary>The id the refused document was sent with, when it had a valid one (JSON input); null otherwise.</summary>
    public string? DocumentId { get; init; }

    public string Location => Line is { } line ? $"{Source}:{line}" : Source;

    public override string ToString() => $"{Location}: {Message}";
}
