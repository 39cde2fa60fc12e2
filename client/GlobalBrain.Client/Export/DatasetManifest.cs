using System.Text.Json;
using System.Text.Json.Serialization;

namespace GlobalBrain.Client.Export;

/// <summary>What one split of a dataset holds; <see cref="Files"/> are relative to the dataset directory, sorted.</summary>
public sealed record DatasetSplitSummary(long Records, long Documents, long Tokens, IReadOnlyList<string> Files);

/// <summary>The three splits of a dataset.</summary>
public sealed record DatasetSplitSummaries(DatasetSplitSummary Train, DatasetSplitSummary Dev, DatasetSplitSummary Test)
{
    public DatasetSplitSummary this[DatasetSplit split] => split switch
    {
        DatasetSplit.Train => Train,
        DatasetSplit.Dev => Dev,
        DatasetSplit.Test => Test,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "not a dataset split"),
    };
}

/// <summary>
/// <c>manifest.json</c> of an exported dataset. It is written last, so a dataset directory without one was not
/// completed (the run failed or was cancelled).
/// </summary>
public sealed record DatasetManifest(
    DatasetFormat Format,
    DateTimeOffset CreatedUtc,
    DatasetTokenizerInfo Tokenizer,
    SplitFractions Fractions,
    DatasetSplitSummaries Splits)
{
    /// <summary>The data-quality filters that ran, with their parameters and what they dropped; null when the records were not filtered.</summary>
    public DatasetFilters? Filters { get; init; }

    /// <summary>The columns of every file, in order (<c>language</c> only when language detection ran).</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The manifest as indented, camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a manifest written by <see cref="ToJson"/>.</summary>
    public static DatasetManifest FromJson(string json) =>
        JsonSerializer.Deserialize<DatasetManifest>(json, Json) ?? throw new JsonException("the manifest is null");
}
