using System.Diagnostics;
using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// Expert i of N. Holds a knowledge shard and, every 1/v seconds, exchanges it push-pull with a
/// uniformly random peer. Reentrant: two experts that pick each other at the same moment must not
/// deadlock, and every state change below happens between awaits, so interleaving is safe.
/// </summary>
[Reentrant, RandomPlacement]
public sealed partial class ExpertGrain(
    [PersistentState("shard", GlobalBrainSiloBuilderExtensions.ShardStorage)] IPersistentState<ExpertState> state,
    IOptions<ExpertsOptions> experts,
    IOptions<KnowledgeOptions> knowledge,
    ILocalSiloDetails silo,
    Simulation.TopologyCache topologies,
    Telemetry.GlobalBrainInstruments instruments,
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

    /// <summary>One exchange with a neighbour picked uniformly from the topology, as the mode says (the simulation's semantics, live).</summary>
    private async Task ExchangeWithRandomPeerAsync(CancellationToken cancellationToken)
    {
        var options = experts.Value;
        var peer = topologies.Get(options.TopologySpec(), options.Count, options.TopologySeed).Peer(_self, (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue));
        if (peer < 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        long carried;
        try
        {
            var expert = GrainFactory.GetGrain<IExpertGrain>(peer);
            switch (options.Mode)
            {
                case "push":
                    var pushed = Snapshot();
                    await expert.ReceiveAsync(pushed);
                    carried = pushed.WireSize;
                    break;
                case "pull":
                    var pulled = await expert.ShareAsync();
                    Merge(pulled);
                    carried = pulled.WireSize;
                    break;
                default:
                    var outgoing = Snapshot();
                    var reply = await expert.ExchangeAsync(outgoing);
                    Merge(reply);
                    carried = outgoing.WireSize + reply.WireSize;
                    break;
            }

            state.State.ExchangesStarted++;
            state.State.BytesExchanged += carried;
            instruments.Exchanges.Add(1, new KeyValuePair<string, object?>("mode", options.Mode));
            instruments.MergedBytes.Add(carried);
            instruments.ExchangeDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or InvalidOperationException)
        {
            // Gossip tolerates a lost exchange: the next tick tries another peer.
            LogExchangeFailed(logger, _self, peer, e);
        }
    }

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
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            _dirty = true;
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Expert {Expert} could not exchange with expert {Peer}; it will try again on its next tick")]
    private static partial void LogExchangeFailed(ILogger logger, int expert, int peer, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expert {Expert} could not store its shard while deactivating ({Reason}); knowledge it gained by exchange since its last write is held by its peers")]
    private static partial void LogFinalWriteFailed(ILogger logger, int expert, DeactivationReasonCode reason, Exception exception);

    private sealed class PendingWrite
    {
        public bool Started { get; set; }

        public Task Completion { get; set; } = Task.CompletedTask;
    }
}
