using GlobalBrain.Domain.Quality;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Grains;

/// <summary>Which duplicates are dropped: none, exact (normalised-text hash) or near (MinHash + LSH; exact ones too).</summary>
[GenerateSerializer, Alias("GlobalBrain.DedupMode")]
public enum DedupMode
{
    Off,
    Exact,
    Near,
}

/// <summary>What happens to personal data: kept, replaced by typed placeholders, or the document dropped.</summary>
[GenerateSerializer, Alias("GlobalBrain.PiiMode")]
public enum PiiMode
{
    Off,
    Redact,
    Drop,
}

/// <summary>Whether the Gopher/C4 heuristics run.</summary>
[GenerateSerializer, Alias("GlobalBrain.QualityMode")]
public enum QualityMode
{
    Off,
    Default,
}

/// <summary>
/// The data-quality and privacy filters of an ingestion, as the command line (--dedup, --pii, --languages,
/// --quality) and the silo's GlobalBrain:Quality settings name them. Travels with every batch, so all silos
/// apply the same filters whatever their own configuration.
/// </summary>
/// <param name="Languages">ISO 639-1 codes to keep; empty: no language detection.</param>
/// <param name="Rules">The thresholds of the quality rules when <paramref name="Quality"/> is on (null: the published defaults).</param>
/// <param name="OtherLanguages">Languages detection also chooses among, so that text in them is recognised and dropped (null: <see cref="LanguageScreen.DefaultOthers"/>).</param>
[GenerateSerializer, Immutable, Alias("GlobalBrain.IngestFilters")]
public sealed record IngestFilters(
    [property: Id(0)] DedupMode Dedup,
    [property: Id(1)] PiiMode Pii,
    [property: Id(2)] string[] Languages,
    [property: Id(3)] QualityMode Quality,
    [property: Id(4)] QualityOptions? Rules = null,
    [property: Id(5)] string[]? OtherLanguages = null)
{
    /// <summary>Every filter off: documents go in as they came (the dispatcher's behaviour without filters).</summary>
    public static IngestFilters Off { get; } = new(DedupMode.Off, PiiMode.Off, [], QualityMode.Off);

    /// <summary>The defaults of the command line and the API: exact duplicates dropped, personal data redacted, no language detection, no quality rules.</summary>
    public static IngestFilters Default { get; } = new(DedupMode.Exact, PiiMode.Redact, [], QualityMode.Off);

    public static readonly NameTable<DedupMode> DedupNames = new((DedupMode.Off, "off"), (DedupMode.Exact, "exact"), (DedupMode.Near, "near"));

    public static readonly NameTable<PiiMode> PiiNames = new((PiiMode.Off, "off"), (PiiMode.Redact, "redact"), (PiiMode.Drop, "drop"));

    public static readonly NameTable<QualityMode> QualityNames = new((QualityMode.Off, "off"), (QualityMode.Default, "default"));

    /// <summary>True when a silo has anything to look at in a document before tokenizing it.</summary>
    public bool Screens => Dedup != DedupMode.Off || Pii != PiiMode.Off || Languages.Length > 0 || Quality != QualityMode.Off;

    public bool DetectsLanguage => Languages.Length > 0;

    /// <summary>The languages detection chooses among: those kept and the others, sorted; empty without detection.</summary>
    public string[] Candidates => DetectsLanguage ? LanguageScreen.Candidates(Languages, OtherLanguages) : [];

    /// <summary>The quality rules that apply: none when off, else <see cref="Rules"/> or the published defaults.</summary>
    public QualityOptions EffectiveRules => Quality == QualityMode.Off ? QualityOptions.Off : Rules ?? QualityOptions.Default;

    /// <summary>"dedup=exact pii=redact languages=en,es quality=off", for messages.</summary>
    public override string ToString() =>
        $"dedup={DedupNames.Name(Dedup)} pii={PiiNames.Name(Pii)} languages={(Languages.Length == 0 ? "(none)" : string.Join(',', Languages))} quality={QualityNames.Name(Quality)}";
}

/// <summary>
/// Documents one filter dropped for one reason: filter <c>dedup</c> (reason exact, near), <c>pii</c> (email,
/// phone, ip, credit_card, iban), <c>language</c> (the detected language) or <c>quality</c> (the rule);
/// <see cref="Language"/> is the documents' detected language when detection ran.
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.FilterCount")]
public sealed record FilterCount(
    [property: Id(0)] string Filter,
    [property: Id(1)] string Reason,
    [property: Id(2)] string? Language,
    [property: Id(3)] long Count)
{
    public const string Dedup = "dedup";
    public const string Pii = "pii";
    public const string LanguageFilter = "language";
    public const string Quality = "quality";
}

/// <summary>Personal-data spans replaced by placeholders, of one kind (email, phone, ip, credit_card, iban).</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.RedactionCount")]
public sealed record RedactionCount([property: Id(0)] string Kind, [property: Id(1)] long Count);

/// <summary>
/// A document that passed the language, quality and personal-data filters: its position in the batch, its
/// language, its text when redaction changed it, and its duplicate keys (the exact key; the LSH band keys
/// with dedup near).
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.ScreenedDocument")]
public sealed record ScreenedDocument(
    [property: Id(0)] int Index,
    [property: Id(1)] string? Language,
    [property: Id(2)] string? RedactedText,
    [property: Id(3)] ulong ExactLow,
    [property: Id(4)] ulong ExactHigh,
    [property: Id(5)] ulong[]? Bands);

/// <summary>What screening a batch found: the documents that passed (in batch order), what was dropped and why, and the silo that did it.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.ScreenedBatch")]
public sealed record ScreenedBatch(
    [property: Id(0)] ScreenedDocument[] Passed,
    [property: Id(1)] FilterCount[] Filtered,
    [property: Id(2)] DocumentRejection[] Rejected,
    [property: Id(3)] RedactionCount[] Redacted,
    [property: Id(4)] string Silo);

/// <summary>
/// Claims on duplicate keys, in the order they are to be decided: <see cref="Keys"/> holds two values per
/// claim (low, high) for exact keys and one per claim for LSH band keys; <see cref="Claimants"/> one id per
/// claim (a hash of the run and the document's position in it); <see cref="Run"/> the run they all belong to.
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.DedupClaims")]
public sealed record DedupClaims([property: Id(0)] ulong[] Keys, [property: Id(1)] ulong[] Claimants, [property: Id(2)] ulong Run = 0);

/// <summary>What a duplicate partition answered to one claim.</summary>
[GenerateSerializer, Alias("GlobalBrain.DedupAnswer")]
public enum DedupAnswer : byte
{
    /// <summary>The key is the claimant's: tentatively until it confirms (the document was learned), or already confirmed.</summary>
    Claimed,

    /// <summary>Another claimant confirmed the key (its document was learned), or an earlier document of the same run holds it.</summary>
    Duplicate,

    /// <summary>Another run holds the key tentatively and this run outranks it: ask again later, keeping what was claimed.</summary>
    Wait,

    /// <summary>Another run holds the key tentatively and outranks this run: release what the batch claimed, and claim it all again later.</summary>
    Yield,
}

/// <summary>How the duplicate keys are spread over <see cref="IDedupPartitionGrain"/>s (fixed: the keys of stored state must find their partition again).</summary>
public static class DedupPartitions
{
    /// <summary>Partitions of the exact-key seen-set (one key per document, claimed in one call per partition).</summary>
    public const int ExactCount = 64;

    /// <summary>
    /// Partitions of the LSH band keys: fewer than the exact ones, because a batch claims its band keys in 14
    /// stages, one call per partition each, and each call that adds keys writes them to storage.
    /// </summary>
    public const int NearCount = 16;

    public const string ExactPrefix = "exact/";

    public const string NearPrefix = "near/";

    public static int OfExact(ulong key) => (int)(key % ExactCount);

    public static int OfNear(ulong key) => (int)(key % NearCount);

    public static string ExactKey(int partition) => ExactPrefix + partition.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string NearKey(int partition) => NearPrefix + partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// One partition of the cluster's duplicate memory (key <c>exact/P</c> or <c>near/P</c>): duplicate key →
/// its claimant. A claim is tentative until its claimant confirms it (its document was learned and stored),
/// and lapses when the claimant releases it or its lease (GlobalBrain:Quality:ClaimLease) runs out; confirmed
/// claims are durable in grain storage, across runs.
/// </summary>
[Alias("GlobalBrain.IDedupPartitionGrain")]
public interface IDedupPartitionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Decides the claims in order (<see cref="DedupAnswer"/>): a key nobody holds goes to its claimant, tentatively
    /// (the same claimant again is a retry: claimed, its lease renewed); a key another claimant confirmed, or that an
    /// earlier document of the same run holds, is a duplicate; a key another run holds tentatively is neither yet
    /// (wait or yield, by the runs' rank).
    /// </summary>
    [Alias("ClaimTentatively")]
    Task<DedupAnswer[]> ClaimAsync(DedupClaims claims);

    /// <summary>
    /// Makes the claims durable: their documents were learned. A key held tentatively by its claimant, or by nobody,
    /// becomes the claimant's for good; one another claimant holds is left to that claimant. Idempotent; returns once stored.
    /// </summary>
    [Alias("Confirm")]
    Task ConfirmAsync(DedupClaims claims);

    /// <summary>Gives up the tentative claims of these claimants on these keys (their documents will not be learned); confirmed ones stay. Idempotent.</summary>
    [Alias("Release")]
    Task ReleaseAsync(DedupClaims claims);

    /// <summary>Keys held, confirmed or tentatively (for tests and the memory benchmark).</summary>
    [Alias("Count")]
    Task<int> CountAsync();
}

/// <summary>
/// A duplicate partition could not store the keys it was asked to confirm (the grain storage failed or did not answer).
/// Nothing of the confirmation counts; send it again (confirming is idempotent, and the same claimants are recognised).
/// </summary>
[GenerateSerializer, Alias("GlobalBrain.DedupStorageException")]
public sealed class DedupStorageException : OrleansException
{
    public DedupStorageException()
    {
    }

    public DedupStorageException(string message)
        : base(message)
    {
    }

    public DedupStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A Gopher n-gram threshold on the wire.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.NGramLimit")]
public readonly record struct NGramLimit([property: Id(0)] int N, [property: Id(1)] double MaxFraction);

/// <summary>The quality rules' thresholds on the wire (<see cref="QualityOptions"/>; null switches a rule off).</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.QualityOptionsSurrogate")]
public readonly record struct QualityOptionsSurrogate(
    [property: Id(0)] int? MinWords,
    [property: Id(1)] int? MaxWords,
    [property: Id(2)] double? MinMeanWordLength,
    [property: Id(3)] double? MaxMeanWordLength,
    [property: Id(4)] double? MaxHashWordRatio,
    [property: Id(5)] double? MaxEllipsisWordRatio,
    [property: Id(6)] double? MaxBulletLineFraction,
    [property: Id(7)] double? MaxEllipsisLineFraction,
    [property: Id(8)] double? MinAlphabeticWordFraction,
    [property: Id(9)] int? MinStopWords,
    [property: Id(10)] double? MaxDuplicateLineFraction,
    [property: Id(11)] double? MaxDuplicateLineCharFraction,
    [property: Id(12)] double? MaxDuplicateParagraphFraction,
    [property: Id(13)] double? MaxDuplicateParagraphCharFraction,
    [property: Id(14)] NGramLimit[] TopNGramCharFractions,
    [property: Id(15)] NGramLimit[] DuplicateNGramCharFractions,
    [property: Id(16)] bool RejectLoremIpsum,
    [property: Id(17)] bool RejectCurlyBracket,
    [property: Id(18)] double? MinTerminalPunctuationFraction,
    [property: Id(19)] double? MaxBoilerplateLineFraction,
    [property: Id(20)] int? MinSentences);

[RegisterConverter]
public sealed class QualityOptionsConverter : IConverter<QualityOptions, QualityOptionsSurrogate>
{
    public QualityOptions ConvertFromSurrogate(in QualityOptionsSurrogate surrogate) => new()
    {
        MinWords = surrogate.MinWords,
        MaxWords = surrogate.MaxWords,
        MinMeanWordLength = surrogate.MinMeanWordLength,
        MaxMeanWordLength = surrogate.MaxMeanWordLength,
        MaxHashWordRatio = surrogate.MaxHashWordRatio,
        MaxEllipsisWordRatio = surrogate.MaxEllipsisWordRatio,
        MaxBulletLineFraction = surrogate.MaxBulletLineFraction,
        MaxEllipsisLineFraction = surrogate.MaxEllipsisLineFraction,
        MinAlphabeticWordFraction = surrogate.MinAlphabeticWordFraction,
        MinStopWords = surrogate.MinStopWords,
        MaxDuplicateLineFraction = surrogate.MaxDuplicateLineFraction,
        MaxDuplicateLineCharFraction = surrogate.MaxDuplicateLineCharFraction,
        MaxDuplicateParagraphFraction = surrogate.MaxDuplicateParagraphFraction,
        MaxDuplicateParagraphCharFraction = surrogate.MaxDuplicateParagraphCharFraction,
        TopNGramCharFractions = [.. (surrogate.TopNGramCharFractions ?? []).Select(l => (l.N, l.MaxFraction))],
        DuplicateNGramCharFractions = [.. (surrogate.DuplicateNGramCharFractions ?? []).Select(l => (l.N, l.MaxFraction))],
        RejectLoremIpsum = surrogate.RejectLoremIpsum,
        RejectCurlyBracket = surrogate.RejectCurlyBracket,
        MinTerminalPunctuationFraction = surrogate.MinTerminalPunctuationFraction,
        MaxBoilerplateLineFraction = surrogate.MaxBoilerplateLineFraction,
        MinSentences = surrogate.MinSentences,
    };

    public QualityOptionsSurrogate ConvertToSurrogate(in QualityOptions value) => new(
        value.MinWords,
        value.MaxWords,
        value.MinMeanWordLength,
        value.MaxMeanWordLength,
        value.MaxHashWordRatio,
        value.MaxEllipsisWordRatio,
        value.MaxBulletLineFraction,
        value.MaxEllipsisLineFraction,
        value.MinAlphabeticWordFraction,
        value.MinStopWords,
        value.MaxDuplicateLineFraction,
        value.MaxDuplicateLineCharFraction,
        value.MaxDuplicateParagraphFraction,
        value.MaxDuplicateParagraphCharFraction,
        [.. value.TopNGramCharFractions.Select(l => new NGramLimit(l.N, l.MaxFraction))],
        [.. value.DuplicateNGramCharFractions.Select(l => new NGramLimit(l.N, l.MaxFraction))],
        value.RejectLoremIpsum,
        value.RejectCurlyBracket,
        value.MinTerminalPunctuationFraction,
        value.MaxBoilerplateLineFraction,
        value.MinSentences);
}
