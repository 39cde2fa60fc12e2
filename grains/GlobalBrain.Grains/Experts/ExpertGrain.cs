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
    SiloKnowledgeBoard board,
    ExchangeClock clock,
    FlushBudget flushes,
    FinalWrites finalWrites,
    ShardInterner interner,
    TimeProvider time,
    RandomSource random,
    ILogger<ExpertGrain> logger) : Grain, IExpertGrain
{
    // A new incarnation per activation (reports say which activation answered; tests watch re-activations).
    private readonly Guid _incarnation = Guid.NewGuid();
    private ExpertLedger _ledger = null!;
    private ExpertStorage _storage = null!;
    private ExchangeDelivery? _delivery;
    private Domain.Simulation.Topology _topology = null!;
    private Domain.Simulation.ExchangeMode _mode;
    private DateTimeOffset _flushedAt;
    private bool _exchanges;
    private bool _ticking;
    private int _self;
    private SiloKnowledgeBoard.Slot? _slot;

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

        _storage = new ExpertStorage(_self, state, segments, time, instruments, logger, DeactivateOnIdle, knowledge.Value.GroupCommit);
        _ledger = await _storage.LoadAsync(knowledge.Value);
        _ledger.Interner = interner;
        _slot = board.Join(_self);
        Publish();

        _flushedAt = time.GetUtcNow();
        if (experts.Value.FlowRate > 0 && n > 1)
        {
            _topology = topologies.Get(experts.Value.TopologySpec(), n, experts.Value.TopologySeed);
            _mode = experts.Value.ExchangeMode();
            _exchanges = true;

            // Ticks come from the silo's clock (one timer for all its experts), at a random phase so that
            // N experts do not all exchange in the same instant; each tick also keeps the expert active.
            clock.Join(_self, random.NextDouble());
        }
        else
        {
            // Nothing to exchange: a flush timer that lets an idle expert be collected.
            this.RegisterGrainTimer(_ => FlushAsync(), new GrainTimerCreationOptions
            {
                DueTime = knowledge.Value.FlushInterval,
                Period = knowledge.Value.FlushInterval,
                Interleave = true,
            });
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Not when the whole cluster stops and its storage (in memory) with it: such a write has nowhere to go.
        if (_storage is not null && finalWrites.Keepable())
        {
            await _storage.StoreOnDeactivationAsync(reason.ReasonCode);
        }

        clock.Leave(_self);
        if (_slot is not null)
        {
            board.Leave(_slot);
        }
    }

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
            Publish();
        }

        // With other batches in flight at the sender, their deltas for this expert are on their way: group commit.
        await _storage.PersistAsync(moreComing: delta.OthersInFlight > 0);
        if (!_ledger.IsStored(delta.BatchId))
        {
            // A write that started after the batch was learned succeeded, so it holds the batch; only a
            // new activation (which would not be this one) could miss it. Refuse rather than acknowledge.
            throw new ExpertStorageException($"expert {_self} has not stored the batch yet; send it again");
        }

        board.Learned();
        Publish();
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

    public Task<ExpertReport> GetReportAsync()
    {
        // Its own documents and tokens as stored: what a report or a peer hears of this expert is durable.
        var own = _ledger.StoredOwn;
        return Task.FromResult(new ExpertReport(
            _self,
            Shard.KnowledgeEstimate, // computed once per sketch: the sketch caches it
            own.Documents,
            own.Tokens,
            Shard.Items, // shared, not copied (immutable)
            state.State.ExchangesStarted,
            state.State.BytesExchanged,
            silo.SiloAddress.ToParsableString(),
            _incarnation,
            _ledger.Change));
    }

    public Task ReceiveAsync(ShardSnapshot incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        Merge(incoming);
        return Task.CompletedTask;
    }

    public Task<ShardSnapshot> ShareAsync() => Task.FromResult(Snapshot());

    private void Merge(ShardSnapshot snapshot)
    {
        if (_ledger.Merge(snapshot.Shard))
        {
            Publish();
        }
    }

    /// <summary>Stores knowledge gained by exchange (a failure waits for the next flush; peers still hold it).</summary>
    private async Task FlushAsync()
    {
        _flushedAt = time.GetUtcNow();
        await _storage.FlushAsync();
        Publish();
    }

    /// <summary>Writes what this expert knows into its slot of the silo's board (references and counters: no copy).</summary>
    private void Publish()
    {
        if (_slot is { } slot)
        {
            slot.Shard = _ledger.Shard;
            slot.Own = _ledger.StoredOwn;
            slot.ExchangesStarted = state.State.ExchangesStarted;
            slot.BytesExchanged = state.State.BytesExchanged;
        }
    }

    /// <summary>What peers get: the shard, every origin as known, and this expert's own totals as stored (shared, not copied).</summary>
    private ShardSnapshot Snapshot() => new(_ledger.GossipShard());

    // Log event ids 1000–1099: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Expert {Expert} could not exchange with expert {Peer}; it will try again on its next tick")]
    private static partial void LogExchangeFailed(ILogger logger, int expert, int peer, Exception exception);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Expert {Expert} could not store its shard before deactivating for an injected fault")]
    private static partial void LogFaultWriteFailed(ILogger logger, int expert, Exception exception);
}
