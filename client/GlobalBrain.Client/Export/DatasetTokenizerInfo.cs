namespace GlobalBrain.Client.Export;

/// <summary>
/// How the records of a dataset were tokenized, recorded in its manifest so that a trainer can check it uses the
/// same vocabulary: the tokenizer's name, its vocabulary file and that file's SHA-256, the maximum length, what was
/// done with longer documents (e.g. <c>truncate</c> or <c>chunk</c>) and whether text was lowercased.
/// </summary>
public sealed record DatasetTokenizerInfo(
    string Name,
    string? Vocabulary = null,
    string? VocabularySha256 = null,
    int? MaxLength = null,
    string Overflow = "none",
    bool? Lowercase = null);
