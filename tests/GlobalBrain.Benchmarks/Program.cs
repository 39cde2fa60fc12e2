using System.Diagnostics;
using System.Globalization;
using System.Text;
using GlobalBrain.Client.Cli;
using GlobalBrain.Client.Input;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Grains;
using GlobalBrain.Grains.Ingestion;

if (args is ["tokenizers", ..])
{
    return GlobalBrain.Benchmarks.TokenizerBenchmark.Run(args[1..]);
}

if (args is ["batch-window", ..])
{
    return GlobalBrain.Benchmarks.BatchWindowMemory.Run(args[1..]);
}

if (args is ["tokenize-cli", ..])
{
    return GlobalBrain.Benchmarks.TokenizeCliBenchmark.Run(args[1..]);
}

if (args is ["quality", ..])
{
    return GlobalBrain.Benchmarks.QualityFilters.Run(args[1..]);
}

if (args is ["c-figures", ..])
{
    return GlobalBrain.Benchmarks.CSurfaceFigures.Run(args[1..]);
}

if (args is ["quality-ingest", ..])
{
    return await GlobalBrain.Benchmarks.QualityIngest.RunAsync(args[1..]);
}

if (args is ["dedup-memory", ..])
{
    return GlobalBrain.Benchmarks.QualityIngest.Memory(args[1..]);
}

if (args is ["http-load", ..])
{
    return await GlobalBrain.Benchmarks.HttpLoad.RunAsync(args[1..]);
}

// Ingestion throughput: raw tokenization on all cores in one process versus end-to-end ingest
// through the embedded cluster, on the same documents. Usage:
//   dotnet run -c Release --project tests/GlobalBrain.Benchmarks -- CORPUS_DIR [--split none|paragraphs|lines] [--repeat 3] [--experts 16] [--flow-rate 1]
//       [--tokenizer cl100k_base|o200k_base|bert] [--vocab FILE] [--max-len L]
//       [--batches-per-core N] [--batch-documents N] [--batch-characters N]   (the dispatcher's; defaults as in IngestDispatcherOptions)
//       [--allocations]   (the end-to-end phase's allocations by type, sampled)
// It prints raw tokenization, tokenization plus the items and sketch every ingest computes (no cluster), and the
// end-to-end ingest with what it allocated and the GC paused per pass.
if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: GlobalBrain.Benchmarks CORPUS_DIR [--split none|paragraphs|lines] [--repeat 3] [--experts 16] [--flow-rate 1] [--tokenizer NAME] [--vocab FILE] [--max-len L] [--batches-per-core N] [--batch-documents N] [--batch-characters N] [--allocations]");
    return 2;
}

var corpus = args[0];
var split = Enum.Parse<TextSplit>(Option("--split", "none"), ignoreCase: true);
var repeat = int.Parse(Option("--repeat", "3"), CultureInfo.InvariantCulture);
var experts = int.Parse(Option("--experts", "16"), CultureInfo.InvariantCulture);
var flowRate = double.Parse(Option("--flow-rate", "1"), CultureInfo.InvariantCulture);
var maxLength = Option("--max-len", string.Empty) is { Length: > 0 } max ? int.Parse(max, CultureInfo.InvariantCulture) : (int?)null;
var tokenizer = TokenizerChoice.Load(new TokenizerArguments(Option("--tokenizer", TextEncoders.Default), args.Contains("--vocab") ? Option("--vocab", string.Empty) : null, maxLength, TokenizerSpec.Truncate));

var source = new DocumentSource([corpus], split, StdinFormat.Auto, () => Stream.Null);
var documents = source.ReadDocuments().ToList();
if (source.Rejections.Count > 0)
{
    Console.Error.WriteLine($"{source.Rejections.Count} inputs rejected, e.g. {source.Rejections[0]}");
}

var bytes = documents.Sum(d => (long)Encoding.UTF8.GetByteCount(d.Text));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"corpus {corpus}: {documents.Count} documents ({split}), {bytes / 1e6:F2} MB; {Environment.ProcessorCount} cores; tokenizer {tokenizer.Spec.Name}{(maxLength is null ? string.Empty : $" max-len {maxLength}")}; N={experts}, v={flowRate}"));

var encoder = tokenizer.Encoder;
// Warm-up for a second: loads the vocabulary, and lets tiered JIT finish with the hot path.
var warming = Stopwatch.StartNew();
while (warming.Elapsed < TimeSpan.FromSeconds(1))
{
    RawOnce();
}

var raw = Measure(repeat, RawOnce);
Console.WriteLine(Line("raw tokenization, all cores", raw));

// The least any ingest does beyond tokenizing: the knowledge items hashed and added to a sketch and the UTF-8
// bytes counted, on all cores, nothing else (no batches, no grains, no storage). Its ratio to raw bounds the
// end-to-end ratio from above.
var knowledge = new GlobalBrain.Grains.Hosting.KnowledgeOptions();
var shingleWidth = knowledge.ShingleWidth;
// One sketch per thread for the whole run, as an expert keeps its sketch: after the first pass it has seen every item.
using var floors = new ThreadLocal<FloorState>(() => new FloorState(knowledge.Precision));
warming.Restart();
while (warming.Elapsed < TimeSpan.FromSeconds(1))
{
    FloorOnce();
}

var floor = Measure(repeat, FloorOnce);
Console.WriteLine(Line("floor: tokens, items, sketch", floor));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio floor / raw: {raw.Seconds / floor.Seconds:F2}"));

await using var cluster = await ClusterConnection.StartEmbeddedAsync(experts, flowRate, CancellationToken.None);
await tokenizer.RegisterAsync(cluster.Client);
var defaults = new IngestDispatcherOptions();
var dispatcher = await IngestDispatcher.ConnectAsync(cluster.Client, new IngestDispatcherOptions
{
    BatchesInFlightPerCore = int.Parse(Option("--batches-per-core", defaults.BatchesInFlightPerCore.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
    MaxBatchDocuments = int.Parse(Option("--batch-documents", defaults.MaxBatchDocuments.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
    MaxBatchCharacters = int.Parse(Option("--batch-characters", defaults.MaxBatchCharacters.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
});
warming.Restart();
while (warming.Elapsed < TimeSpan.FromSeconds(1))
{
    await dispatcher.IngestAsync(documents, tokenizer.Spec); // warm-up (experts count these documents again; no new items)
}

using var sampler = args.Contains("--allocations") ? new GlobalBrain.Benchmarks.AllocationSampler() : null;
var endToEnd = new List<(double Seconds, long Tokens, double Cpu)>();
sampler?.Enabled = true;
var pausedBefore = GC.GetTotalPauseDuration();
var allocatedBefore = GC.GetTotalAllocatedBytes();
for (var i = 0; i < repeat; i++)
{
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var summary = await dispatcher.IngestAsync(documents, tokenizer.Spec);
    endToEnd.Add((clock.Elapsed.TotalSeconds, summary.Tokens, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds));
}

sampler?.Enabled = false;
var e2e = Median(endToEnd);
Console.WriteLine(Line("end-to-end ingest (embedded)", e2e));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"end-to-end per pass: {(GC.GetTotalAllocatedBytes() - allocatedBefore) / 1e6 / repeat:F1} MB allocated, GC paused {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds / repeat:F1} ms (means over {repeat} passes)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio end-to-end / raw: {raw.Seconds / e2e.Seconds:F2}"));
if (sampler is not null)
{
    Console.WriteLine("end-to-end allocations by type (sampled every ~100 KB):");
    foreach (var line in sampler.Top(25, repeat))
    {
        Console.WriteLine(line);
    }
}
return 0;

(double Seconds, long Tokens, double Cpu) RawOnce() =>
    OnAllCores(document => RecordFramer.Encode(encoder, document.Text, maxLength, OverflowMode.Truncate, null).Length);

(double Seconds, long Tokens, double Cpu) FloorOnce() => OnAllCores(document =>
{
    var floor = floors.Value!;
    var content = RecordFramer.Encode(encoder, document.Text, maxLength, OverflowMode.Truncate, null);
    var items = GlobalBrain.Domain.Knowledge.KnowledgeItems.Count(content.Length, shingleWidth);
    if (items > floor.Items.Length)
    {
        floor.Items = new ulong[items];
    }

    var n = GlobalBrain.Domain.Knowledge.KnowledgeItems.Hash(content, shingleWidth, floor.Items);
    floor.Bytes += Encoding.UTF8.GetByteCount(document.Text);
    floor.Sketch = floor.Sketch.Add(floor.Items.AsSpan(0, n));
    return content.Length;
});

// Each document's tokens counted, on all cores; the time, the tokens and the process's CPU.
(double Seconds, long Tokens, double Cpu) OnAllCores(Func<DocumentInput, int> encode)
{
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    long tokens = 0;
    Parallel.ForEach(
        documents,
        new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
        () => 0L,
        (document, _, local) => local + encode(document),
        local => Interlocked.Add(ref tokens, local));
    return (clock.Elapsed.TotalSeconds, tokens, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
}

(double Seconds, long Tokens, double Cpu) Measure(int times, Func<(double, long, double)> run)
{
    var runs = new List<(double, long, double)>();
    for (var i = 0; i < times; i++)
    {
        runs.Add(run());
    }

    return Median(runs);
}

static (double Seconds, long Tokens, double Cpu) Median(List<(double Seconds, long Tokens, double Cpu)> runs) =>
    runs.OrderBy(r => r.Seconds).ElementAt(runs.Count / 2);

string Line(string name, (double Seconds, long Tokens, double Cpu) run) => string.Create(CultureInfo.InvariantCulture,
    $"{name,-32} median of {repeat}: {run.Seconds:F3} s  {bytes / 1e6 / run.Seconds,7:F2} MB/s  {run.Tokens / run.Seconds,12:N0} tokens/s  ({run.Tokens:N0} tokens, {run.Cpu:F3} CPU s)");

string Option(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

/// <summary>A thread's share of the floor: its sketch, a buffer for item hashes and the UTF-8 bytes counted.</summary>
internal sealed class FloorState(int precision)
{
    public GlobalBrain.Domain.Knowledge.HyperLogLog Sketch { get; set; } = GlobalBrain.Domain.Knowledge.HyperLogLog.Empty(precision);

    public ulong[] Items { get; set; } = new ulong[4096];

    public long Bytes { get; set; }
}
