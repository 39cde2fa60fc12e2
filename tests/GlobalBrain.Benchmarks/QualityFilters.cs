using System.Diagnostics;
using System.Globalization;
using System.Text;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Quality;

namespace GlobalBrain.Benchmarks;

/// <summary>
/// Throughput of each ingestion filter (grains/GlobalBrain.Domain/Quality) on the corpus paragraphs, one thread,
/// after a warm-up of a second (at most three passes), in MB/s of UTF-8 text per CPU second of the process (median of the
/// passes; wall-clock MB/s beside it, which on a shared machine also measures the neighbours). Usage:
///   dotnet run -c Release --project tests/GlobalBrain.Benchmarks -- quality CORPUS_DIR [--repeat 3] [--only WORD]
/// (CORPUS_DIR holds one folder per language, en/ es/ zh/, as ../shared/data/corpus; --only runs the filters whose
/// name contains WORD.) The language filter is measured as ingestion runs it: the kept languages en, es, zh plus
/// <see cref="LanguageScreen.DefaultOthers"/> as candidates, on <see cref="LanguageScreen.Sample"/> of each text —
/// Lingua alone and with <see cref="LanguageFirstStage"/> in front, interleaved twice; then the first stage alone
/// (declining included), whose answers are a share of the paragraphs.
/// </summary>
internal static class QualityFilters
{
    public static int Run(string[] args)
    {
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: GlobalBrain.Benchmarks quality CORPUS_DIR [--repeat 3] [--only WORD]");
            return 2;
        }

        var repeat = int.Parse(Option(args, "--repeat", "3"), CultureInfo.InvariantCulture);
        var only = Option(args, "--only", string.Empty);
        var paragraphs = Paragraphs(args[0]);
        var megabytes = paragraphs.Sum(p => Encoding.UTF8.GetByteCount(p.Text)) / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"corpus {args[0]}: {paragraphs.Count} paragraphs, {megabytes:F2} MB; median of {repeat}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load {File.ReadAllText("/proc/loadavg").Trim()}"));
        var dedup = new MinHashDeduplicator();
        var quality = new QualityFilter();
        long sink = 0;

        Measure("exact hash (normalise + XxHash128)", p => sink += (long)(ulong)TextNormalizer.ExactHash(p.Text));
        var normalized = new Dictionary<string, string>(ReferenceEqualityComparer.Instance);
        foreach (var p in paragraphs)
        {
            normalized.TryAdd(p.Text, TextNormalizer.Normalize(p.Text));
        }

        Measure("normalise alone", p => sink += TextNormalizer.Normalize(p.Text).Length);
        Measure("XxHash128 of the normalised text", p => sink += (long)(ulong)TextNormalizer.HashNormalized(normalized[p.Text]));
        Measure("MinHash of the normalised text + 14 band keys", p =>
        {
            Span<ulong> signature = stackalloc ulong[dedup.SignatureLength];
            sink += dedup.TrySignatureOfNormalized(normalized[p.Text], signature) ? dedup.BandKeys(signature)[0].Band : 0;
        });
        Measure("MinHash signature + 14 band keys", p => sink += dedup.Signature(p.Text) is { } s ? dedup.BandKeys(s)[0].Band : 0);
        Measure("PII redaction", p => sink += PiiRedactor.Redact(p.Text).Counts.Total);
        Measure("quality rules", p => sink += quality.Evaluate(p.Text, p.Language).Keep ? 1 : 0);

        // Screening as a silo runs it with every filter on (the benchmark quality-ingest's "all on": dedup near, pii
        // redact, languages en,es,zh, quality default), and the tokenizer the same text meets after it, for scale.
        var allOn = new GlobalBrain.Grains.IngestFilters(GlobalBrain.Grains.DedupMode.Near, GlobalBrain.Grains.PiiMode.Redact, ["en", "es", "zh"], GlobalBrain.Grains.QualityMode.Default);
        var screener = new GlobalBrain.Grains.Quality.DocumentScreener(allOn, new GlobalBrain.Grains.Quality.LanguageDetectors());
        Measure("screening, all filters on", p => sink += screener.Screen(p.Text, keys: true).Passed ? 1 : 0);
        var cl100k = GlobalBrain.Domain.Tokenization.TextEncoders.Get("cl100k_base");
        Measure("cl100k_base encoding (no filters)", p => sink += cl100k.Encode(p.Text).Length);
        if ("language (Lingua alone, 12 candidates) language (first stage + Lingua) language (first stage alone)".Contains(only, StringComparison.Ordinal))
        {
            var candidates = LanguageScreen.Candidates(["en", "es", "zh"]);
            var clock = Stopwatch.StartNew();
            var lingua = new LanguageDetector(candidates, firstStage: false);
            lingua.Detect("warm the models up");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"language detector ({string.Join(',', lingua.Candidates)}) built and first result in {clock.Elapsed.TotalSeconds:F2} s"));
            var wrong = paragraphs.Count(p => lingua.Detect(LanguageScreen.Sample(p.Text)).Code != p.Language);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"paragraphs labelled another language than their folder's: {wrong} of {paragraphs.Count} ({(double)wrong / paragraphs.Count:P2})"));

            var heap = GC.GetTotalMemory(forceFullCollection: true);
            clock.Restart();
            var stage = LanguageFirstStage.Create([.. candidates.Select(c => Lingua.LanguageInfo.GetByIsoCode6391(Enum.Parse<Lingua.IsoCode6391>(c, ignoreCase: true)))])!;
            var built = clock.Elapsed.TotalSeconds;
            var trigramHeap = GC.GetTotalMemory(forceFullCollection: true) - heap;
            var rows = stage.Rows.Sum();
            clock.Restart();
            stage.LoadShortTextTables();
            var shortBuilt = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"first stage tables ({string.Join(',', stage.Codes)}): sizes 1-3 {rows:N0} n-grams, +{trigramHeap / 1e6:F1} MB managed heap, built in {built:F2} s; sizes 4-5 {stage.Rows.Sum() - rows:N0} n-grams, +{(GC.GetTotalMemory(forceFullCollection: true) - heap - trigramHeap) / 1e6:F1} MB, {shortBuilt:F2} s"));
            var withStage = new LanguageDetector(candidates);
            withStage.Detect("warm the models up");
            var answered = paragraphs.Where(p => stage.TryDetect(LanguageScreen.Sample(p.Text), out _)).ToList();
            var differ = paragraphs.Count(p => withStage.Detect(LanguageScreen.Sample(p.Text)).Code != lingua.Detect(LanguageScreen.Sample(p.Text)).Code);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"first stage answers {answered.Count} of {paragraphs.Count} paragraphs ({answered.Sum(p => Encoding.UTF8.GetByteCount(p.Text)) / 1e6 / megabytes:P1} of the bytes); detector with it differs from Lingua alone on {differ}"));

            // Interleaved, so the two detectors meet the same load on a shared machine.
            for (var round = 0; round < 2; round++)
            {
                Measure("language (Lingua alone, 12 candidates)", p => sink += lingua.Detect(LanguageScreen.Sample(p.Text)).Code.Length);
                Measure("language (first stage + Lingua)", p => sink += withStage.Detect(LanguageScreen.Sample(p.Text)).Code.Length);
            }

            Measure("language (first stage alone)", p => sink += stage.TryDetect(LanguageScreen.Sample(p.Text), out var guess) ? guess.Code.Length : 0);
            GC.KeepAlive(stage);
        }

        GC.KeepAlive(sink);
        return 0;

        void Measure(string name, Action<(string Language, string Text)> filter)
        {
            if (!name.Contains(only, StringComparison.Ordinal))
            {
                return;
            }

            // A second of warm-up (at most three passes): long enough for the JIT to have compiled the hot methods at full optimisation.
            var warm = Stopwatch.StartNew();
            for (var i = 0; warm.Elapsed < TimeSpan.FromSeconds(1) && i < 3 * paragraphs.Count; i++)
            {
                filter(paragraphs[i % paragraphs.Count]);
            }

            var wall = new List<double>();
            var cpu = new List<double>();
            for (var i = 0; i < repeat; i++)
            {
                var processor = Process.GetCurrentProcess().TotalProcessorTime;
                var pass = Stopwatch.StartNew();
                foreach (var paragraph in paragraphs)
                {
                    filter(paragraph);
                }

                wall.Add(pass.Elapsed.TotalSeconds);
                cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - processor).TotalSeconds);
            }

            wall.Sort();
            cpu.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-40} {megabytes / cpu[cpu.Count / 2],8:F1} MB/CPU s ({cpu[cpu.Count / 2]:F3} CPU s)  {megabytes / wall[wall.Count / 2],8:F1} MB/s wall"));
        }
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>Each paragraph of every file, as <c>--split paragraphs</c> cuts them, with its language (the folder it is in).</summary>
    private static List<(string Language, string Text)> Paragraphs(string corpus)
    {
        var units = new List<(string, string)>();
        foreach (var file in Directory.GetFiles(corpus, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var documents = new List<Document>();
            DocumentParser.ParseText(File.ReadAllBytes(file), Path.GetRelativePath(corpus, file), TextSplit.Paragraphs, documents, new List<Rejection>());
            var language = Path.GetRelativePath(corpus, file).Split(Path.DirectorySeparatorChar)[0];
            units.AddRange(documents.Select(d => (language, d.Text)));
        }

        return units;
    }
}
