using System.Diagnostics;
using System.Globalization;
using System.Text;
using GlobalBrain.Domain.Tokenization.Bert;
using FastBert = FastBertTokenizer.BertTokenizer;

namespace GlobalBrain.Benchmarks;

/// <summary>
/// The whole <c>globalbrain tokenize</c> process (start-up, reading stdin, encoding on all cores, writing a
/// file) next to the in-process single-thread tokenizers on the same lines, in one run; and
/// <c>ingest --export parquet</c> the same way. MB = 10^6 bytes of input. Usage:
///   dotnet run -c Release --project tests/GlobalBrain.Benchmarks -- tokenize-cli INPUT.txt BERT_DIR [--repeat 3] [--cli PATH]
/// (BERT_DIR holds vocab.txt and tokenizer.json, e.g. ../shared/data/bert-base-cased; --cli names the
/// globalbrain binary to run, e.g. a ReadyToRun publish, by default the Release build next to this program.)
/// Ends with the issue's goal ratios: the process's MB/s over FastBertTokenizer's single thread, full length.
/// </summary>
internal static class TokenizeCliBenchmark
{
    private const string Usage = "usage: GlobalBrain.Benchmarks tokenize-cli INPUT.txt BERT_DIR [--repeat 3] [--cli PATH]";
    private const int Unlimited = 1_000_000;
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(1);

    public static int Run(string[] args)
    {
        if (args.Length < 2 || !File.Exists(args[0]) || !File.Exists(Path.Combine(args[1], "vocab.txt")) || !File.Exists(Path.Combine(args[1], "tokenizer.json")))
        {
            Console.Error.WriteLine("INPUT.txt must exist and BERT_DIR must hold vocab.txt and tokenizer.json");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var input = Path.GetFullPath(args[0]);
        var vocab = Path.GetFullPath(Path.Combine(args[1], "vocab.txt"));
        var repeat = int.Parse(Option(args, "--repeat") ?? "3", CultureInfo.InvariantCulture);
        var megabytes = new FileInfo(input).Length / 1e6;
        var globalbrain = Path.GetFullPath(Option(args, "--cli") ?? Path.Combine(AppContext.BaseDirectory, "globalbrain"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"input {input}: {megabytes:F2} MB; {Environment.ProcessorCount} cores; median of {repeat}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load {File.ReadAllText("/proc/loadavg").Trim()}; cli {globalbrain}"));

        // In-process, single thread, on the lines tokenize reads.
        var lines = File.ReadAllText(input, Encoding.UTF8).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var bert = new BertEncoder(WordPieceVocabulary.Load(vocab));
        var content = new int[126];
        var fast = new FastBert();
        using (var stream = File.OpenRead(Path.Combine(args[1], "tokenizer.json")))
        {
            fast.LoadTokenizerJson(stream);
        }

        var fastIds = new long[128];
        var fastMask = new long[128];
        Row("in-process 1 thread: bert full (ours)", megabytes, InProcess(repeat, lines, text => bert.Encode(text).Length));
        Row("in-process 1 thread: bert 128 (ours)", megabytes, InProcess(repeat, lines, text => bert.Encode(text, content)));
        var fastFull = InProcess(repeat, lines, text => fast.Encode(text, Unlimited).InputIds.Length);
        Row("in-process 1 thread: FastBertTokenizer full", megabytes, fastFull);
        Row("in-process 1 thread: FastBertTokenizer 128", megabytes, InProcess(repeat, lines, text => fast.Encode(text, fastIds, fastMask, 128)));

        var work = Directory.CreateTempSubdirectory("globalbrain-tokenize-cli-");
        try
        {
            var bertArgs = $"--tokenizer bert --vocab '{vocab}'";
            var startUp = Process(repeat, work.FullName, $"'{globalbrain}' tokenize {bertArgs} < /dev/null > /dev/null");
            Row("process: tokenize, empty input (start-up)", 0, startUp);
            Row("process: tokenize bert 128, jsonl > file", megabytes, Process(repeat, work.FullName, $"'{globalbrain}' tokenize {bertArgs} --max-len 128 < '{input}' > out.jsonl"));
            var jsonlFull = Process(repeat, work.FullName, $"'{globalbrain}' tokenize {bertArgs} < '{input}' > out.jsonl");
            Row("process: tokenize bert full, jsonl > file", megabytes, jsonlFull);
            var npyFull = Process(repeat, work.FullName, $"'{globalbrain}' tokenize {bertArgs} --format npy --output npy < '{input}'");
            Row("process: tokenize bert full, npy (ragged: ids + offsets)", megabytes, npyFull);
            Row("process: tokenize bert 128, npy", megabytes, Process(repeat, work.FullName, $"'{globalbrain}' tokenize {bertArgs} --max-len 128 --format npy --output npy < '{input}'"));
            Row("process: tokenize bert 128, parquet", megabytes, Process(repeat, work.FullName, $"'{globalbrain}' tokenize {bertArgs} --max-len 128 --format parquet --output out.parquet < '{input}'"));
            Row("process: tokenize bert full, parquet", megabytes, Process(repeat, work.FullName, $"'{globalbrain}' tokenize {bertArgs} --format parquet --output out.parquet < '{input}'"));
            Row("process: ingest --split lines --export parquet, bert 128 (embedded silo, N=16)", megabytes, Process(repeat, work.FullName,
                $"'{globalbrain}' ingest '{input}' --split lines {bertArgs} --max-len 128 --export export --wait-timeout 0 --json > /dev/null"));
            Console.WriteLine("goals (the process on all cores over FastBertTokenizer full, 1 thread; whole process, and beyond the start-up's median):");
            Goal("full, jsonl (goal >= 1.0)", megabytes, jsonlFull, fastFull, startUp);
            Goal("full, npy (goal >= 1.5)", megabytes, npyFull, fastFull, startUp);
        }
        finally
        {
            work.Delete(recursive: true);
        }

        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static void Goal(string name, double megabytes, (double Seconds, double Cpu) process, (double Seconds, double Cpu) fast, (double Seconds, double Cpu) startUp) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name}: {fast.Seconds / process.Seconds:F2}x whole process; {fast.Seconds / (process.Seconds - startUp.Seconds):F2}x beyond start-up ({megabytes / (process.Seconds - startUp.Seconds):F1} MB/s)"));

    private static (double Seconds, double Cpu) InProcess(int repeat, string[] lines, Func<string, int> encode)
    {
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < WarmUpTime)
        {
            Pass(lines, encode);
        }

        var passes = new List<(double, double)>();
        for (var i = 0; i < repeat; i++)
        {
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var seconds = Pass(lines, encode);
            passes.Add((seconds, (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds));
        }

        return Median(passes);
    }

    private static double Pass(string[] lines, Func<string, int> encode)
    {
        var started = Stopwatch.GetTimestamp();
        long tokens = 0;
        foreach (var line in lines)
        {
            tokens += encode(line);
        }

        GC.KeepAlive(tokens);
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Runs a shell command line <paramref name="repeat"/> times in <paramref name="directory"/> (its outputs removed before each run): median wall and CPU seconds (user + system, from the shell's times).</summary>
    private static (double Seconds, double Cpu) Process(int repeat, string directory, string command)
    {
        var runs = new List<(double, double)>();
        for (var i = 0; i < repeat; i++)
        {
            foreach (var entry in new[] { "out.jsonl", "out.parquet", "npy", "export", "times" })
            {
                var path = Path.Combine(directory, entry);
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                File.Delete(path);
            }

            var start = new ProcessStartInfo("/bin/sh", ["-c", $"{command}; status=$?; times > times; exit $status"]) { WorkingDirectory = directory, RedirectStandardError = true };
            var clock = Stopwatch.StartNew();
            using var process = System.Diagnostics.Process.Start(start)!;
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var seconds = clock.Elapsed.TotalSeconds;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"'{command}' exited with {process.ExitCode}: {stderr}");
            }

            runs.Add((seconds, ChildCpu(File.ReadAllLines(Path.Combine(directory, "times")))));
        }

        return Median(runs);
    }

    /// <summary>The children's user and system time from the second line of sh's <c>times</c> ("0m1.23s 0m0.45s").</summary>
    private static double ChildCpu(string[] times)
    {
        var parts = times[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Sum(p =>
        {
            var m = p.IndexOf('m', StringComparison.Ordinal);
            return (double.Parse(p[..m], CultureInfo.InvariantCulture) * 60) + double.Parse(p[(m + 1)..^1], CultureInfo.InvariantCulture);
        });
    }

    private static (double Seconds, double Cpu) Median(List<(double Seconds, double Cpu)> runs)
    {
        var sorted = runs.OrderBy(r => r.Seconds).ToList();
        return sorted[sorted.Count / 2];
    }

    private static void Row(string name, double megabytes, (double Seconds, double Cpu) result) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-80} {(megabytes > 0 ? $"{megabytes / result.Seconds,8:F1} MB/s" : "             "),-14} wall {result.Seconds,7:F3} s  CPU {result.Cpu,7:F3} s"));
}
