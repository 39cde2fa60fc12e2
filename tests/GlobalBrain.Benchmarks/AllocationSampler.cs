using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace GlobalBrain.Benchmarks;

/// <summary>
/// The runtime's allocation samples (GCAllocationTick: one event per ~100 KB allocated, naming the type that
/// crossed the mark), summed by type while <see cref="Enabled"/> is set — where a phase's allocations go, without
/// a profiler. Sampled: a type's share is an estimate; types allocated rarely may not appear.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

    public bool Enabled { get; set; }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!Enabled || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }

        var names = eventData.PayloadNames!;
        var type = names.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var amount = names.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(eventData.Payload[a], CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    /// <summary>The types with the most sampled bytes, as lines "share  MB per pass  type".</summary>
    public IEnumerable<string> Top(int count, int passes)
    {
        var total = Math.Max(1, _bytes.Values.Sum());
        return _bytes.OrderByDescending(p => p.Value).Take(count).Select(p => string.Create(CultureInfo.InvariantCulture,
            $"  {100.0 * p.Value / total,5:F1} %  {p.Value / 1e6 / passes,6:F2} MB/pass  {p.Key}"));
    }
}
