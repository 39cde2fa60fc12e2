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
    RandomSource random,
    ILogger<ExpertGrain> logger) : Grain, IExpertGrain
{
    // Which state of the shard the aggregator has seen: a new incarnation per activation, a version per change.
    private readonly Guid _incarnation = Guid.NewGuid();
    private long _estimateVersion = -1;
    private double _estimate;
    private ExpertLedger _ledger = null!;
    private ExpertStorage _storage = null!;
    private ExchangeDelivery _delivery = null!;
    private int _self;

    /// <summary>Bytes of the digest an offer carries.</summary>
    private const long DigestSize = sizeof(ulong);

    private KnowledgeShard Shard => _ledger.Shard;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _self = checked((int)this.GetPrimaryKeyLong());
        var n = experts.Value.Count;
        if (_self < 0 || _self >= n)
        {
            throw new InvalidOperationException($"Expert {_self} does not exist: this cluster runs experts 0..{n - 1} (GlobalBrain:Experts:Count = {n}).");
        }

        _storage = new ExpertStorage(_self, state, segments, time, instruments, logger, DeactivateOnIdle);
        _delivery = new ExchangeDelivery(
            faults.Injected,
            faults.DelayOf,
            carried =>
            {
                state.State.BytesExchanged += carried;
                instruments.MergedBytes.Add(carried);
            },
            DeliverLater,
            (peer, e) => LogExchangeFailed(logger, _self, peer, e));
        _ledger = await _storage.LoadAsync(knowledge.Value);

        var flowRate = experts.Value.FlowRate;
        if (flowRate > 0 && n > 1)
        {
            var period = TimeSpan.FromSeconds(1 / flowRate);
            this.RegisterGrainTimer(ExchangeWithRandomPeerAsync, new GrainTimerCreationOptions
            {
                // A random phase, so that N experts do not all exchange in the same instant.
                DueTime = period * random.NextDouble(),
                Period = period,
                Interleave = true,
                KeepAlive = true,
            });
        }

        this.RegisterGrainTimer(_ => _storage.FlushAsync(), new GrainTimerCreationOptions
        {
            DueTime = knowledge.Value.FlushInterval,
            Period = knowledge.Value.FlushInterval,
            Interleave = true,
        });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _storage is null ? Task.CompletedTask : _storage.StoreOnDeactivationAsync(reason.ReasonCode);

    /// <summary>
    /// Counts the batch unless its id is in the window, and returns once a stored write holds it — on
    /// every path: the first time, a retry while that write is in flight, a retry after it failed.
    /// </summary>
    public async Task LearnAsync(KnowledgeDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        _storage.ThrowIfStale();
        var outcome = _ledger.Learn(delta.BatchId, delta.Documents, delta.Tokens, delta.ItemHashes, time.GetUtcNow().UtcTicks);
        if (outcome == LearnOutcome.Stored)
        {
            return;
        }

        if (outcome == LearnOutcome.Learned)
        {
            _storage.Learned(delta.Documents, delta.Tokens, delta.Bytes);
        }

        await _storage.PersistAsync();
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
        return Task.FromResult(new ShardSnapshot(_ledger.GossipShard().Missing(incoming.Shard)));
    }

    public Task<ShardSnapshot?> OfferAsync(ulong digest)
    {
        var mine = _ledger.GossipShard();
        return Task.FromResult(mine.Digest == digest ? null : new ShardSnapshot(mine));
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
            unchanged ? null : Shard.Items,
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
        var peer = topologies.Get(options.TopologySpec(), options.Count, options.TopologySeed).Peer(_self, (ulong)random.NextInt64(long.MinValue, long.MaxValue));
        if (peer < 0)
        {
            return;
        }

        var fault = faults.Active ? faults.Draw(_self, state.State.FaultDraws++) : FaultDraw.None;
        var heldBack = _delivery.TakeHeldBack();
        var started = Stopwatch.GetTimestamp();
        try
        {
            var message = await PrepareAsync(GrainFactory.GetGrain<IExpertGrain>(peer), peer, options.ExchangeMode());
            await _delivery.SendAsync(message, fault);
            state.State.ExchangesStarted++;
            instruments.Exchanges.Add(1, new KeyValuePair<string, object?>("mode", options.Mode));
            instruments.ExchangeDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception e) when (ExchangeDelivery.IsLost(e))
        {
            // Gossip tolerates a lost exchange: the next tick tries another peer.
            LogExchangeFailed(logger, _self, peer, e);
        }

        if (heldBack is not null)
        {
            // After this exchange's message: its peer may get the older snapshot after a newer one.
            await _delivery.DeliverQuietlyAsync(heldBack);
        }

        if (fault.Deactivate)
        {
            await DeactivateForFaultAsync();
        }
    }

    /// <summary>
    /// What the exchange carries to the side that merges it. Push: this shard to the peer. Pull: the
    /// peer's shard, fetched now unless its digest equals this one's, merged here. Push-pull: the same
    /// fetch, then what the peer lacks (<see cref="KnowledgeShard.Missing"/>) sent back to it — once
    /// both know the same, an exchange carries the 8-byte digest and nothing else.
    /// </summary>
    private async Task<ExchangeMessage> PrepareAsync(IExpertGrain expert, int peer, Domain.Simulation.ExchangeMode mode)
    {
        switch (mode)
        {
            case Domain.Simulation.ExchangeMode.Push:
                var pushed = Snapshot();
                return new ExchangeMessage(peer, async () =>
                {
                    await expert.ReceiveAsync(pushed);
                    return pushed.WireSize;
                });
            case Domain.Simulation.ExchangeMode.Pull:
                var pulled = await expert.OfferAsync(_ledger.GossipShard().Digest);
                return new ExchangeMessage(peer, () =>
                {
                    if (pulled is not null)
                    {
                        Merge(pulled);
                    }

                    return Task.FromResult(DigestSize + (long)(pulled?.WireSize ?? 0));
                });
            case Domain.Simulation.ExchangeMode.PushPull:
                var offered = await expert.OfferAsync(_ledger.GossipShard().Digest);
                return new ExchangeMessage(peer, async () =>
                {
                    if (offered is null)
                    {
                        return DigestSize;
                    }

                    Merge(offered);
                    var missing = _ledger.GossipShard().Missing(offered.Shard);
                    if (missing.IsEmpty)
                    {
                        return DigestSize + (long)offered.WireSize;
                    }

                    await expert.ReceiveAsync(new ShardSnapshot(missing));
                    return DigestSize + (long)offered.WireSize + missing.WireSize;
                });
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown exchange mode");
        }
    }

    /// <summary>
    /// A one-shot grain timer delivers it, so that this expert goes on exchanging meanwhile (and a
    /// newer snapshot may overtake it). Messages still waiting when the expert deactivates are lost.
    /// </summary>
    private void DeliverLater(TimeSpan delay, Func<Task> deliver)
    {
        var late = new LateDelivery(deliver);
        late.Timer = this.RegisterGrainTimer(
            async (pending, _) =>
            {
                pending.Timer?.Dispose();
                await pending.Deliver();
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
            await _storage.PersistAsync();
        }
        catch (Exception e) when (ExchangeDelivery.IsLost(e))
        {
            LogFaultWriteFailed(logger, _self, e);
        }

        DeactivateOnIdle();
        faults.Reactivate(_self);
    }

    private void Merge(ShardSnapshot snapshot) => _ledger.Merge(snapshot.Shard);

    /// <summary>What peers get: the shard, every origin as known, and this expert's own totals as stored (shared, not copied).</summary>
    private ShardSnapshot Snapshot() => new(_ledger.GossipShard());

    // Log event ids 1000–1099: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Expert {Expert} could not exchange with expert {Peer}; it will try again on its next tick")]
    private static partial void LogExchangeFailed(ILogger logger, int expert, int peer, Exception exception);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Expert {Expert} could not store its shard before deactivating for an injected fault")]
    private static partial void LogFaultWriteFailed(ILogger logger, int expert, Exception exception);

    private sealed class LateDelivery(Func<Task> deliver)
    {
        public Func<Task> Deliver { get; } = deliver;

        public IGrainTimer? Timer { get; set; }
    }
}
