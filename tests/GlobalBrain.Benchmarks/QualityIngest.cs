using System.Diagnostics;
using System.Globalization;
using System.Text;
using GlobalBrain.Client.Cli;
using GlobalBrain.Client.Input;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Quality;
using GlobalBrain.Grains;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Grains.Quality;

namespace GlobalBrain.Benchmarks;

/// <summary>
/// The cost of the data-quality filters on ingestion, and the memory of the duplicate state.
/// <para>
/// <c>quality-ingest CORPUS_DIR [--rounds 3] [--warm-rounds 3] [--languages en,es,zh] [--only NAME] [--confirm-linger MS]</c>: end-to-end ingest (the dispatcher through an
/// embedded silo, N = 16, v = 1, cl100k_base) of the corpus paragraphs with the filters off, at the CLI's defaults
/// (dedup exact, pii redact), the defaults plus each other filter alone, and all on (dedup near, pii redact,
/// --languages, quality default), in the same process, all interleaved in every round. Each run gets a fresh embedded cluster, so the duplicate memory of one run
/// never answers for the next; silo start-up and a warm-up (each paragraph's characters reversed: other shingles
/// and exact keys, so no timed document is the warm-up's duplicate; the same scripts, so the detector's tables and models load there) are not timed. MB/s is input text per second.
/// </para>
/// <para>
/// <c>dedup-memory [--documents 1000000]</c>: the managed heap of the partitions' in-memory seen-sets (the exact-key
/// and the band-key partitions' own dictionaries) after that many documents, per document.
/// </para>
/// </summary>
internal static class QualityIngest
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: GlobalBrain.Benchmarks quality-ingest CORPUS_DIR [--rounds 3] [--warm-rounds 3] [--languages en,es,zh] [--only NAME] [--confirm-linger MS]");
            return 2;
        }

        var rounds = int.Parse(Option(args, "--rounds", "3"), CultureInfo.InvariantCulture);

        // Whole rounds run first and not counted: each run starts a cluster of its own, whose start-up compiles code
        // again and delays the JIT's tiering, so the filters' hot loops need several rounds to run fully optimised.
        var warmRounds = int.Parse(Option(args, "--warm-rounds", "3"), CultureInfo.InvariantCulture);
        var languages = Option(args, "--languages", "en,es,zh").Split(',');
        var linger = args.Contains("--confirm-linger")
            ? TimeSpan.FromMilliseconds(double.Parse(Option(args, "--confirm-linger", "0"), CultureInfo.InvariantCulture))
            : new IngestDispatcherOptions().ConfirmLinger;
        var source = new DocumentSource([args[0]], TextSplit.Paragraphs, StdinFormat.Auto, () => Stream.Null);
        var documents = source.ReadDocuments().ToList();

        // The warm-up's texts must be no duplicates of the timed ones, or the duplicate filter would drop those in the
        // timed run and spare them the tokenizer: each paragraph's characters reversed (runes, so no surrogate pair
        // breaks) — reversing the word order left every Chinese paragraph, which has no spaces, the same.
        var warmUp = documents.Select(d => new DocumentInput("warm/" + d.Id, string.Concat(d.Text.EnumerateRunes().Reverse()))).ToList();
        var megabytes = documents.Sum(d => (long)Encoding.UTF8.GetByteCount(d.Text)) / 1e6;
        var configurations = new (string Name, IngestFilters Filters)[]
        {
            ("off", IngestFilters.Off),
            ("defaults (dedup exact, pii redact)", IngestFilters.Default),
            ("defaults + dedup near", IngestFilters.Default with { Dedup = DedupMode.Near }),
            ("defaults + quality default", IngestFilters.Default with { Quality = QualityMode.Default }),
            ($"defaults + languages {string.Join(',', languages)}", IngestFilters.Default with { Languages = languages }),
            ($"all on (near, redact, {string.Join(',', languages)}, quality)", new IngestFilters(DedupMode.Near, PiiMode.Redact, languages, QualityMode.Default)),
        };

        // --only "all on": the filters off (the baseline) and the configurations whose name starts so, e.g. to profile one.
        var only = Option(args, "--only", string.Empty);
        configurations = [.. configurations.Where((c, i) => i == 0 || c.Name.StartsWith(only, StringComparison.Ordinal))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"corpus {args[0]}: {documents.Count} paragraphs, {megabytes:F2} MB; {rounds} rounds; {Environment.ProcessorCount} cores; confirm linger {linger.TotalMilliseconds} ms; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load {File.ReadAllText("/proc/loadavg").Trim()}"));

        var results = configurations.Select(_ => new List<(double Seconds, double Cpu, double Allocated, IngestSummary Summary)>()).ToArray();
        for (var round = -warmRounds; round < rounds; round++)
        {
            // Interleaved, the order turned every round, so a machine that slows down or speeds up weighs on all alike.
            var order = Enumerable.Range(0, configurations.Length).ToArray();
            if ((round & 1) == 1)
            {
                Array.Reverse(order);
            }

            foreach (var c in order)
            {
                await using var cluster = await ClusterConnection.StartEmbeddedAsync(16, 1, CancellationToken.None);
                var dispatcher = await IngestDispatcher.ConnectAsync(cluster.Client, new IngestDispatcherOptions { ConfirmLinger = linger });
                await dispatcher.IngestAsync(warmUp, TokenizerSpec.Default, filters: configurations[c].Filters);

                // The garbage of the runs before (a stopped cluster, the warm-up) is collected now, not on this run's bill.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var gcPaused = GC.GetTotalPauseDuration();
                var clock = Stopwatch.StartNew();
                var summary = await dispatcher.IngestAsync(documents, TokenizerSpec.Default, filters: configurations[c].Filters);
                var seconds = clock.Elapsed.TotalSeconds;
                if (round < 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  warm-up round {round + warmRounds + 1} {configurations[c].Name,-40} {megabytes / seconds,6:F2} MB/s (not counted)"));
                    continue;
                }

                // Allocated: every thread of the process (the client, the embedded silo); GC paused: what the collector stopped.
                results[c].Add((seconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1e6, summary));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round + 1} {configurations[c].Name,-48} {megabytes / seconds,6:F2} MB/s  {seconds,6:F2} s  CPU {results[c][^1].Cpu:F2} s  allocated {results[c][^1].Allocated,6:F0} MB  GC paused {(GC.GetTotalPauseDuration() - gcPaused).TotalMilliseconds,4:F0} ms  kept {summary.Accepted}, filtered {summary.FilteredTotal}"));
            }
        }

        // Wall time and CPU time both: on a shared machine the wall clock also measures the neighbours.
        var baseline = Median(results[0]).Seconds;
        var baselineCpu = results[0].Select(r => r.Cpu).Order().ElementAt(results[0].Count / 2);
        foreach (var (configuration, runs) in configurations.Zip(results))
        {
            var median = Median(runs);
            var cpu = runs.Select(r => r.Cpu).Order().ElementAt(runs.Count / 2);
            var allocated = runs.Select(r => r.Allocated).Order().ElementAt(runs.Count / 2);
            var filtered = string.Join(", ", median.Summary.Filtered.GroupBy(f => f.Filter).Select(g => $"{g.Key} {g.Sum(f => f.Count)}"));

            // Paired: each round's CPU against the same round's run with the filters off (minutes apart at most), so a
            // machine whose speed drifts between rounds weighs on both sides of each ratio.
            var paired = runs.Zip(results[0], (r, off) => (r.Cpu / off.Cpu) - 1).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{configuration.Name,-50} median {megabytes / median.Seconds,6:F2} MB/s ({string.Join(" ", runs.Select(r => (megabytes / r.Seconds).ToString("F2", CultureInfo.InvariantCulture)))}), wall cost {(median.Seconds / baseline) - 1:P0}; median CPU {cpu:F2} s, CPU cost {(cpu / baselineCpu) - 1:P0} vs off, paired by round {paired[paired.Count / 2]:P0} ({paired[0]:P0} … {paired[^1]:P0}); allocated {allocated:F0} MB; kept {median.Summary.Accepted}{(filtered.Length > 0 ? $"; filtered {filtered}" : string.Empty)}"));
        }

        return 0;
    }

    public static int Memory(string[] args)
    {
        var documents = int.Parse(Option(args, "--documents", "1000000"), CultureInfo.InvariantCulture);
        var bands = DocumentScreener.MinHashBands;
        var random = new Random(1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{documents:N0} documents, {DedupPartitions.ExactCount} exact and {DedupPartitions.NearCount} band partitions, {bands} bands; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var exact = Enumerable.Range(0, DedupPartitions.ExactCount).Select(_ => new Dictionary<UInt128, ulong>()).ToArray();
        for (var i = 0; i < documents; i++)
        {
            var key = new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64());
            exact[DedupPartitions.OfExact((ulong)key)][key] = (ulong)random.NextInt64();
        }

        var exactBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        Report("exact keys (Dictionary<UInt128, ulong>)", exactBytes, documents, exact.Sum(d => d.Count));

        before = GC.GetTotalMemory(forceFullCollection: true);
        var near = Enumerable.Range(0, DedupPartitions.NearCount).Select(_ => new Dictionary<ulong, ulong>()).ToArray();
        for (var i = 0; i < documents * bands; i++)
        {
            var key = (ulong)random.NextInt64();
            near[DedupPartitions.OfNear(key)][key] = (ulong)random.NextInt64();
        }

        var nearBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        Report("band keys (Dictionary<ulong, ulong>)", nearBytes, documents, near.Sum(d => d.Count));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"in grain storage (segments of 64-bit words): exact 24 B per document, near 24 + {bands} × 16 = {24 + (bands * 16)} B per document, before the storage's own overhead"));
        GC.KeepAlive(exact);
        GC.KeepAlive(near);
        return 0;

        static void Report(string name, long bytes, int documents, int entries) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-42} {bytes / 1e6,8:F1} MB for {entries:N0} entries: {(double)bytes / entries,5:F1} B per entry, {(double)bytes / documents,6:F1} B per document, {bytes / 1e6 * 1e6 / documents,7:F1} MB per million documents"));
    }

    private static (double Seconds, double Cpu, double Allocated, IngestSummary Summary) Median(List<(double Seconds, double Cpu, double Allocated, IngestSummary Summary)> runs) =>
        runs.OrderBy(r => r.Seconds).ElementAt(runs.Count / 2);

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
