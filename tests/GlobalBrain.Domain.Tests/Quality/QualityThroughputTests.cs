using System.Diagnostics;
using System.Text;
using GlobalBrain.Domain.Quality;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// Throughput of each ingestion filter over the corpus paragraphs (one thread, after a warm-up pass over the
/// first 500), reported in MB/s of UTF-8 text. A measurement, not a benchmark: the figures in the README come
/// from a Release run (<c>dotnet test -c Release</c>) on an otherwise idle core.
/// </summary>
public sealed class QualityThroughputTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Filters_Throughput_OnTheCorpus()
    {
        var paragraphs = QualityCorpus.Paragraphs(QualityCorpus.Folder()).Select(p => (p.Language, p.Text)).ToList();
        var megabytes = paragraphs.Sum(p => Encoding.UTF8.GetByteCount(p.Text)) / 1e6;
        var dedup = new MinHashDeduplicator();
        var quality = new QualityFilter();
        var language = new LanguageDetector(["en", "es", "zh"]);
        long sink = 0;

        Measure("exact hash (normalise + XxHash128)", p => sink += (long)(ulong)TextNormalizer.ExactHash(p.Text));
        Measure("MinHash signature + 14 band keys", p => sink += dedup.Signature(p.Text) is { } s ? dedup.BandKeys(s)[0].Band : 0);
        Measure("PII redaction", p => sink += PiiRedactor.Redact(p.Text).Counts.Total);
        Measure("quality rules", p => sink += quality.Evaluate(p.Text, p.Language).Keep ? 1 : 0);
        Measure("language (Lingua, en/es/zh)", p => sink += language.Detect(p.Text).Code.Length);
        Assert.NotEqual(0, sink);

        void Measure(string name, Action<(string Language, string Text)> filter)
        {
            foreach (var paragraph in paragraphs.Take(500))
            {
                filter(paragraph);
            }

            var clock = Stopwatch.StartNew();
            foreach (var paragraph in paragraphs)
            {
                filter(paragraph);
            }

            output.WriteLine($"{name}: {megabytes / clock.Elapsed.TotalSeconds:F1} MB/s ({paragraphs.Count} paragraphs, {megabytes:F2} MB, {clock.Elapsed.TotalSeconds:F2} s)");
        }
    }
}
