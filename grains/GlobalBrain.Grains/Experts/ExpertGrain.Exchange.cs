using System.Diagnostics;
using GlobalBrain.Domain.Faults;
using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Faults;

namespace GlobalBrain.Grains.Experts;

/// <summary>The exchange side of an expert: its timer's tick, the protocol of each mode, faults.</summary>
public sealed partial class ExpertGrain
{
    /// <summary>
    /// One exchange with a neighbour picked uniformly from the topology, as the mode says (the
    /// simulation's semantics, live). Under fault injection its message may be dropped, duplicated,
    /// delayed or held back, and the expert may deactivate afterwards (<see cref="ExchangeFaults"/>).
    /// </summary>
    public async Task TickAsync()
    {
        if (_ticking || _storage is null || !_exchanges)
        {
            clock.Done(_self);
            return; // the last tick's exchange is still running: this one is skipped (the rate gauge shows it)
        }

        _ticking = true;
        try
        {
            var peer = _topology.Peer(_self, (ulong)random.NextInt64(long.MinValue, long.MaxValue));
            if (peer >= 0 && (faults.Active || _delivery is not null))
            {
                await ExchangeUnderFaultsAsync(peer);
            }
            else if (peer >= 0)
            {
                // The common path, without faults: fetch and deliver in this method's own awaits. It is
                // the silo's hottest path (N·v a second), and every async layer and closure it does not
                // make is garbage the GC does not collect while a scrape waits.
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var expert = GrainFactory.Expert(peer);
                    var fetched = await FetchAsync(expert, _mode);
                    Carried(await DeliverAsync(expert, _mode, fetched));
                    Exchanged(started);
                }
                catch (Exception e) when (ExchangeDelivery.IsLost(e))
                {
                    // Gossip tolerates a lost exchange: the next tick tries another peer.
                    LogExchangeFailed(logger, _self, peer, e);
                }
            }

            // Due, and (when there is something to store) within the silo's writes per second; else at a later tick.
            if (time.GetUtcNow() - _flushedAt >= knowledge.Value.FlushInterval && (!_storage.ShouldWrite || flushes.TryTake()))
            {
                await FlushAsync();
            }
        }
        finally
        {
            _ticking = false;
            clock.Done(_self);
        }
    }

    /// <summary>The same exchange as the fault-free path, its message delivered as this tick's fault draw says.</summary>
    private async Task ExchangeUnderFaultsAsync(int peer)
    {
        var fault = faults.Active ? faults.Draw(_self, state.State.FaultDraws++) : FaultDraw.None;
        var heldBack = _delivery?.TakeHeldBack();
        var started = Stopwatch.GetTimestamp();
        try
        {
            var expert = GrainFactory.Expert(peer);
            var mode = _mode;
            var fetched = await FetchAsync(expert, mode);
            await Delivery.SendAsync(new ExchangeMessage(peer, async () => await DeliverAsync(expert, mode, fetched)), fault);
            Exchanged(started);
        }
        catch (Exception e) when (ExchangeDelivery.IsLost(e))
        {
            LogExchangeFailed(logger, _self, peer, e);
        }

        if (heldBack is not null)
        {
            // After this exchange's message: its peer may get the older snapshot after a newer one.
            await Delivery.DeliverQuietlyAsync(heldBack);
        }

        if (fault.Deactivate)
        {
            await DeactivateForFaultAsync();
        }
    }

    /// <summary>Counts an exchange this expert started (its message sent, or handed to the fault schedule).</summary>
    private void Exchanged(long started)
    {
        state.State.ExchangesStarted++;
        board.ExchangeStarted();
        Publish();
        instruments.Exchanges.Add(1, new KeyValuePair<string, object?>("mode", experts.Value.Mode));
        instruments.ExchangeDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>
    /// The exchange's first half, which no fault touches: what the side that merges will merge. Push: this
    /// shard, for the peer. Pull and push-pull: the peer's shard, fetched now unless its digest equals
    /// this one's (then null: both know the same).
    /// </summary>
    private Task<ShardSnapshot?> FetchAsync(IExpertGrain expert, Domain.Simulation.ExchangeMode mode) => mode switch
    {
        Domain.Simulation.ExchangeMode.Push => Task.FromResult<ShardSnapshot?>(Snapshot()),
        Domain.Simulation.ExchangeMode.Pull or Domain.Simulation.ExchangeMode.PushPull => expert.OfferAsync(_ledger.GossipShard().Digest),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown exchange mode"),
    };

    /// <summary>
    /// The exchange's message (what a fault may drop, delay, duplicate or reorder), returning the bytes it
    /// carried. Push: <paramref name="fetched"/> (this shard) to the peer. Pull: the peer's shard merged
    /// here. Push-pull: the same merge, then what the peer lacks (<see cref="KnowledgeShard.Missing"/>) sent
    /// back to it — once both know the same, an exchange carries the 8-byte digest and nothing else.
    /// </summary>
    private async ValueTask<long> DeliverAsync(IExpertGrain expert, Domain.Simulation.ExchangeMode mode, ShardSnapshot? fetched)
    {
        if (mode == Domain.Simulation.ExchangeMode.Push)
        {
            await expert.ReceiveAsync(fetched!);
            return fetched!.WireSize;
        }

        if (fetched is null)
        {
            return DigestSize;
        }

        Merge(fetched);
        if (mode == Domain.Simulation.ExchangeMode.Pull)
        {
            return DigestSize + (long)fetched.WireSize;
        }

        var missing = _ledger.GossipShard().Missing(fetched.Shard);
        if (missing.IsEmpty)
        {
            return DigestSize + (long)fetched.WireSize;
        }

        await expert.ReceiveAsync(new ShardSnapshot(missing));
        return DigestSize + (long)fetched.WireSize + missing.WireSize;
    }

    /// <summary>What delivers messages under fault injection; made at the first fault (most clusters never need one).</summary>
    private ExchangeDelivery Delivery => _delivery ??= new ExchangeDelivery(
        faults.Injected,
        faults.DelayOf,
        Carried,
        DeliverLater,
        (peer, e) => LogExchangeFailed(logger, _self, peer, e));

    /// <summary>The bytes a delivered message carried, counted by the expert that started the exchange.</summary>
    private void Carried(long bytes)
    {
        state.State.BytesExchanged += bytes;
        instruments.MergedBytes.Add(bytes);
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

    private sealed class LateDelivery(Func<Task> deliver)
    {
        public Func<Task> Deliver { get; } = deliver;

        public IGrainTimer? Timer { get; set; }
    }
}
