using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// An expert's durable side: loads its <see cref="ExpertLedger"/> from grain storage and stores it
/// (writes serialized by a <see cref="WriteCoalescer"/>), counts in the meter only what a write has
/// stored, and stops writing for good once storage has moved on from this activation's version.
/// </summary>
/// <remarks>Not thread-safe: the grain calls it from its own turns only.</remarks>
internal sealed partial class ExpertStorage
{
    /// <summary>Batch ids per sealed segment: the open set written with every batch stays under 16 KB.</summary>
    internal const int BatchSegmentSize = 1024;

    private readonly int _self;
    private readonly IPersistentState<ExpertState> _state;
    private readonly BatchSegmentStore _segments;
    private readonly TimeProvider _time;
    private readonly GlobalBrainInstruments _instruments;
    private readonly ILogger _logger;
    private readonly Action _deactivate;
    private readonly WriteCoalescer _writes;

    // Learned but not yet stored: counted in the GlobalBrain meter once a write has stored them, so
    // the counters say what is durable, and a retried batch (recognised by its id) adds nothing.
    private long _uncountedDocuments;
    private long _uncountedTokens;
    private long _uncountedBytes;

    /// <param name="deactivate">Ends the activation once storage has moved on (the next one reads storage's state).</param>
    /// <param name="groupCommit">How long a write asked for with more batches on their way waits for them (<see cref="KnowledgeOptions.GroupCommit"/>).</param>
    public ExpertStorage(int self, IPersistentState<ExpertState> state, BatchSegmentStore segments, TimeProvider time, GlobalBrainInstruments instruments, ILogger logger, Action deactivate, TimeSpan groupCommit = default)
    {
        _self = self;
        _state = state;
        _segments = segments;
        _time = time;
        _instruments = instruments;
        _logger = logger;
        _deactivate = deactivate;
        _writes = new WriteCoalescer(WriteOnceAsync, groupCommit, time);
    }

    /// <summary>The ledger as loaded by <see cref="LoadAsync"/>.</summary>
    public ExpertLedger Ledger { get; private set; } = null!;

    /// <summary>
    /// Storage has moved on from this activation's version of the state (a write that timed out was
    /// applied after all): nothing more is written from here; the next activation starts from storage.
    /// </summary>
    public bool Stale { get; private set; }

    /// <summary>Whether there is anything to store, and storing it may succeed.</summary>
    public bool ShouldWrite => Ledger is { Dirty: true } && !Stale;

    /// <summary>Loads the ledger as stored: the shard, and every batch id of the window (the open set and the sealed segments).</summary>
    public async Task<ExpertLedger> LoadAsync(KnowledgeOptions knowledge)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        var precision = knowledge.Precision;
        var stored = _state.State;
        var items = stored.Items ?? (stored.Registers is { } registers ? HyperLogLog.FromRegisters(registers) : HyperLogLog.Empty(precision));
        if (items.Precision != precision)
        {
            throw new InvalidOperationException(
                $"Expert {_self} was stored with {items.RegisterCount} registers but GlobalBrain:Knowledge:Precision = {precision} needs {1 << precision}; keep the precision the knowledge was built with, or clear the storage.");
        }

        var shard = OriginCount.ToShard(items, stored.Origins);
        var window = new BatchWindow(knowledge.IdempotencyWindow, BatchSegmentSize);
        var now = _time.GetUtcNow().UtcTicks;
        window.LoadOpen(stored.RecentBatchIds, now);
        window.LoadOpen(stored.OpenBatchIds, stored.OpenBatchesNewest);
        var sealedSegments = await Task.WhenAll(stored.Segments.Select(ReadSegmentAsync));
        for (var i = 0; i < sealedSegments.Length; i++)
        {
            if (sealedSegments[i] is var (ids, etag))
            {
                window.LoadSealed(stored.Segments[i].Key, stored.Segments[i].NewestTicks, etag, ids);
            }
        }

        Ledger = new ExpertLedger(_self, shard, window);
        return Ledger;
    }

    /// <summary>A batch the ledger learned: its documents, tokens and bytes are counted once a write stores them.</summary>
    public void Learned(long documents, long tokens, long bytes)
    {
        _uncountedDocuments += documents;
        _uncountedTokens += tokens;
        _uncountedBytes += bytes;
    }

    /// <summary>Stores the ledger: completes once a write that started after this call has stored it.</summary>
    /// <param name="moreComing">Other batches are on their way: a write this call starts waits the group-commit time for them to share it.</param>
    /// <exception cref="ExpertStorageException">The write failed or storage has moved on; the caller sends its batch again.</exception>
    public Task PersistAsync(bool moreComing = false) => _writes.WriteAsync(moreComing);

    /// <summary>Stores knowledge gained by exchange (a timer's tick): a failure waits for the next tick, and peers still hold it.</summary>
    public async Task FlushAsync()
    {
        if (!ShouldWrite)
        {
            return;
        }

        try
        {
            await PersistAsync();
        }
        catch (ExpertStorageException e)
        {
            LogFlushFailed(_logger, _self, e);
        }
    }

    /// <summary>The last write of an activation; nothing to store when it never finished activating or storage has moved on.</summary>
    public async Task StoreOnDeactivationAsync(DeactivationReasonCode reason)
    {
        if (!ShouldWrite)
        {
            return;
        }

        try
        {
            await PersistAsync();
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException)
        {
            // Only knowledge gained by exchange can be unsaved here (ingested knowledge is stored
            // before it is acknowledged), and peers still hold it.
            LogFinalWriteFailed(_logger, _self, reason, e);
        }
    }

    public void ThrowIfStale()
    {
        if (Stale)
        {
            throw new ExpertStorageException($"expert {_self} is reloading its state after a write it could not confirm; send the batch again");
        }
    }

    private async Task<(Guid[] Ids, string? ETag)?> ReadSegmentAsync(BatchSegmentRef reference)
    {
        (Guid[] Ids, string? ETag)? segment;
        try
        {
            segment = await _segments.ReadAsync(_self, reference);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ExpertStorageException($"expert {_self} could not read its batch ids from the grain storage ({e.GetType().Name}); send the batch again later", e);
        }

        if (segment is null)
        {
            LogSegmentMissing(_logger, _self, reference.Count);
        }

        return segment;
    }

    private async Task WriteOnceAsync()
    {
        ThrowIfStale();
        var ledger = Ledger;
        try
        {
            // Sealed segments first: the state that names them is written only once they are stored.
            foreach (var segment in ledger.PrepareWrite(_time.GetUtcNow().UtcTicks))
            {
                segment.MarkPersisted(await _segments.WriteAsync(_self, segment));
            }

            // The image and the state in one turn: the storage serializes the state before it awaits.
            var image = ledger.Capture();
            var stored = _state.State;
            var window = ledger.Window;
            stored.Registers = null;
            stored.Items = ledger.Shard.Items;
            stored.Origins = OriginCount.Of(ledger.Shard);
            stored.RecentBatchIds = [];
            stored.OpenBatchIds = window.OpenBlob();
            stored.OpenBatchesNewest = window.OpenNewestTicks;
            stored.Segments = [.. window.Sealed.Select(s => new BatchSegmentRef(s.Key, s.NewestTicks, s.Count, s.ETag))];
            var (documents, tokens, bytes) = (_uncountedDocuments, _uncountedTokens, _uncountedBytes);
            await _state.WriteStateAsync();
            ledger.Stored(image);
            _uncountedDocuments -= documents;
            _uncountedTokens -= tokens;
            _uncountedBytes -= bytes;
            if (documents > 0)
            {
                _instruments.DocumentsIngested.Add(documents);
                _instruments.Tokens.Add(tokens);
                _instruments.Text.Add(bytes);
            }
        }
        catch (Orleans.Storage.InconsistentStateException e)
        {
            // A write this activation saw fail was applied after all, or another activation wrote: storage
            // has a state this one does not know. Stop writing; the next activation reads storage's.
            Stale = true;
            LogStale(_logger, _self, e);
            _deactivate();
            throw new ExpertStorageException($"expert {_self} found a newer state in the grain storage than its own and is reloading it; send the batch again", e);
        }
        catch (Exception e) when (e is not (ExpertStorageException or OutOfMemoryException))
        {
            throw new ExpertStorageException($"expert {_self} could not store its knowledge: the grain storage failed or did not answer in time ({e.GetType().Name}); send the batch again later", e);
        }

        await DeleteExpiredSegmentsAsync();
    }

    /// <summary>Segments older than the window that the stored state no longer names: best effort (an orphan costs storage, never a count).</summary>
    private async Task DeleteExpiredSegmentsAsync()
    {
        foreach (var segment in Ledger.Window.TakeExpired())
        {
            try
            {
                await _segments.DeleteAsync(_self, segment);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogSegmentNotDeleted(_logger, _self, e);
            }
        }
    }

    // Log event ids 1100–1199: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Expert {Expert} could not store its shard while deactivating ({Reason}); knowledge it gained by exchange since its last write is held by its peers")]
    private static partial void LogFinalWriteFailed(ILogger logger, int expert, DeactivationReasonCode reason, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Expert {Expert} could not store knowledge gained by exchange; the next flush tries again")]
    private static partial void LogFlushFailed(ILogger logger, int expert, Exception exception);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Expert {Expert} found a newer state in storage than its own (a write it saw fail was applied); it reloads from storage")]
    private static partial void LogStale(ILogger logger, int expert, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Expert {Expert}: the grain storage no longer has a segment of {Count} batch ids that its state names; a batch among them sent again would be counted again")]
    private static partial void LogSegmentMissing(ILogger logger, int expert, int count);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Debug, Message = "Expert {Expert} could not delete an expired segment of batch ids; it stays in storage unused")]
    private static partial void LogSegmentNotDeleted(ILogger logger, int expert, Exception exception);
}
