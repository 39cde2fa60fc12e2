using GlobalBrain.Domain.Simulation;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Hosting;

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

        if (options.MaxExchangesInFlight < 1)
        {
            errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.MaxExchangesInFlight), $"must be at least 1 exchange under way per silo (got {options.MaxExchangesInFlight})"));
        }

        if (!SimulationNames.Modes.TryParse(options.Mode, out _))
        {
            errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.Mode), $"must be {SimulationNames.Modes.Or()} (got '{options.Mode}')"));
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
                errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.Topology), $"must be {SimulationNames.Topologies.Or()} (got '{options.Topology}')"));
                break;
        }

        // K, Beta and M of a topology not in use are still checked: a bad value is a typo or a topology
        // change half made.
        if (options.Topology is not ("ring" or "small-world") && options.K < 1)
        {
            errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.K), $"must be at least 1 (got {options.K}); it is used by the ring and small-world topologies"));
        }

        if (options.Topology != "small-world" && !(options.Beta is >= 0 and <= 1))
        {
            errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.Beta), $"is a rewiring probability, from 0 to 1 (got {options.Beta.ToString(System.Globalization.CultureInfo.InvariantCulture)}); it is used by the small-world topology"));
        }

        if (options.Topology != "scale-free" && options.M < 1)
        {
            errors.Add(SettingErrors.Describe(ExpertsOptions.SectionName, nameof(options.M), $"must be at least 1 (got {options.M}); it is used by the scale-free topology"));
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
        else
        {
            // Grain timers take periods up to about 49 days; a day is far beyond any sensible value.
            SettingErrors.CheckSpan(errors, KnowledgeOptions.SectionName, nameof(options.FlushInterval), options.FlushInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        }

        if (!double.IsFinite(options.FlushRate) || options.FlushRate < 0)
        {
            errors.Add(SettingErrors.Describe(KnowledgeOptions.SectionName, nameof(options.FlushRate),
                $"must be a number of writes per second per silo, 0 or more (0: no limit; got {options.FlushRate})"));
        }

        SettingErrors.CheckSpan(errors, KnowledgeOptions.SectionName, nameof(options.GroupCommit), options.GroupCommit, TimeSpan.Zero, KnowledgeOptions.LongestGroupCommit);

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

public sealed class MetricsOptionsValidator : IValidateOptions<Telemetry.MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, Telemetry.MetricsOptions options)
    {
        var errors = new List<string>();
        const string m = Telemetry.MetricsOptions.SectionName;
        SettingErrors.CheckSpan(errors, m, nameof(options.Interval), options.Interval, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        if (options.Port is < 0 or > 65535)
        {
            errors.Add(SettingErrors.Describe(m, nameof(options.Port), $"must be a TCP port from 1 to 65535, or 0 to serve /metrics on the API port (got {options.Port})"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
