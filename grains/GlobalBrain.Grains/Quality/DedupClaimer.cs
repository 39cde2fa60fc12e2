using System.Buffers.Binary;
using System.IO.Hashing;
using GlobalBrain.Grains.Ingestion;

namespace GlobalBrain.Grains.Quality;

/// <summary>
/// Claims the duplicate keys of screened documents at the partitions that own them (<see cref="IDedupPartitionGrain"/>,
/// by key hash), stage by stage (the exact key, then each LSH band), each stage one call per partition that has keys
/// of the batch, in parallel, and tells which documents were duplicates. The claims are tentative: the caller
/// confirms them once the batch was learned (<see cref="DedupClaim.ConfirmAsync"/>) or releases them when it gives the
/// batch up (<see cref="DedupClaim.ReleaseAsync"/>). Calls are idempotent (a claimant is its run and its document's
/// position in the run), so a failed call is simply made again.
/// </summary>
/// <param name="time">The clock of the waits for keys another run holds tentatively.</param>
public sealed class DedupClaimer(IGrainFactory grains, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>First wait before asking again about keys another run holds tentatively; it doubles up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The claimant id of the document at <paramref name="ordinal"/> of run <paramref name="run"/>: the same on every retry.</summary>
    public static ulong Claimant(ulong run, long ordinal)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, run);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], ordinal);
        return XxHash3.HashToUInt64(bytes);
    }

    /// <summary>A run id from a text (an idempotency key: the same request sent again is the same run).</summary>
    public static ulong RunOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(key));
    }

    /// <summary>A run id from a batch or request id.</summary>
    public static ulong RunOf(Guid id) => XxHash3.HashToUInt64(id.ToByteArray());

    /// <summary>
    /// Claims the keys of <paramref name="passed"/> (documents of one batch, in batch order; their claimants are
    /// <paramref name="run"/> and <paramref name="firstOrdinal"/> + their index). The answer says, per document, null
    /// when it is the first of its kind, else "exact" or "near"; and holds the tentative claims of the documents kept,
    /// to be confirmed or released with the batch's fate. The documents found to be duplicates have given back what
    /// they claimed; so has the whole batch when this throws or is cancelled (best effort: the rest runs out with its lease).
    /// </summary>
    /// <remarks>
    /// The keys are claimed in stages — the exact key, then band 0, band 1, … — each stage one parallel call per
    /// partition, and a document found to be a duplicate claims nothing further. With a single key per stage and
    /// the same stage order for every document, two near duplicates claimed at once by different runs can never
    /// each find the other first (the first stage where either met the other decides for both), so one of them
    /// is always kept; claiming all bands at once could drop both.
    /// <para>
    /// A document is a duplicate only of one whose claim was confirmed — learned — or of an earlier one of the same
    /// run. A key another run holds tentatively is decided when that run confirms (a duplicate) or releases it, or
    /// its lease runs out (this document's): meanwhile the batch waits, asking again after a backoff, when its run
    /// outranks the holder's, and otherwise gives back everything it claimed and starts over later, so that no two
    /// batches ever wait for each other.
    /// </para>
    /// </remarks>
    /// <param name="runClaims">
    /// What the run's earlier batches hold tentatively (null: a run of one batch). A key in it is a duplicate without
    /// asking the partition, which may have forgotten the claim (reloaded after its silo died); the batch's own claims go into it.
    /// </param>
    /// <param name="retry">Retries each partition call that fails (null: each call is made once).</param>
    public async Task<DedupClaim> ClaimAsync(
        IReadOnlyList<ScreenedDocument> passed,
        DedupMode mode,
        ulong run,
        long firstOrdinal,
        RunClaims? runClaims = null,
        ClusterRetry? retry = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(passed);
        var verdicts = new string?[passed.Count];
        var held = new HeldClaims(grains, run, runClaims);
        if (mode == DedupMode.Off || passed.Count == 0)
        {
            return new DedupClaim(verdicts, held);
        }

        var claimants = new ulong[passed.Count];
        for (var d = 0; d < passed.Count; d++)
        {
            claimants[d] = Claimant(run, firstOrdinal + passed[d].Index);
        }

        var decided = false;
        try
        {
            var delay = FirstDelay;
            while (!await StagesAsync())
            {
                // A run that outranks this one holds a key: give everything back, so that it never waits for this
                // batch, and claim again once it had time to settle the key.
                await held.ReleaseAsync(_ => true);
                Array.Clear(verdicts);
                await Task.Delay(delay, _time, cancellationToken);
                delay = Next(delay);
            }

            decided = true;
        }
        finally
        {
            if (!decided)
            {
                // Failed or cancelled: nothing of this batch goes on to be learned.
                await held.ReleaseAsync(_ => true);
            }
        }

        // The duplicates will not be learned: the keys they claimed before they met their original are others' to take.
        await held.ReleaseAsync(d => verdicts[d] is not null);
        return new DedupClaim(verdicts, held);

        async Task<bool> StagesAsync()
        {
            if (!await StageAsync("exact", DedupPartitions.ExactCount, DedupPartitions.OfExact, DedupPartitions.ExactKey, d => (passed[d].ExactLow, passed[d].ExactHigh)))
            {
                return false;
            }

            if (mode == DedupMode.Near)
            {
                var bands = passed.Max(p => p.Bands?.Length ?? 0);
                for (var band = 0; band < bands; band++)
                {
                    var b = band;
                    if (!await StageAsync("near", DedupPartitions.NearCount, DedupPartitions.OfNear, DedupPartitions.NearKey, d => passed[d].Bands is { } keys && b < keys.Length ? (keys[b], null) : null))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        // False when the batch must yield to a run that outranks it.
        async Task<bool> StageAsync(string reason, int count, Func<ulong, int> partitionOf, Func<int, string> partitionKey, Func<int, (ulong Key, ulong? High)?> keyOf)
        {
            var asking = new List<int>();
            for (var d = 0; d < passed.Count; d++)
            {
                if (verdicts[d] is not null || keyOf(d) is not { } key)
                {
                    continue;
                }

                if (runClaims is not null && runClaims.Holds(key.Key, key.High))
                {
                    // An earlier document of this run holds the key, not yet confirmed: what its partition would answer,
                    // had it not been reloaded in between.
                    verdicts[d] = reason;
                    continue;
                }

                asking.Add(d);
            }

            var delay = FirstDelay;
            while (true)
            {
                var partitions = new PartitionClaims?[count];
                foreach (var d in asking)
                {
                    var key = keyOf(d)!.Value;
                    var p = partitionOf(key.Key);
                    (partitions[p] ??= new(partitionKey(p))).Add(d, claimants[d], key.Key, key.High);
                }

                var answers = new DedupAnswer[passed.Count];
                var calls = new List<Task>();
                foreach (var claims in partitions)
                {
                    if (claims is not null)
                    {
                        calls.Add(SendAsync(claims, answers));
                    }
                }

                await Task.WhenAll(calls);
                var waiting = new List<int>();
                var yields = false;
                foreach (var claims in partitions)
                {
                    foreach (var claim in claims?.Entries ?? [])
                    {
                        switch (answers[claim.Document])
                        {
                            case DedupAnswer.Claimed:
                                held.Add(claims!.Partition, claim);
                                break;
                            case DedupAnswer.Duplicate:
                                verdicts[claim.Document] = reason;
                                break;
                            case DedupAnswer.Wait:
                                waiting.Add(claim.Document);
                                break;
                            default:
                                yields = true;
                                break;
                        }
                    }
                }

                if (yields)
                {
                    return false;
                }

                if (waiting.Count == 0)
                {
                    return true;
                }

                // The holder is learning its batch, or died: its confirmation, release or lease ends the wait.
                await Task.Delay(delay, _time, cancellationToken);
                delay = Next(delay);
                asking = waiting;
            }
        }

        async Task SendAsync(PartitionClaims claims, DedupAnswer[] answers)
        {
            var grain = grains.GetGrain<IDedupPartitionGrain>(claims.Partition);
            var request = claims.ToClaims(run);
            var answered = retry is null ? await grain.ClaimAsync(request) : await retry.RunAsync(() => grain.ClaimAsync(request), cancellationToken: cancellationToken);
            for (var i = 0; i < answered.Length; i++)
            {
                // Each document is in one partition per stage: no two calls write the same answer.
                answers[claims.Entries[i].Document] = answered[i];
            }
        }
    }

    private TimeSpan Next(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
}

/// <summary>
/// What claiming one batch's duplicate keys found (<see cref="Verdicts"/>), and the tentative claims of the documents
/// it kept, to be confirmed once the batch was learned or released when it is given up.
/// </summary>
public sealed class DedupClaim
{
    private readonly HeldClaims _held;

    internal DedupClaim(string?[] verdicts, HeldClaims held)
    {
        Verdicts = verdicts;
        _held = held;
    }

    /// <summary>Per document of the batch that passed screening: null when it is kept, else "exact" or "near".</summary>
    public IReadOnlyList<string?> Verdicts { get; }

    internal HeldClaims Held => _held;

    /// <summary>
    /// The batch was learned and stored: its documents' keys become theirs for good, one call per partition involved,
    /// in parallel. Idempotent; throws when a partition could not store them (within <paramref name="retry"/>'s budget).
    /// </summary>
    public Task ConfirmAsync(ClusterRetry? retry = null, CancellationToken cancellationToken = default) => _held.ConfirmAsync(retry, cancellationToken);

    /// <summary>The batch was given up: its keys are others' to take. Best effort (a claim not released runs out with its lease); idempotent.</summary>
    public Task ReleaseAsync() => _held.ReleaseAsync(_ => true);
}

/// <summary>One claim: the document (its index among those that passed screening), its claimant and its key (and the key's high half when exact).</summary>
internal readonly record struct HeldClaim(int Document, ulong Claimant, ulong Key, ulong? High);

/// <summary>
/// A duplicate key as a run's claims compare them: an exact key has both halves, a band key one; the two kinds never
/// meet. (A tuple with a nullable half hashed through the generic comparers; this showed in a profile of ingestion.)
/// </summary>
internal readonly record struct ClaimKey(ulong Key, ulong High, bool Exact)
{
    public static ClaimKey Of(ulong key, ulong? high) => new(key, high ?? 0, high is not null);

    public static ClaimKey Of(HeldClaim claim) => Of(claim.Key, claim.High);
}

/// <summary>A batch's claims at one partition.</summary>
internal sealed class PartitionClaims(string partition)
{
    public string Partition { get; } = partition;

    public List<HeldClaim> Entries { get; } = [];

    public void Add(int document, ulong claimant, ulong key, ulong? high) => Entries.Add(new HeldClaim(document, claimant, key, high));

    public DedupClaims ToClaims(ulong run) => ToClaims(run, Entries);

    public static DedupClaims ToClaims(ulong run, IReadOnlyList<HeldClaim> entries)
    {
        var keys = new List<ulong>(entries.Count * 2);
        var claimants = new ulong[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            keys.Add(entries[i].Key);
            if (entries[i].High is { } high)
            {
                keys.Add(high);
            }

            claimants[i] = entries[i].Claimant;
        }

        return new DedupClaims([.. keys], claimants, run);
    }
}

/// <summary>
/// The keys a run's kept documents hold tentatively — claimed, neither confirmed nor released — as the run itself
/// knows them. A partition keeps tentative claims in memory only and forgets them when it is reloaded (its silo died):
/// a later copy in the same run would then find the key free, and both would be learned. The run, which outlives the
/// partition, answers for its own claims instead. Few entries: those of the batches between claim and confirmation.
/// Thread-safe (batches confirm while later ones claim).
/// </summary>
public sealed class RunClaims
{
    private readonly Lock _gate = new();
    private readonly HashSet<ClaimKey> _held = [];

    /// <summary>Keys held now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    internal bool Holds(ulong key, ulong? high)
    {
        lock (_gate)
        {
            return _held.Contains(ClaimKey.Of(key, high));
        }
    }

    internal void Add(HeldClaim claim)
    {
        lock (_gate)
        {
            _held.Add(ClaimKey.Of(claim));
        }
    }

    internal void Remove(IEnumerable<HeldClaim> claims)
    {
        lock (_gate)
        {
            foreach (var claim in claims)
            {
                _held.Remove(ClaimKey.Of(claim));
            }
        }
    }
}

/// <summary>The tentative claims a batch holds, by partition (and in its run's <see cref="RunClaims"/>, when it has one).</summary>
internal sealed class HeldClaims(IGrainFactory grains, ulong run, RunClaims? runClaims)
{
    private readonly Dictionary<string, List<HeldClaim>> _byPartition = new(StringComparer.Ordinal);

    public void Add(string partition, HeldClaim claim)
    {
        if (!_byPartition.TryGetValue(partition, out var claims))
        {
            _byPartition[partition] = claims = [];
        }

        claims.Add(claim);
        runClaims?.Add(claim);
    }

    /// <summary>
    /// Confirms at every partition involved, in parallel. A partition's claims leave the run's <see cref="RunClaims"/>
    /// once it stored them (from then on the partition answers for them, reloaded or not); those of a partition that
    /// failed stay there for the rest of the run.
    /// </summary>
    public Task ConfirmAsync(ClusterRetry? retry, CancellationToken cancellationToken) => ConfirmAllAsync([this], retry, cancellationToken);

    /// <summary>
    /// Confirms the claims of <paramref name="batches"/> — batches of this one's run, held in the same
    /// <see cref="RunClaims"/> — as <see cref="ConfirmAsync"/> does one's: one call per partition for all of them, so a
    /// partition stores them in one write.
    /// </summary>
    public async Task ConfirmAllAsync(IReadOnlyList<HeldClaims> batches, ClusterRetry? retry, CancellationToken cancellationToken)
    {
        var byPartition = new Dictionary<string, List<HeldClaim>>(StringComparer.Ordinal);
        foreach (var batch in batches)
        {
            foreach (var (partition, claims) in batch._byPartition)
            {
                if (claims.Count > 0)
                {
                    if (!byPartition.TryGetValue(partition, out var all))
                    {
                        byPartition[partition] = all = [];
                    }

                    all.AddRange(claims);
                }
            }
        }

        var calls = new List<Task>(byPartition.Count);
        foreach (var (partition, claims) in byPartition)
        {
            calls.Add(ConfirmAtAsync(partition, claims));
        }

        await Task.WhenAll(calls);

        async Task ConfirmAtAsync(string partition, List<HeldClaim> claims)
        {
            var grain = grains.GetGrain<IDedupPartitionGrain>(partition);
            var request = PartitionClaims.ToClaims(run, claims);
            await (retry is null ? grain.ConfirmAsync(request) : retry.RunAsync(() => grain.ConfirmAsync(request), cancellationToken: cancellationToken));
            runClaims?.Remove(claims);
        }
    }

    /// <summary>Releases, and forgets, the claims of the documents <paramref name="which"/> picks; a partition that does not answer is let be.</summary>
    public async Task ReleaseAsync(Func<int, bool> which)
    {
        var calls = new List<Task>();
        foreach (var (partition, claims) in _byPartition)
        {
            var released = claims.FindAll(c => which(c.Document));
            if (released.Count > 0)
            {
                claims.RemoveAll(c => which(c.Document));
                runClaims?.Remove(released);
                calls.Add(ReleaseQuietlyAsync(grains.GetGrain<IDedupPartitionGrain>(partition), PartitionClaims.ToClaims(run, released)));
            }
        }

        await Task.WhenAll(calls);
    }

    private static async Task ReleaseQuietlyAsync(IDedupPartitionGrain partition, DedupClaims claims)
    {
        try
        {
            await partition.ReleaseAsync(claims);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Best effort: a claim not released runs out with its lease.
        }
    }
}
