using System.Buffers.Binary;
using System.IO.Hashing;

namespace GlobalBrain.Grains.Quality;

/// <summary>
/// Claims the duplicate keys of screened documents at the partitions that own them (<see cref="IDedupPartitionGrain"/>,
/// by key hash), stage by stage (the exact key, then each LSH band), each stage one call per partition that has keys
/// of the batch, in parallel, and tells which documents were duplicates. Calls are idempotent (a claimant is its run and its document's position in the run), so a failed call
/// is simply made again.
/// </summary>
public sealed class DedupClaimer(IGrainFactory grains)
{
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
    /// <paramref name="run"/> and <paramref name="firstOrdinal"/> + their index). Returns, per document, null when
    /// it is the first of its kind, else "exact" or "near".
    /// </summary>
    /// <remarks>
    /// The keys are claimed in stages — the exact key, then band 0, band 1, … — each stage one parallel call per
    /// partition, and a document found to be a duplicate claims nothing further. With a single key per stage and
    /// the same stage order for every document, two near duplicates claimed at once by different runs can never
    /// each find the other first (the first stage where either met the other decides for both), so one of them
    /// is always kept; claiming all bands at once could drop both.
    /// </remarks>
    /// <param name="call">Wraps each partition call (a retry policy); null calls once.</param>
    public async Task<string?[]> ClaimAsync(
        IReadOnlyList<ScreenedDocument> passed,
        DedupMode mode,
        ulong run,
        long firstOrdinal,
        Func<Func<Task<bool[]>>, Task<bool[]>>? call = null)
    {
        ArgumentNullException.ThrowIfNull(passed);
        var verdicts = new string?[passed.Count];
        if (mode == DedupMode.Off || passed.Count == 0)
        {
            return verdicts;
        }

        var claimants = new ulong[passed.Count];
        for (var d = 0; d < passed.Count; d++)
        {
            claimants[d] = Claimant(run, firstOrdinal + passed[d].Index);
        }

        await StageAsync("exact", DedupPartitions.ExactCount, DedupPartitions.OfExact, DedupPartitions.ExactKey, d => (passed[d].ExactLow, passed[d].ExactHigh));
        if (mode == DedupMode.Near)
        {
            var bands = passed.Max(p => p.Bands?.Length ?? 0);
            for (var band = 0; band < bands; band++)
            {
                var b = band;
                await StageAsync("near", DedupPartitions.NearCount, DedupPartitions.OfNear, DedupPartitions.NearKey, d => passed[d].Bands is { } keys && b < keys.Length ? (keys[b], null) : null);
            }
        }

        return verdicts;

        async Task StageAsync(string reason, int count, Func<ulong, int> partitionOf, Func<int, string> partitionKey, Func<int, (ulong Key, ulong? High)?> keyOf)
        {
            var partitions = new PartitionClaims?[count];
            for (var d = 0; d < passed.Count; d++)
            {
                if (verdicts[d] is null && keyOf(d) is { } key)
                {
                    (partitions[partitionOf(key.Key)] ??= new()).Add(d, claimants[d], key.Key, key.High);
                }
            }

            var duplicates = new bool[passed.Count];
            var calls = new List<Task>();
            for (var p = 0; p < partitions.Length; p++)
            {
                if (partitions[p] is { } claims)
                {
                    calls.Add(SendAsync(partitionKey(p), claims, duplicates));
                }
            }

            await Task.WhenAll(calls);
            for (var d = 0; d < duplicates.Length; d++)
            {
                if (duplicates[d])
                {
                    verdicts[d] = reason;
                }
            }
        }

        async Task SendAsync(string partition, PartitionClaims claims, bool[] duplicates)
        {
            var grain = grains.GetGrain<IDedupPartitionGrain>(partition);
            var request = claims.ToClaims();
            var answers = call is null ? await grain.ClaimAsync(request) : await call(() => grain.ClaimAsync(request));
            for (var i = 0; i < answers.Length; i++)
            {
                if (answers[i])
                {
                    // Each document is in one partition per stage: no two calls write the same flag.
                    duplicates[claims.Documents[i]] = true;
                }
            }
        }
    }

    private sealed class PartitionClaims
    {
        private readonly List<ulong> _keys = [];
        private readonly List<ulong> _claimants = [];

        public List<int> Documents { get; } = [];

        public void Add(int document, ulong claimant, ulong key, ulong? high = null)
        {
            Documents.Add(document);
            _claimants.Add(claimant);
            _keys.Add(key);
            if (high is { } h)
            {
                _keys.Add(h);
            }
        }

        public DedupClaims ToClaims() => new([.. _keys], [.. _claimants]);
    }
}
