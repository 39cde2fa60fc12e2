using System.CommandLine.Parsing;
using System.Globalization;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Cli;

/// <summary>
/// The parsers of the options' values, shared by every command: numbers read in invariant culture and held
/// to a range, and comma lists; a bad value is a usage error that names the option.
/// </summary>
internal static class OptionParsers
{
    /// <summary>
    /// A whole-number option read in invariant culture and held to [min, max]: anything else — not a
    /// number, a fraction, NaN, a number beyond the type — is a usage error naming the option and the range.
    /// </summary>
    public static Func<ArgumentResult, int> Whole(string name, int min, int max = int.MaxValue) =>
        r => (int)(ReadWhole(r, name, min, max) ?? min);

    /// <inheritdoc cref="Whole"/>
    public static Func<ArgumentResult, int?> OptionalWhole(string name, int min, int max = int.MaxValue) =>
        r => (int?)ReadWhole(r, name, min, max);

    /// <summary>A number option read in invariant culture (1.5, 1e-3), finite and held to [min, max].</summary>
    /// <param name="range">How the range is said, when "must be a number from min to max" says too little.</param>
    public static Func<ArgumentResult, double> Number(string name, double min, double max, string? range = null) => r =>
    {
        if (Token(r) is not { } token)
        {
            return 0;
        }

        var within = double.IsFinite(min) || double.IsFinite(max)
            ? string.Create(CultureInfo.InvariantCulture, $"a number from {min:G} to {max:G}")
            : "a finite number";
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            r.AddError($"{name} must be {within} (got '{token}')");
        }
        else if (value < min || value > max)
        {
            r.AddError($"{name} {range ?? "must be " + within} (got {token})");
        }

        return value;
    };

    /// <summary>A whole-number option from 0 to <see cref="ulong.MaxValue"/> (a seed).</summary>
    public static Func<ArgumentResult, ulong> Unsigned(string name) => r =>
    {
        if (Token(r) is not { } token)
        {
            return 0;
        }

        if (!ulong.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            r.AddError($"{name} must be a whole number from 0 to {ulong.MaxValue} (got '{token}')");
        }

        return value;
    };

    /// <summary>An option that takes one name of <paramref name="names"/>; any other is a usage error listing them.</summary>
    public static Func<ArgumentResult, T> OneOf<T>(string name, NameTable<T> names)
        where T : struct, Enum => r =>
    {
        var token = r.Tokens.Single().Value;
        if (!names.TryParse(token, out var value))
        {
            r.AddError($"{name}: '{token}' is not {names.Or()}");
        }

        return value;
    };

    /// <summary>Parses a comma list of option values; every bad (<paramref name="complaint"/> says why), empty or repeated item is reported naming the option.</summary>
    public static IReadOnlyList<T> List<T>(ArgumentResult result, string option, Func<string, T?> parseItem, Func<string, string> complaint)
        where T : struct
    {
        var text = string.Join(',', result.Tokens.Select(t => t.Value));
        var values = new List<T>();
        foreach (var raw in text.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0)
            {
                result.AddError($"{option}: an empty item in '{text}' (a comma list has no blank entries: 1000,10000)");
            }
            else if (parseItem(item) is not { } value)
            {
                result.AddError($"{option}: {complaint(item)}" + (text.Contains(',', StringComparison.Ordinal) ? $" (in '{text}')" : string.Empty));
            }
            else if (values.Contains(value))
            {
                result.AddError($"{option}: '{item}' is listed twice in '{text}'");
            }
            else
            {
                values.Add(value);
            }
        }

        return values;
    }

    /// <summary>A 64-bit integer as written in invariant culture, or null.</summary>
    public static long? Long(string item) =>
        long.TryParse(item, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A finite number as written in invariant culture (1.5, 1e-3), or null.</summary>
    public static double? Double(string item) =>
        double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    /// <summary>The mode of a command-line name (push, pull, push-pull), or null.</summary>
    public static ExchangeMode? Mode(string item) => SimulationNames.Modes.TryParse(item, out var mode) ? mode : null;

    /// <summary>The topology of a command-line name (complete, ring, small-world, scale-free), or null.</summary>
    public static TopologyKind? Topology(string item) => SimulationNames.Topologies.TryParse(item, out var kind) ? kind : null;

    private static long? ReadWhole(ArgumentResult r, string name, int min, int max)
    {
        if (Token(r) is not { } token)
        {
            return null;
        }

        var range = max == int.MaxValue ? $"at least {min}" : $"from {min} to {max}";
        if (!long.TryParse(token, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var value)
            || value is < int.MinValue or > int.MaxValue)
        {
            r.AddError($"{name} must be a whole number {(max == int.MaxValue ? "of " : string.Empty)}{range} (got '{token}')");
            return null;
        }

        if (value < min || value > max)
        {
            r.AddError($"{name} must be {range} (got {token})");
        }

        return value;
    }

    /// <summary>The option's one token, or null when it was not given.</summary>
    private static string? Token(ArgumentResult r) => r.Tokens.Count == 0 ? null : r.Tokens[^1].Value;
}
