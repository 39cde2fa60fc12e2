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

    /// <summary>What an exchange does: push (send the shard), pull (fetch the peer's), push-pull (both).</summary>
    public string Mode { get; set; } = "push-pull";

    /// <summary>Who may exchange with whom: complete, ring, small-world or scale-free (as in simulations).</summary>
    public string Topology { get; set; } = "complete";

    /// <summary>ring and small-world: neighbours on each side.</summary>
    public int K { get; set; } = 2;

    /// <summary>small-world: rewiring probability β.</summary>
    public double Beta { get; set; } = 0.1;

    /// <summary>scale-free: edges each new expert attaches with.</summary>
    public int M { get; set; } = 3;

    /// <summary>Seed the topology is built from (every silo builds the same graph).</summary>
    public ulong TopologySeed { get; set; } = 1;

    /// <summary>The topology as the simulation engine describes it.</summary>
    public Domain.Simulation.TopologySpec TopologySpec() => new(
        Topology switch
        {
            "ring" => Domain.Simulation.TopologyKind.Ring,
            "small-world" => Domain.Simulation.TopologyKind.SmallWorld,
            "scale-free" => Domain.Simulation.TopologyKind.ScaleFree,
            _ => Domain.Simulation.TopologyKind.Complete,
        },
        K,
        Beta,
        M);
}

/// <summary>
/// Fault injection for the experts' gossip (off by default): what can happen to an exchange's
/// message, and whether the expert that started it deactivates afterwards.
/// </summary>
public sealed class FaultsOptions
{
    public const string SectionName = "GlobalBrain:Faults";

    /// <summary>Largest <see cref="MaxDelay"/>: a delayed message holds a copy of a shard until it lands.</summary>
    public static readonly TimeSpan LongestDelay = TimeSpan.FromMinutes(1);

    /// <summary>Probability that an exchange's message is lost.</summary>
    public double DropProbability { get; set; }

    /// <summary>Probability that a message that is delivered is delivered twice.</summary>
    public double DuplicateProbability { get; set; }

    /// <summary>Probability that a message lands after a random wait of up to <see cref="MaxDelay"/>.</summary>
    public double DelayProbability { get; set; }

    /// <summary>The longest wait of a delayed message.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Probability that a message is held back and delivered after the sender's next exchange.</summary>
    public double ReorderProbability { get; set; }

    /// <summary>Probability that an expert deactivates itself after an exchange it started.</summary>
    public double DeactivateProbability { get; set; }

    /// <summary>Seed of the fault draws (each expert's k-th exchange draws the same faults for the same seed).</summary>
    public ulong Seed { get; set; } = 1;

    /// <summary>The probabilities as the fault plan takes them.</summary>
    public Domain.Faults.FaultRates Rates() => new(DropProbability, DuplicateProbability, DelayProbability, ReorderProbability, DeactivateProbability);
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

    /// <summary>
    /// How long an expert remembers the batch ids it counted: a batch (or an HTTP request under the same
    /// Idempotency-Key) sent again within it counts nothing. Costs 16 bytes per batch per expert, in
    /// memory and in storage, for as long as the window.
    /// </summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);
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

        if (options.Mode is not ("push" or "pull" or "push-pull"))
        {
            errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.Mode), $"must be push, pull or push-pull (got '{options.Mode}')"));
        }

        switch (options.Topology)
        {
            case "complete":
                break;
            case "ring" or "small-world" when options.K < 1 || (options.Count > 1 && 2L * options.K >= options.Count):
                errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.K), $"must be from 1 to {Math.Max(1, (options.Count - 1) / 2)} for {options.Count} experts: k neighbours on each side, 2k < N (got {options.K})"));
                break;
            case "small-world" when !(options.Beta is >= 0 and <= 1):
                errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.Beta), $"is a rewiring probability, from 0 to 1 (got {options.Beta})"));
                break;
            case "scale-free" when options.M < 1 || (options.Count > 1 && options.M >= options.Count):
                errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.M), $"must be from 1 to N − 1 = {options.Count - 1} (got {options.M})"));
                break;
            case "ring" or "small-world" or "scale-free":
                break;
            default:
                errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.Topology), $"must be complete, ring, small-world or scale-free (got '{options.Topology}')"));
                break;
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

        if (options.IdempotencyWindow <= TimeSpan.Zero || options.IdempotencyWindow > TimeSpan.FromDays(366))
        {
            errors.Add(SettingErrors.Describe(KnowledgeOptions.SectionName, nameof(options.IdempotencyWindow),
                $"must be a positive time span of at most 366 days, as d.hh:mm:ss (got {options.IdempotencyWindow})"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public sealed class FaultsOptionsValidator : IValidateOptions<FaultsOptions>
{
    public ValidateOptionsResult Validate(string? name, FaultsOptions options)
    {
        var errors = new List<string>();
        foreach (var (key, value) in new[]
        {
            (nameof(options.DropProbability), options.DropProbability),
            (nameof(options.DuplicateProbability), options.DuplicateProbability),
            (nameof(options.DelayProbability), options.DelayProbability),
            (nameof(options.ReorderProbability), options.ReorderProbability),
            (nameof(options.DeactivateProbability), options.DeactivateProbability),
        })
        {
            if (!(value is >= 0 and <= 1))
            {
                errors.Add(SettingErrors.Describe(FaultsOptions.SectionName, key, $"is a probability, from 0 to 1 (got {value})"));
            }
        }

        var fates = options.DropProbability + options.DelayProbability + options.ReorderProbability;
        if (errors.Count == 0 && fates > 1)
        {
            // A message is dropped, delayed or held back, one at most: the three share one draw.
            errors.Add(
                $"{FaultsOptions.SectionName}:DropProbability + DelayProbability + ReorderProbability must be at most 1, as a message is dropped, delayed or held back, one at most (got {fates}); " +
                "set them in appsettings.json or with the environment variables GlobalBrain__Faults__DropProbability, GlobalBrain__Faults__DelayProbability and GlobalBrain__Faults__ReorderProbability.");
        }

        if (options.MaxDelay <= TimeSpan.Zero || options.MaxDelay > FaultsOptions.LongestDelay)
        {
            errors.Add(SettingErrors.Describe(FaultsOptions.SectionName, nameof(options.MaxDelay), $"must be more than 0 and at most {FaultsOptions.LongestDelay} (got {options.MaxDelay})"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
