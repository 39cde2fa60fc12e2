using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace GlobalBrain.Grains.Experts;

/// <summary>Where the shard storage keeps what is written: in the cluster's own silos (Orleans' memory storage), or outside it (Redis).</summary>
/// <param name="EndsWithCluster">The storage lives in the silos: nothing written to it outlives the last of them.</param>
public sealed record ShardStorageScope(bool EndsWithCluster);

/// <summary>
/// Whether an expert that deactivates because its silo stops should still store its shard. Not when the storage
/// ends with the cluster and no other silo is active: the whole cluster is stopping, the write has nowhere to go,
/// and each one failed placement and was logged by Orleans and by the expert with stacks (three silos stopped
/// together at 10^6: ~50,000 failed writes, 558 MB of log). Otherwise (a rolling restart, Redis) it writes.
/// </summary>
public sealed partial class FinalWrites(
    ShardStorageScope scope,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IHostApplicationLifetime lifetime,
    ILogger<FinalWrites> logger)
{
    private int _said;

    /// <summary>Whether a last write now would be kept anywhere (the first time it would not, says so in the log).</summary>
    public bool Keepable()
    {
        if (!scope.EndsWithCluster || !lifetime.ApplicationStopping.IsCancellationRequested || AnotherSiloIsActive())
        {
            return true;
        }

        if (Interlocked.Exchange(ref _said, 1) == 0)
        {
            LogSkipping(logger);
        }

        return false;
    }

    private bool AnotherSiloIsActive()
    {
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && !member.SiloAddress.Equals(silo.SiloAddress))
            {
                return true;
            }
        }

        return false;
    }

    // Log event ids 1500–1599: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "The cluster is stopping and its shard storage (in memory) with it: experts deactivating from now on do not store their shards")]
    private static partial void LogSkipping(ILogger logger);
}
