using System.Threading.Channels;
using GlobalBrain.Grains;

namespace GlobalBrain.Client.Export;

/// <summary>
/// One file of a split, written by its own background task from a bounded queue of batches, so that the shards of a
/// dataset are written in parallel and a slow disk holds back the callers instead of filling memory. The file is
/// created on the first record, so a shard that gets none leaves no file.
/// </summary>
internal sealed class DatasetShard
{
    private const int QueuedBatches = 8;

    private readonly Channel<List<EncodedRecord>> _queue = Channel.CreateBounded<List<EncodedRecord>>(
        new BoundedChannelOptions(QueuedBatches) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly HashSet<string> _documents = new(StringComparer.Ordinal);
    private readonly DatasetFormat _format;
    private readonly int _rowsPerGroup;
    private readonly bool _language;
    private readonly Action<DatasetExportException> _onFault;
    private readonly CancellationToken _stopping;
    private readonly Task _run;

    public DatasetShard(
        DatasetSplit split,
        string relativePath,
        string fullPath,
        DatasetFormat format,
        int rowsPerGroup,
        bool language,
        Action<DatasetExportException> onFault,
        CancellationToken stopping)
    {
        _language = language;
        Split = split;
        RelativePath = relativePath;
        FullPath = fullPath;
        _format = format;
        _rowsPerGroup = rowsPerGroup;
        _onFault = onFault;
        _stopping = stopping;
        _run = Task.Run(RunAsync, CancellationToken.None);
    }

    public DatasetSplit Split { get; }

    /// <summary>The file's path relative to the dataset directory, with '/' separators.</summary>
    public string RelativePath { get; }

    public string FullPath { get; }

    /// <summary>Completes when the file is closed (or was never needed); it never faults.</summary>
    public Task Completion => _run;

    // Read only after Completion: the background task is their only writer.
    public bool HasFile { get; private set; }

    public long Records { get; private set; }

    public long Tokens { get; private set; }

    public long Documents => _documents.Count;

    /// <summary>Queues a batch; waits while the queue is full. Throws <see cref="ChannelClosedException"/> once the shard is closed.</summary>
    public ValueTask EnqueueAsync(List<EncodedRecord> batch, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(batch, cancellationToken);

    /// <summary>No more batches: the task writes what is queued, finishes the file and ends.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    private async Task RunAsync()
    {
        var group = new EncodedRecord[_rowsPerGroup];
        var count = 0;
        IShardFile? file = null;
        try
        {
            await foreach (var batch in _queue.Reader.ReadAllAsync(_stopping))
            {
                // Opened on the first record rather than the first full group, so that a bad path fails the run early.
                file ??= await OpenAsync();
                foreach (var record in batch)
                {
                    group[count++] = record;
                    if (count == group.Length)
                    {
                        await WriteGroupAsync(file, group.AsMemory(0, count));
                        Array.Clear(group, 0, count);
                        count = 0;
                    }
                }
            }

            if (file is not null)
            {
                if (count > 0)
                {
                    await WriteGroupAsync(file, group.AsMemory(0, count));
                }

                await file.CompleteAsync(_stopping);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Disposed before completion: the file is closed unfinished below.
        }
        catch (Exception exception)
        {
            // Any failure of the file (disk full, permissions, a library error) is reported, never thrown from here.
            var fault = new DatasetExportException($"could not write the dataset file '{FullPath}': {exception.Message}", exception);
            _onFault(fault);
            // Releases callers waiting for room in the queue; they see the fault instead of hanging.
            _queue.Writer.TryComplete(fault);
        }
        finally
        {
            if (file is not null)
            {
                await DisposeQuietlyAsync(file);
            }
        }
    }

    private async ValueTask<IShardFile> OpenAsync()
    {
        IShardFile file = _format == DatasetFormat.Parquet
            ? await ParquetShardFile.CreateAsync(FullPath, _stopping, _language)
            : JsonlShardFile.Create(FullPath, _language);
        HasFile = true;
        return file;
    }

    private async ValueTask WriteGroupAsync(IShardFile file, ReadOnlyMemory<EncodedRecord> records)
    {
        await file.WriteAsync(records, _stopping);
        foreach (var record in records.Span)
        {
            Records++;
            Tokens += record.AttentionMask.AsSpan().Count((byte)1);
            _documents.Add(record.DocumentId);
        }
    }

    private static async ValueTask DisposeQuietlyAsync(IShardFile file)
    {
        try
        {
            await file.DisposeAsync();
        }
        catch (Exception)
        {
            // Closing after a failure may fail the same way; the first failure is the one reported.
        }
    }
}
