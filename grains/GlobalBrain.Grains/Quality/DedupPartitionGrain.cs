using System.Runtime.InteropServices;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Logging;

namespace GlobalBrain.Grains.Quality;

/// <summary>
/// One partition of the cluster's duplicate memory: exact keys (<c>exact/P</c>) or LSH band keys
/// (<c>near/P</c>) → the id of the first claimant. Claims are decided in the order they arrive (the
/// dispatcher sends a run's batches' claims in document order), and a key is stored before its claim is
/// answered, so what was answered survives the silo.
/// </summary>
/// <remarks>
/// Storage is a log of segments: each claim call that adds keys writes one segment of only those keys, and a
/// segment is merged with the one before it while that one is no larger (a binary counter), so a partition of
/// n keys has at most log₂ n segments and each key is rewritten at most log₂ n times. The head (the list of
/// segments) is the grain's own state; segments live under grain ids of their own (<see cref="DedupSegmentStore"/>).
/// </remarks>
public sealed partial class DedupPartitionGrain(
    [PersistentState("dedup", GlobalBrainSiloBuilderExtensions.ShardStorage)] IPersistentState<DedupPartitionState> state,
    DedupSegmentStore segments,
    ILogger<DedupPartitionGrain> logger) : Grain, IDedupPartitionGrain
{
    private readonly Dictionary<UInt128, ulong> _exact = [];
    private readonly Dictionary<ulong, ulong> _near = [];
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

    public Task<int> CountAsync() => Task.FromResult(_exact.Count + _near.Count);

    public async Task<bool[]> ClaimAsync(DedupClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var n = claims.Claimants.Length;
        if (claims.Keys.Length != n * (EntryWidth - 1))
        {
            throw new ArgumentException($"{n} claims on {_key} need {n * (EntryWidth - 1)} key words, not {claims.Keys.Length}");
        }

        var answers = new bool[n];
        var added = new List<ulong>();
        for (var i = 0; i < n; i++)
        {
            var claimant = claims.Claimants[i];
            bool exists;
            ref var holder = ref _isExact
                ? ref CollectionsMarshal.GetValueRefOrAddDefault(_exact, new UInt128(claims.Keys[(2 * i) + 1], claims.Keys[2 * i]), out exists)
                : ref CollectionsMarshal.GetValueRefOrAddDefault(_near, claims.Keys[i], out exists);
            if (exists)
            {
                // The same claimant again is a retry of the same document, never its own duplicate.
                answers[i] = holder != claimant;
                continue;
            }

            holder = claimant;
            if (_isExact)
            {
                added.Add(claims.Keys[2 * i]);
                added.Add(claims.Keys[(2 * i) + 1]);
            }
            else
            {
                added.Add(claims.Keys[i]);
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
                // Not known to be stored, so not claimed: the sender's retry claims the keys again. A write that timed
                // out may have landed all the same, leaving this activation's view (and its storage version) behind:
                // the next activation reads what storage has.
                Unload(added);
                LogNotStored(logger, _key, e);
                DeactivateOnIdle();
                throw new DedupStorageException($"duplicate partition {_key} could not store its keys: the grain storage failed or did not answer in time ({e.GetType().Name}); send the batch again", e);
            }
        }

        return answers;
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

    // Log event ids 1400–1499: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Duplicate partition {Partition} could not store new keys; it reloads from storage on its next call")]
    private static partial void LogNotStored(ILogger logger, string partition, Exception exception);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "Duplicate partition {Partition}: stored segment {Segment} is missing from the grain storage; its keys are forgotten")]
    private static partial void LogSegmentMissing(ILogger logger, string partition, Guid segment);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Debug, Message = "Duplicate partition {Partition}: segment {Segment} that no head names could not be deleted")]
    private static partial void LogSegmentNotDeleted(ILogger logger, string partition, Guid segment, Exception exception);
}
