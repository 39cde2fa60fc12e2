namespace GlobalBrain.Grains.Ingestion;

/// <summary>One silo's ingest front and the batches out on it now.</summary>
internal sealed class IngestFront(IIngestGrain grain, IngestFrontInfo info)
{
    public IIngestGrain Grain { get; } = grain;

    public IngestFrontInfo Info { get; } = info;

    public int InFlight { get; set; }
}

/// <summary>
/// The ingest fronts batches go to, kept up to date with membership: found on first use (and again
/// while none is known), looked up again on a clock and after failures, in the background and once
/// for all batches. Routes each batch to the least loaded front per core.
/// </summary>
/// <param name="discover">Looks at membership once: the fronts of the active silos (none when the cluster has no silo).</param>
internal sealed class IngestFronts(Func<Task<IReadOnlyList<IngestFront>>> discover)
{
    private readonly Lock _gate = new();
    private List<IngestFront> _fronts = [];
    private Task? _rediscovery;
    private int _turn;

    public IReadOnlyList<IngestFrontInfo> Infos
    {
        get
        {
            lock (_gate)
            {
                return [.. _fronts.Select(f => f.Info)];
            }
        }
    }

    /// <summary>Batches that may be out at once over all fronts.</summary>
    public int Capacity(int batchesPerCore)
    {
        lock (_gate)
        {
            return _fronts.Sum(f => Math.Max(1, f.Info.Cores * batchesPerCore));
        }
    }

    /// <summary>Finds the fronts unless some are known, retrying within <paramref name="retry"/>'s budget (a silo may be dying).</summary>
    /// <exception cref="InvalidOperationException">The cluster has no active silo.</exception>
    public async Task ConnectAsync(ClusterRetry retry, CancellationToken cancellationToken)
    {
        if (Infos.Count > 0)
        {
            return;
        }

        var fronts = await retry.RunAsync(discover, cancellationToken: cancellationToken);
        if (fronts.Count == 0)
        {
            throw new InvalidOperationException("The cluster has no active silo to ingest on.");
        }

        Install(fronts);
    }

    /// <summary>Looks at membership every <paramref name="every"/> until cancelled: while batches wait on a silo that died, one that joined is found all the same.</summary>
    public async Task WatchAsync(TimeSpan every, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(every, time, cancellationToken);
                RediscoverInBackground();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The ingestion is over.
        }
    }

    /// <summary>Looks at membership again, unless a look is under way already.</summary>
    public void RediscoverInBackground()
    {
        lock (_gate)
        {
            if (_rediscovery is { IsCompleted: false })
            {
                return;
            }

            _rediscovery = Task.Run(async () =>
            {
                try
                {
                    var fronts = await discover();
                    if (fronts.Count > 0)
                    {
                        Install(fronts);
                    }
                }
                catch (Exception e) when (ClusterRetry.IsTransient(e))
                {
                    // Membership is not reachable right now; the next failure looks again.
                }
            });
        }
    }

    /// <summary>The least loaded front per core, other than <paramref name="avoid"/> when there is another; ties go round, so that every silo gets work even when few batches are out.</summary>
    public IngestFront Acquire(IngestFront? avoid = null)
    {
        lock (_gate)
        {
            IngestFront? best = null;
            var count = _fronts.Count;
            var start = _turn % count;
            _turn = (_turn + 1) & int.MaxValue;
            for (var i = 0; i < count; i++)
            {
                var front = _fronts[(start + i) % count];
                if (front == avoid && count > 1)
                {
                    continue;
                }

                if (best is null || (front.InFlight + 1.0) / front.Info.Cores < (best.InFlight + 1.0) / best.Info.Cores)
                {
                    best = front;
                }
            }

            best!.InFlight++;
            return best;
        }
    }

    public void Release(IngestFront front)
    {
        lock (_gate)
        {
            front.InFlight--;
        }
    }

    private void Install(IReadOnlyList<IngestFront> fronts)
    {
        lock (_gate)
        {
            // Keep the in-flight counts of fronts that stay.
            _fronts = [.. fronts.Select(f => _fronts.Find(old => old.Info.Silo == f.Info.Silo) ?? f)];
        }
    }
}
