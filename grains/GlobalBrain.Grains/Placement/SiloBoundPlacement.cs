using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace GlobalBrain.Grains.Placement;

/// <summary>
/// Places a grain whose string key is a silo address (<see cref="SiloAddress.ToParsableString"/>)
/// on that silo, so that work can be sent to every silo on purpose. If that silo is gone, the
/// grain lands on the silo that places it, so callers never fail for a stale key.
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.SiloBoundPlacement")]
public sealed class SiloBoundPlacement : PlacementStrategy
{
    public static SiloBoundPlacement Singleton { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloBoundPlacementAttribute() : PlacementAttribute(SiloBoundPlacement.Singleton);

internal sealed class SiloBoundPlacementDirector(Hosting.RandomSource random) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        var compatible = context.GetCompatibleSilos(target);
        foreach (var silo in compatible)
        {
            if (string.Equals(silo.ToParsableString(), key, StringComparison.Ordinal))
            {
                return Task.FromResult(silo);
            }
        }

        return Task.FromResult(compatible.Contains(context.LocalSilo) ? context.LocalSilo : compatible[random.Next(compatible.Length)]);
    }
}
