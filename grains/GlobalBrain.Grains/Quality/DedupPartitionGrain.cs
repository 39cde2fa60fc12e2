using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Quality;

/// <summary>
/// One partition of the cluster's duplicate memory: exact keys (<c>exact/P</c>) or LSH band keys
/// (<c>near/P</c>) → their claimant. Claims are decided in the order they arrive (the dispatcher sends a run's
/// batches' claims in document order). A claim is tentative until its claimant confirms it — its document was
/// learned — and a confirmed key is stored before the confirmation is answered, so what was confirmed survives
/// the silo. A tentative claim ends when its claimant releases it (the batch was given up) or when its lease
/// (<see cref="QualitySettings.ClaimLease"/>) runs out (the claimant died): then the next claimant takes the key.
/// </summary>
/// <remarks>
/// Storage is a log of segments of confirmed keys: each confirmation that adds keys writes one segment of only
/// those keys, and a segment is merged with the one before it while that one is no larger (a binary counter), so
/// a partition of n keys has at most log₂ n segments and each key is rewritten at most log₂ n times. The head (the
/// list of segments) is the grain's own state; segments live under grain ids of their own (<see cref="DedupSegmentStore"/>).
/// <para>
/// Tentative claims live in the activation's memory only, and are forgotten when it is reloaded: storing them would
/// cost a write per claim call (per stage, per partition) for claims that are settled seconds later. What a reload
/// can cost is a duplicate kept, never a document lost: a holder whose claim was forgotten still confirms it (a
/// confirmation takes a key nobody holds), and a claimant that came in between finds the key free. Within one run that
/// cannot happen: the run remembers its own tentative claims (<see cref="RunClaims"/>) and does not ask again. Between two
/// runs that hold the same key at the moment the partition's silo dies, both documents may be kept.
/// </para>
/// </remarks>
public sealed partial class DedupPartitionGrain(
    [PersistentState("dedup", GlobalBrainSiloBuilderExtensions.ShardStorage)] IPersistentState<DedupPartitionState> state,
    DedupSegmentStore segments,
    [FromKeyedServices(DedupPartitionGrain.LeaseClock)] TimeProvider time,
    IOptions<QualitySettings> settings,
    ILogger<DedupPartitionGrain> logger) : Grain, IDedupPartitionGrain
{
    /// <summary>The service key of the clock that leases run on (the silo's <see cref="TimeProvider"/> unless a test gives its own).</summary>
    public const string LeaseClock = "globalbrain-dedup-leases";

    private readonly Dictionary<UInt128, ulong> _exact = [];
    private readonly Dictionary<ulong, ulong> _near = [];

    // Claims not yet confirmed, by key (a band key in the low half): few, those of the batches in flight.
    private readonly Dictionary<UInt128, Tentative> _tentative = [];

    // Leases run on the monotonic clock: they never leave the activation, and a wall clock that jumps must not end them.
    private readonly long _lease = (long)(settings.Value.ClaimLease.TotalSeconds * time.TimestampFrequency);
    private long _nextSweep;
    private string _key = string.Empty;
    private bool _isExact;

    private int EntryWidth => _isExact ? 3 : 2;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        _isExact = _key.StartsWith(DedupPartitions.ExactPrefix, StringComparison.Ordinal);
        if (!_isExact && !_key.StartsWith(DedupPartitions.NearPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"a duplicate partition's key starts with {DedupPartitions.ExactPrefix} or {DedupPartitions.NearPrefix} (got '{_key}')");
        }

        // Segments stored before claims were tentative hold confirmed claims, as every segment does.
        foreach (var segment in state.State.Segments)
        {
            if (await segments.ReadAsync(_key, segment) is { } entries)
            {
                Load(entries);
            }
            else
            {
                // Storage lost it (a Redis without persistence, restarted): those keys are forgotten, ingestion goes on.
                LogSegmentMissing(logger, _key, segment.Id);
            }
        }
    }

    public Task<int> CountAsync()
    {
        var now = time.GetTimestamp();
        return Task.FromResult(_exact.Count + _near.Count + _tentative.Values.Count(t => t.Expires > now));
    }

    public Task<DedupAnswer[]> ClaimAsync(DedupClaims claims)
    {
        var n = Check(claims);
        var now = time.GetTimestamp();
        SweepExpired(now);
        var answers = new DedupAnswer[n];
        for (var i = 0; i < n; i++)
        {
            var key = KeyAt(claims, i);
            var claimant = claims.Claimants[i];
            if (TryConfirmed(key, out var holder))
            {
                // The same claimant again is a retry of the same document, never its own duplicate.
                answers[i] = holder == claimant ? DedupAnswer.Claimed : DedupAnswer.Duplicate;
                continue;
            }

            if (_tentative.TryGetValue(key, out var held) && held.Expires > now && held.Claimant != claimant)
            {
                // Within a run the first in input order wins at once (the run reports that document's fate itself).
                // Across runs, the holder's document may still fail: no answer yet. The rank makes waits go one way
                // only (a run waits only for runs it outranks), so runs waiting for each other cannot close a circle.
                answers[i] = held.Run == claims.Run ? DedupAnswer.Duplicate
                    : Outranks(claims.Run, held.Run) ? DedupAnswer.Wait
                    : DedupAnswer.Yield;
                continue;
            }

            // A new key, one whose holder's lease ran out, or the same claimant again (its lease starts over).
            _tentative[key] = new Tentative(claimant, claims.Run, now + _lease);
            answers[i] = DedupAnswer.Claimed;
        }

        return Task.FromResult(answers);
    }

    public async Task ConfirmAsync(DedupClaims claims)
    {
        var n = Check(claims);
        var now = time.GetTimestamp();
        var added = new List<ulong>();
        var settled = new List<(UInt128 Key, Tentative Claim)>();
        for (var i = 0; i < n; i++)
        {
            var key = KeyAt(claims, i);
            var claimant = claims.Claimants[i];
            if (TryConfirmed(key, out _))
            {
                // Confirmed already: by this claimant (a retry), or by another whose document was learned first.
                continue;
            }

            if (_tentative.TryGetValue(key, out var held))
            {
                if (held.Claimant != claimant && held.Expires > now)
                {
                    // Another claimant took the key after this one's lease ran out: its own fate decides the key.
                    continue;
                }

                _tentative.Remove(key);
                settled.Add((key, held));
            }

            // The document was learned: the key is its claimant's, also when the tentative claim was forgotten (a reload).
            if (_isExact)
            {
                _exact.Add(key, claimant);
                added.Add((ulong)key);
                added.Add((ulong)(key >> 64));
            }
            else
            {
                _near.Add((ulong)key, claimant);
                added.Add((ulong)key);
            }

            added.Add(claimant);
        }

        if (added.Count > 0)
        {
            try
            {
                await PersistAsync([.. added]);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Not known to be stored, so not confirmed: the sender's retry confirms the keys again. A write that timed
                // out may have landed all the same, leaving this activation's view (and its storage version) behind:
                // the next activation reads what storage has.
                Unload(added);
                foreach (var (key, claim) in settled)
                {
                    _tentative[key] = claim;
                }

                LogNotStored(logger, _key, e);
                DeactivateOnIdle();
                throw new DedupStorageException($"duplicate partition {_key} could not store its keys: the grain storage failed or did not answer in time ({e.GetType().Name}); send the batch again", e);
            }
        }
    }

    public Task ReleaseAsync(DedupClaims claims)
    {
        var n = Check(claims);
        for (var i = 0; i < n; i++)
        {
            var key = KeyAt(claims, i);
            if (_tentative.TryGetValue(key, out var held) && held.Claimant == claims.Claimants[i])
            {
                _tentative.Remove(key);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The rank between runs that meet on a key: fixed and the same at every partition, so waits never go round in a circle.</summary>
    private static bool Outranks(ulong run, ulong other) => run < other;

    private int Check(DedupClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var n = claims.Claimants.Length;
        if (claims.Keys.Length != n * (EntryWidth - 1))
        {
            throw new ArgumentException($"{n} claims on {_key} need {n * (EntryWidth - 1)} key words, not {claims.Keys.Length}");
        }

        return n;
    }

    private UInt128 KeyAt(DedupClaims claims, int i) => _isExact ? new UInt128(claims.Keys[(2 * i) + 1], claims.Keys[2 * i]) : claims.Keys[i];

    private bool TryConfirmed(UInt128 key, out ulong holder) => _isExact ? _exact.TryGetValue(key, out holder) : _near.TryGetValue((ulong)key, out holder);

    /// <summary>Forgets, once per lease, the tentative claims whose lease ran out (their claimants died): memory stays bounded.</summary>
    private void SweepExpired(long now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + _lease;
        foreach (var (key, claim) in _tentative)
        {
            if (claim.Expires <= now)
            {
                _tentative.Remove(key);
            }
        }
    }

    private async Task PersistAsync(ulong[] entries)
    {
        var width = EntryWidth;
        var dropped = new List<DedupSegmentRef>();
        var next = new List<DedupSegmentRef>(state.State.Segments);
        var pending = await segments.WriteAsync(_key, entries, width);
        var pendingEntries = entries;
        while (next.Count > 0 && next[^1].Entries <= pending.Entries)
        {
            var older = next[^1];
            var olderEntries = await segments.ReadAsync(_key, older) ?? [];
            var merged = new ulong[olderEntries.Length + pendingEntries.Length];
            olderEntries.CopyTo(merged, 0);
            pendingEntries.CopyTo(merged, olderEntries.Length);
            next.RemoveAt(next.Count - 1);
            dropped.Add(older);
            dropped.Add(pending);
            pending = await segments.WriteAsync(_key, merged, width);
            pendingEntries = merged;
        }

        next.Add(pending);
        // Segments written but not yet named by the head are left behind if the head's write fails: it may have
        // landed all the same, and a head must never name a deleted segment. An orphan costs only its storage.
        state.State.Segments = next;
        await state.WriteStateAsync();
        await DeleteQuietlyAsync(dropped);
    }

    /// <summary>Segments no head refers to: removed when possible; one left behind only costs its storage.</summary>
    private async Task DeleteQuietlyAsync(List<DedupSegmentRef> unused)
    {
        foreach (var segment in unused)
        {
            try
            {
                await segments.DeleteAsync(_key, segment);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Best effort: the head no longer names it.
                LogSegmentNotDeleted(logger, _key, segment.Id, e);
            }
        }
    }

    private void Load(ulong[] entries)
    {
        var width = EntryWidth;
        if (entries.Length % width != 0)
        {
            throw new InvalidOperationException($"duplicate partition {_key}: a stored segment of {entries.Length} words is not made of {width}-word entries");
        }

        for (var i = 0; i < entries.Length; i += width)
        {
            if (_isExact)
            {
                _exact.TryAdd(new UInt128(entries[i + 1], entries[i]), entries[i + 2]);
            }
            else
            {
                _near.TryAdd(entries[i], entries[i + 1]);
            }
        }
    }

    private void Unload(List<ulong> entries)
    {
        var width = EntryWidth;
        for (var i = 0; i < entries.Count; i += width)
        {
            if (_isExact)
            {
                _exact.Remove(new UInt128(entries[i + 1], entries[i]));
            }
            else
            {
                _near.Remove(entries[i]);
            }
        }
    }

    /// <summary>A claim not yet confirmed: its claimant, its run, and when its lease runs out (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
    private readonly record struct Tentative(ulong Claimant, ulong Run, long Expires);

    // Log event ids 1400–1499: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Duplicate partition {Partition} could not store confirmed keys; it reloads from storage on its next call")]
    private static partial void LogNotStored(ILogger logger, string partition, Exception exception);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "Duplicate partition {Partition}: stored segment {Segment} is missing from the grain storage; its keys are forgotten")]
    private static partial void LogSegmentMissing(ILogger logger, string partition, Guid segment);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Debug, Message = "Duplicate partition {Partition}: segment {Segment} that no head names could not be deleted")]
    private static partial void LogSegmentNotDeleted(ILogger logger, string partition, Guid segment, Exception exception);
}
