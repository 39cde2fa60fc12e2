using System.Threading.Channels;
using GlobalBrain.Client.Tokenize;
using GlobalBrain.Domain.Tokenization;

namespace GlobalBrain.Client.Cli;

/// <summary>--format and --output of <c>tokenize</c>.</summary>
public sealed record TokenizeOutputArguments(string Format, string? Output)
{
    public const string Jsonl = "jsonl";
    public const string Npy = "npy";
    public const string Parquet = "parquet";

    public static IReadOnlyList<string> Formats { get; } = [Jsonl, Npy, Parquet];
}

/// <summary>
/// <c>globalbrain tokenize</c>: every stdin line to one record, in input order — by default one JSON object
/// per line on stdout, <c>{"input_ids":[…],"attention_mask":[…]}</c> (with <c>"chunk"</c> under
/// <c>--overflow chunk</c>); or NumPy arrays, or a Parquet file. Blocks of about 1 MiB of lines are encoded
/// and formatted on all cores and written back in order.
/// </summary>
public sealed partial class TokenizeCommand(CliContext context)
{
    private const int MaxReportedLines = 10;

    public Task<int> RunAsync(TokenizerArguments arguments, CancellationToken cancellationToken) =>
        RunAsync(arguments, new TokenizeOutputArguments(TokenizeOutputArguments.Jsonl, null), cancellationToken);

    public async Task<int> RunAsync(TokenizerArguments arguments, TokenizeOutputArguments output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);

        // The hot loops are JIT-compiled at their first call (see HotPaths): here, on the other core, while
        // this thread reads the vocabulary, instead of on the path of the first block (~20 ms of a run). Not
        // awaited: with empty input the process need not wait for it.
        _ = Task.Run(() => PrepareHotPaths(arguments.Name, output.Format), cancellationToken);
        var choice = TokenizerChoice.Load(arguments);
        await using var sink = await OpenSinkAsync(choice, output, cancellationToken);
        await using var stdin = context.OpenStdin();
        var (records, invalid) = await RunPipelineAsync(stdin, new BlockEncoder(choice.Encoder, choice.Spec.MaxLength, choice.Overflow, sink), sink, cancellationToken);
        await sink.CompleteAsync(records, cancellationToken);

        foreach (var line in invalid.Take(MaxReportedLines))
        {
            await context.Error.WriteLineAsync($"globalbrain: stdin line {line} is not valid UTF-8; its invalid bytes were read as U+FFFD");
        }

        if (invalid.Count > MaxReportedLines)
        {
            await context.Error.WriteLineAsync($"globalbrain: … and {invalid.Count - MaxReportedLines} more lines that are not valid UTF-8");
        }

        return invalid.Count > 0 ? ExitCodes.Usage : ExitCodes.Success;
    }

    private static void PrepareHotPaths(string tokenizer, string format)
    {
        HotPaths.Prepare(typeof(BlockEncoder));
        if (TextEncoders.NeedsVocabulary(tokenizer))
        {
            HotPaths.PrepareBert();
        }

        switch (format)
        {
            case TokenizeOutputArguments.Npy:
                HotPaths.Prepare(typeof(NpyTokenizeSink));
                break;
            case TokenizeOutputArguments.Jsonl:
                HotPaths.Prepare(typeof(JsonlTokenizeSink));
                HotPaths.Prepare(typeof(IdText));
                break;
            default:
                break;
        }
    }

    /// <summary>Reads blocks, encodes them on the thread pool (a bounded number at once) and writes them in input order.</summary>
    private static async Task<(long Records, List<long> Invalid)> RunPipelineAsync(Stream stdin, BlockEncoder encoder, TokenizeSink sink, CancellationToken cancellationToken)
    {
        var inFlight = Channel.CreateBounded<Task<OutputBlock>>(new BoundedChannelOptions(2 * Environment.ProcessorCount) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = Task.Run(
            async () =>
            {
                try
                {
                    var blocks = new InputBlockReader(stdin);
                    while (await blocks.ReadAsync(stop.Token) is { } block)
                    {
                        var encoding = Task.Run(
                            () =>
                            {
                                try
                                {
                                    return encoder.Encode(block);
                                }
                                finally
                                {
                                    block.Return();
                                }
                            },
                            stop.Token);
                        await inFlight.Writer.WriteAsync(encoding, stop.Token);
                    }

                    inFlight.Writer.Complete();
                }
                catch (Exception e)
                {
                    inFlight.Writer.Complete(e);
                }
            },
            stop.Token);

        long records = 0;
        var invalid = new List<long>();
        try
        {
            await foreach (var encoding in inFlight.Reader.ReadAllAsync(stop.Token))
            {
                var block = await encoding;
                try
                {
                    await sink.WriteAsync(block, stop.Token);
                    records += block.RecordCount;
                    invalid.AddRange(block.InvalidLines);
                }
                finally
                {
                    block.Return();
                }
            }
        }
        finally
        {
            // A failed write (a closed pipe, a full disk) stops the reader too.
            await stop.CancelAsync();
            await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return (records, invalid);
    }

    private async Task<TokenizeSink> OpenSinkAsync(TokenizerChoice choice, TokenizeOutputArguments output, CancellationToken cancellationToken)
    {
        var chunked = choice.Overflow == OverflowMode.Chunk;
        var padId = choice.Encoder.Specials?.Pad ?? 0;
        switch (output.Format)
        {
            case TokenizeOutputArguments.Npy:
                var directory = OutputDirectory(output.Output, "--format npy writes input_ids.npy and attention_mask.npy (offsets.npy without --max-len): give --output DIR (a new or empty directory)");
                return await Open(() => NpyTokenizeSink.CreateAsync(directory, choice.Spec.MaxLength, cancellationToken), output.Output!);
            case TokenizeOutputArguments.Parquet:
                var file = output.Output ?? throw Usage("--format parquet writes a file: give --output FILE.parquet");
                return await Open(() => ParquetTokenizeSink.CreateAsync(Path.GetFullPath(file), cancellationToken), file);
            default:
                if (output.Output is null)
                {
                    return new JsonlTokenizeSink(context.OpenStdout?.Invoke(), context.Out, ownsStream: false, chunked, padId);
                }

                return await Open(() => ValueTask.FromResult<TokenizeSink>(new JsonlTokenizeSink(OpenFile(output.Output), null, ownsStream: true, chunked, padId)), output.Output);
        }
    }

    private static FileStream OpenFile(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0,
    });

    /// <summary>Opens the output, turning a path that cannot be written into one usage line.</summary>
    private static async Task<TokenizeSink> Open<T>(Func<ValueTask<T>> open, string path)
        where T : TokenizeSink
    {
        try
        {
            return await open();
        }
        catch (IOException e) when (File.Exists(path) && e is not DirectoryNotFoundException)
        {
            throw Usage($"--output: '{path}' already exists; remove it or give a new path");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw Usage($"--output: cannot create '{path}': {e.Message}");
        }
    }

    private static string OutputDirectory(string? path, string missing)
    {
        if (path is null)
        {
            throw Usage(missing);
        }

        if (File.Exists(path))
        {
            throw Usage($"--output: '{path}' is a file; give a new or empty directory");
        }

        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        {
            throw Usage($"--output: '{path}' is not empty; give a new or empty directory");
        }

        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw Usage($"--output: cannot create the directory '{path}': {e.Message}");
        }

        return path;
    }

    private static CliException Usage(string message) => new(message, ExitCodes.Usage);
}
