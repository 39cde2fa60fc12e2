using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GlobalBrain.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace GlobalBrain.Grains.Tests;

/// <summary>Collects the GlobalBrain meter's measurements from the silos of one in-process cluster (others may run in this process meanwhile).</summary>
internal sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

    public MeterRecorder(TestCluster cluster)
        : this(cluster.Silos.Cast<InProcessSiloHandle>().Select(s => (object)s.SiloHost.Services.GetRequiredService<IMeterFactory>()).ToHashSet())
    {
    }

    public MeterRecorder(HashSet<object> meterFactories)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GlobalBrainInstruments.MeterName && instrument.Meter.Scope is { } scope && meterFactories.Contains(scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _listener.Start();
    }

    public IEnumerable<string> TagKeys => _measurements.SelectMany(m => m.Tags).Select(t => t.Key).Distinct();

    public double Sum(string name, (string Key, string Value)? tag = null) => Matching(name, tag).Sum(m => m.Value);

    public int Count(string name) => Matching(name, null).Count();

    /// <summary>The distinct values the measurements of <paramref name="name"/> carried in tag <paramref name="key"/>.</summary>
    public HashSet<string?> TagValues(string name, string key) =>
        Matching(name, null).SelectMany(m => m.Tags).Where(t => t.Key == key).Select(t => t.Value?.ToString()).ToHashSet();

    public void Dispose() => _listener.Dispose();

    private IEnumerable<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> Matching(string name, (string Key, string Value)? tag) =>
        _measurements.Where(m => m.Name == name && (tag is null || m.Tags.Any(t => t.Key == tag.Value.Key && Equals(t.Value, tag.Value.Value))));
}
