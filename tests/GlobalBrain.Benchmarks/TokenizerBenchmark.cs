using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Domain.Tokenization.Bert;
using GlobalBrain.Testing;
using Microsoft.ML.Tokenizers;
using FastBert = FastBertTokenizer.BertTokenizer;
using HfTokenizer = Tokenizers.DotNet.Tokenizer;
using MlBertTokenizer = Microsoft.ML.Tokenizers.BertTokenizer;

namespace GlobalBrain.Benchmarks;

/// <summary>
/// Single-thread tokenizer throughput, ours next to the other .NET options, on the shared corpus.
/// Per language and tokenizer: warm-up passes for a second, then timed passes over all documents; the median
/// pass is reported as MB/s, content tokens/s and managed bytes allocated per MB of input. Usage:
///   dotnet run -c Release --project tests/GlobalBrain.Benchmarks -- tokenizers DATA_DIR [--repeat 5] [--unit paragraphs|lines|files] [--json FILE]
/// </summary>
internal static class TokenizerBenchmark
{
    private const string Usage = "usage: GlobalBrain.Benchmarks tokenizers DATA_DIR [--repeat 5] [--unit paragraphs|lines|files] [--json FILE]";
    private const int FixedLength = 128;
    private const int Framing = 2; // [CLS] and [SEP]
    private const int Unlimited = 1_000_000;
    private const string Full = "full";
    private const string Fixed = "128";
    private const double Megabyte = 1e6;
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(1);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static int Run(string[] args)
    {
        if (!TryParse(args, out var options, out var error))
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var tokenizerJson = Path.Combine(options.DataDir, "bert-base-cased", "tokenizer.json");
        var vocabTxt = Path.Combine(options.DataDir, "bert-base-cased", "vocab.txt");
        var corpus = Path.Combine(options.DataDir, "corpus");
        if (!File.Exists(tokenizerJson) || !File.Exists(vocabTxt) || !Directory.Exists(corpus))
        {
            Console.Error.WriteLine($"{options.DataDir} must hold bert-base-cased/tokenizer.json, bert-base-cased/vocab.txt and corpus/");
            return 2;
        }

        var fixedJson = HfTokenizerFiles.FixedLengthCopy(tokenizerJson, FixedLength);
        try
        {
            using var hfFull = new HfTokenizer(tokenizerJson);
            using var hfFixed = new HfTokenizer(fixedJson);
            var bert = new BertEncoder(WordPieceVocabulary.Load(tokenizerJson));
            var mlHf = MlTokenizersBert.Create(vocabTxt);
            var exactness = new ExactnessCheck(bert, mlHf, File.ReadAllLines(vocabTxt, Encoding.UTF8));
            var candidates = Candidates(tokenizerJson, vocabTxt, bert, mlHf, hfFull, hfFixed)
                .Where(c => options.Only is null || c.Name.Contains(options.Only, StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (candidates.Count == 0)
            {
                Console.Error.WriteLine($"no tokenizer row matches --only {options.Only}");
                return 2;
            }

            var corpora = new List<CorpusResult>();
            foreach (var directory in Directory.GetDirectories(corpus).Order(StringComparer.Ordinal))
            {
                corpora.Add(RunCorpus(directory, options, candidates, exactness));
            }

            var machine = new MachineInfo(
                Environment.ProcessorCount,
                RuntimeInformation.OSDescription,
                RuntimeInformation.ProcessArchitecture.ToString(),
                RuntimeInformation.FrameworkDescription,
                GCSettings.IsServerGC);
            var method = string.Create(CultureInfo.InvariantCulture,
                $"single thread (the main thread); per tokenizer warm-up passes for at least 1 s (tiered JIT), then {options.Repeat} rounds of one timed pass per tokenizer (interleaved) over all documents of a language, median pass shown; MB = 10^6 UTF-8 bytes of the document texts; tokens = content tokens (no [CLS]/[SEP]/padding); allocation = GC.GetAllocatedBytesForCurrentThread() delta per pass, after a full GC");
            Console.WriteLine();
            Console.WriteLine("* native Rust code: its own heap allocations are invisible to the GC counter; the figure is the managed side only (marshalling, result arrays).");
            Console.WriteLine("128 rows stop after 126 content tokens (HF truncation), yet MB/s counts every input byte: they depend on document length.");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"machine: {machine.Cores} cores, {machine.Os} {machine.Architecture}, {machine.Runtime}, {(machine.ServerGc ? "server" : "workstation")} GC; {method}."));

            if (options.JsonPath is { } jsonPath)
            {
                var report = new TokenizerReport(machine, options.Unit, options.Repeat, method, corpora);
                File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, JsonOptions) + "\n");
                Console.WriteLine($"results written to {jsonPath}");
            }

            return 0;
        }
        finally
        {
            File.Delete(fixedJson);
        }
    }

    private static List<Candidate> Candidates(string tokenizerJson, string vocabTxt, BertEncoder bert, MlBertTokenizer mlHf, HfTokenizer hfFull, HfTokenizer hfFixed)
    {
        var content = new int[FixedLength - Framing];
        var records = new List<FramedRecord>(1);
        var cl100k = TextEncoders.Get("cl100k_base");

        var fast = new FastBert();
        using (var stream = File.OpenRead(tokenizerJson))
        {
            fast.LoadTokenizerJson(stream);
        }

        var fastIds = new long[FixedLength];
        var fastMask = new long[FixedLength];
        var ml = MlBertTokenizer.Create(vocabTxt, new BertOptions { LowerCaseBeforeTokenization = false });

        return
        [
            new("bert full (ours)", text => bert.Encode(text).Length, Check: Full),
            new("bert 128 fixed (ours)", text => bert.Encode(text, content.AsSpan()), Check: Fixed),
            new("bert 128 records (ours)", text =>
            {
                records.Clear();
                RecordFramer.Encode(bert, text, FixedLength, OverflowMode.Truncate, records);
                return records[0].AttentionMask.AsSpan().Count((byte)1) - Framing;
            }, Check: Fixed),
            new("cl100k_base (ours, ML.Tokenizers)", text => cl100k.Encode(text).Length),
            new("FastBertTokenizer full", text => fast.Encode(text, Unlimited).InputIds.Length - Framing, Check: Full),
            new("FastBertTokenizer 128", text =>
            {
                var length = fast.Encode(text, fastIds, fastMask, FixedLength);
                return NonPadding(fastMask.AsSpan(0, length).IndexOf(0L), length) - Framing;
            }, Check: Fixed),
            new("HF Rust (Tokenizers.DotNet) full", text => hfFull.Encode(text).Length - Framing, Native: true, Check: Full),

            // Only ids come back, so padding is found by its id; "[PAD]" written in the text itself would count as padding.
            new("HF Rust (Tokenizers.DotNet) 128", text =>
            {
                var ids = hfFixed.Encode(text);
                return NonPadding(Array.IndexOf(ids, 0u), ids.Length) - Framing;
            }, Native: true, Check: Fixed),
            new("ML.Tokenizers BertTokenizer (defaults, not HF-exact)", text => ml.EncodeToIds(text, addSpecialTokens: false).Count),
            new("ML.Tokenizers BertTokenizer + HF normalizer/pre-tokenizer full", text => mlHf.EncodeToIds(text, addSpecialTokens: false).Count, Check: Full),
            new("ML.Tokenizers BertTokenizer + HF normalizer/pre-tokenizer 128", text =>
                Math.Min(MlTokenizersBert.EncodeFirst(mlHf, text, FixedLength - Framing).Count, FixedLength - Framing), Check: Fixed),
        ];
    }

    private static int NonPadding(int firstPadding, int length) => firstPadding < 0 ? length : firstPadding;

    private static CorpusResult RunCorpus(string directory, Options options, List<Candidate> candidates, ExactnessCheck exactness)
    {
        var language = Path.GetFileName(directory);
        var files = Directory.GetFiles(directory, "*.txt").Order(StringComparer.Ordinal).ToArray();
        var documents = new List<Document>();
        var rejections = new List<Rejection>();
        foreach (var file in files)
        {
            DocumentParser.ParseText(File.ReadAllBytes(file), Path.GetFileName(file), options.Split, documents, rejections);
        }

        foreach (var rejection in rejections)
        {
            Console.Error.WriteLine($"{language}: rejected {rejection}");
        }

        var texts = documents.Select(d => d.Text).ToArray();
        var bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{language}: {files.Length} files, {texts.Length:N0} documents ({options.Unit}), {bytes / Megabyte:F2} MB"));
        var mlHfDiffering = exactness.Run(texts);

        // Warm-up for every tokenizer first (JIT, vocabularies, reused buffers), so that the
        // agreement check sees all totals before any timing starts.
        var warmUp = candidates.Select(c => Pass(c, texts).Tokens).ToArray();
        var warnings = new List<string>();
        foreach (var group in new[] { Full, Fixed })
        {
            var members = candidates.Select((c, i) => (c.Name, c.Check, Tokens: warmUp[i])).Where(m => m.Check == group).ToList();
            if (members.Select(m => m.Tokens).Distinct().Count() > 1)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{language}: the {group} BERT encodings disagree on content tokens: {string.Join("; ", members.Select(m => $"{m.Name} {m.Tokens:N0}"))}"));
            }
        }

        foreach (var warning in warnings)
        {
            Console.WriteLine($"warning: {warning}");
        }

        // Tiered JIT and dynamic PGO promote hot code ~100 ms after 30 calls, in the background:
        // keep passing until a second has gone by, so that every row is timed in steady state.
        foreach (var candidate in candidates)
        {
            var warming = Stopwatch.StartNew();
            for (var pass = 0; pass < 2 || warming.Elapsed < WarmUpTime; pass++)
            {
                Pass(candidate, texts);
            }
        }

        // Rounds of one pass per tokenizer, interleaved, so that a burst of load from a neighbour
        // on this shared machine hits every row alike instead of one row's passes.
        var timings = candidates.Select(_ => new List<PassResult>()).ToList();
        for (var round = 0; round < options.Repeat; round++)
        {
            for (var i = 0; i < candidates.Count; i++)
            {
                timings[i].Add(Pass(candidates[i], texts));
            }
        }

        var rows = new List<RowResult>();
        for (var i = 0; i < candidates.Count; i++)
        {
            var passes = timings[i];
            var seconds = Median(passes.Select(p => p.Seconds));
            var allocated = Median(passes.Select(p => (double)p.AllocatedBytes));
            var tokens = passes[0].Tokens;
            rows.Add(new RowResult(
                candidates[i].Name,
                seconds,
                bytes / Megabyte / seconds,
                tokens / seconds,
                allocated / (bytes / Megabyte),
                tokens,
                candidates[i].Native));
        }

        PrintTable(rows);
        return new CorpusResult(language, files.Length, texts.Length, bytes, mlHfDiffering, warnings, rows);
    }

    private static PassResult Pass(Candidate candidate, string[] texts)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp(); // not a Stopwatch instance: the pass itself must allocate nothing
        long tokens = 0;
        foreach (var text in texts)
        {
            tokens += candidate.ContentTokens(text);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new PassResult(seconds, tokens, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void PrintTable(List<RowResult> rows)
    {
        var width = rows.Max(r => r.Tokenizer.Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {"tokenizer".PadRight(width)}  {"MB/s",8}  {"tokens/s",12}  {"alloc B/MB",12}  {"tokens/pass",12}"));
        foreach (var row in rows)
        {
            var allocated = row.AllocatedBytesPerMB.ToString("N0", CultureInfo.InvariantCulture) + (row.NativeAllocationsUncounted ? "*" : " ");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {row.Tokenizer.PadRight(width)}  {row.MBPerSecond,8:F2}  {row.TokensPerSecond,12:N0}  {allocated,13} {row.Tokens,12:N0}"));
        }
    }

    private static bool TryParse(string[] args, out Options options, out string error)
    {
        options = new Options(string.Empty, 5, TextSplit.Paragraphs, "paragraphs", null, null);
        error = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--repeat" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var repeat) && repeat > 0:
                    options = options with { Repeat = repeat };
                    i++;
                    break;
                case "--unit" when value is "paragraphs" or "lines" or "files":
                    var split = value switch { "lines" => TextSplit.Lines, "files" => TextSplit.None, _ => TextSplit.Paragraphs };
                    options = options with { Split = split, Unit = value };
                    i++;
                    break;
                case "--json" when !string.IsNullOrEmpty(value):
                    options = options with { JsonPath = value };
                    i++;
                    break;

                // Not in the usage: times only the rows whose name contains the value, for a profiler's run.
                case "--only" when !string.IsNullOrEmpty(value):
                    options = options with { Only = value };
                    i++;
                    break;
                case var arg when arg.StartsWith('-'):
                    error = $"invalid option or value: {arg} {value}".TrimEnd();
                    return false;
                case var arg when options.DataDir.Length == 0:
                    options = options with { DataDir = arg };
                    break;
                default:
                    error = $"unexpected argument: {args[i]}";
                    return false;
            }
        }

        if (options.DataDir.Length == 0)
        {
            error = "DATA_DIR is missing";
            return false;
        }

        return true;
    }

    /// <summary>
    /// ML.Tokenizers' BertTokenizer with HF's normalizer and pre-tokenizer against HF's rules (our BertEncoder, which the
    /// parity tests hold to HF's Rust tokenizers), document by document: prints how many differ and the first few differences.
    /// </summary>
    private sealed class ExactnessCheck(BertEncoder hf, MlBertTokenizer ml, string[] vocabTokens)
    {
        private const int Examples = 3;
        private const int ContextTokens = 3;
        private const int MaxWordChars = 40;

        /// <summary>Compares and prints full encodings and HF's truncation to 126 content tokens.</summary>
        public MlHfDifferences Run(string[] texts)
        {
            var full = Compare(texts, string.Empty, text => hf.Encode(text), text => ml.EncodeToIds(text, addSpecialTokens: false));
            var content = new int[FixedLength - Framing];
            var truncated = Compare(texts, $" {Fixed}", text => content[..hf.Encode(text, content.AsSpan())], text => First(MlTokenizersBert.EncodeFirst(ml, text, content.Length), content.Length));
            return new MlHfDifferences(full, truncated);
        }

        private static IReadOnlyList<int> First(IReadOnlyList<int> ids, int count) => ids.Count <= count ? ids : [.. ids.Take(count)];

        private int Compare(string[] texts, string variant, Func<string, int[]> expectedIds, Func<string, IReadOnlyList<int>> actualIds)
        {
            var differing = 0;
            var examples = new List<string>();
            for (var document = 0; document < texts.Length; document++)
            {
                var expected = expectedIds(texts[document]);
                var actual = actualIds(texts[document]);
                var at = FirstDifference(expected, actual);
                if (at < 0)
                {
                    continue;
                }

                differing++;
                if (examples.Count < Examples)
                {
                    examples.Add(string.Create(CultureInfo.InvariantCulture,
                        $"document {document}, token {at}: HF [{Tokens(expected, at)}] vs ML [{Tokens(actual, at)}], ML's word {MlWordAt(texts[document], at)}"));
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ML.Tokenizers + HF normalizer/pre-tokenizer{variant}: {differing:N0} of {texts.Length:N0} documents differ from HF"));
            foreach (var example in examples)
            {
                Console.WriteLine($"  {example}");
            }

            return differing;
        }

        private static int FirstDifference(int[] expected, IReadOnlyList<int> actual)
        {
            var common = Math.Min(expected.Length, actual.Count);
            for (var i = 0; i < common; i++)
            {
                if (expected[i] != actual[i])
                {
                    return i;
                }
            }

            return expected.Length == actual.Count ? -1 : common;
        }

        private string Tokens(IReadOnlyList<int> ids, int at)
        {
            var from = Math.Max(0, at - ContextTokens);
            var to = Math.Min(ids.Count, at + ContextTokens + 1);
            var tokens = new List<string>(to - from);
            for (var i = from; i < to; i++)
            {
                var token = (uint)ids[i] < (uint)vocabTokens.Length ? vocabTokens[ids[i]] : ids[i].ToString(CultureInfo.InvariantCulture);
                tokens.Add(i == at ? $">{token}<" : token);
            }

            return string.Join(' ', tokens);
        }

        /// <summary>The word (of ML's normalized, pre-tokenized text) that ML's token <paramref name="at"/> comes from.</summary>
        private string MlWordAt(string text, int at)
        {
            var normalized = ml.Normalizer!.Normalize(text);
            var count = 0;
            foreach (var (offset, length) in ml.PreTokenizer!.PreTokenize(normalized))
            {
                count += ml.EncodeToIds(normalized.AsSpan(offset, length), addSpecialTokens: false, considerPreTokenization: false, considerNormalization: false).Count;
                if (count > at)
                {
                    var word = normalized.Substring(offset, Math.Min(length, MaxWordChars));
                    return string.Create(CultureInfo.InvariantCulture, $"\"{word}\"{(length > MaxWordChars ? "…" : string.Empty)} ({length} chars)");
                }
            }

            return "(none: ML's tokens end here)";
        }
    }

    /// <summary>A tokenizer under test: returns the content tokens of one text. Check names the group whose totals must agree.</summary>
    private sealed record Candidate(string Name, Func<string, int> ContentTokens, bool Native = false, string? Check = null);

    private sealed record Options(string DataDir, int Repeat, TextSplit Split, string Unit, string? JsonPath, string? Only);

    private readonly record struct PassResult(double Seconds, long Tokens, long AllocatedBytes);

    private sealed record TokenizerReport(MachineInfo Machine, string Unit, int Repeat, string Method, IReadOnlyList<CorpusResult> Corpora);

    private sealed record MachineInfo(int Cores, string Os, string Architecture, string Runtime, bool ServerGc);

    private sealed record CorpusResult(
        string Language, int Files, int Documents, long Bytes, MlHfDifferences MlHfDifferingDocuments, IReadOnlyList<string> Warnings, IReadOnlyList<RowResult> Rows);

    /// <summary>Documents on which ML.Tokenizers with HF's normalizer and pre-tokenizer differs from HF: full encodings, and the first 126 tokens.</summary>
    private sealed record MlHfDifferences(int Full, int Fixed);

    private sealed record RowResult(
        string Tokenizer,
        double MedianSeconds,
        double MBPerSecond,
        double TokensPerSecond,
        double AllocatedBytesPerMB,
        long Tokens,
        bool NativeAllocationsUncounted);
}
