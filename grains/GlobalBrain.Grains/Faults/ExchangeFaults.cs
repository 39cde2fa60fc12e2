using GlobalBrain.Domain.Faults;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Faults;

/// <summary>The faults an expert can inject, as the <c>fault</c> tag of <c>globalbrain.faults.injected</c> names them.</summary>
public enum FaultKind
{
    Drop,
    Duplicate,
    Delay,
    Reorder,
    Deactivate,
}

/// <summary>
/// The one place that decides what happens to an exchange under fault injection
/// (<c>GlobalBrain:Faults</c>), one per silo. An expert asks it before each exchange it starts and
/// reports each fault it applies, which is counted. Without any probability set it never injects.
/// </summary>
public sealed partial class ExchangeFaults
{
    // One tag value per kind, made once: the series count is fixed whatever happens.
    private static readonly KeyValuePair<string, object?>[] Tags =
        [.. Enum.GetValues<FaultKind>().Select(kind => new KeyValuePair<string, object?>("fault", kind.ToString().ToLowerInvariant()))];

    private readonly FaultRates _rates;
    private readonly ulong _seed;
    private readonly GlobalBrainInstruments _instruments;
    private readonly IGrainFactory _grains;
    private readonly ILogger<ExchangeFaults> _logger;
    private volatile bool _enabled = true;

    public ExchangeFaults(IOptions<FaultsOptions> options, GlobalBrainInstruments instruments, IGrainFactory grains, ILogger<ExchangeFaults> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(instruments);
        var settings = options.Value;
        _rates = settings.Rates();
        _seed = settings.Seed;
        MaxDelay = settings.MaxDelay;
        _instruments = instruments;
        _grains = grains;
        _logger = logger;
        if (_rates.Any)
        {
            LogFaultsOn(logger, _rates.Drop, _rates.Duplicate, _rates.Delay, MaxDelay, _rates.Reorder, _rates.Deactivate, _seed);
        }
    }

    /// <summary>The longest wait of a delayed message.</summary>
    public TimeSpan MaxDelay { get; }

    /// <summary>
    /// Whether this silo injects the configured faults now (true from the start): false stops injection
    /// on a running silo, true resumes it. With no probability set, nothing is injected either way.
    /// </summary>
    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    /// <summary>True when the next exchange may be hit by a fault.</summary>
    public bool Active => _enabled && _rates.Any;

    /// <summary>The faults of <paramref name="expert"/>'s exchange number <paramref name="ordinal"/> (none when not <see cref="Active"/>).</summary>
    public FaultDraw Draw(int expert, long ordinal) => Active ? FaultPlan.Draw(_rates, _seed, expert, ordinal) : FaultDraw.None;

    /// <summary>How long a delayed message waits (at least a millisecond).</summary>
    public TimeSpan DelayOf(FaultDraw draw) => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (long)(MaxDelay.Ticks * draw.DelayFraction)));

    /// <summary>Counts a fault an expert applied.</summary>
    public void Injected(FaultKind kind) => _instruments.FaultsInjected.Add(1, Tags[(int)kind]);

    /// <summary>
    /// Brings back an expert that deactivated itself for a fault (a restart, not an outage): a call from
    /// outside its activation, which Orleans holds until the old activation is gone and then hands to a
    /// new one, activated from the stored state. Without it an expert would wait for a peer to pick it,
    /// and gossip with many drops could fall silent.
    /// </summary>
    public void Reactivate(int expert) => _ = Task.Run(async () =>
    {
        try
        {
            await _grains.Expert(expert).GetReportAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nobody awaits this call (a silo that is stopping refuses it, for one): its next caller
            // (a peer, an ingest batch, the aggregator) activates the expert instead.
            LogReactivationFailed(_logger, expert, e);
        }
    });

    // Log event ids 1200–1299: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "Expert {Expert}, deactivated for an injected fault, could not be called back; its next caller activates it")]
    private static partial void LogReactivationFailed(ILogger logger, int expert, Exception exception);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Fault injection is on (GlobalBrain:Faults): drop {Drop}, duplicate {Duplicate}, delay {Delay} up to {MaxDelay}, reorder {Reorder}, deactivate {Deactivate}, seed {Seed}")]
    private static partial void LogFaultsOn(ILogger logger, double drop, double duplicate, double delay, TimeSpan maxDelay, double reorder, double deactivate, ulong seed);
}
