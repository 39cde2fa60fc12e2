using GlobalBrain.Domain.Simulation;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Configuration;

namespace GlobalBrain.Client.Cli;

/// <summary>
/// <c>simulate --faults</c>: the live cluster's fault settings (GlobalBrain:Faults, see README "Fault injection"),
/// read and checked as a silo reads and checks them — the same keys, formats, ranges and messages — from a JSON
/// file in the silo's appsettings.json form or from <c>KEY=VALUE</c> pairs, a key the setting's name alone
/// (<c>DropProbability</c>) or with its section (<c>GlobalBrain:Faults:DropProbability</c>,
/// <c>GlobalBrain__Faults__DropProbability</c>).
/// </summary>
public static class SimulateFaults
{
    private const string EnvironmentSection = "GlobalBrain__Faults__";

    /// <summary>The setting names, as FaultsOptions binds them.</summary>
    public static IReadOnlyList<string> Keys { get; } = [.. typeof(FaultsOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name)];

    /// <summary>The faults <paramref name="value"/> configures (null for none given); a usage error names every problem.</summary>
    public static SimulationFaults? Parse(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var configuration = IsFile(value) ? FromFile(value) : FromPairs(value);
        var errors = SettingFormats.Check(configuration, [(FaultsOptions.SectionName, typeof(FaultsOptions))]);
        if (errors.Count == 0)
        {
            var options = new FaultsOptions();
            configuration.GetSection(FaultsOptions.SectionName).Bind(options);
            var result = new FaultsOptionsValidator().Validate(null, options);
            if (!result.Failed)
            {
                return new SimulationFaults(options.Rates(), options.MaxDelay.TotalSeconds, options.Seed);
            }

            errors.AddRange(result.Failures);
        }

        throw new CliException("--faults: " + string.Join(" ", errors), ExitCodes.Usage);
    }

    private static bool IsFile(string value) => !value.Contains('=', StringComparison.Ordinal);

    private static IConfiguration FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"--faults takes KEY=VALUE[,KEY=VALUE…] (keys: {string.Join(", ", Keys)}) or a JSON file holding GlobalBrain:Faults as a silo's appsettings.json does; '{path}' is neither (no such file)", ExitCodes.Usage);
        }

        try
        {
            var configuration = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false).Build();
            if (!configuration.GetSection(FaultsOptions.SectionName).GetChildren().Any())
            {
                throw new CliException($"--faults: '{path}' has no GlobalBrain:Faults section (as in a silo's appsettings.json: {{\"GlobalBrain\": {{\"Faults\": {{\"DropProbability\": 0.1}}}}}})", ExitCodes.Usage);
            }

            return configuration;
        }
        catch (InvalidDataException e)
        {
            throw new CliException($"--faults: '{path}' is not valid JSON: {e.InnerException?.Message ?? e.Message}", ExitCodes.Usage);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--faults: cannot read '{path}': {e.Message}", ExitCodes.Usage);
        }
    }

    private static IConfiguration FromPairs(string value)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in value.Split(',', StringSplitOptions.TrimEntries))
        {
            var split = pair.IndexOf('=', StringComparison.Ordinal);
            var key = split > 0 ? Unprefixed(pair[..split].Trim()) : null;
            var name = key is null ? null : Keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                throw new CliException($"--faults: '{pair}' is not KEY=VALUE with a GlobalBrain:Faults setting as KEY ({string.Join(", ", Keys)})", ExitCodes.Usage);
            }

            if (!settings.TryAdd($"{FaultsOptions.SectionName}:{name}", pair[(split + 1)..].Trim()))
            {
                throw new CliException($"--faults: {name} is given twice", ExitCodes.Usage);
            }
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    private static string Unprefixed(string key) =>
        key.StartsWith(FaultsOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase) ? key[(FaultsOptions.SectionName.Length + 1)..]
        : key.StartsWith(EnvironmentSection, StringComparison.OrdinalIgnoreCase) ? key[EnvironmentSection.Length..]
        : key;
}
