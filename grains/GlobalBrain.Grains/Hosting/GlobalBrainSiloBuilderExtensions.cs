using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace GlobalBrain.Grains.Hosting;

public static class GlobalBrainSiloBuilderExtensions
{
    /// <summary>Name of the grain storage that holds expert shards (and shared vocabularies).</summary>
    public const string ShardStorage = "shards";

    /// <summary>
    /// Adds GlobalBrain's grains' needs to a silo: options (validated at start), gossip fault
    /// injection (off unless configured), the silo-bound placement of ingest fronts, and in-memory
    /// shard storage unless the host registered <see cref="ShardStorage"/> itself. Clustering is the
    /// host's choice.
    /// </summary>
    public static ISiloBuilder AddGlobalBrain(this ISiloBuilder silo, bool addMemoryStorage = true)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var services = silo.Services;
        services.AddOptions<ExpertsOptions>().BindConfiguration(ExpertsOptions.SectionName).ValidateOnStart();
        services.AddOptions<KnowledgeOptions>().BindConfiguration(KnowledgeOptions.SectionName).ValidateOnStart();
        services.AddOptions<FaultsOptions>().BindConfiguration(FaultsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExpertsOptions>, ExpertsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KnowledgeOptions>, KnowledgeOptionsValidator>());
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FaultsOptions>, FaultsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EncoderResolver>();
        services.TryAddSingleton<Simulation.TopologyCache>();
        services.AddMetrics();
        services.AddOptions<Telemetry.MetricsOptions>().BindConfiguration(Telemetry.MetricsOptions.SectionName)
            .Validate(o => o.Interval > TimeSpan.Zero, SettingErrors.Describe(Telemetry.MetricsOptions.SectionName, nameof(Telemetry.MetricsOptions.Interval), "must be positive"))
            .ValidateOnStart();
        services.TryAddSingleton<Telemetry.ClusterMetricsCache>();
        services.TryAddSingleton<Telemetry.GlobalBrainInstruments>();
        services.TryAddSingleton<Faults.ExchangeFaults>();
        services.TryAddSingleton<Experts.BatchSegmentStore>();
        silo.AddPlacementDirector<SiloBoundPlacement, SiloBoundPlacementDirector>();
        if (addMemoryStorage)
        {
            // Orleans' binary serializer, not the default JSON one: an expert writes after every batch
            // it learns, and JSON of its registers and batch ids cost more than the learning (measured).
            silo.AddMemoryGrainStorage(ShardStorage, options => options.Configure<Serializer>(
                (o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
        }

        return silo;
    }
}
