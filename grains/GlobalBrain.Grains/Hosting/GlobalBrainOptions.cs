using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Hosting;

/// <summary>N and v: how many experts there are and how often each starts an exchange.</summary>
public sealed class ExpertsOptions
{
    public const string SectionName = "GlobalBrain:Experts";

    /// <summary>Largest N a live cluster accepts (one grain per expert; simulations go further).</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>Largest v, in exchanges per expert per second.</summary>
    public const double MaxFlowRate = 1000;

    /// <summary>N, the number of expert grains (keys 0..N-1).</summary>
    public int Count { get; set; } = 16;

    /// <summary>v, exchanges each expert starts per second; 0 switches exchange off.</summary>
    public double FlowRate { get; set; } = 1.0;
}

/// <summary>How knowledge is sketched.</summary>
public sealed class KnowledgeOptions
{
    public const string SectionName = "GlobalBrain:Knowledge";

    /// <summary>HyperLogLog precision p (m = 2^p registers, standard error 1.04/√m).</summary>
    public int Precision { get; set; } = 14;

    /// <summary>Tokens per knowledge item (the w of the w-shingles).</summary>
    public int ShingleWidth { get; set; } = 3;

    /// <summary>How often an expert stores knowledge it gained by exchange (ingested knowledge is stored before it is acknowledged).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Builds the message of a failed setting: what was wrong, which key, which environment variable.</summary>
public static class SettingErrors
{
    public static string Describe(string section, string key, string problem) =>
        $"{section}:{key} {problem}; set it in appsettings.json or with the environment variable {section.Replace(":", "__", StringComparison.Ordinal)}__{key}.";
}

public sealed class ExpertsOptionsValidator : IValidateOptions<ExpertsOptions>
{
    public ValidateOptionsResult Validate(string? name, ExpertsOptions options)
    {
        var errors = new List<string>();
        if (options.Count is < 1 or > ExpertsOptions.MaxCount)
        {
            errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.Count), $"must be between 1 and {ExpertsOptions.MaxCount} (got {options.Count})"));
        }

        if (!double.IsFinite(options.FlowRate) || options.FlowRate < 0 || options.FlowRate > ExpertsOptions.MaxFlowRate)
        {
            errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.FlowRate), $"must be a number between 0 and {ExpertsOptions.MaxFlowRate} exchanges per second (got {options.FlowRate})"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public sealed class KnowledgeOptionsValidator : IValidateOptions<KnowledgeOptions>
{
    public ValidateOptionsResult Validate(string? name, KnowledgeOptions options)
    {
        var errors = new List<string>();
        if (options.Precision is < Domain.Knowledge.HyperLogLog.MinPrecision or > Domain.Knowledge.HyperLogLog.MaxPrecision)
        {
            errors.Add(SettingErrors.Describe(KnowledgeOptions.SectionName, nameof(options.Precision),
                $"must be between {Domain.Knowledge.HyperLogLog.MinPrecision} and {Domain.Knowledge.HyperLogLog.MaxPrecision} (got {options.Precision})"));
        }

        if (options.ShingleWidth is < 1 or > Domain.Knowledge.KnowledgeItems.MaxShingleWidth)
        {
            errors.Add(SettingErrors.Describe(KnowledgeOptions.SectionName, nameof(options.ShingleWidth),
                $"must be between 1 and {Domain.Knowledge.KnowledgeItems.MaxShingleWidth} (got {options.ShingleWidth})"));
        }

        if (options.FlushInterval <= TimeSpan.Zero)
        {
            errors.Add(SettingErrors.Describe(KnowledgeOptions.SectionName, nameof(options.FlushInterval), $"must be positive (got {options.FlushInterval})"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
