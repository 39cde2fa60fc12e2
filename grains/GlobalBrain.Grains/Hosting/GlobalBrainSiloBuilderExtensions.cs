using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Hosting;

public static class GlobalBrainSiloBuilderExtensions
{
    /// <summary>Name of the grain storage that holds expert shards (and shared vocabularies).</summary>
    public const string ShardStorage = "shards";

    /// <summary>
    /// Adds GlobalBrain's grains' needs to a silo: options (validated at start), the silo-bound
    /// placement of ingest fronts, and in-memory shard storage unless the host registered
    /// <see cref="ShardStorage"/> itself. Clustering is the host's choice.
    /// </summary>
    public static ISiloBuilder AddGlobalBrain(this ISiloBuilder silo, bool addMemoryStorage = true)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var services = silo.Services;
        services.AddOptions<ExpertsOptions>().BindConfiguration(ExpertsOptions.SectionName).ValidateOnStart();
        services.AddOptions<KnowledgeOptions>().BindConfiguration(KnowledgeOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExpertsOptions>, ExpertsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KnowledgeOptions>, KnowledgeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EncoderResolver>();
        silo.AddPlacementDirector<SiloBoundPlacement, SiloBoundPlacementDirector>();
        if (addMemoryStorage)
        {
            silo.AddMemoryGrainStorage(ShardStorage);
        }

        return silo;
    }
}
