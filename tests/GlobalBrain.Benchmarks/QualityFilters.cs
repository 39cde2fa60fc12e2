using System.Diagnostics;
using System.Globalization;
using System.Text;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Quality;

namespace GlobalBrain.Benchmarks;

/// <summary>
/// Throughput of each ingestion filter (grains/GlobalBrain.Domain/Quality) on the corpus paragraphs, one thread,
/// after a warm-up pass over the first 500, in MB/s of UTF-8 text (median of the passes). Usage:
///   dotnet run -c Release --project tests/GlobalBrain.Benchmarks -- quality CORPUS_DIR [--repeat 3]
/// (CORPUS_DIR holds one folder per language, en/ es/ zh/, as ../shared/data/corpus.)
/// </summary>
internal static class QualityFilters
{
    public static int Run(string[] args)
    {
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: GlobalBrain.Benchmarks quality CORPUS_DIR [--repeat 3]");
            return 2;
        }

        var repeat = args.Length >= 3 && args[1] == "--repeat" ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var paragraphs = Paragraphs(args[0]);
        var megabytes = paragraphs.Sum(p => Encoding.UTF8.GetByteCount(p.Text)) / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"corpus {args[0]}: {paragraphs.Count} paragraphs, {megabytes:F2} MB; median of {repeat}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load {File.ReadAllText("/proc/loadavg").Trim()}"));
        var dedup = new MinHashDeduplicator();
        var quality = new QualityFilter();
        var clock = Stopwatch.StartNew();
        var language = new LanguageDetector(["en", "es", "zh"]);
        language.Detect("warm the models up");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"language detector (en, es, zh) built and first result in {clock.Elapsed.TotalSeconds:F2} s"));
        long sink = 0;

        Measure("exact hash (normalise + XxHash128)", p => sink += (long)(ulong)TextNormalizer.ExactHash(p.Text));
        Measure("MinHash signature + 14 band keys", p => sink += dedup.Signature(p.Text) is { } s ? dedup.BandKeys(s)[0].Band : 0);
        Measure("PII redaction", p => sink += PiiRedactor.Redact(p.Text).Counts.Total);
        Measure("quality rules", p => sink += quality.Evaluate(p.Text, p.Language).Keep ? 1 : 0);
        Measure("language (Lingua, en/es/zh)", p => sink += language.Detect(p.Text).Code.Length);
        GC.KeepAlive(sink);
        return 0;

        void Measure(string name, Action<(string Language, string Text)> filter)
        {
            foreach (var paragraph in paragraphs.Take(500))
            {
                filter(paragraph);
            }

            var seconds = new List<double>();
            for (var i = 0; i < repeat; i++)
            {
                var pass = Stopwatch.StartNew();
                foreach (var paragraph in paragraphs)
                {
                    filter(paragraph);
                }

                seconds.Add(pass.Elapsed.TotalSeconds);
            }

            seconds.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-40} {megabytes / seconds[seconds.Count / 2],8:F1} MB/s"));
        }
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
