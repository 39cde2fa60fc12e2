using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using GlobalBrain.Grains;

namespace GlobalBrain.Client.Output;

/// <summary>One rejected input, as the CLI reports it.</summary>
public sealed record RejectionEntry(string Source, long? Line, string Reason, string Message);

/// <summary>What one ingest run did.</summary>
public sealed record IngestRun(
    long Documents,
    long Tokens,
    long Bytes,
    double Seconds,
    double MegabytesPerSecond,
    double TokensPerSecond,
    int Batches,
    IReadOnlyDictionary<string, int> BatchesBySilo,
    int Retries = 0);

/// <summary>The data-quality filters an ingest ran with (as --dedup, --pii, --languages, --quality name them).</summary>
public sealed record FiltersRun(string Dedup, string Pii, IReadOnlyList<string>? Languages, string Quality)
{
    public static FiltersRun From(IngestFilters filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        return new(
            IngestFilters.DedupNames.Name(filters.Dedup),
            IngestFilters.PiiNames.Name(filters.Pii),
            filters.DetectsLanguage ? filters.Languages : null,
            IngestFilters.QualityNames.Name(filters.Quality));
    }
}

/// <summary>What the filters dropped: the total, per filter and reason, and (when languages were detected) per language.</summary>
public sealed record FilteredReport(
    long Total,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> ByFilter,
    IReadOnlyDictionary<string, long>? ByLanguage)
{
    public static FilteredReport From(IReadOnlyList<FilterCount> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var byFilter = counts
            .GroupBy(c => c.Filter, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyDictionary<string, long>)g.GroupBy(c => c.Reason, StringComparer.Ordinal).OrderBy(r => r.Key, StringComparer.Ordinal).ToDictionary(r => r.Key, r => r.Sum(c => c.Count)),
                StringComparer.Ordinal);
        var languages = counts.Where(c => c.Language is not null).ToList();
        return new FilteredReport(
            counts.Sum(c => c.Count),
            byFilter,
            languages.Count == 0 ? null : languages.GroupBy(c => c.Language!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(c => c.Count)));
    }
}

/// <summary>What <c>ingest --export</c> wrote: the dataset directory, its format and records per split.</summary>
public sealed record ExportRun(string Directory, string Format, long Train, long Dev, long Test, int Files);

/// <summary>The object <c>--json</c> prints: the cluster's metrics, plus the run's own figures for <c>ingest</c>.</summary>
public sealed record MetricsReport
{
    public const int MaxListedRejections = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public required int Experts { get; init; }

    public required double FlowRate { get; init; }

    public required long Documents { get; init; }

    public required long Rejected { get; init; }

    public required long Tokens { get; init; }

    public required double DistinctItems { get; init; }

    public required double MeanReach { get; init; }

    public required double MinReach { get; init; }

    public required double P50Reach { get; init; }

    public required double StdReach { get; init; }

    public required double CollectiveIntelligence { get; init; }

    public required long Exchanges { get; init; }

    public required long BytesExchanged { get; init; }

    public required int Silos { get; init; }

    /// <summary>For ingest: whether mean reach reached its target before the timeout.</summary>
    public bool? Converged { get; init; }

    /// <summary>For ingest: seconds from the end of ingestion until the target reach.</summary>
    public double? ConvergenceSeconds { get; init; }

    public IngestRun? Ingested { get; init; }

    public ExportRun? Exported { get; init; }

    /// <summary>For ingest: the data-quality filters that ran.</summary>
    public FiltersRun? Filters { get; init; }

    /// <summary>For ingest: documents the filters dropped (they are not in documents, rejected or an export).</summary>
    public FilteredReport? Filtered { get; init; }

    /// <summary>For ingest: personal-data spans replaced by placeholders, by kind.</summary>
    public IReadOnlyDictionary<string, long>? Redacted { get; init; }

    public IReadOnlyDictionary<string, int>? RejectedByReason { get; init; }

    public IReadOnlyList<RejectionEntry>? Rejections { get; init; }

    public static MetricsReport From(ClusterMetrics metrics, IReadOnlyList<RejectionEntry> rejections) => new()
    {
        Experts = metrics.Experts,
        FlowRate = metrics.FlowRate,
        Documents = metrics.Documents,
        Rejected = rejections.Count,
        Tokens = metrics.Tokens,
        DistinctItems = Math.Round(metrics.DistinctItems),
        MeanReach = metrics.MeanReach,
        MinReach = metrics.MinReach,
        P50Reach = metrics.MedianReach,
        StdReach = metrics.StdReach,
        CollectiveIntelligence = Math.Round(metrics.CollectiveIntelligence),
        Exchanges = metrics.Exchanges,
        BytesExchanged = metrics.BytesExchanged,
        Silos = metrics.Silos,
        RejectedByReason = rejections.Count == 0 ? null : rejections.GroupBy(r => r.Reason).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
        Rejections = rejections.Count == 0 ? null : [.. rejections.Take(MaxListedRejections)],
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>A readable two-column table.</summary>
    public string ToTable(string clusterDescription)
    {
        var rows = new List<(string, string)>
        {
            ("experts (N)", N(Experts)),
            ("flow rate (v)", F(FlowRate, "G4") + (FlowRate == 1 ? " exchange/s" : " exchanges/s") + " per expert"),
            ("silos", N(Silos)),
            ("documents", N(Documents)),
            ("rejected", N(Rejected)),
            ("tokens", N(Tokens)),
            ("distinct items (I)", N((long)DistinctItems)),
            ("mean reach (C̄)", F(MeanReach, "F4")),
            ("min reach", F(MinReach, "F4")),
            ("p50 reach", F(P50Reach, "F4")),
            ("std reach", F(StdReach, "F4")),
            ("collective intelligence (C)", N((long)CollectiveIntelligence)),
            ("exchanges", N(Exchanges)),
            ("bytes exchanged", N(BytesExchanged)),
        };
        if (Ingested is { } run)
        {
            rows.Add(("ingest time", F(run.Seconds, "F2") + " s"));
            rows.Add(("ingest rate", $"{Rate(run.MegabytesPerSecond)}, {N((long)run.TokensPerSecond)} tokens/s"));
        }

        if (Filters is { } filters)
        {
            rows.Add(("filters", $"dedup {filters.Dedup}, pii {filters.Pii}, languages {(filters.Languages is { } l ? string.Join(',', l) : "(not detected)")}, quality {filters.Quality}"));
        }

        if (Filtered is { } filtered)
        {
            var byReason = string.Join("; ", filtered.ByFilter.Select(f => $"{f.Key}: {string.Join(", ", f.Value.Select(r => $"{r.Key} {N(r.Value)}"))}"));
            rows.Add(("filtered", filtered.Total == 0 ? "0" : $"{N(filtered.Total)} ({byReason})"));
        }

        if (Redacted is { Count: > 0 } redacted)
        {
            rows.Add(("personal data redacted", string.Join(", ", redacted.Select(r => $"{r.Key} {N(r.Value)}"))));
        }

        if (Exported is { } export)
        {
            rows.Add(("exported", $"{N(export.Train)} train, {N(export.Dev)} dev, {N(export.Test)} test records ({export.Format}, {N(export.Files)} files) in {export.Directory}"));
        }

        if (Converged is { } converged)
        {
            rows.Add(("knowledge spread", converged ? $"mean reach ≥ target after {F(ConvergenceSeconds ?? 0, "F1")} s" : "timed out before the target reach"));
        }

        // Pad by text elements: "C̄" is two chars but one column.
        var width = rows.Max(r => new StringInfo(r.Item1).LengthInTextElements);
        var text = new StringBuilder();
        text.Append("GlobalBrain metrics (").Append(clusterDescription).Append(")\n");
        foreach (var (name, value) in rows)
        {
            text.Append("  ").Append(name).Append(' ', width - new StringInfo(name).LengthInTextElements + 2).Append(value).Append('\n');
        }

        if (RejectedByReason is { Count: > 0 } reasons)
        {
            text.Append("  rejected by reason: ")
                .Append(string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value}")))
                .Append('\n');
        }

        text.Append(Legend).Append('\n');
        return text.ToString();
    }

    /// <summary>The line under the table that says what the symbols mean (the metric definitions of the design).</summary>
    public const string Legend =
        "  (I: distinct knowledge items ingested (token shingles); reach of an expert: the share of I it holds; C̄: mean reach over the N experts; C = N·C̄·I: items held across the network, at most N·I)";

    /// <summary>MB/s with two decimals, or kB/s below 0.1 MB/s, where two decimals of MB/s would show 0.00 for a small run.</summary>
    private static string Rate(double megabytesPerSecond) => megabytesPerSecond >= 0.1 || megabytesPerSecond == 0
        ? F(megabytesPerSecond, "F2") + " MB/s"
        : F(megabytesPerSecond * 1000, "F2") + " kB/s";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
