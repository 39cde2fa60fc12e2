using System.Diagnostics;
using GlobalBrain.Grains.Experts;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Telemetry;

/// <summary>
/// Exchanges this silo's experts start per second, beside what they were asked for (the experts
/// active here × v), so that a cluster that cannot keep up says so instead of converging slower in silence.
/// </summary>
public sealed class ExchangeRateGauge(SiloKnowledgeBoard board, IOptions<ExpertsOptions> experts, TimeProvider time)
{
    /// <summary>The shortest window a rate is measured over; observations closer together repeat the last rate.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private long _count = -1;
    private long _at;
    private double _rate;

    /// <summary>The experts active on this silo × v, in exchanges per second.</summary>
    public double Configured => board.Active * experts.Value.FlowRate;

    /// <summary>Exchanges started per second on this silo since the previous observation (at least <see cref="Window"/> before); nothing at the first.</summary>
    public IEnumerable<System.Diagnostics.Metrics.Measurement<double>> ObserveAchieved()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            var count = board.Exchanges;
            if (_count < 0)
            {
                (_count, _at) = (count, now);
                return [];
            }

            var elapsed = time.GetElapsedTime(_at, now);
            if (elapsed >= Window)
            {
                _rate = (count - _count) / elapsed.TotalSeconds;
                (_count, _at) = (count, now);
            }

            return [new System.Diagnostics.Metrics.Measurement<double>(_rate)];
        }
    }
}
