using System.Diagnostics;
using GlobalBrain.Domain.Faults;
using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Faults;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// Expert i of N. Holds a knowledge shard and, every 1/v seconds, exchanges it with a peer from the
/// topology (push, pull or push-pull). Reentrant: two experts that pick each other at the same moment
/// must not deadlock, and every state change below happens between awaits, so interleaving is safe.
/// </summary>
[Reentrant, RandomPlacement]
public sealed partial class ExpertGrain(
    [PersistentState("shard", GlobalBrainSiloBuilderExtensions.ShardStorage)] IPersistentState<ExpertState> state,
    IOptions<ExpertsOptions> experts,
    IOptions<KnowledgeOptions> knowledge,
    ILocalSiloDetails silo,
    Simulation.TopologyCache topologies,
    Telemetry.GlobalBrainInstruments instruments,
    ExchangeFaults faults,
    BatchSegmentStore segments,
    TimeProvider time,
    ILogger<ExpertGrain> logger) : Grain, IExpertGrain
{
    /// <summary>Batch ids per sealed segment: the open set written with every batch stays under 16 KB.</summary>
    internal const int BatchSegmentSize = 1024;

    // Which state of the shard the aggregator has seen: a new incarnation per activation, a version per change.
    private readonly Guid _incarnation = Guid.NewGuid();
    private long _estimateVersion = -1;
    private double _estimate;
    private ExpertLedger _ledger = null!;
    private int _self;
    private Task _lastWrite = Task.CompletedTask;
    private PendingWrite? _pending;

    // Storage has moved on from this activation's version of the state (a write that timed out was
    // applied after all): nothing more is written from here; the next activation starts from storage.
    private bool _stale;

    // Learned but not yet stored: counted in the GlobalBrain meter once a write has stored them, so
    // the counters say what is durable, and a retried batch (recognised by its id) adds nothing.
    private long _uncountedDocuments;
    private long _uncountedTokens;
    private long _uncountedBytes;

    // Fault injection (reorder): the message of an exchange held back until the next one has gone.
    private Message? _heldBack;

    private KnowledgeShard Shard => _ledger.Shard;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _self = checked((int)this.GetPrimaryKeyLong());
        var n = experts.Value.Count;
        if (_self < 0 || _self >= n)
        {
            throw new InvalidOperationException($"Expert {_self} does not exist: this cluster runs experts 0..{n - 1} (GlobalBrain:Experts:Count = {n}).");
        }

        _ledger = await LoadAsync();

        var flowRate = experts.Value.FlowRate;
        if (flowRate > 0 && n > 1)
        {
            var period = TimeSpan.FromSeconds(1 / flowRate);
            this.RegisterGrainTimer(ExchangeWithRandomPeerAsync, new GrainTimerCreationOptions
            {
                // A random phase, so that N experts do not all exchange in the same instant.
                DueTime = period * Random.Shared.NextDouble(),
                Period = period,
                Interleave = true,
                KeepAlive = true,
            });
        }

        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions
        {
            DueTime = knowledge.Value.FlushInterval,
            Period = knowledge.Value.FlushInterval,
            Interleave = true,
        });
    }

    /// <summary>The ledger as stored: the shard, and every batch id of the window (the open set and the sealed segments).</summary>
    private async Task<ExpertLedger> LoadAsync()
    {
        var precision = knowledge.Value.Precision;
        var stored = state.State;
        KnowledgeShard shard;
        if (stored.Registers is { } registers)
        {
            if (registers.Length != 1 << precision)
            {
                throw new InvalidOperationException(
                    $"Expert {_self} was stored with {registers.Length} registers but GlobalBrain:Knowledge:Precision = {precision} needs {1 << precision}; keep the precision the knowledge was built with, or clear the storage.");
            }

            shard = ShardOf(registers, stored.Origins);
        }
        else
        {
            shard = new KnowledgeShard(precision);
        }

        var window = new BatchWindow(knowledge.Value.IdempotencyWindow, BatchSegmentSize);
        var now = time.GetUtcNow().UtcTicks;
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

        return new ExpertLedger(_self, shard, window);
    }

    private async Task<(Guid[] Ids, string? ETag)?> ReadSegmentAsync(BatchSegmentRef reference)
    {
        (Guid[] Ids, string? ETag)? segment;
        try
        {
            segment = await segments.ReadAsync(_self, reference);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ExpertStorageException($"expert {_self} could not read its batch ids from the grain storage ({e.GetType().Name}); send the batch again later", e);
        }

        if (segment is null)
        {
            LogSegmentMissing(logger, _self, reference.Count);
        }

        return segment;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Nothing to store when it never finished activating (a storage read failed) or storage has moved on.
        if (_ledger is not { Dirty: true } || _stale)
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
            LogFinalWriteFailed(logger, _self, reason.ReasonCode, e);
        }
    }

    /// <summary>
    /// Counts the batch unless its id is in the window, and returns once a stored write holds it — on
    /// every path: the first time, a retry while that write is in flight, a retry after it failed.
    /// </summary>
    public async Task LearnAsync(KnowledgeDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ThrowIfStale();
        var outcome = _ledger.Learn(delta.BatchId, delta.Documents, delta.Tokens, delta.ItemHashes, time.GetUtcNow().UtcTicks);
        if (outcome == LearnOutcome.Stored)
        {
            return;
        }

        if (outcome == LearnOutcome.Learned)
        {
            _uncountedDocuments += delta.Documents;
            _uncountedTokens += delta.Tokens;
            _uncountedBytes += delta.Bytes;
        }

        await PersistAsync();
        if (!_ledger.IsStored(delta.BatchId))
        {
            // A write that started after the batch was learned succeeded, so it holds the batch; only a
            // new activation (which would not be this one) could miss it. Refuse rather than acknowledge.
            throw new ExpertStorageException($"expert {_self} has not stored the batch yet; send it again");
        }
    }

    public Task<ShardSnapshot> ExchangeAsync(ShardSnapshot incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        // Bytes are counted by the expert that starts an exchange, so that each exchange counts once.
        Merge(incoming);
        return Task.FromResult(Snapshot());
    }

    public Task<ExpertReport> GetReportAsync(Guid knownIncarnation, long knownVersion)
    {
        // Its own documents and tokens as stored: what a report or a peer hears of this expert is durable.
        var own = _ledger.StoredOwn;
        var version = _ledger.Change;
        if (_estimateVersion != version)
        {
            _estimate = Shard.KnowledgeEstimate;
            _estimateVersion = version;
        }

        // The sketch only when the caller has not seen this version of it: a network at rest sends none.
        var unchanged = knownIncarnation == _incarnation && knownVersion == version;
        return Task.FromResult(new ExpertReport(
            _self,
            _estimate,
            own.Documents,
            own.Tokens,
            unchanged ? null : (byte[])Shard.Items.Registers.Clone(),
            state.State.ExchangesStarted,
            state.State.BytesExchanged,
            silo.SiloAddress.ToParsableString(),
            _incarnation,
            version));
    }

    public Task ReceiveAsync(ShardSnapshot incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        Merge(incoming);
        return Task.CompletedTask;
    }

    public Task<ShardSnapshot> ShareAsync() => Task.FromResult(Snapshot());

    /// <summary>
    /// One exchange with a neighbour picked uniformly from the topology, as the mode says (the
    /// simulation's semantics, live). Under fault injection its message may be dropped, duplicated,
    /// delayed or held back, and the expert may deactivate afterwards (<see cref="ExchangeFaults"/>).
    /// </summary>
    private async Task ExchangeWithRandomPeerAsync(CancellationToken cancellationToken)
    {
        var options = experts.Value;
        var peer = topologies.Get(options.TopologySpec(), options.Count, options.TopologySeed).Peer(_self, (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue));
        if (peer < 0)
        {
            return;
        }

        var fault = faults.Active ? faults.Draw(_self, state.State.FaultDraws++) : FaultDraw.None;
        var heldBack = _heldBack;
        _heldBack = null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var message = await PrepareAsync(GrainFactory.GetGrain<IExpertGrain>(peer), peer, options.Mode);
            await SendAsync(message, fault);
            state.State.ExchangesStarted++;
            instruments.Exchanges.Add(1, new KeyValuePair<string, object?>("mode", options.Mode));
            instruments.ExchangeDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception e) when (IsLostExchange(e))
        {
            // Gossip tolerates a lost exchange: the next tick tries another peer.
            LogExchangeFailed(logger, _self, peer, e);
        }

        if (heldBack is not null)
        {
            // After this exchange's message: its peer may get the older snapshot after a newer one.
            await DeliverQuietlyAsync(heldBack);
        }

        if (fault.Deactivate)
        {
            await DeactivateForFaultAsync();
        }
    }

    /// <summary>
    /// What the exchange carries to the side that merges it: push, this shard to the peer; pull, the
    /// peer's shard (fetched now) to this one; push-pull, this shard to the peer, whose answer is merged here.
    /// </summary>
    private async Task<Message> PrepareAsync(IExpertGrain expert, int peer, string mode)
    {
        switch (mode)
        {
            case "push":
                var pushed = Snapshot();
                return new Message(peer, async () =>
                {
                    await expert.ReceiveAsync(pushed);
                    return pushed.WireSize;
                });
            case "pull":
                var pulled = await expert.ShareAsync();
                return new Message(peer, () =>
                {
                    Merge(pulled);
                    return Task.FromResult((long)pulled.WireSize);
                });
            default:
                var outgoing = Snapshot();
                return new Message(peer, async () =>
                {
                    var reply = await expert.ExchangeAsync(outgoing);
                    Merge(reply);
                    return outgoing.WireSize + (long)reply.WireSize;
                });
        }
    }

    /// <summary>Delivers the message now, or as the fault says: never, later, or after the next exchange; once or twice.</summary>
    private async Task SendAsync(Message message, FaultDraw fault)
    {
        var copies = fault.Duplicated ? 2 : 1;
        if (fault.Duplicated)
        {
            faults.Injected(FaultKind.Duplicate);
        }

        switch (fault.Fate)
        {
            case MessageFate.Dropped:
                faults.Injected(FaultKind.Drop);
                return;
            case MessageFate.Delayed:
                faults.Injected(FaultKind.Delay);
                DeliverLater(message, copies, faults.DelayOf(fault));
                return;
            case MessageFate.Reordered:
                faults.Injected(FaultKind.Reorder);
                _heldBack = copies == 1 ? message : message.Twice();
                return;
            default:
                for (var i = 0; i < copies; i++)
                {
                    await DeliverAsync(message);
                }

                return;
        }
    }

    private async Task DeliverAsync(Message message)
    {
        var carried = await message.DeliverAsync();
        state.State.BytesExchanged += carried;
        instruments.MergedBytes.Add(carried);
    }

    /// <summary>A late message that fails is lost, as any message may be: the next exchanges carry the same knowledge.</summary>
    private async Task DeliverQuietlyAsync(Message message)
    {
        try
        {
            await DeliverAsync(message);
        }
        catch (Exception e) when (IsLostExchange(e))
        {
            LogExchangeFailed(logger, _self, message.Peer, e);
        }
    }

    /// <summary>
    /// A one-shot grain timer delivers it, so that this expert goes on exchanging meanwhile (and a
    /// newer snapshot may overtake it). Messages still waiting when the expert deactivates are lost.
    /// </summary>
    private void DeliverLater(Message message, int copies, TimeSpan delay)
    {
        var late = new LateMessage(message, copies);
        late.Timer = this.RegisterGrainTimer(
            async (pending, _) =>
            {
                pending.Timer?.Dispose();
                for (var i = 0; i < pending.Copies; i++)
                {
                    await DeliverQuietlyAsync(pending.Message);
                }
            },
            late,
            new GrainTimerCreationOptions { DueTime = delay, Period = Timeout.InfiniteTimeSpan, Interleave = true });
    }

    /// <summary>Deactivates as a fault, and is called back at once: a new activation starts from the stored state.</summary>
    private async Task DeactivateForFaultAsync()
    {
        faults.Injected(FaultKind.Deactivate);
        try
        {
            // Stored first (the deactivation would store only changed knowledge), so that the draws go on
            // where they stopped: replaying the one that deactivated it would deactivate it again and again.
            await PersistAsync();
        }
        catch (Exception e) when (IsLostExchange(e))
        {
            LogFaultWriteFailed(logger, _self, e);
        }

        DeactivateOnIdle();
        faults.Reactivate(_self);
    }

    private static bool IsLostExchange(Exception e) => e is TimeoutException or OrleansException or InvalidOperationException;

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_ledger.Dirty || _stale)
        {
            return;
        }

        try
        {
            await PersistAsync();
        }
        catch (ExpertStorageException e)
        {
            // Knowledge gained by exchange: the next flush, or peers, still have it.
            LogFlushFailed(logger, _self, e);
        }
    }

    private void Merge(ShardSnapshot snapshot) => _ledger.Merge(ShardOf(snapshot.Registers, snapshot.Origins));

    private static KnowledgeShard ShardOf(byte[] registers, OriginCount[] origins) =>
        KnowledgeShard.FromParts(registers, origins.Select(o => KeyValuePair.Create(o.Origin, new OriginTotals(o.Documents, o.Tokens))));

    /// <summary>What peers get: the sketch, every origin as known, and this expert's own totals as stored.</summary>
    private ShardSnapshot Snapshot() => new((byte[])Shard.Items.Registers.Clone(), [.. _ledger.GossipOrigins().Select(o => new OriginCount(o.Key, o.Value.Documents, o.Value.Tokens))]);

    /// <summary>What the state stores: every origin as known, this expert's own as counted (the write makes them durable).</summary>
    private OriginCount[] StoredOriginCounts()
    {
        var counts = new OriginCount[Shard.Origins.Count];
        var i = 0;
        foreach (var (origin, totals) in Shard.Origins)
        {
            counts[i++] = new OriginCount(origin, totals.Documents, totals.Tokens);
        }

        return counts;
    }

    private void ThrowIfStale()
    {
        if (_stale)
        {
            throw new ExpertStorageException($"expert {_self} is reloading its state after a write it could not confirm; send the batch again");
        }
    }

    /// <summary>
    /// Stores the shard. Writes never overlap; a caller gets a write that starts after its change,
    /// and callers that arrive while one is still waiting to start share it.
    /// </summary>
    private Task PersistAsync()
    {
        if (_pending is { Started: false } waiting)
        {
            return waiting.Completion;
        }

        var pending = new PendingWrite();
        pending.Completion = WriteAfterAsync(_lastWrite, pending);
        _pending = pending;
        _lastWrite = pending.Completion;
        return pending.Completion;
    }

    private async Task WriteAfterAsync(Task previous, PendingWrite pending)
    {
        try
        {
            await previous;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // That write's own callers saw its failure; this write stores everything anyway.
        }

        pending.Started = true;
        ThrowIfStale();
        try
        {
            // Sealed segments first: the state that names them is written only once they are stored.
            foreach (var segment in _ledger.PrepareWrite(time.GetUtcNow().UtcTicks))
            {
                segment.MarkPersisted(await segments.WriteAsync(_self, segment));
            }

            // The image and the state in one turn: the storage serializes the state before it awaits.
            var image = _ledger.Capture();
            var stored = state.State;
            var window = _ledger.Window;
            stored.Registers = Shard.Items.Registers;
            stored.Origins = StoredOriginCounts();
            stored.RecentBatchIds = [];
            stored.OpenBatchIds = window.OpenBlob();
            stored.OpenBatchesNewest = window.OpenNewestTicks;
            stored.Segments = [.. window.Sealed.Select(s => new BatchSegmentRef(s.Key, s.NewestTicks, s.Count, s.ETag))];
            var (documents, tokens, bytes) = (_uncountedDocuments, _uncountedTokens, _uncountedBytes);
            await state.WriteStateAsync();
            _ledger.Stored(image);
            _uncountedDocuments -= documents;
            _uncountedTokens -= tokens;
            _uncountedBytes -= bytes;
            if (documents > 0)
            {
                instruments.DocumentsIngested.Add(documents);
                instruments.Tokens.Add(tokens);
                instruments.Text.Add(bytes);
            }
        }
        catch (Orleans.Storage.InconsistentStateException e)
        {
            // A write this activation saw fail was applied after all, or another activation wrote: storage
            // has a state this one does not know. Stop writing; the next activation reads storage's.
            _stale = true;
            LogStale(logger, _self, e);
            DeactivateOnIdle();
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
        foreach (var segment in _ledger.Window.TakeExpired())
        {
            try
            {
                await segments.DeleteAsync(_self, segment);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogSegmentNotDeleted(logger, _self, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Expert {Expert} could not exchange with expert {Peer}; it will try again on its next tick")]
    private static partial void LogExchangeFailed(ILogger logger, int expert, int peer, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expert {Expert} could not store its shard while deactivating ({Reason}); knowledge it gained by exchange since its last write is held by its peers")]
    private static partial void LogFinalWriteFailed(ILogger logger, int expert, DeactivationReasonCode reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Expert {Expert} could not store its shard before deactivating for an injected fault")]
    private static partial void LogFaultWriteFailed(ILogger logger, int expert, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Expert {Expert} could not store knowledge gained by exchange; the next flush tries again")]
    private static partial void LogFlushFailed(ILogger logger, int expert, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expert {Expert} found a newer state in storage than its own (a write it saw fail was applied); it reloads from storage")]
    private static partial void LogStale(ILogger logger, int expert, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expert {Expert}: the grain storage no longer has a segment of {Count} batch ids that its state names; a batch among them sent again would be counted again")]
    private static partial void LogSegmentMissing(ILogger logger, int expert, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Expert {Expert} could not delete an expired segment of batch ids; it stays in storage unused")]
    private static partial void LogSegmentNotDeleted(ILogger logger, int expert, Exception exception);

    /// <summary>An exchange's message to <see cref="Peer"/>: delivering it merges a snapshot on one side and returns the bytes carried.</summary>
    private sealed record Message(int Peer, Func<Task<long>> DeliverAsync)
    {
        public Message Twice() => new(Peer, async () => await DeliverAsync() + await DeliverAsync());
    }

    private sealed class LateMessage(Message message, int copies)
    {
        public Message Message { get; } = message;

        public int Copies { get; } = copies;

        public IGrainTimer? Timer { get; set; }
    }

    private sealed class PendingWrite
    {
        public bool Started { get; set; }

        public Task Completion { get; set; } = Task.CompletedTask;
    }
}
