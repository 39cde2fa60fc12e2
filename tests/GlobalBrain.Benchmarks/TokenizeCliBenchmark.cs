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
            $"input {input}: {megabytes:F2} MB; {Environment.ProcessorCount} cores; median of {repeat} rounds (each round runs every row once, in turn); {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load {File.ReadAllText("/proc/loadavg").Trim()}; cli {globalbrain}"));

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
        // Every row runs once per round, the rows in turn, so that a slower spell of the machine falls on all of them.
        var inProcess = new (string Name, Func<string, int> Encode)[]
        {
            ("in-process 1 thread: bert full (ours)", text => bert.Encode(text).Length),
            ("in-process 1 thread: bert 128 (ours)", text => bert.Encode(text, content)),
            ("in-process 1 thread: FastBertTokenizer full", text => fast.Encode(text, Unlimited).InputIds.Length),
            ("in-process 1 thread: FastBertTokenizer 128", text => fast.Encode(text, fastIds, fastMask, 128)),
        };
        var inProcessRuns = InProcess(repeat, lines, [.. inProcess.Select(r => r.Encode)]);
        for (var i = 0; i < inProcess.Length; i++)
        {
            Row(inProcess[i].Name, megabytes, Median(inProcessRuns[i]));
        }

        var fastFull = Median(inProcessRuns[2]);
        var work = Directory.CreateTempSubdirectory("globalbrain-tokenize-cli-");
        try
        {
            var bertArgs = $"--tokenizer bert --vocab '{vocab}'";
            var processes = new (string Name, double Megabytes, string Command)[]
            {
                ("process: tokenize, empty input (start-up)", 0, $"'{globalbrain}' tokenize {bertArgs} < /dev/null > /dev/null"),
                ("process: tokenize bert 128, jsonl > file", megabytes, $"'{globalbrain}' tokenize {bertArgs} --max-len 128 < '{input}' > out.jsonl"),
                ("process: tokenize bert full, jsonl > file", megabytes, $"'{globalbrain}' tokenize {bertArgs} < '{input}' > out.jsonl"),
                ("process: tokenize bert full, npy (ragged: ids + offsets)", megabytes, $"'{globalbrain}' tokenize {bertArgs} --format npy --output npy < '{input}'"),
                ("process: tokenize bert 128, npy", megabytes, $"'{globalbrain}' tokenize {bertArgs} --max-len 128 --format npy --output npy < '{input}'"),
                ("process: tokenize bert 128, parquet", megabytes, $"'{globalbrain}' tokenize {bertArgs} --max-len 128 --format parquet --output out.parquet < '{input}'"),
                ("process: tokenize bert full, parquet", megabytes, $"'{globalbrain}' tokenize {bertArgs} --format parquet --output out.parquet < '{input}'"),
                ("process: ingest --split lines --export parquet, bert 128 (embedded silo, N=16)", megabytes,
                    $"'{globalbrain}' ingest '{input}' --split lines {bertArgs} --max-len 128 --export export --wait-timeout 0 --json > /dev/null"),
            };
            var processRuns = processes.Select(_ => new List<(double, double)>()).ToArray();
            for (var round = 0; round < repeat; round++)
            {
                for (var i = 0; i < processes.Length; i++)
                {
                    processRuns[i].Add(Process(work.FullName, processes[i].Command));
                }
            }

            for (var i = 0; i < processes.Length; i++)
            {
                Row(processes[i].Name, processes[i].Megabytes, Median(processRuns[i]));
            }

            var startUp = Median(processRuns[0]);
            Console.WriteLine("goals (the process on all cores over FastBertTokenizer full, 1 thread; whole process, and beyond the start-up's median):");
            Goal("full, jsonl (goal >= 1.0)", megabytes, Median(processRuns[2]), fastFull, startUp);
            Goal("full, npy (goal >= 1.5)", megabytes, Median(processRuns[3]), fastFull, startUp);
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

    /// <summary>Each encoder warmed up, then one pass of each per round: every encoder's runs (wall and CPU seconds).</summary>
    private static List<(double Seconds, double Cpu)>[] InProcess(int repeat, string[] lines, Func<string, int>[] encoders)
    {
        foreach (var encode in encoders)
        {
            var warming = Stopwatch.StartNew();
            while (warming.Elapsed < WarmUpTime)
            {
                Pass(lines, encode);
            }
        }

        var runs = encoders.Select(_ => new List<(double, double)>()).ToArray();
        for (var round = 0; round < repeat; round++)
        {
            for (var i = 0; i < encoders.Length; i++)
            {
                var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                var seconds = Pass(lines, encoders[i]);
                runs[i].Add((seconds, (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds));
            }
        }

        return runs;
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

    /// <summary>Runs a shell command line once in <paramref name="directory"/> (its outputs removed first): wall and CPU seconds (user + system, from the shell's times).</summary>
    private static (double Seconds, double Cpu) Process(string directory, string command)
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

        return (seconds, ChildCpu(File.ReadAllLines(Path.Combine(directory, "times"))));
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
