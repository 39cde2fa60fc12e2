using System.Globalization;
using System.Threading.Channels;
using GlobalBrain.Grains;

namespace GlobalBrain.Client.Export;

/// <summary>
/// Writes training records as a dataset: <c>DIR/{train,dev,test}/part-NNNNN.{parquet,jsonl}</c>, then
/// <c>DIR/manifest.json</c>. Each record goes to its document's split (<see cref="DatasetSplits.Assign(string, SplitFractions)"/>)
/// and, within it, to shard <c>hash(document id) % shardsPerSplit</c>; every shard file has its own background writer.
/// <see cref="WriteAsync"/> may be called concurrently; call <see cref="CompleteAsync"/> once all writes have returned.
/// Disposing without completing closes the files and writes no manifest.
/// </summary>
public sealed class DatasetWriter : IAsyncDisposable
{
    /// <summary>Records per Parquet row group, or JSONL lines per flush.</summary>
    internal const int DefaultRowsPerGroup = 10_000;

    private const int Open = 0;
    private const int Completing = 1;

    private readonly SplitFractions _fractions;
    private readonly DatasetTokenizerInfo _tokenizer;
    private readonly DatasetFilters? _filters;
    private readonly TimeProvider _timeProvider;
    private readonly DatasetShard[] _shards;
    private readonly CancellationTokenSource _stopping = new();
    private DatasetExportException? _fault;
    private int _state;
    private int _disposed;

    private DatasetWriter(
        string directory,
        DatasetFormat format,
        SplitFractions fractions,
        DatasetTokenizerInfo tokenizer,
        int shardsPerSplit,
        TimeProvider timeProvider,
        int rowsPerGroup,
        DatasetFilters? filters)
    {
        OutputDirectory = directory;
        Format = format;
        ShardsPerSplit = shardsPerSplit;
        _fractions = fractions;
        _tokenizer = tokenizer;
        _filters = filters;
        HasLanguage = filters?.Language is not null;
        _timeProvider = timeProvider;
        var extension = format == DatasetFormat.Parquet ? "parquet" : "jsonl";
        _shards = new DatasetShard[DatasetSplits.All.Count * shardsPerSplit];
        foreach (var split in DatasetSplits.All)
        {
            for (var shard = 0; shard < shardsPerSplit; shard++)
            {
                var relative = string.Create(CultureInfo.InvariantCulture, $"{DatasetSplits.DirectoryName(split)}/part-{shard:D5}.{extension}");
                _shards[((int)split * shardsPerSplit) + shard] = new DatasetShard(
                    split, relative, Path.Combine(directory, relative), format, rowsPerGroup, HasLanguage, ReportFault, _stopping.Token);
            }
        }
    }

    /// <summary>The dataset directory (a full path).</summary>
    public string OutputDirectory { get; }

    public DatasetFormat Format { get; }

    public int ShardsPerSplit { get; }

    /// <summary>True when the files have a <c>language</c> column (language detection ran).</summary>
    public bool HasLanguage { get; }

    /// <summary>
    /// Creates the dataset directory and a writer for it.
    /// <paramref name="shardsPerSplit"/> 0 means one file per processor in each split.
    /// </summary>
    /// <param name="filters">The data-quality filters the records went through (recorded in the manifest; a language column when detection ran).</param>
    /// <exception cref="DatasetExportException">The directory already holds files, or cannot be created.</exception>
    public static DatasetWriter Create(
        string directory,
        DatasetFormat format,
        SplitFractions fractions,
        DatasetTokenizerInfo tokenizer,
        int shardsPerSplit = 0,
        TimeProvider? timeProvider = null,
        DatasetFilters? filters = null) =>
        Create(directory, format, fractions, tokenizer, shardsPerSplit, timeProvider, DefaultRowsPerGroup, filters);

    internal static DatasetWriter Create(
        string directory,
        DatasetFormat format,
        SplitFractions fractions,
        DatasetTokenizerInfo tokenizer,
        int shardsPerSplit,
        TimeProvider? timeProvider,
        int rowsPerGroup,
        DatasetFilters? filters = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "not a dataset format");
        }

        ArgumentNullException.ThrowIfNull(fractions);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenizer.Name, nameof(tokenizer));
        ArgumentNullException.ThrowIfNull(tokenizer.Overflow, nameof(tokenizer));
        ArgumentOutOfRangeException.ThrowIfNegative(shardsPerSplit);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerGroup, 1);
        var fullPath = DatasetChecks.PrepareDirectory(directory);
        return new DatasetWriter(
            fullPath,
            format,
            fractions,
            tokenizer,
            shardsPerSplit == 0 ? Environment.ProcessorCount : shardsPerSplit,
            timeProvider ?? TimeProvider.System,
            rowsPerGroup,
            filters);
    }

    /// <summary>Routes each record to its split and shard. Thread-safe; waits while the shards' queues are full.</summary>
    /// <exception cref="ArgumentException">A record is malformed (e.g. its ids and mask differ in length); nothing of the batch is written.</exception>
    /// <exception cref="DatasetExportException">A shard file could not be written.</exception>
    public async ValueTask WriteAsync(IReadOnlyList<EncodedRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ThrowIfUnusable();
        if (records.Count == 0)
        {
            return;
        }

        var batches = Route(records);
        for (var i = 0; i < batches.Length; i++)
        {
            if (batches[i] is not { } batch)
            {
                continue;
            }

            try
            {
                await _shards[i].EnqueueAsync(batch, cancellationToken);
            }
            catch (ChannelClosedException)
            {
                ThrowIfUnusable();
                throw;
            }
        }
    }

    /// <summary>Writes what is queued, closes every file and writes <c>manifest.json</c>.</summary>
    /// <param name="dropped">What the filters dropped, for the manifest.</param>
    /// <param name="redacted">What personal-data redaction replaced, for the manifest.</param>
    /// <exception cref="DatasetExportException">A file or the manifest could not be written; the message names it and says why.</exception>
    public async Task<DatasetManifest> CompleteAsync(IReadOnlyList<FilterCount>? dropped = null, IReadOnlyList<RedactionCount>? redacted = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.CompareExchange(ref _state, Completing, Open) != Open)
        {
            throw new InvalidOperationException("CompleteAsync was already called on this dataset writer");
        }

        await CloseShardsAsync();
        if (Volatile.Read(ref _fault) is { } fault)
        {
            throw Copy(fault);
        }

        if (_stopping.IsCancellationRequested)
        {
            throw new OperationCanceledException("the dataset writer was disposed before it completed; no manifest was written");
        }

        var manifest = new DatasetManifest(
            Format,
            _timeProvider.GetUtcNow(),
            _tokenizer,
            _fractions,
            new DatasetSplitSummaries(Summary(DatasetSplit.Train), Summary(DatasetSplit.Dev), Summary(DatasetSplit.Test)))
        {
            Filters = _filters is null ? null : _filters with { Dropped = dropped ?? [], Redacted = redacted ?? [] },
            Columns = HasLanguage ? [.. DatasetColumns.Base, DatasetColumns.Language] : DatasetColumns.Base,
        };
        await WriteManifestAsync(manifest);
        return manifest;
    }

    /// <summary>Without <see cref="CompleteAsync"/>: stops the writers and closes the files unfinished, writing no manifest.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        await CloseShardsAsync();
        _stopping.Dispose();
    }

    private static DatasetExportException Copy(DatasetExportException fault) =>
        fault.InnerException is { } cause ? new DatasetExportException(fault.Message, cause) : new DatasetExportException(fault.Message);

    /// <summary>Validates the whole batch, then groups it by shard (index = split × shards per split + shard).</summary>
    private List<EncodedRecord>?[] Route(IReadOnlyList<EncodedRecord> records)
    {
        DatasetChecks.Validate(records);
        var batches = new List<EncodedRecord>?[_shards.Length];
        foreach (var record in records)
        {
            var hash = DatasetSplits.Hash(record.DocumentId);
            var split = DatasetSplits.Assign(hash, _fractions);
            var index = ((int)split * ShardsPerSplit) + (int)(hash % (ulong)ShardsPerSplit);
            (batches[index] ??= []).Add(record);
        }

        return batches;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _fault) is { } fault)
        {
            throw Copy(fault);
        }

        if (Volatile.Read(ref _state) != Open)
        {
            throw new InvalidOperationException("the dataset writer is completed; no more records can be written");
        }
    }

    private void ReportFault(DatasetExportException fault) => Interlocked.CompareExchange(ref _fault, fault, null);

    private async Task CloseShardsAsync()
    {
        foreach (var shard in _shards)
        {
            shard.Complete();
        }

        await Task.WhenAll(_shards.Select(shard => shard.Completion));
    }

    private DatasetSplitSummary Summary(DatasetSplit split)
    {
        var records = 0L;
        var documents = 0L;
        var tokens = 0L;
        var files = new List<string>();
        foreach (var shard in _shards.Where(shard => shard.Split == split))
        {
            // A document's chunks all land in one shard, so shards' document counts add up without overlap.
            records += shard.Records;
            documents += shard.Documents;
            tokens += shard.Tokens;
            if (shard.HasFile)
            {
                files.Add(shard.RelativePath);
            }
        }

        files.Sort(StringComparer.Ordinal);
        return new DatasetSplitSummary(records, documents, tokens, files);
    }

    private async Task WriteManifestAsync(DatasetManifest manifest)
    {
        // Written aside and moved into place, so a manifest is either whole or absent.
        var path = Path.Combine(OutputDirectory, DatasetManifest.FileName);
        var temporary = path + ".tmp";
        try
        {
            await File.WriteAllTextAsync(temporary, manifest.ToJson() + "\n");
            File.Move(temporary, path, overwrite: false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new DatasetExportException($"could not write the dataset manifest '{path}': {exception.Message}", exception);
        }
    }
}
