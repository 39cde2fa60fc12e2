using System.CommandLine;
using System.CommandLine.Parsing;
using GlobalBrain.Domain.Quality;
using GlobalBrain.Grains;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Quality;
using Microsoft.Extensions.Configuration;

namespace GlobalBrain.Client.Cli;

/// <summary>--dedup, --pii, --languages and --quality as given on the command line (null: not given).</summary>
public sealed record FilterArguments(DedupMode? Dedup = null, PiiMode? Pii = null, IReadOnlyList<string>? Languages = null, QualityMode? Quality = null)
{
    /// <summary>
    /// The filters of this run: the flags given, else the GlobalBrain:Quality settings of the environment
    /// (GlobalBrain__Quality__Dedup …, which also hold the rules' thresholds), else the defaults.
    /// </summary>
    /// <exception cref="CliException">A setting in the environment is malformed (usage).</exception>
    public IngestFilters Resolve(IConfiguration environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var formats = SettingFormats.Check(environment, [(QualitySettings.SectionName, typeof(QualitySettings))]);
        var settings = new QualitySettings();
        if (formats.Count == 0)
        {
            environment.GetSection(QualitySettings.SectionName).Bind(settings);
        }

        var problems = formats.Count > 0 ? formats : QualitySettingsValidator.Check(settings);
        if (problems.Count > 0)
        {
            throw new CliException(string.Join("; ", problems), ExitCodes.Usage);
        }

        var fromSettings = settings.ToFilters();
        return fromSettings with
        {
            Dedup = Dedup ?? fromSettings.Dedup,
            Pii = Pii ?? fromSettings.Pii,
            Languages = Languages is null ? fromSettings.Languages : [.. Languages],
            Quality = Quality ?? fromSettings.Quality,
        };
    }
}

public sealed partial class IngestCommand
{
    /// <summary>The options of the data-quality filters.</summary>
    internal sealed class FilterOptions
    {
        private readonly Option<DedupMode?> _dedup = new("--dedup")
        {
            Description = "Drop duplicates across the cluster and across runs, the first seen kept: off, exact (same text after normalising case, accents, punctuation, digits and spaces) or near (MinHash + LSH, also exact). Default exact (GlobalBrain__Quality__Dedup).",
            HelpName = "off|exact|near",
            CustomParser = r => OptionParsers.OneOf("--dedup", IngestFilters.DedupNames)(r),
        };

        private readonly Option<PiiMode?> _pii = new("--pii")
        {
            Description = "Personal data (emails, phones, IPs, credit cards, IBANs) before tokenizing: off, redact (typed placeholders such as [EMAIL]) or drop (the document). Default redact (GlobalBrain__Quality__Pii).",
            HelpName = "off|redact|drop",
            CustomParser = r => OptionParsers.OneOf("--pii", IngestFilters.PiiNames)(r),
        };

        private readonly Option<string[]?> _languages = new("--languages")
        {
            Description = "Detect each document's language (Lingua) and keep only these ISO 639-1 codes, e.g. en,es,zh; the language becomes an export column and a counter label. Default: no detection.",
            HelpName = "LIST",
            CustomParser = ParseLanguages,
        };

        private readonly Option<QualityMode?> _quality = new("--quality")
        {
            Description = "Gopher/C4 quality rules: off or default (thresholds from GlobalBrain__Quality__*; see README). Default off (GlobalBrain__Quality__Quality).",
            HelpName = "off|default",
            CustomParser = r => OptionParsers.OneOf("--quality", IngestFilters.QualityNames)(r),
        };

        public void AddTo(Command command)
        {
            command.Options.Add(_dedup);
            command.Options.Add(_pii);
            command.Options.Add(_languages);
            command.Options.Add(_quality);
        }

        public FilterArguments Read(ParseResult parse) => new(
            parse.GetValue(_dedup),
            parse.GetValue(_pii),
            parse.GetValue(_languages),
            parse.GetValue(_quality));

        private static string[]? ParseLanguages(ArgumentResult result)
        {
            var text = string.Join(',', result.Tokens.Select(t => t.Value));
            var codes = new List<string>();
            foreach (var raw in text.Split(','))
            {
                var code = raw.Trim().ToLowerInvariant();
                if (code.Length == 0)
                {
                    result.AddError($"--languages: an empty item in '{text}' (a comma list of ISO 639-1 codes: en,es,zh)");
                }
                else if (!LanguageDetector.IsSupported(code))
                {
                    result.AddError($"--languages: '{raw.Trim()}' is not an ISO 639-1 code language detection knows; use two-letter codes such as en,es,zh (known: {string.Join(",", LanguageDetector.SupportedCodes)})");
                }
                else if (!codes.Contains(code))
                {
                    codes.Add(code);
                }
            }

            return [.. codes];
        }
    }
}
