using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
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
//       [--warm-up SECONDS]   (of end-to-end passes before the timed rounds; default 10)   [--rounds FILE]   (each round's passes, TSV)
// After the warm-up it runs --repeat rounds, interleaved, each timing one pass (after an untimed one) of: raw tokenization,
// tokenization plus the items and sketch every ingest computes (no cluster), and the end-to-end ingest. It prints each one's median pass, what the
// end-to-end passes allocated and the GC paused, and the ratios to raw taken within each round (median, quartiles).
if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: GlobalBrain.Benchmarks CORPUS_DIR [--split none|paragraphs|lines] [--repeat 3] [--experts 16] [--flow-rate 1] [--tokenizer NAME] [--vocab FILE] [--max-len L] [--batches-per-core N] [--batch-documents N] [--batch-characters N] [--allocations] [--warm-up SECONDS] [--rounds FILE]");
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

// The least any ingest does beyond tokenizing: the knowledge items hashed and added to a sketch and the UTF-8
// bytes counted, on all cores, nothing else (no batches, no grains, no storage). Its ratio to raw bounds the
// end-to-end ratio from above.
var knowledge = new GlobalBrain.Grains.Hosting.KnowledgeOptions();
var shingleWidth = knowledge.ShingleWidth;
// One sketch per thread for the whole run, as an expert keeps its sketch: after the first pass it has seen every item.
using var floors = new ThreadLocal<FloorState>(() => new FloorState(knowledge.Precision));

await using var cluster = await ClusterConnection.StartEmbeddedAsync(experts, flowRate, CancellationToken.None);
await tokenizer.RegisterAsync(cluster.Client);
var defaults = new IngestDispatcherOptions();
var dispatcher = await IngestDispatcher.ConnectAsync(cluster.Client, new IngestDispatcherOptions
{
    BatchesInFlightPerCore = int.Parse(Option("--batches-per-core", defaults.BatchesInFlightPerCore.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
    MaxBatchDocuments = int.Parse(Option("--batch-documents", defaults.MaxBatchDocuments.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
    MaxBatchCharacters = int.Parse(Option("--batch-characters", defaults.MaxBatchCharacters.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
});

// Warm-up: loads the vocabulary, and lets tiered JIT and dynamic PGO finish with each hot path. The cluster's
// path (Orleans' scheduler, messaging, storage) has many more methods to promote than the tokenizer. On 2026-12-03,
// after a 1 s warm-up the first 100 end-to-end passes ran at a median 0.069 s, passes 200-500 at 0.052-0.055 (this
// VM's drift is in that too); with none, the first 30 passes ran ~10 % slower than the next 270. 10 s is a margin.
var warmUp = TimeSpan.FromSeconds(double.Parse(Option("--warm-up", "10"), CultureInfo.InvariantCulture));
var warming = Stopwatch.StartNew();
while (warming.Elapsed < TimeSpan.FromSeconds(1))
{
    RawOnce();
    FloorOnce();
}

warming.Restart();
while (warming.Elapsed < warmUp)
{
    await EndToEndOnce(); // experts count these documents again; no new items
}

// Rounds, interleaved, so that the machine's drift (this VM's speed wanders by ±25 % over minutes) hits all three
// alike; each round's ratios are taken within the round. In a round each kind runs twice and the second pass is the
// one timed: it starts with the caches and the GC's budget as its own kind of work leaves them, as in a run of that
// kind alone (a raw pass right after an end-to-end one ran ~20 % slower, 2026-12-03).
using var sampler = args.Contains("--allocations") ? new GlobalBrain.Benchmarks.AllocationSampler() : null;
var rounds = new List<(Pass Raw, Pass Floor, Pass EndToEnd)>();
TimeSpan paused = TimeSpan.Zero;
long allocated = 0;
for (var i = 0; i < repeat; i++)
{
    Settle();
    RawOnce();
    var rawPass = RawOnce();
    Settle();
    FloorOnce();
    var floorPass = FloorOnce();
    Settle();
    await EndToEndOnce();
    sampler?.Enabled = true;
    var pausedBefore = GC.GetTotalPauseDuration();
    var allocatedBefore = GC.GetTotalAllocatedBytes();
    var endToEndPass = await EndToEndOnce();
    allocated += GC.GetTotalAllocatedBytes() - allocatedBefore;
    paused += GC.GetTotalPauseDuration() - pausedBefore;
    sampler?.Enabled = false;
    rounds.Add((rawPass, floorPass, endToEndPass));
}

Console.WriteLine(Line("raw tokenization, all cores", Median(rounds.Select(r => r.Raw))));
Console.WriteLine(Line("floor: tokens, items, sketch", Median(rounds.Select(r => r.Floor))));
Console.WriteLine(Line("end-to-end ingest (embedded)", Median(rounds.Select(r => r.EndToEnd))));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"end-to-end per pass: {allocated / 1e6 / repeat:F1} MB allocated, GC paused {paused.TotalMilliseconds / repeat:F1} ms (means over {repeat} passes)"));
Console.WriteLine(Ratio("floor / raw", rounds.Select(r => r.Raw.Seconds / r.Floor.Seconds)));
Console.WriteLine(Ratio("end-to-end / raw", rounds.Select(r => r.Raw.Seconds / r.EndToEnd.Seconds)));
if (Option("--rounds", string.Empty) is { Length: > 0 } roundsFile)
{
    File.WriteAllLines(roundsFile, rounds.Select((r, i) => string.Create(CultureInfo.InvariantCulture,
        $"{i}\t{r.Raw.Seconds:F5}\t{r.Raw.Cpu:F5}\t{r.Floor.Seconds:F5}\t{r.Floor.Cpu:F5}\t{r.EndToEnd.Seconds:F5}\t{r.EndToEnd.Cpu:F5}")).Prepend("round\traw_s\traw_cpu_s\tfloor_s\tfloor_cpu_s\te2e_s\te2e_cpu_s"));
    Console.WriteLine($"per-round seconds written to {roundsFile}");
}

if (sampler is not null)
{
    Console.WriteLine("end-to-end allocations by type (sampled every ~100 KB):");
    foreach (var line in sampler.Top(25, repeat))
    {
        Console.WriteLine(line);
    }
}

return 0;

// Between kinds of work: the garbage of the kind before collected, and what the cluster still had to do after an
// ingest returned (gossip, timers) given a moment, so that no kind pays for another's leftovers.
static void Settle()
{
    const int SettleMilliseconds = 20;
    GC.Collect();
    GC.WaitForPendingFinalizers();
    Thread.Sleep(SettleMilliseconds);
}

async Task<Pass> EndToEndOnce()
{
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var summary = await dispatcher.IngestAsync(documents, tokenizer.Spec);
    return new(clock.Elapsed.TotalSeconds, summary.Tokens, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
}

// The per-document work of raw and floor passes as named functions kept out of line: their names mark those passes'
// samples in a profile (perf-split.py). Inlined (dynamic PGO inlines a delegate's usual target) or as lambdas, the
// frames would be gone or named by the compiler.
Pass RawOnce() => OnAllCores(RawDocument);

[MethodImpl(MethodImplOptions.NoInlining)]
int RawDocument(DocumentInput document) =>
    RecordFramer.Encode(encoder, document.Text, maxLength, OverflowMode.Truncate, null).Length;

Pass FloorOnce() => OnAllCores(FloorDocument);

[MethodImpl(MethodImplOptions.NoInlining)]
int FloorDocument(DocumentInput document)
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
}

// Each document's tokens counted, on all cores; the time, the tokens and the process's CPU.
Pass OnAllCores(Func<DocumentInput, int> encode)
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
    return new(clock.Elapsed.TotalSeconds, tokens, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
}

// The pass of median time.
static Pass Median(IEnumerable<Pass> passes)
{
    var sorted = passes.OrderBy(p => p.Seconds).ToList();
    return sorted[sorted.Count / 2];
}

// A ratio's median over the rounds, with its quartiles: the spread that the machine's drift leaves within a round.
string Ratio(string name, IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    double At(double q) => sorted[(int)Math.Round(q * (sorted.Length - 1))];
    return string.Create(CultureInfo.InvariantCulture,
        $"ratio {name}: {At(0.5):F2} (median of {sorted.Length} rounds; quartiles {At(0.25):F2}-{At(0.75):F2})");
}

string Line(string name, Pass run) => string.Create(CultureInfo.InvariantCulture,
    $"{name,-32} median of {repeat}: {run.Seconds:F3} s  {bytes / 1e6 / run.Seconds,7:F2} MB/s  {run.Tokens / run.Seconds,12:N0} tokens/s  ({run.Tokens:N0} tokens, {run.Cpu:F3} CPU s)");

string Option(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

/// <summary>One pass over the documents: wall-clock seconds, content tokens, and the process's CPU seconds.</summary>
internal readonly record struct Pass(double Seconds, long Tokens, double Cpu);

/// <summary>A thread's share of the floor: its sketch, a buffer for item hashes and the UTF-8 bytes counted.</summary>
internal sealed class FloorState(int precision)
{
    public GlobalBrain.Domain.Knowledge.HyperLogLog Sketch { get; set; } = GlobalBrain.Domain.Knowledge.HyperLogLog.Empty(precision);

    public ulong[] Items { get; set; } = new ulong[4096];

    public long Bytes { get; set; }
}
