using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace GlobalBrain.Silo.Hosting;

/// <summary>
/// <c>/metrics</c> on the metrics port: the Prometheus text format 0.0.4, collected and written on the thread that
/// serves the request (the <see cref="MetricsPortServer"/>'s), never handed to the thread pool.
/// </summary>
/// <remarks>
/// <para>Why not OpenTelemetry's Prometheus middleware on that port: its collection manager (1.20.1-beta.1, the version
/// NuGet serves here) starts every collection with <c>Task.Run</c>. Queued from a thread outside the pool, that work item
/// goes to the pool's global queue, which a worker serves only when its own local queue is empty; at 10^6 spreading
/// experts Orleans keeps the local queues full, and perf showed the metrics thread blocked 0.3–4 s in the middleware's
/// wait while the GC paused the process only 10–40 ms of it (README, "The live cluster at scale"). Here
/// <see cref="MetricReader.Collect"/> runs the instruments' callbacks and this exporter on the caller's thread.</para>
/// <para>What is written is what that exporter writes for <c>Accept: text/plain; version=0.0.4</c> with its defaults
/// (<c>PrometheusTextExpositionTests</c> compares the two byte for byte): <c>target_info</c> from the resource; families
/// sorted by name; <c># TYPE</c> and the first non-empty description as <c># HELP</c> once per name, a name two
/// instruments give different types dropped; names sanitized with the unit's suffix (<c>s</c> → <c>_seconds</c>,
/// <c>By</c> → <c>_bytes</c>, <c>{…}</c> annotations dropped) and <c>_total</c> on monotonic sums; an up-down counter is a
/// gauge; <c>otel_scope_name</c> (and version, schema URL, meter tags) on every series; tag keys sanitized, keys that
/// collide merged as <c>a;b</c>; histograms as cumulative <c>_bucket{le}</c>, <c>_sum</c>, <c>_count</c>; exponential
/// histograms skipped (the exporter ignores them too). Not offered: OpenMetrics, gzip, the UTF-8 escaping schemes — every
/// Prometheus reads the 0.0.4 text format whatever it asked for.</para>
/// </remarks>
internal sealed partial class PrometheusTextExposition : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly TextExporter _exporter = new();
    private readonly Lock _gate = new();
    private readonly ILogger _logger;

    public PrometheusTextExposition(ILogger<PrometheusTextExposition>? logger = null)
    {
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        Reader = new BaseExportingMetricReader(_exporter);
    }

    /// <summary>The reader to add to the meter provider (<c>AddReader</c>); it only collects when asked.</summary>
    public MetricReader Reader { get; }

    /// <summary>Collects every instrument now, on this thread, and returns the exposition; null (and a logged error) when the collection failed.</summary>
    public byte[]? Collect()
    {
        lock (_gate)
        {
            _exporter.Text = null;
            _exporter.Failure = null;
            if (_exporter.Collect?.Invoke(Timeout.Infinite) == true && _exporter.Text is { } text)
            {
                return text;
            }

            // Without a meter provider (not built, or disposed while stopping) there is nothing to collect.
            CollectionFailed(_logger, _exporter.Failure?.Message ?? "the metric reader collected nothing: is the meter provider built?", _exporter.Failure);
            return null;
        }
    }

    /// <summary>Answers a scrape: 200 and the exposition, or 500 when the collection failed. Completes before it returns.</summary>
    public Task ServeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var text = Collect();
        if (text is null)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ContentType;
        context.Response.Body.Write(text);
        return Task.CompletedTask;
    }

    public void Dispose() => Reader.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Collecting /metrics failed ({Reason}); the scrape gets 500")]
    private static partial void CollectionFailed(ILogger logger, string reason, Exception? exception);

    /// <summary>The exposition of one batch (what <see cref="MetricReader.Collect"/> hands the exporter).</summary>
    internal static byte[] Serialize(in Batch<Metric> batch, Resource? resource)
    {
        var output = new Output();
        if (resource is not null && resource.Attributes.Any())
        {
            output.Ascii("# TYPE target_info gauge\n# HELP target_info Target metadata\ntarget_info");
            var labels = resource.Attributes.Select(a => new Label(a.Key, OutputKey(a.Key), LabelValue(a.Value))).ToList();
            output.Labels(labels);
            output.Ascii(" 1\n");
        }

        var families = new List<(Metric Metric, Naming Naming)>();
        var metadata = new Dictionary<string, (PrometheusType Type, string? Help)>(StringComparer.Ordinal);
        var conflicting = new HashSet<string>(StringComparer.Ordinal);
        foreach (var metric in batch)
        {
            if (metric.MetricType == MetricType.ExponentialHistogram)
            {
                continue;
            }

            var naming = Names.GetValue(metric, m => new Naming(m.Name, m.Unit, TypeOf(m.MetricType)));
            families.Add((metric, naming));
            var help = string.IsNullOrEmpty(metric.Description) ? null : metric.Description;
            if (!metadata.TryGetValue(naming.Name, out var known))
            {
                metadata[naming.Name] = (naming.Type, help);
                continue;
            }

            if (known.Type != naming.Type)
            {
                conflicting.Add(naming.Name);
            }

            if (known.Help is null && help is not null)
            {
                metadata[naming.Name] = (known.Type, help);
            }
        }

        families.Sort((a, b) =>
        {
            var order = string.CompareOrdinal(a.Naming.Name, b.Naming.Name);
            order = order != 0 ? order : string.CompareOrdinal(a.Metric.MeterName, b.Metric.MeterName);
            return order != 0 ? order : string.CompareOrdinal(a.Metric.Name, b.Metric.Name);
        });
        var described = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (metric, naming) in families)
        {
            if (conflicting.Contains(naming.Name))
            {
                continue;
            }

            if (described.Add(naming.Name))
            {
                output.Ascii("# TYPE ").Ascii(naming.Name).Ascii(" ").Ascii(TypeName(naming.Type)).Ascii("\n");
                if (metadata[naming.Name].Help is { } help)
                {
                    output.Ascii("# HELP ").Ascii(naming.Name).Ascii(" ").Escaped(help, quotes: false).Ascii("\n");
                }
            }

            WritePoints(output, metric, naming.Name);
        }

        return output.ToArray();
    }

    private static void WritePoints(Output output, Metric metric, string name)
    {
        var scope = ScopeLabels(metric);
        if (metric.MetricType.IsHistogram())
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var labels = SeriesLabels(scope, point.Tags, reserved: "le");
                long cumulative = 0;
                foreach (var bucket in point.GetHistogramBuckets())
                {
                    cumulative += bucket.BucketCount;
                    output.Ascii(name).Ascii("_bucket");
                    output.Labels(labels, ("le", double.IsPositiveInfinity(bucket.ExplicitBound) ? "+Inf" : Output.Format(bucket.ExplicitBound)));
                    output.Ascii(" ").Long(cumulative).Ascii("\n");
                }

                output.Ascii(name).Ascii("_sum").Labels(labels).Ascii(" ").Double(point.GetHistogramSum()).Ascii("\n");
                output.Ascii(name).Ascii("_count").Labels(labels).Ascii(" ").Long(point.GetHistogramCount()).Ascii("\n");
            }

            return;
        }

        var isLong = ((int)metric.MetricType & 0xF) == 0xA;
        var isSum = metric.MetricType.IsSum();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            output.Ascii(name).Labels(SeriesLabels(scope, point.Tags, reserved: null)).Ascii(" ");
            if (isLong)
            {
                output.Long(isSum ? point.GetSumLong() : point.GetGaugeLastValueLong());
            }
            else
            {
                output.Double(isSum ? point.GetSumDouble() : point.GetGaugeLastValueDouble());
            }

            output.Ascii("\n");
        }
    }

    private static readonly ConditionalWeakTable<Metric, Naming> Names = new();
    private static readonly ConditionalWeakTable<Metric, List<Label>> Scopes = new();
    private static readonly HashSet<string> ReservedScopeKeys = ["otel_scope_name", "otel_scope_version", "otel_scope_schema_url"];

    private static List<Label> ScopeLabels(Metric metric) => Scopes.GetValue(metric, m =>
    {
        List<Label> labels = [new("otel_scope_name", "otel_scope_name", m.MeterName)];
        if (!string.IsNullOrEmpty(m.MeterVersion))
        {
            labels.Add(new("otel_scope_version", "otel_scope_version", m.MeterVersion));
        }

        if (!string.IsNullOrEmpty(m.MeterSchemaUrl))
        {
            labels.Add(new("otel_scope_schema_url", "otel_scope_schema_url", m.MeterSchemaUrl));
        }

        foreach (var (key, value) in m.MeterTags ?? [])
        {
            var output = NormalizeKey("otel_scope_" + key);
            if (!ReservedScopeKeys.Contains(output))
            {
                labels.Add(new(key, output, LabelValue(value)));
            }
        }

        return labels;
    });

    private static List<Label> SeriesLabels(List<Label> scope, ReadOnlyTagCollection tags, string? reserved)
    {
        var labels = new List<Label>(scope.Count + tags.Count);
        labels.AddRange(scope);
        foreach (var (key, value) in tags)
        {
            var output = OutputKey(key);
            if (output != reserved)
            {
                labels.Add(new(key, output, LabelValue(value)));
            }
        }

        return labels;
    }

    private static PrometheusType TypeOf(MetricType type) => ((int)type >> 4) switch
    {
        0 => PrometheusType.Untyped,
        1 => PrometheusType.Counter,
        2 or 8 => PrometheusType.Gauge,
        3 => PrometheusType.Summary,
        >= 4 and <= 7 => PrometheusType.Histogram,
        _ => throw new InvalidOperationException($"unknown metric type {type}"),
    };

    private static string TypeName(PrometheusType type) => type switch
    {
        PrometheusType.Counter => "counter",
        PrometheusType.Gauge => "gauge",
        PrometheusType.Summary => "summary",
        PrometheusType.Histogram => "histogram",
        _ => "untyped",
    };

    private static string OutputKey(string key) => string.IsNullOrEmpty(key) ? "_" : NormalizeKey(key);

    /// <summary>A tag key as a label name: a leading digit gets <c>_</c> before it, a run of other characters becomes one <c>_</c> (none right after a <c>_</c>).</summary>
    private static string NormalizeKey(string key)
    {
        var text = new StringBuilder(key.Length + 1);
        var underscore = false;
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (i == 0 && char.IsAsciiDigit(c))
            {
                text.Append('_');
            }

            if (char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                text.Append(c);
                underscore = c == '_';
            }
            else if (!underscore)
            {
                text.Append('_');
                underscore = true;
            }
        }

        return text.ToString();
    }

    private static string LabelValue(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        double d => CanonicalNumber(d),
        float f => CanonicalNumber(f),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture) ?? "",
        _ => value.ToString() ?? "",
    };

    /// <summary>A floating-point tag value as the exporter writes it: shortest round trip, fixed point for exponents −4…5 (always with a fraction), else d.ddde±XX.</summary>
    private static string CanonicalNumber(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (value == 0)
        {
            return "0.0";
        }

        var shortest = value.ToString(CultureInfo.InvariantCulture).AsSpan();
        var negative = shortest[0] == '-';
        if (negative)
        {
            shortest = shortest[1..];
        }

        var exponent = 0;
        var e = shortest.IndexOfAny('E', 'e');
        if (e >= 0)
        {
            exponent = int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            shortest = shortest[..e];
        }

        var point = shortest.IndexOf('.');
        var digits = point < 0 ? shortest.ToString() : string.Concat(shortest[..point], shortest[(point + 1)..]);
        exponent += (point < 0 ? shortest.Length : point) - 1;
        var start = 0;
        while (start < digits.Length - 1 && digits[start] == '0')
        {
            start++;
            exponent--;
        }

        var end = digits.Length;
        while (end - start > 1 && digits[end - 1] == '0')
        {
            end--;
        }

        var significand = digits[start..end];
        var text = new StringBuilder(32);
        if (negative)
        {
            text.Append('-');
        }

        if (exponent is >= -4 and < 6)
        {
            if (exponent < 0)
            {
                text.Append("0.").Append('0', -exponent - 1).Append(significand);
            }
            else
            {
                var whole = exponent + 1;
                text.Append(significand.Length >= whole ? significand[..whole] : significand.PadRight(whole, '0')).Append('.');
                text.Append(significand.Length > whole ? significand[whole..] : "0");
            }
        }
        else
        {
            text.Append(significand[0]);
            if (significand.Length > 1)
            {
                text.Append('.').Append(significand, 1, significand.Length - 1);
            }

            text.Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString(Math.Abs(exponent) >= 100 ? "000" : "00", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    private enum PrometheusType
    {
        Untyped,
        Counter,
        Gauge,
        Summary,
        Histogram,
    }

    private readonly record struct Label(string OriginalKey, string OutputKey, string Value);

    /// <summary>An instrument's family name: sanitized, the unit's suffix, <c>_total</c> on a counter.</summary>
    private sealed class Naming
    {
        public Naming(string name, string? unit, PrometheusType type)
        {
            Type = type;
            var text = SanitizeName(name);
            if (!string.IsNullOrEmpty(unit))
            {
                var suffix = UnitSuffix(unit);
                if (!text.EndsWith(suffix, StringComparison.Ordinal) && (type != PrometheusType.Counter || !text.EndsWith(suffix + "_total", StringComparison.Ordinal)))
                {
                    text += "_" + suffix;
                }
            }

            if (type == PrometheusType.Counter && !text.EndsWith("_total", StringComparison.Ordinal))
            {
                text += "_total";
            }

            Name = text;
        }

        public string Name { get; }

        public PrometheusType Type { get; }

        private static string SanitizeName(string name)
        {
            var text = new StringBuilder(name.Length);
            var underscore = false;
            for (var i = 0; i < name.Length; i++)
            {
                var c = name[i];
                if (i == 0 && char.IsAsciiDigit(c))
                {
                    text.Append('_');
                    underscore = true;
                }
                else if (char.IsAsciiLetterOrDigit(c) || c == ':')
                {
                    text.Append(c);
                    underscore = false;
                }
                else if (!underscore)
                {
                    text.Append('_');
                    underscore = true;
                }
            }

            return text.ToString();
        }

        private static string UnitSuffix(string unit)
        {
            var plain = RemoveAnnotations(unit);
            var slash = plain.IndexOf('/', StringComparison.Ordinal);
            plain = slash >= 0 && slash < plain.Length - 1
                ? MapUnit(plain[..slash]) + "_per_" + MapPerUnit(plain[(slash + 1)..])
                : MapUnit(plain);
            var text = new StringBuilder(plain.Length);
            var underscore = false;
            foreach (var c in plain)
            {
                if (char.IsAsciiLetterOrDigit(c) || c == ':')
                {
                    text.Append(c);
                    underscore = false;
                }
                else if (!underscore)
                {
                    text.Append('_');
                    underscore = true;
                }
            }

            return text.ToString().Trim('_');
        }

        private static string RemoveAnnotations(string unit)
        {
            StringBuilder? text = null;
            var open = -1;
            var copied = 0;
            for (var i = 0; i < unit.Length; i++)
            {
                if (unit[i] == '{' && open < 0)
                {
                    open = i;
                }
                else if (unit[i] == '}' && open >= 0)
                {
                    (text ??= new StringBuilder()).Append(unit, copied, open - copied);
                    open = -1;
                    copied = i + 1;
                }
            }

            return copied == 0 ? unit : text!.Append(unit, copied, unit.Length - copied).ToString();
        }

        private static string MapUnit(string unit) => unit switch
        {
            "d" => "days",
            "h" => "hours",
            "min" => "minutes",
            "s" => "seconds",
            "ms" => "milliseconds",
            "us" => "microseconds",
            "ns" => "nanoseconds",
            "By" or "B" => "bytes",
            "KiBy" => "kibibytes",
            "MiBy" => "mebibytes",
            "GiBy" => "gibibytes",
            "TiBy" => "tibibytes",
            "KBy" or "KB" => "kilobytes",
            "MBy" or "MB" => "megabytes",
            "GBy" or "GB" => "gigabytes",
            "TBy" or "TB" => "terabytes",
            "m" => "meters",
            "V" => "volts",
            "A" => "amperes",
            "J" => "joules",
            "W" => "watts",
            "g" => "grams",
            "Cel" => "celsius",
            "Hz" => "hertz",
            "1" => "",
            "%" => "percent",
            "$" => "dollars",
            _ => unit,
        };

        private static string MapPerUnit(string unit) => unit switch
        {
            "s" => "second",
            "m" => "minute",
            "h" => "hour",
            "d" => "day",
            "w" => "week",
            "mo" => "month",
            "y" => "year",
            _ => unit,
        };
    }

    /// <summary>UTF-8 text as the exposition format wants it.</summary>
    private sealed class Output
    {
        private readonly ArrayBufferWriter<byte> _bytes = new(64 * 1024);
        private readonly byte[] _number = new byte[64];

        public static string Format(double value)
        {
            Span<byte> text = stackalloc byte[64];
            return Encoding.ASCII.GetString(text[..FormatInto(text, value)]);
        }

        public Output Ascii(string text)
        {
            foreach (var c in text)
            {
                Put((byte)c);
            }

            return this;
        }

        public Output Long(long value)
        {
            Utf8Formatter.TryFormat(value, _number, out var written);
            _bytes.Write(_number.AsSpan(0, written));
            return this;
        }

        public Output Double(double value)
        {
            _bytes.Write(_number.AsSpan(0, FormatInto(_number, value)));
            return this;
        }

        /// <summary>Backslash and line feed escaped (and the double quote, in a label value); an unpaired surrogate becomes U+FFFD.</summary>
        public Output Escaped(string text, bool quotes)
        {
            Span<byte> utf8 = stackalloc byte[4];
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                switch (c)
                {
                    case '\\':
                        Ascii("\\\\");
                        continue;
                    case '\n':
                        Ascii("\\n");
                        continue;
                    case '"' when quotes:
                        Ascii("\\\"");
                        continue;
                    case < (char)0x80:
                        Put((byte)c);
                        continue;
                }

                Rune rune;
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    rune = new Rune(c, text[++i]);
                }
                else
                {
                    rune = char.IsSurrogate(c) ? Rune.ReplacementChar : new Rune(c);
                }

                _bytes.Write(utf8[..rune.EncodeToUtf8(utf8)]);
            }

            return this;
        }

        /// <summary><c>{key="value",…}</c>; keys that collide are written once, their values joined with <c>;</c> in the order of their original keys.</summary>
        public Output Labels(List<Label> labels, (string Key, string Value)? last = null)
        {
            Put((byte)'{');
            var first = true;
            foreach (var group in labels.Count > 32 || labels.Select(l => l.OutputKey).Distinct(StringComparer.Ordinal).Count() != labels.Count
                ? labels.GroupBy(l => l.OutputKey, StringComparer.Ordinal).Select(g => new Label("", g.Key, g.Count() == 1
                    ? g.First().Value
                    : string.Join(';', g.OrderBy(l => l.OriginalKey, StringComparer.Ordinal).Select(l => l.Value))))
                : labels)
            {
                Comma(ref first).Ascii(group.OutputKey).Ascii("=\"").Escaped(group.Value, quotes: true).Ascii("\"");
            }

            if (last is var (key, value))
            {
                Comma(ref first).Ascii(key).Ascii("=\"").Ascii(value).Ascii("\"");
            }

            Put((byte)'}');
            return this;
        }

        public byte[] ToArray() => _bytes.WrittenSpan.ToArray();

        private void Put(byte value)
        {
            _bytes.GetSpan(1)[0] = value;
            _bytes.Advance(1);
        }

        private static int FormatInto(Span<byte> destination, double value)
        {
            if (double.IsFinite(value))
            {
                Utf8Formatter.TryFormat(value, destination, out var written);
                return written;
            }

            var text = double.IsPositiveInfinity(value) ? "+Inf"u8 : double.IsNegativeInfinity(value) ? "-Inf"u8 : "NaN"u8;
            text.CopyTo(destination);
            return text.Length;
        }

        private Output Comma(ref bool first)
        {
            if (!first)
            {
                Put((byte)',');
            }

            first = false;
            return this;
        }
    }

    /// <summary>Pull only: the reader collects for it only inside <see cref="IPullMetricExporter.Collect"/>, which the reader sets.</summary>
    [ExportModes(ExportModes.Pull)]
    private sealed class TextExporter : BaseExporter<Metric>, IPullMetricExporter
    {
        public byte[]? Text { get; set; }

        public Exception? Failure { get; set; }

        public Func<int, bool>? Collect { get; set; }

        public override ExportResult Export(in Batch<Metric> batch)
        {
            try
            {
                Text = Serialize(batch, ParentProvider?.GetResource());
                return ExportResult.Success;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The reader swallows what an exporter throws (into OpenTelemetry's event source); kept for the log.
                Failure = e;
                return ExportResult.Failure;
            }
        }
    }
}
