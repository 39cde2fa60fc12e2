using System.Diagnostics;
using System.Globalization;
using GlobalBrain.Domain.Knowledge;

namespace GlobalBrain.Benchmarks;

/// <summary>
/// Memory of one expert's idempotency window: <c>batch-window [--batches 1000000]</c> fills a window
/// with that many batch ids (sealed into segments of 1,024, as an expert does) and reports the managed
/// heap it holds, measured after a full collection, and how long a lookup takes.
/// </summary>
internal static class BatchWindowMemory
{
    public static int Run(string[] args)
    {
        var batches = args is ["--batches", var n] ? int.Parse(n, CultureInfo.InvariantCulture) : 1_000_000;
        var ids = new Guid[batches];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Guid.NewGuid();
        }

        var now = DateTimeOffset.UtcNow.UtcTicks;
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var window = new BatchWindow(TimeSpan.FromHours(24), segmentSize: 1024);
        var clock = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            window.Add(id, now);
            foreach (var segment in window.Prepare(now))
            {
                segment.MarkPersisted("stored");
            }
        }

        var fill = clock.Elapsed;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        clock.Restart();
        var found = 0;
        foreach (var id in ids)
        {
            found += window.Contains(id) ? 1 : 0;
        }

        var lookups = clock.Elapsed;
        GC.KeepAlive(window);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"idempotency window of {batches:N0} batches: {(after - before) / 1e6:F1} MB managed heap ({(after - before) / (double)batches:F1} bytes per batch); {window.Sealed.Count} sealed segments; filled in {fill.TotalSeconds:F2} s; {found:N0} lookups at {lookups.TotalMilliseconds * 1e6 / batches:F0} ns each"));
        return found == batches ? 0 : 1;
    }
}
