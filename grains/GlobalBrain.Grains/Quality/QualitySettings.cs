using System.Globalization;
using GlobalBrain.Domain.Quality;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Quality;

/// <summary>
/// The data-quality filters of the silo's HTTP API, and the defaults of the command line's --dedup, --pii,
/// --languages and --quality (GlobalBrain:Quality; the CLI reads the same environment variables, its flags
/// win). Each rule threshold of <see cref="QualityOptions"/> is a setting of its own; an empty value switches
/// the rule off.
/// </summary>
public sealed class QualitySettings
{
    public const string SectionName = "GlobalBrain:Quality";

    private static readonly QualityOptions Published = QualityOptions.Default;

    /// <summary>off, exact or near.</summary>
    public string Dedup { get; set; } = "exact";

    /// <summary>off, redact or drop.</summary>
    public string Pii { get; set; } = "redact";

    /// <summary>ISO 639-1 codes to keep, comma-separated; empty: no language detection.</summary>
    public string Languages { get; set; } = string.Empty;

    /// <summary>The other languages detection chooses among (so text in them is recognised and dropped).</summary>
    public string OtherLanguages { get; set; } = string.Join(',', LanguageScreen.DefaultOthers);

    /// <summary>off or default (the Gopher/C4 rules with the thresholds below).</summary>
    public string Quality { get; set; } = "off";

    /// <summary>
    /// How long a duplicate key claimed for a document not yet learned stays its claimant's when the claimant neither
    /// confirms nor releases it (its client died): then the next claimant takes the key. Longer than a batch takes from
    /// its claims to being stored (its retries included); read by the duplicate partitions on the silos.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = DefaultClaimLease;

    public static TimeSpan DefaultClaimLease { get; } = TimeSpan.FromMinutes(5);

    public static TimeSpan MinClaimLease { get; } = TimeSpan.FromSeconds(1);

    public static TimeSpan MaxClaimLease { get; } = TimeSpan.FromDays(1);

    public int? MinWords { get; set; } = Published.MinWords;

    public int? MaxWords { get; set; } = Published.MaxWords;

    public double? MinMeanWordLength { get; set; } = Published.MinMeanWordLength;

    public double? MaxMeanWordLength { get; set; } = Published.MaxMeanWordLength;

    public double? MaxHashWordRatio { get; set; } = Published.MaxHashWordRatio;

    public double? MaxEllipsisWordRatio { get; set; } = Published.MaxEllipsisWordRatio;

    public double? MaxBulletLineFraction { get; set; } = Published.MaxBulletLineFraction;

    public double? MaxEllipsisLineFraction { get; set; } = Published.MaxEllipsisLineFraction;

    public double? MinAlphabeticWordFraction { get; set; } = Published.MinAlphabeticWordFraction;

    public int? MinStopWords { get; set; } = Published.MinStopWords;

    public double? MaxDuplicateLineFraction { get; set; } = Published.MaxDuplicateLineFraction;

    public double? MaxDuplicateLineCharFraction { get; set; } = Published.MaxDuplicateLineCharFraction;

    public double? MaxDuplicateParagraphFraction { get; set; } = Published.MaxDuplicateParagraphFraction;

    public double? MaxDuplicateParagraphCharFraction { get; set; } = Published.MaxDuplicateParagraphCharFraction;

    /// <summary>n:fraction pairs, comma-separated (2:0.20,3:0.18,4:0.16); empty: off.</summary>
    public string TopNGramCharFractions { get; set; } = Limits(Published.TopNGramCharFractions);

    /// <summary>n:fraction pairs, comma-separated (5:0.15,…,10:0.10); empty: off.</summary>
    public string DuplicateNGramCharFractions { get; set; } = Limits(Published.DuplicateNGramCharFractions);

    public bool RejectLoremIpsum { get; set; } = Published.RejectLoremIpsum;

    public bool RejectCurlyBracket { get; set; } = Published.RejectCurlyBracket;

    public double? MinTerminalPunctuationFraction { get; set; } = Published.MinTerminalPunctuationFraction;

    public double? MaxBoilerplateLineFraction { get; set; } = Published.MaxBoilerplateLineFraction;

    public int? MinSentences { get; set; } = Published.MinSentences;

    /// <summary>The rules these settings describe (the validator has checked them).</summary>
    public QualityOptions Rules() => new()
    {
        MinWords = MinWords,
        MaxWords = MaxWords,
        MinMeanWordLength = MinMeanWordLength,
        MaxMeanWordLength = MaxMeanWordLength,
        MaxHashWordRatio = MaxHashWordRatio,
        MaxEllipsisWordRatio = MaxEllipsisWordRatio,
        MaxBulletLineFraction = MaxBulletLineFraction,
        MaxEllipsisLineFraction = MaxEllipsisLineFraction,
        MinAlphabeticWordFraction = MinAlphabeticWordFraction,
        MinStopWords = MinStopWords,
        MaxDuplicateLineFraction = MaxDuplicateLineFraction,
        MaxDuplicateLineCharFraction = MaxDuplicateLineCharFraction,
        MaxDuplicateParagraphFraction = MaxDuplicateParagraphFraction,
        MaxDuplicateParagraphCharFraction = MaxDuplicateParagraphCharFraction,
        TopNGramCharFractions = ParseLimits(TopNGramCharFractions) ?? [],
        DuplicateNGramCharFractions = ParseLimits(DuplicateNGramCharFractions) ?? [],
        RejectLoremIpsum = RejectLoremIpsum,
        RejectCurlyBracket = RejectCurlyBracket,
        MinTerminalPunctuationFraction = MinTerminalPunctuationFraction,
        MaxBoilerplateLineFraction = MaxBoilerplateLineFraction,
        MinSentences = MinSentences,
    };

    /// <summary>The filters these settings describe (the validator has checked them).</summary>
    public IngestFilters ToFilters() => new(
        IngestFilters.DedupNames.Parse(Dedup, "dedup mode"),
        IngestFilters.PiiNames.Parse(Pii, "pii mode"),
        Codes(Languages),
        IngestFilters.QualityNames.Parse(Quality, "quality mode"),
        Rules(),
        Codes(OtherLanguages));

    /// <summary>A comma list of language codes, trimmed, lower case, without repeats.</summary>
    public static string[] Codes(string? list) =>
        [.. (list ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => c.ToLowerInvariant()).Distinct()];

    /// <summary>"n:fraction,…" → the limits; null when malformed.</summary>
    public static IReadOnlyList<(int N, double MaxFraction)>? ParseLimits(string? text)
    {
        var limits = new List<(int, double)>();
        foreach (var item in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split(':');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 50
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction) || !(fraction is >= 0 and <= 1))
            {
                return null;
            }

            limits.Add((n, fraction));
        }

        return limits;
    }

    private static string Limits(IReadOnlyList<(int N, double MaxFraction)> limits) =>
        string.Join(',', limits.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.N}:{l.MaxFraction:0.00}")));
}

public sealed class QualitySettingsValidator : IValidateOptions<QualitySettings>
{
    public ValidateOptionsResult Validate(string? name, QualitySettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Every problem of <paramref name="options"/>, each naming its setting and environment variable.</summary>
    public static List<string> Check(QualitySettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Name(IngestFilters.DedupNames, options.Dedup, nameof(options.Dedup));
        Name(IngestFilters.PiiNames, options.Pii, nameof(options.Pii));
        Name(IngestFilters.QualityNames, options.Quality, nameof(options.Quality));
        Languages(options.Languages, nameof(options.Languages));
        Languages(options.OtherLanguages, nameof(options.OtherLanguages));
        Whole(options.MinWords, nameof(options.MinWords));
        Whole(options.MaxWords, nameof(options.MaxWords));
        Whole(options.MinStopWords, nameof(options.MinStopWords));
        Whole(options.MinSentences, nameof(options.MinSentences));
        SettingErrors.CheckSpan(errors, QualitySettings.SectionName, nameof(options.ClaimLease), options.ClaimLease, QualitySettings.MinClaimLease, QualitySettings.MaxClaimLease);
        if (options.MinWords > options.MaxWords)
        {
            Add(nameof(options.MinWords), $"must not exceed MaxWords ({options.MaxWords}) (got {options.MinWords})");
        }

        foreach (var (value, key) in new[]
        {
            (options.MaxHashWordRatio, nameof(options.MaxHashWordRatio)),
            (options.MaxEllipsisWordRatio, nameof(options.MaxEllipsisWordRatio)),
            (options.MaxBulletLineFraction, nameof(options.MaxBulletLineFraction)),
            (options.MaxEllipsisLineFraction, nameof(options.MaxEllipsisLineFraction)),
            (options.MinAlphabeticWordFraction, nameof(options.MinAlphabeticWordFraction)),
            (options.MaxDuplicateLineFraction, nameof(options.MaxDuplicateLineFraction)),
            (options.MaxDuplicateLineCharFraction, nameof(options.MaxDuplicateLineCharFraction)),
            (options.MaxDuplicateParagraphFraction, nameof(options.MaxDuplicateParagraphFraction)),
            (options.MaxDuplicateParagraphCharFraction, nameof(options.MaxDuplicateParagraphCharFraction)),
            (options.MinTerminalPunctuationFraction, nameof(options.MinTerminalPunctuationFraction)),
            (options.MaxBoilerplateLineFraction, nameof(options.MaxBoilerplateLineFraction)),
        })
        {
            if (value is { } fraction && !(fraction is >= 0 and <= 1))
            {
                Add(key, string.Create(CultureInfo.InvariantCulture, $"is a fraction, from 0 to 1, or empty to switch the rule off (got {fraction})"));
            }
        }

        foreach (var (value, key) in new[] { (options.MinMeanWordLength, nameof(options.MinMeanWordLength)), (options.MaxMeanWordLength, nameof(options.MaxMeanWordLength)) })
        {
            if (value is { } length && !(length is >= 0 and <= 1000))
            {
                Add(key, string.Create(CultureInfo.InvariantCulture, $"is a mean word length in characters, from 0 to 1000, or empty to switch the rule off (got {length})"));
            }
        }

        foreach (var (value, key) in new[] { (options.TopNGramCharFractions, nameof(options.TopNGramCharFractions)), (options.DuplicateNGramCharFractions, nameof(options.DuplicateNGramCharFractions)) })
        {
            if (QualitySettings.ParseLimits(value) is null)
            {
                Add(key, $"must be n:fraction pairs separated by commas, n from 1 to 50 and the fraction from 0 to 1 (2:0.20,3:0.18), or empty to switch the rule off (got '{value}')");
            }
        }

        return errors;

        void Add(string key, string problem) => errors.Add(SettingErrors.Describe(QualitySettings.SectionName, key, problem));

        void Name<T>(Domain.Simulation.NameTable<T> names, string? value, string key)
            where T : struct, Enum
        {
            if (!names.TryParse(value, out _))
            {
                Add(key, $"must be {names.Or()} (got '{value}')");
            }
        }

        void Languages(string? value, string key)
        {
            var codes = QualitySettings.Codes(value);
            if (LanguageScreen.Unknown(codes) is { } unknown)
            {
                Add(key, $"lists '{unknown}', which is not an ISO 639-1 code language detection knows; known: {string.Join(",", LanguageDetector.SupportedCodes)}");
            }
        }

        void Whole(int? value, string key)
        {
            if (value is < 0)
            {
                Add(key, $"must be 0 or more, or empty to switch the rule off (got {value})");
            }
        }
    }
}
