using GlobalBrain.Domain.Quality;
using GlobalBrain.Grains;
using GlobalBrain.Grains.Quality;

namespace GlobalBrain.Client.Export;

/// <summary>Duplicate removal as it ran: the mode, the text normalisation, the exact hash and (near) the MinHash/LSH parameters.</summary>
public sealed record DatasetDedupInfo(string Mode, string Scope, string Normalization, string ExactHash, DatasetMinHashInfo? MinHash);

/// <summary>datatrove's MinHash settings as used: word shingles, bands × rows, seed, and the Jaccard near which a pair becomes a likely candidate.</summary>
public sealed record DatasetMinHashInfo(int ShingleWords, int Bands, int RowsPerBand, ulong Seed, double Threshold);

/// <summary>Personal-data handling as it ran: the mode and the kinds detected.</summary>
public sealed record DatasetPiiInfo(string Mode, IReadOnlyList<string> Kinds);

/// <summary>Language detection as it ran: the languages kept and those the detector chose among.</summary>
public sealed record DatasetLanguageInfo(IReadOnlyList<string> Keep, IReadOnlyList<string> Candidates, string Detector, int SampleCharacters);

/// <summary>The quality rules as they ran: the mode and every threshold (null: the rule was off).</summary>
public sealed record DatasetQualityInfo(string Mode, QualityOptionsSurrogate? Rules);

/// <summary>
/// <c>filters</c> in a dataset's manifest: which data-quality filters ran with which parameters, and what they
/// dropped (documents by filter, reason and language) and redacted. The dataset holds only the documents kept.
/// </summary>
public sealed record DatasetFilters(
    DatasetDedupInfo Dedup,
    DatasetPiiInfo Pii,
    DatasetLanguageInfo? Language,
    DatasetQualityInfo Quality,
    IReadOnlyList<FilterCount>? Dropped = null,
    IReadOnlyList<RedactionCount>? Redacted = null)
{
    /// <summary>The manifest's description of <paramref name="filters"/>.</summary>
    public static DatasetFilters From(IngestFilters filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var minHash = DocumentScreener.MinHash;
        return new DatasetFilters(
            new DatasetDedupInfo(
                IngestFilters.DedupNames.Name(filters.Dedup),
                "cluster-wide, across runs; the first seen is kept (input order within a run)",
                "datatrove simplify_text: NFD without combining marks, lowercase, Unicode punctuation and symbols removed, digit runs to 0, whitespace runs to one space",
                "XxHash128 (seed 0) of the normalised UTF-8 text",
                filters.Dedup == DedupMode.Near
                    ? new DatasetMinHashInfo(minHash.Options.ShingleWords, minHash.Options.Bands, minHash.Options.RowsPerBand, minHash.Options.Seed, Math.Round(minHash.Threshold, 3))
                    : null),
            new DatasetPiiInfo(IngestFilters.PiiNames.Name(filters.Pii), filters.Pii == PiiMode.Off ? [] : [.. DocumentScreener.Kinds.Select(DocumentScreener.KindName)]),
            filters.DetectsLanguage
                ? new DatasetLanguageInfo(filters.Languages, filters.Candidates, "Lingua (SearchPioneer.Lingua 2.0.0)", LanguageScreen.SampleCharacters)
                : null,
            new DatasetQualityInfo(
                IngestFilters.QualityNames.Name(filters.Quality),
                filters.Quality == QualityMode.Off ? null : new QualityOptionsConverter().ConvertToSurrogate(filters.EffectiveRules)));
    }
}

/// <summary>The column names of dataset files.</summary>
public static class DatasetColumns
{
    public const string Language = "language";

    public static readonly IReadOnlyList<string> Base = ["id", "chunk", "input_ids", "attention_mask"];
}
