using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using GlobalBrain.Grains.Ingestion;
using Microsoft.Extensions.Configuration;

namespace GlobalBrain.Grains.Hosting;

/// <summary>
/// Values a setting's type cannot hold ("abc" or 1e20 for a whole number, "soon" for a time span),
/// found before binding so that every one is reported at once, naming the setting, its environment
/// variable and what a value looks like — instead of the binder's first exception, in .NET type names.
/// </summary>
public static partial class SettingFormats
{
    /// <summary>The sections <see cref="GlobalBrainSiloBuilderExtensions.AddGlobalBrain"/> binds.</summary>
    public static readonly IReadOnlyList<(string Section, Type Options)> GrainSections =
    [
        (ExpertsOptions.SectionName, typeof(ExpertsOptions)),
        (KnowledgeOptions.SectionName, typeof(KnowledgeOptions)),
        (FaultsOptions.SectionName, typeof(FaultsOptions)),
        (IngestOptions.SectionName, typeof(IngestOptions)),
        (Telemetry.MetricsOptions.SectionName, typeof(Telemetry.MetricsOptions)),
        (Quality.QualitySettings.SectionName, typeof(Quality.QualitySettings)),
    ];

    /// <summary>What a value of a grain setting looks like, where its type alone says too little.</summary>
    private static readonly Dictionary<string, string> Expectations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["GlobalBrain:Metrics:Port"] = "a TCP port from 1 to 65535, or 0",
        ["GlobalBrain:Experts:Count"] = $"a whole number from 1 to {ExpertsOptions.MaxCount}",
        ["GlobalBrain:Knowledge:Precision"] = $"a whole number from {Domain.Knowledge.HyperLogLog.MinPrecision} to {Domain.Knowledge.HyperLogLog.MaxPrecision}",
    };

    /// <summary>One message per setting of <paramref name="sections"/> whose value its type cannot hold.</summary>
    /// <param name="expectations">What values of the host's own settings look like (key → "a TCP port …"), beside the grains' own.</param>
    public static List<string> Check(IConfiguration configuration, IEnumerable<(string Section, Type Options)> sections, IReadOnlyDictionary<string, string>? expectations = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(sections);
        var errors = new List<string>();
        foreach (var (section, options) in sections)
        {
            foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var nullable = Nullable.GetUnderlyingType(property.PropertyType);
                var type = nullable ?? property.PropertyType;
                // An empty value unsets a nullable setting (the binder's reading), and is an error for the others.
                var key = $"{section}:{property.Name}";
                if (Expected(type) is not { } expected || configuration[key] is not { } raw || (raw.Length == 0 && nullable is not null))
                {
                    continue;
                }

                try
                {
                    // What the configuration binder itself does with the value.
                    _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(raw);
                }
                catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or NotSupportedException)
                {
                    errors.Add(SettingErrors.Describe(section, property.Name, $"must be {expectations?.GetValueOrDefault(key) ?? Expectations.GetValueOrDefault(key, expected)} (got '{raw}')"));
                }
            }
        }

        return errors;
    }

    /// <summary>
    /// The binder's message about a value it could not convert, for settings outside the sections checked beforehand
    /// (Orleans:Membership:*, …), with the setting's environment variable.
    /// </summary>
    public static string DescribeBindingFailure(InvalidOperationException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var match = BinderMessage().Match(e.Message);
        if (!match.Success)
        {
            return e.Message + " Fix the setting in appsettings.json or its environment variable (the key with '__' for ':').";
        }

        var key = match.Groups["key"].Value;
        var type = Type.GetType(match.Groups["type"].Value);
        var expected = (type is null ? null : Expected(Nullable.GetUnderlyingType(type) ?? type)) ?? $"a {match.Groups["type"].Value}";
        var split = key.LastIndexOf(':');
        return split > 0
            ? SettingErrors.Describe(key[..split], key[(split + 1)..], $"must be {expected} (got '{match.Groups["value"].Value}')")
            : $"{key} must be {expected} (got '{match.Groups["value"].Value}'); set it in appsettings.json or with the environment variable {key}.";
    }

    private static string? Expected(Type type) => type switch
    {
        _ when type == typeof(TimeSpan) => "a time span [d.]hh:mm:ss[.fffffff], e.g. 00:00:05 for 5 seconds",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number such as 0.5 or 1e-3",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) => Whole(int.MinValue, int.MaxValue),
        _ when type == typeof(long) => Whole(long.MinValue, long.MaxValue),
        _ when type == typeof(ulong) => string.Create(CultureInfo.InvariantCulture, $"a whole number from 0 to {ulong.MaxValue}"),
        _ when type == typeof(uint) => Whole(0, uint.MaxValue),
        _ when type == typeof(ushort) => Whole(0, ushort.MaxValue),
        _ when type == typeof(short) => Whole(short.MinValue, short.MaxValue),
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ => null,
    };

    private static string Whole(long min, long max) => string.Create(CultureInfo.InvariantCulture, $"a whole number from {min} to {max}");

    [GeneratedRegex("Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex BinderMessage();
}
