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
        services.AddGlobalBrainOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(Quality.DedupPartitionGrain.LeaseClock, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.TryAddSingleton(RandomSource.Shared);
        services.TryAddSingleton<EncoderResolver>();
        services.TryAddSingleton<Simulation.TopologyCache>();
        services.AddMetrics();
        services.TryAddSingleton<Telemetry.ClusterMetricsCache>();
        services.TryAddSingleton<Telemetry.GlobalBrainInstruments>();
        services.TryAddSingleton<Faults.ExchangeFaults>();
        services.TryAddSingleton<Experts.BatchSegmentStore>();
        services.TryAddSingleton<Experts.SiloKnowledgeBoard>();
        services.TryAddSingleton(_ => new Domain.Knowledge.ShardInterner());
        services.TryAddSingleton<Experts.ExchangeClock>();
        services.TryAddSingleton(new Experts.ShardStorageScope(EndsWithCluster: addMemoryStorage));
        services.TryAddSingleton<Experts.FinalWrites>();
        services.TryAddSingleton<Experts.FlushBudget>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Experts.ExchangeClock>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Telemetry.ClusterMetricsCache>());
        services.TryAddSingleton<Telemetry.ExchangeRateGauge>();
        services.TryAddSingleton<Telemetry.QualityInstruments>();
        services.TryAddSingleton<Quality.LanguageDetectors>();
        services.TryAddSingleton<Quality.DedupSegmentStore>();
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

    /// <summary>The grains' settings sections (<see cref="SettingFormats.GrainSections"/>), each bound and checked by its validator when the host starts.</summary>
    public static IServiceCollection AddGlobalBrainOptions(this IServiceCollection services)
    {
        services.AddValidatedOptions<ExpertsOptions, ExpertsOptionsValidator>(ExpertsOptions.SectionName);
        services.AddValidatedOptions<KnowledgeOptions, KnowledgeOptionsValidator>(KnowledgeOptions.SectionName);
        services.AddValidatedOptions<FaultsOptions, FaultsOptionsValidator>(FaultsOptions.SectionName);
        services.AddValidatedOptions<IngestOptions, IngestOptionsValidator>(IngestOptions.SectionName);
        services.AddValidatedOptions<Telemetry.MetricsOptions, MetricsOptionsValidator>(Telemetry.MetricsOptions.SectionName);
        services.AddValidatedOptions<Quality.QualitySettings, Quality.QualitySettingsValidator>(Quality.QualitySettings.SectionName);
        return services;
    }

    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, checked by <typeparamref name="TValidator"/> when the host starts.</summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services;
    }
}
