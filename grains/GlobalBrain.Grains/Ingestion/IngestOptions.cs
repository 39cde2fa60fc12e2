using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>How much ingestion a silo takes at once (backpressure).</summary>
public sealed class IngestOptions
{
    public const string SectionName = "GlobalBrain:Ingest";

    /// <summary>Batches one silo's ingest front works on at once; 0 = 4 per core.</summary>
    public int MaxBatchesInFlight { get; set; }

    /// <summary>How long a batch waits for a free place before the front answers busy (the sender backs off and retries).</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public int EffectiveMaxBatchesInFlight => MaxBatchesInFlight > 0 ? MaxBatchesInFlight : 4 * Environment.ProcessorCount;
}

public sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var errors = new List<string>();
        if (options.MaxBatchesInFlight is < 0 or > 10_000)
        {
            errors.Add(SettingErrors.Describe(IngestOptions.SectionName, nameof(options.MaxBatchesInFlight), $"must be from 1 to 10000 batches, or 0 for 4 per core (got {options.MaxBatchesInFlight})"));
        }

        if (options.QueueTimeout < TimeSpan.Zero || options.QueueTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add(SettingErrors.Describe(IngestOptions.SectionName, nameof(options.QueueTimeout), $"must be a time span from 00:00:00 to 00:05:00 (got {options.QueueTimeout})"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
