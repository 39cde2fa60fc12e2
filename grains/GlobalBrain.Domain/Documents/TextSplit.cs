namespace GlobalBrain.Domain.Documents;

/// <summary>How a plain-text file becomes documents.</summary>
public enum TextSplit
{
    /// <summary>The whole file is one document (id = its path).</summary>
    None,

    /// <summary>Each blank-line-separated paragraph is a document (id = path#n, n = paragraph ordinal).</summary>
    Paragraphs,

    /// <summary>Each non-blank line is a document (id = path#n, n = line number).</summary>
    Lines,
}
