using Orleans.Runtime;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>Finds the ingest fronts of the active silos and their cores.</summary>
internal static class IngestFrontDiscovery
{
    /// <summary>How long a look at membership or at one front may take before it counts as failed.</summary>
    private static readonly TimeSpan FrontTimeout = TimeSpan.FromSeconds(5);

    /// <exception cref="SiloUnavailableException">Membership lists silos, but none of their fronts answered.</exception>
    public static async Task<IReadOnlyList<IngestFront>> DiscoverAsync(IGrainFactory grains)
    {
        // Bounded: a call that went to a silo that died waits out Orleans' response timeout (30 s), and
        // meanwhile silos that joined would get nothing; the next look goes elsewhere.
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(FrontTimeout);
        var keys = hosts.Keys.Select(silo => silo.ToParsableString()).ToList();
        var infos = await Task.WhenAll(keys.Select(key => InfoOrNullAsync(grains.GetGrain<IIngestGrain>(key))));

        // A front answers from the silo it runs on: one whose silo died runs elsewhere until membership
        // says so, and is left out (its silo's work would go twice to the same silo).
        var reached = infos.Where((info, i) => info is not null && info.Silo == keys[i]).Select(info => info!).ToList();
        if (reached.Count == 0 && infos.Length > 0)
        {
            throw new SiloUnavailableException("no silo that membership lists as active answered; it may be going away");
        }

        return [.. reached
            .OrderBy(i => i.Silo, StringComparer.Ordinal)
            .Select(i => new IngestFront(grains.GetGrain<IIngestGrain>(i.Silo), i))];

        // A silo that died and is not declared dead yet is still listed: leave it out, the others take the work.
        static async Task<IngestFrontInfo?> InfoOrNullAsync(IIngestGrain front)
        {
            try
            {
                return await front.GetInfoAsync().WaitAsync(FrontTimeout);
            }
            catch (Exception e) when (ClusterRetry.IsTransient(e))
            {
                return null;
            }
        }
    }
}
