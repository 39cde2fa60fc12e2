using GlobalBrain.Domain.Quality;

namespace GlobalBrain.Grains.Quality;

/// <summary>What screening made of one document: dropped (a filter and its reason), or passed with its text, language and duplicate keys.</summary>
public readonly record struct ScreenOutcome(
    string Text,
    string? Language,
    string? Filter,
    string? Reason,
    PiiCounts Redacted,
    UInt128 ExactKey,
    ulong[]? Bands)
{
    public bool Passed => Filter is null;
}

/// <summary>
/// The filters of one batch, in the order of their cost: the quality rules (cheap; the stop-word rule waits
/// for the language), the language (Lingua, once per document, on a bounded sample), then personal data
/// (redacted or the document dropped), then the duplicate keys of the text as it will be tokenized.
/// </summary>
/// <remarks>One instance per batch (it holds the batch's detector and rules); thread-safe only as the detector is.</remarks>
public sealed class DocumentScreener
{
    /// <summary>datatrove's MinHash settings; every silo builds the same hash family from the same seed.</summary>
    public static readonly MinHashDeduplicator MinHash = new(MinHashOptions.Default);

    /// <summary>LSH band keys per document with dedup near (b).</summary>
    public static int MinHashBands => MinHash.Options.Bands;

    private readonly IngestFilters _filters;
    private readonly QualityFilter? _quality;
    private readonly LanguageDetector? _detector;
    private readonly HashSet<string> _keep;

    public DocumentScreener(IngestFilters filters, LanguageDetectors detectors)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(detectors);
        _filters = filters;
        _quality = filters.Quality == QualityMode.Off ? null : new QualityFilter(filters.EffectiveRules);
        _keep = new HashSet<string>(filters.Languages.Select(l => l.Trim().ToLowerInvariant()), StringComparer.Ordinal);
        _detector = filters.DetectsLanguage ? detectors.For(filters.Candidates) : null;
    }

    /// <summary>Screens one document; <paramref name="keys"/> says whether its duplicate keys are wanted.</summary>
    public ScreenOutcome Screen(string text, bool keys)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_quality?.Evaluate(text) is { Keep: false } junk)
        {
            return Dropped(text, null, FilterCount.Quality, junk.Reason!);
        }

        string? language = null;
        if (_detector is not null)
        {
            language = _detector.Detect(LanguageScreen.Sample(text)).Code;
            if (!_keep.Contains(language))
            {
                return Dropped(text, language, FilterCount.LanguageFilter, language);
            }

            if (_quality?.EvaluateStopWords(text, language) is { Keep: false } stop)
            {
                return Dropped(text, language, FilterCount.Quality, stop.Reason!);
            }
        }

        var redacted = default(PiiCounts);
        if (_filters.Pii != PiiMode.Off)
        {
            var redaction = PiiRedactor.Redact(text);
            if (redaction.Counts.Total > 0 && _filters.Pii == PiiMode.Drop)
            {
                return Dropped(text, language, FilterCount.Pii, FirstKind(redaction.Counts));
            }

            text = redaction.Text;
            redacted = redaction.Counts;
        }

        if (!keys || _filters.Dedup == DedupMode.Off)
        {
            return new ScreenOutcome(text, language, null, null, redacted, default, null);
        }

        var normalized = TextNormalizer.Normalize(text);
        var exact = TextNormalizer.HashNormalized(normalized);
        ulong[]? bands = null;
        if (_filters.Dedup == DedupMode.Near)
        {
            Span<ulong> signature = stackalloc ulong[MinHash.SignatureLength];
            if (MinHash.TrySignatureOfNormalized(normalized, signature))
            {
                var bandKeys = MinHash.BandKeys(signature);
                bands = new ulong[bandKeys.Length];
                for (var i = 0; i < bands.Length; i++)
                {
                    bands[i] = bandKeys[i].Hash;
                }
            }
        }

        return new ScreenOutcome(text, language, null, null, redacted, exact, bands);
    }

    /// <summary>The counter label of a kind of personal data.</summary>
    public static string KindName(PiiKind kind) => kind switch
    {
        PiiKind.Email => "email",
        PiiKind.Phone => "phone",
        PiiKind.Ip => "ip",
        PiiKind.CreditCard => "credit_card",
        _ => "iban",
    };

    /// <summary>Every kind, in the order a dropped document names the first it holds.</summary>
    public static readonly PiiKind[] Kinds = [PiiKind.Email, PiiKind.Phone, PiiKind.Ip, PiiKind.CreditCard, PiiKind.Iban];

    private static string FirstKind(PiiCounts counts) => KindName(Kinds.First(k => counts[k] > 0));

    private static ScreenOutcome Dropped(string text, string? language, string filter, string reason) =>
        new(text, language, filter, reason, default, default, null);
}

/// <summary>Adds up a batch's dropped documents by (filter, reason, language) and its redactions by kind.</summary>
public sealed class FilterTally
{
    private readonly Dictionary<(string Filter, string Reason, string? Language), long> _filtered = [];
    private readonly long[] _redacted = new long[DocumentScreener.Kinds.Length];

    public bool IsEmpty => _filtered.Count == 0 && _redacted.All(r => r == 0);

    public void Filtered(string filter, string reason, string? language, long count = 1)
    {
        var key = (filter, reason, language);
        _filtered[key] = _filtered.GetValueOrDefault(key) + count;
    }

    public void Add(FilterCount count)
    {
        ArgumentNullException.ThrowIfNull(count);
        Filtered(count.Filter, count.Reason, count.Language, count.Count);
    }

    public void Redacted(PiiCounts counts)
    {
        for (var i = 0; i < DocumentScreener.Kinds.Length; i++)
        {
            _redacted[i] += counts[DocumentScreener.Kinds[i]];
        }
    }

    public void Add(RedactionCount count)
    {
        ArgumentNullException.ThrowIfNull(count);
        var i = Array.FindIndex(DocumentScreener.Kinds, k => DocumentScreener.KindName(k) == count.Kind);
        if (i >= 0)
        {
            _redacted[i] += count.Count;
        }
    }

    /// <summary>The counts, in a stable order (filter, reason, language).</summary>
    public FilterCount[] FilteredCounts() =>
        [.. _filtered
            .OrderBy(e => e.Key.Filter, StringComparer.Ordinal)
            .ThenBy(e => e.Key.Reason, StringComparer.Ordinal)
            .ThenBy(e => e.Key.Language ?? string.Empty, StringComparer.Ordinal)
            .Select(e => new FilterCount(e.Key.Filter, e.Key.Reason, e.Key.Language, e.Value))];

    public RedactionCount[] RedactedCounts() =>
        [.. DocumentScreener.Kinds.Select((k, i) => new RedactionCount(DocumentScreener.KindName(k), _redacted[i])).Where(r => r.Count > 0)];
}
