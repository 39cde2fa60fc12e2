using System.Diagnostics.Metrics;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Telemetry;

/// <summary>
/// The aggregator's figures for this silo's gauges. A scrape reads the last figures and, when they are
/// older than <see cref="MetricsOptions.Interval"/>, starts a refresh in the background: asking N
/// experts takes time at large N, and a scrape must not wait for it. Nothing is asked until the first
/// scrape, so a starting cluster does not activate its experts before its silos have joined.
/// Also measures convergence: the time from the last batch learned (or, without that, the pass that saw I grow)
/// until a pass sees mean reach back at the target; its resolution is the refresh interval.
/// </summary>
public sealed partial class ClusterMetricsCache(
    IGrainFactory grains,
    IOptions<MetricsOptions> options,
    TimeProvider time,
    ILogger<ClusterMetricsCache> logger) : IDisposable, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Mean reach at which new knowledge counts as spread (as in ingest's --target-reach default).</summary>
    public const double ConvergedReach = 0.99;

    private readonly object _gate = new();
    private ClusterMetrics? _latest;
    private DateTimeOffset? _growthAt;
    private DateTimeOffset? _learnedSeen;
    private double _lastItems;
    private double? _convergenceSeconds;
    private Task _refresh = Task.CompletedTask;
    private ITimer? _refreshTimer;
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;
    private bool _stopped;

    /// <summary>The latest figures, or null before the first refresh.</summary>
    public ClusterMetrics? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>A gauge's value from the latest figures; nothing before the first refresh.</summary>
    public IEnumerable<Measurement<double>> Observe(Func<ClusterMetrics, double> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        RefreshIfStale();
        var latest = Latest;
        return latest is null ? [] : [new Measurement<double>(value(latest))];
    }

    public IEnumerable<Measurement<double>> ObserveConvergence()
    {
        RefreshIfStale();
        lock (_gate)
        {
            return _convergenceSeconds is { } seconds ? [new Measurement<double>(seconds)] : [];
        }
    }

    public void Dispose() => Stop();

    /// <summary>
    /// No more refreshes: the silo is stopping. A pass then finds the experts that are deactivating on no
    /// board and would wake them again; with every silo stopping, each of those calls fails placement and
    /// is logged with its retries (3 silos at 10^5: ~15 MB of log at shutdown, measured 2026-12-02).
    /// </summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            _refreshTimer?.Dispose();
            _refreshTimer = null;
        }
    }

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.OnSiloStop(nameof(ClusterMetricsCache), Stop);

    /// <summary>Takes a fresh set of figures (the background loop's step; tests call it directly).</summary>
    public void Record(ClusterMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (metrics.LastLearned is { } learned)
            {
                // Knowledge grows when a batch is learned: from then, not from when a pass first saw it
                // (a first pass that ends after convergence would otherwise measure 0 s).
                if (_learnedSeen is not { } seen || learned > seen)
                {
                    _growthAt = learned;
                    _learnedSeen = learned;
                }
            }
            else if (metrics.DistinctItems > _lastItems)
            {
                _growthAt = now;
            }

            _lastItems = metrics.DistinctItems;
            if (_growthAt is { } since && metrics.MeanReach >= ConvergedReach)
            {
                _convergenceSeconds = (now - since).TotalSeconds;
                _growthAt = null;
            }

            _latest = metrics;
        }
    }

    private void RefreshIfStale()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return; // the gauges keep the last figures while the silo stops
            }

            // From the first scrape on, the figures are also refreshed every interval without one, so that
            // the convergence time is measured to the interval whatever the scrape interval (a pass now
            // asks one partial aggregator per silo, not N experts).
            _refreshTimer ??= time.CreateTimer(_ => RefreshIfStale(), null, options.Value.Interval, options.Value.Interval);
            if (!_refresh.IsCompleted || time.GetUtcNow() - _refreshedAt < options.Value.Interval)
            {
                return;
            }

            _refreshedAt = time.GetUtcNow();
            _refresh = RefreshAsync();
        }
    }

    private async Task RefreshAsync()
    {
        try
        {
            // Figures up to half an interval old will do: every silo's gauges ask, and they share one pass.
            Record(await grains.GetGrain<IAggregatorGrain>(0).GetRecentMetricsAsync(options.Value.Interval / 2));
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            // The cluster may still be starting or a silo leaving; the gauges keep the last figures.
            LogRefreshFailed(logger, e);
        }
    }

    // Log event ids 1300–1399: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(EventId = 1300, Level = LogLevel.Debug, Message = "Could not refresh the cluster metrics for the gauges; keeping the last ones")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}

/// <summary>How the silo publishes metrics.</summary>
public sealed class MetricsOptions
{
    public const string SectionName = "GlobalBrain:Metrics";

    /// <summary>How old the global figures behind the gauges may be before a scrape refreshes them from the aggregator.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A separate port for <c>/metrics</c> on the silo's host (0: served on the API port).</summary>
    public int Port { get; set; }
}
