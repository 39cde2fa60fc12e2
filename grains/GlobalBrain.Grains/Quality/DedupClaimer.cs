using System.Buffers.Binary;
using System.IO.Hashing;

namespace GlobalBrain.Grains.Quality;

/// <summary>
/// Claims the duplicate keys of screened documents at the partitions that own them (<see cref="IDedupPartitionGrain"/>,
/// by key hash), one call per partition that has keys of the batch, all in parallel, and tells which documents were
/// duplicates. Calls are idempotent (a claimant is its run and its document's position in the run), so a failed call
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

        var exact = new PartitionClaims?[DedupPartitions.Count];
        var near = new PartitionClaims?[DedupPartitions.Count];
        for (var d = 0; d < passed.Count; d++)
        {
            var document = passed[d];
            var claimant = Claimant(run, firstOrdinal + document.Index);
            (exact[DedupPartitions.Of(document.ExactLow)] ??= new()).Add(d, claimant, document.ExactLow, document.ExactHigh);
            if (mode == DedupMode.Near && document.Bands is { } bands)
            {
                foreach (var band in bands)
                {
                    (near[DedupPartitions.Of(band)] ??= new()).Add(d, claimant, band);
                }
            }
        }

        var calls = new List<Task>();
        var exactDuplicates = new bool[passed.Count];
        var nearDuplicates = new bool[passed.Count];
        for (var p = 0; p < DedupPartitions.Count; p++)
        {
            if (exact[p] is { } e)
            {
                calls.Add(SendAsync(DedupPartitions.ExactKey(p), e, exactDuplicates));
            }

            if (near[p] is { } n)
            {
                calls.Add(SendAsync(DedupPartitions.NearKey(p), n, nearDuplicates));
            }
        }

        await Task.WhenAll(calls);
        for (var d = 0; d < verdicts.Length; d++)
        {
            verdicts[d] = exactDuplicates[d] ? "exact" : nearDuplicates[d] ? "near" : null;
        }

        return verdicts;

        async Task SendAsync(string partition, PartitionClaims claims, bool[] duplicates)
        {
            var grain = grains.GetGrain<IDedupPartitionGrain>(partition);
            var request = claims.ToClaims();
            var answers = call is null ? await grain.ClaimAsync(request) : await call(() => grain.ClaimAsync(request));
            for (var i = 0; i < answers.Length; i++)
            {
                if (answers[i])
                {
                    // Each document's flags are written by the partitions' continuations; a bool store is atomic.
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
