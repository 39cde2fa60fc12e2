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
    ILogger<ExpertGrain> logger) : Grain, IExpertGrain
{
    private const int RecentBatchCapacity = 4096;

    private readonly RecentBatches _recent = new(RecentBatchCapacity);

    // Which state of the shard the aggregator has seen: a new incarnation per activation, a version per change.
    private readonly Guid _incarnation = Guid.NewGuid();
    private long _version;
    private long _estimateVersion = -1;
    private double _estimate;
    private KnowledgeShard _shard = null!;
    private int _self;
    private bool _dirty;
    private Task _lastWrite = Task.CompletedTask;
    private PendingWrite? _pending;

    // Learned but not yet stored: counted in the GlobalBrain meter once a write has stored them, so
    // the counters say what is durable, and a retried batch (recognised by its id) adds nothing.
    private long _uncountedDocuments;
    private long _uncountedTokens;
    private long _uncountedBytes;

    // Fault injection (reorder): the message of an exchange held back until the next one has gone.
    private Message? _heldBack;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _self = checked((int)this.GetPrimaryKeyLong());
        var n = experts.Value.Count;
        if (_self < 0 || _self >= n)
        {
            throw new InvalidOperationException($"Expert {_self} does not exist: this cluster runs experts 0..{n - 1} (GlobalBrain:Experts:Count = {n}).");
        }

        var precision = knowledge.Value.Precision;
        var stored = state.State;
        if (stored.Registers is { } registers)
        {
            if (registers.Length != 1 << precision)
            {
                throw new InvalidOperationException(
                    $"Expert {_self} was stored with {registers.Length} registers but GlobalBrain:Knowledge:Precision = {precision} needs {1 << precision}; keep the precision the knowledge was built with, or clear the storage.");
            }

            _shard = ShardOf(registers, stored.Origins);
        }
        else
        {
            _shard = new KnowledgeShard(precision);
        }

        _recent.Load(stored.RecentBatchIds);

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
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!_dirty)
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

    public async Task LearnAsync(KnowledgeDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (_recent.Contains(delta.BatchId))
        {
            // A retry of a batch this expert already counted: make sure it is stored, count nothing.
            if (_dirty)
            {
                await PersistAsync();
            }

            return;
        }

        _shard.Learn(_self, delta.Documents, delta.Tokens, delta.ItemHashes);
        _version++;
        _recent.Add(delta.BatchId);
        _uncountedDocuments += delta.Documents;
        _uncountedTokens += delta.Tokens;
        _uncountedBytes += delta.Bytes;
        _dirty = true;
        await PersistAsync();
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
        var own = _shard.TotalsOf(_self);
        if (_estimateVersion != _version)
        {
            _estimate = _shard.KnowledgeEstimate;
            _estimateVersion = _version;
        }

        // The sketch only when the caller has not seen this version of it: a network at rest sends none.
        var unchanged = knownIncarnation == _incarnation && knownVersion == _version;
        return Task.FromResult(new ExpertReport(
            _self,
            _estimate,
            own.Documents,
            own.Tokens,
            unchanged ? null : (byte[])_shard.Items.Registers.Clone(),
            state.State.ExchangesStarted,
            state.State.BytesExchanged,
            silo.SiloAddress.ToParsableString(),
            _incarnation,
            _version));
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
        if (_dirty)
        {
            await PersistAsync();
        }
    }

    private void Merge(ShardSnapshot snapshot)
    {
        if (_shard.Merge(ShardOf(snapshot.Registers, snapshot.Origins)))
        {
            _dirty = true;
            _version++;
        }
    }

    private static KnowledgeShard ShardOf(byte[] registers, OriginCount[] origins) =>
        KnowledgeShard.FromParts(registers, origins.Select(o => KeyValuePair.Create(o.Origin, new OriginTotals(o.Documents, o.Tokens))));

    private ShardSnapshot Snapshot() => new((byte[])_shard.Items.Registers.Clone(), OriginCounts());

    private OriginCount[] OriginCounts()
    {
        var counts = new OriginCount[_shard.Origins.Count];
        var i = 0;
        foreach (var (origin, totals) in _shard.Origins)
        {
            counts[i++] = new OriginCount(origin, totals.Documents, totals.Tokens);
        }

        return counts;
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
        var stored = state.State;
        stored.Registers = _shard.Items.Registers;
        stored.Origins = OriginCounts();
        stored.RecentBatchIds = _recent.ToBlob();
        _dirty = false;
        var (documents, tokens, bytes) = (_uncountedDocuments, _uncountedTokens, _uncountedBytes);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            _dirty = true;
            throw;
        }

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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Expert {Expert} could not exchange with expert {Peer}; it will try again on its next tick")]
    private static partial void LogExchangeFailed(ILogger logger, int expert, int peer, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expert {Expert} could not store its shard while deactivating ({Reason}); knowledge it gained by exchange since its last write is held by its peers")]
    private static partial void LogFinalWriteFailed(ILogger logger, int expert, DeactivationReasonCode reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Expert {Expert} could not store its shard before deactivating for an injected fault")]
    private static partial void LogFaultWriteFailed(ILogger logger, int expert, Exception exception);

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
