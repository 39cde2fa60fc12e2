using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GlobalBrain.Client.Input;
using GlobalBrain.Domain.Documents;

namespace GlobalBrain.Benchmarks;

/// <summary>
/// Load on a silo's HTTP API: POST /v1/documents with JSON Lines bodies cut from a corpus, as a
/// well-behaved client does it (an Idempotency-Key per request; on 429/503 it waits Retry-After and
/// sends the same body under the same key). Closed loop (<c>--concurrency C</c> requests at a time:
/// the peak) or open loop (<c>--rate R</c> requests per second on a fixed schedule, latency measured
/// from the scheduled start, so a slow server cannot hide its queueing). Every <c>--report-every</c>
/// seconds one line: documents/s, requests, refusals, latency p50/p99, and the RSS of <c>--pid</c>.
/// </summary>
/// <remarks>
/// <code>
/// http-load URL CORPUS_DIR [--split paragraphs] [--docs-per-request 200] [--concurrency 4 | --rate R]
///           [--duration 60] [--report-every 10] [--pid PID] [--warmup 120] [--max-growth 0.10] [--api-key KEY]
/// </code>
/// With <c>--pid</c> and <c>--warmup</c>, the RSS at the end of the warm-up is the baseline and the run
/// fails (exit 1) if the RSS at the end exceeds it by more than <c>--max-growth</c>.
/// </remarks>
internal static class HttpLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2 || args[0].StartsWith('-') || args[1].StartsWith('-'))
        {
            Console.Error.WriteLine("usage: http-load URL CORPUS_DIR [--split paragraphs] [--docs-per-request 200] [--concurrency 4 | --rate R] [--duration 60] [--report-every 10] [--pid PID] [--warmup 120] [--max-growth 0.10] [--api-key KEY]");
            return 2;
        }

        var url = new Uri(new Uri(args[0]), "/v1/documents");
        var split = Enum.Parse<TextSplit>(Option(args, "--split", "paragraphs"), ignoreCase: true);
        var perRequest = int.Parse(Option(args, "--docs-per-request", "200"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Option(args, "--concurrency", "4"), CultureInfo.InvariantCulture);
        var rate = double.Parse(Option(args, "--rate", "0"), CultureInfo.InvariantCulture);
        var duration = TimeSpan.FromSeconds(double.Parse(Option(args, "--duration", "60"), CultureInfo.InvariantCulture));
        var every = TimeSpan.FromSeconds(double.Parse(Option(args, "--report-every", "10"), CultureInfo.InvariantCulture));
        var pid = int.Parse(Option(args, "--pid", "0"), CultureInfo.InvariantCulture);
        var warmup = TimeSpan.FromSeconds(double.Parse(Option(args, "--warmup", "0"), CultureInfo.InvariantCulture));
        var maxGrowth = double.Parse(Option(args, "--max-growth", "0.10"), CultureInfo.InvariantCulture);
        var apiKey = Option(args, "--api-key", Environment.GetEnvironmentVariable("GlobalBrain__Api__Key") ?? string.Empty);

        var source = new DocumentSource([args[1]], split, StdinFormat.Auto, () => Stream.Null);
        var texts = source.ReadDocuments().Select(d => d.Text).ToArray();
        if (texts.Length == 0)
        {
            Console.Error.WriteLine($"no documents in {args[1]}");
            return 2;
        }

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(concurrency, 64) }) { Timeout = TimeSpan.FromMinutes(5) };
        var run = Guid.NewGuid().ToString("N")[..8];
        var stats = new Stats();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"http-load {url} {(rate > 0 ? $"open loop {rate:G} req/s" : $"closed loop, {concurrency} at a time")}, {perRequest} documents per request from {texts.Length} {split} of {args[1]}, {duration.TotalSeconds:F0} s, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}"));
        Console.WriteLine("     t  docs/s  req  429  503  p50 ms  p99 ms  RSS MB");

        var reporter = ReportAsync(stats, clock, every, pid, stop.Token);
        long next = 0;
        if (rate > 0)
        {
            var period = TimeSpan.FromSeconds(1 / rate);
            var running = new List<Task>();
            var scheduled = TimeSpan.Zero;
            while (!stop.IsCancellationRequested)
            {
                var wait = scheduled - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                var start = scheduled;
                var n = next++;
                running.Add(SendAsync(http, url, Body(texts, n, perRequest, run), $"{run}-{n}", apiKey, stats, clock, start));
                running.RemoveAll(t => t.IsCompleted);
                scheduled += period;
            }

            await Task.WhenAll(running);
        }
        else
        {
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var n = Interlocked.Increment(ref next) - 1;
                    await SendAsync(http, url, Body(texts, n, perRequest, run), $"{run}-{n}", apiKey, stats, clock, clock.Elapsed);
                }
            }));
        }

        await reporter;
        var total = stats.Total();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"total: {total.Documents} documents in {total.Requests} requests over {clock.Elapsed.TotalSeconds:F0} s = {total.Documents / clock.Elapsed.TotalSeconds:F0} documents/s, {total.Requests / clock.Elapsed.TotalSeconds:F2} req/s; 429: {total.TooMany}, 503: {total.Unavailable}, other failures: {total.Failed}; latency p50 {total.P50:F1} ms, p99 {total.P99:F1} ms"));
        if (pid > 0 && warmup > TimeSpan.Zero && stats.RssAt(warmup) is { } baseline && stats.LastRss is { } last)
        {
            var growth = (last - baseline) / baseline;
            var ok = growth <= maxGrowth;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RSS after warm-up ({warmup.TotalSeconds:F0} s) {baseline:F0} MB, at the end {last:F0} MB: growth {growth:P1} ({(ok ? "within" : "ABOVE")} {maxGrowth:P0})"));
            return ok && total.Failed == 0 ? 0 : 1;
        }

        return total.Failed == 0 ? 0 : 1;
    }

    /// <summary>Request <paramref name="n"/>'s body: the next documents of the corpus, round and round, under new ids.</summary>
    private static byte[] Body(string[] texts, long n, int perRequest, string run)
    {
        var body = new StringBuilder();
        for (var i = 0; i < perRequest; i++)
        {
            var text = texts[(int)((n * perRequest + i) % texts.Length)];
            body.Append("{\"id\":\"").Append(run).Append('-').Append(n).Append('-').Append(i).Append("\",\"text\":")
                .Append(JsonSerializer.Serialize(text)).Append("}\n");
        }

        return Encoding.UTF8.GetBytes(body.ToString());
    }

    private static async Task SendAsync(HttpClient http, Uri url, byte[] body, string key, string apiKey, Stats stats, Stopwatch clock, TimeSpan start)
    {
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            request.Headers.Add("Idempotency-Key", key);
            if (apiKey.Length > 0)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request);
            }
            catch (HttpRequestException)
            {
                stats.Failure();
                await Task.Delay(1000);
                continue; // the same body under the same key: counted once whatever happened
            }

            using (response)
            {
                if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
                {
                    stats.Refused(response.StatusCode);
                    var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                    await Task.Delay(wait);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    stats.Failure();
                    Console.Error.WriteLine($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    return;
                }

                using var answer = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                stats.Done(answer.RootElement.GetProperty("accepted").GetInt64(), (clock.Elapsed - start).TotalMilliseconds);
                return;
            }
        }
    }

    private static async Task ReportAsync(Stats stats, Stopwatch clock, TimeSpan every, int pid, CancellationToken stop)
    {
        var next = every;
        var last = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(next - clock.Elapsed, stop);
            }
            catch (OperationCanceledException)
            {
            }

            if (clock.Elapsed - last < TimeSpan.FromSeconds(1))
            {
                break; // the run ended right after a report: nothing new to say
            }

            var interval = stats.Interval();
            var rss = pid > 0 ? Rss(pid) : null;
            stats.RecordRss(clock.Elapsed, rss);
            var now = clock.Elapsed;
            var seconds = Math.Max(1e-9, (now - last).TotalSeconds);
            last = now;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{clock.Elapsed.TotalSeconds,6:F0} {interval.Documents / seconds,7:F0} {interval.Requests,4} {interval.TooMany,4} {interval.Unavailable,4} {interval.P50,7:F1} {interval.P99,7:F1} {(rss is { } r ? r.ToString("F0", CultureInfo.InvariantCulture) : "-"),7}"));
            next += every;
        }
    }

    private static double? Rss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private sealed class Stats
    {
        private readonly object _gate = new();
        private readonly List<double> _latencies = [];
        private readonly List<double> _all = [];
        private readonly List<(TimeSpan At, double Rss)> _rss = [];
        private long _documents;
        private long _requests;
        private long _tooMany;
        private long _unavailable;
        private long _totalDocuments;
        private long _totalRequests;
        private long _totalTooMany;
        private long _totalUnavailable;
        private long _failed;

        public double? LastRss
        {
            get
            {
                lock (_gate)
                {
                    return _rss.Count == 0 ? null : _rss[^1].Rss;
                }
            }
        }

        public void Done(long documents, double milliseconds)
        {
            lock (_gate)
            {
                _documents += documents;
                _totalDocuments += documents;
                _requests++;
                _totalRequests++;
                _latencies.Add(milliseconds);
                _all.Add(milliseconds);
            }
        }

        public void Refused(HttpStatusCode status)
        {
            lock (_gate)
            {
                if (status == HttpStatusCode.TooManyRequests)
                {
                    _tooMany++;
                    _totalTooMany++;
                }
                else
                {
                    _unavailable++;
                    _totalUnavailable++;
                }
            }
        }

        public void Failure() => Interlocked.Increment(ref _failed);

        public Snapshot Interval()
        {
            lock (_gate)
            {
                var snapshot = new Snapshot(_documents, _requests, _tooMany, _unavailable, 0, Percentile(_latencies, 0.50), Percentile(_latencies, 0.99));
                _documents = _requests = _tooMany = _unavailable = 0;
                _latencies.Clear();
                return snapshot;
            }
        }

        public Snapshot Total()
        {
            lock (_gate)
            {
                return new Snapshot(_totalDocuments, _totalRequests, _totalTooMany, _totalUnavailable, Interlocked.Read(ref _failed), Percentile(_all, 0.50), Percentile(_all, 0.99));
            }
        }

        public void RecordRss(TimeSpan at, double? rss)
        {
            if (rss is { } value)
            {
                lock (_gate)
                {
                    _rss.Add((at, value));
                }
            }
        }

        /// <summary>The first RSS sample taken at or after <paramref name="at"/>.</summary>
        public double? RssAt(TimeSpan at)
        {
            lock (_gate)
            {
                return _rss.Where(s => s.At >= at).Select(s => (double?)s.Rss).FirstOrDefault();
            }
        }

        private static double Percentile(List<double> values, double p)
        {
            if (values.Count == 0)
            {
                return double.NaN;
            }

            var sorted = values.Order().ToArray();
            return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        }
    }

    private readonly record struct Snapshot(long Documents, long Requests, long TooMany, long Unavailable, long Failed, double P50, double P99);
}
