using System.Diagnostics;
using System.Globalization;
using GlobalBrain.Grains.Ingestion;

namespace GlobalBrain.Client.Output;

/// <summary>
/// A one-line progress display on a terminal (stderr): documents, MB and tokens/s, with a bar when
/// the total size is known. Redrawn at most ten times a second.
/// </summary>
public sealed class ProgressLine(TextWriter terminal, long totalBytes) : IProgress<IngestProgress>
{
    private const int BarWidth = 24;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private long _lastDrawMs = -1000;
    private int _lastLength;

    public void Report(IngestProgress value)
    {
        lock (_gate)
        {
            var now = _clock.ElapsedMilliseconds;
            var finished = totalBytes > 0 && value.Bytes >= totalBytes;
            if (now - _lastDrawMs < 100 && !finished)
            {
                return;
            }

            _lastDrawMs = now;
            var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
            var bar = totalBytes > 0 ? Bar((double)value.Bytes / totalBytes) + " " : string.Empty;
            var rejected = value.Rejected > 0 ? string.Create(CultureInfo.InvariantCulture, $"  {value.Rejected:N0} rejected") : string.Empty;
            Draw(string.Create(CultureInfo.InvariantCulture,
                $"ingest {bar}{value.Documents:N0} docs  {value.Bytes / 1e6:F1} MB  {value.Tokens / seconds:N0} tokens/s{rejected}"));
        }
    }

    /// <summary>Shows a status line (e.g. while waiting for knowledge to spread).</summary>
    public void Status(string text)
    {
        lock (_gate)
        {
            Draw(text);
        }
    }

    /// <summary>Clears the line so that what follows starts clean.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            terminal.Write('\r' + new string(' ', _lastLength) + '\r');
            terminal.Flush();
            _lastLength = 0;
        }
    }

    private void Draw(string line)
    {
        var padding = Math.Max(0, _lastLength - line.Length);
        terminal.Write('\r' + line + new string(' ', padding));
        terminal.Flush();
        _lastLength = line.Length;
    }

    /// <summary>A text bar of <paramref name="fraction"/> (0..1).</summary>
    public static string Bar(double fraction)
    {
        var filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * BarWidth);
        return "[" + new string('#', filled) + new string('.', BarWidth - filled) + "]";
    }
}
