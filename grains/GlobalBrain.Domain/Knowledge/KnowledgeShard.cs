using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>Exact documents and tokens ingested at one origin expert.</summary>
public readonly record struct OriginTotals(long Documents, long Tokens)
{
    /// <summary>The join of two observations of the same origin's monotone counters.</summary>
    public static OriginTotals Max(OriginTotals a, OriginTotals b) =>
        new(Math.Max(a.Documents, b.Documents), Math.Max(a.Tokens, b.Tokens));
}

/// <summary>One origin's totals inside a shard.</summary>
public readonly record struct OriginEntry(int Origin, OriginTotals Totals);

/// <summary>
/// What one expert knows: a HyperLogLog of knowledge items and a per-origin G-counter of exact
/// document and token totals. <see cref="Merge(KnowledgeShard, int?)"/> is a CRDT join (commutative, associative,
/// idempotent), so gossip in any order, with duplicates and retries, converges to the union.
/// </summary>
/// <remarks>
/// Immutable, like its sketch: <see cref="Learn"/> and <see cref="Merge(KnowledgeShard, int?)"/> return a new
/// shard, or an operand when the join equals it (this shard when nothing changes, <c>other</c> when it
/// covers this one), so after knowledge has spread the experts of a silo share one shard object
/// instead of holding N copies, and a shard goes to storage or the wire without copying.
/// </remarks>
public sealed partial class KnowledgeShard
{
    // Sorted by origin, one entry per origin.
    private readonly OriginEntry[] _origins;
    private ulong _digest;
    private bool _hasDigest;

    private KnowledgeShard(HyperLogLog items, OriginEntry[] origins)
    {
        Items = items;
        _origins = origins;
        foreach (var o in origins)
        {
            Documents += o.Totals.Documents;
            Tokens += o.Totals.Tokens;
        }
    }

    /// <summary>The shard that knows nothing, at precision <paramref name="precision"/>.</summary>
    public static KnowledgeShard Empty(int precision) => new(HyperLogLog.Empty(precision), []);

    /// <summary>Builds a shard from stored or received parts (an origin named twice keeps the join of both).</summary>
    public static KnowledgeShard FromParts(HyperLogLog items, IEnumerable<KeyValuePair<int, OriginTotals>> origins)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(origins);
        var entries = new List<OriginEntry>();
        var sorted = true;
        foreach (var (origin, totals) in origins)
        {
            if (totals.Documents < 0 || totals.Tokens < 0)
            {
                throw new ArgumentException($"Origin {origin} has negative totals {totals}.", nameof(origins));
            }

            sorted &= entries.Count == 0 || entries[^1].Origin < origin;
            entries.Add(new OriginEntry(origin, totals));
        }

        if (!sorted)
        {
            // Out of order or named twice (as received): sorted, each origin once with the join of its totals.
            var map = new SortedDictionary<int, OriginTotals>();
            foreach (var (origin, totals) in entries)
            {
                map[origin] = map.TryGetValue(origin, out var seen) ? OriginTotals.Max(seen, totals) : totals;
            }

            entries = [.. map.Select(o => new OriginEntry(o.Key, o.Value))];
        }

        return new KnowledgeShard(items, [.. entries]);
    }

    public HyperLogLog Items { get; }

    public int Precision => Items.Precision;

    /// <summary>Every origin this shard has heard of, sorted by origin.</summary>
    public ImmutableArray<OriginEntry> Origins => ImmutableCollectionsMarshal.AsImmutableArray(_origins);

    /// <summary>Exact documents over all origins this shard has heard of.</summary>
    public long Documents { get; }

    /// <summary>Exact tokens over all origins this shard has heard of.</summary>
    public long Tokens { get; }

    /// <summary>Estimated number of distinct knowledge items held, |K_i|.</summary>
    public double KnowledgeEstimate => Items.Estimate();

    /// <summary>Bytes this shard occupies on the wire and in storage: its sketch's compact form (<see cref="HyperLogLogWire"/>) plus 20 bytes per origin.</summary>
    public int WireSize => Items.WireSize + (20 * _origins.Length);

    /// <summary>A 64-bit hash of the content: equal shards have equal digests.</summary>
    public ulong Digest
    {
        get
        {
            if (!_hasDigest)
            {
                // One-shot over the origins' bytes (what a streaming XxHash3 of the same bytes gives), so that a
                // new shard's digest allocates nothing but, past 50 origins, a pooled buffer.
                var length = 20 * _origins.Length;
                var rented = length > 1024 ? ArrayPool<byte>.Shared.Rent(length) : null;
                var bytes = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
                for (var i = 0; i < _origins.Length; i++)
                {
                    var entry = bytes.Slice(20 * i, 20);
                    BinaryPrimitives.WriteInt32LittleEndian(entry, _origins[i].Origin);
                    BinaryPrimitives.WriteInt64LittleEndian(entry[4..], _origins[i].Totals.Documents);
                    BinaryPrimitives.WriteInt64LittleEndian(entry[12..], _origins[i].Totals.Tokens);
                }

                _digest = XxHash3.HashToUInt64(bytes, (long)Items.Digest);
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
                _hasDigest = true;
            }

            return _digest;
        }
    }

    public OriginTotals TotalsOf(int origin)
    {
        var i = IndexOf(_origins, origin);
        return i >= 0 ? _origins[i].Totals : default;
    }

    /// <summary>Records documents ingested at <paramref name="origin"/> (only that origin's owner may call this): a new shard.</summary>
    public KnowledgeShard Learn(int origin, long documents, long tokens, ReadOnlySpan<ulong> itemHashes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(documents);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        var current = TotalsOf(origin);
        return new KnowledgeShard(Items.Add(itemHashes), WithTotals(_origins, origin, new OriginTotals(current.Documents + documents, current.Tokens + tokens), removeDefault: false));
    }

    /// <summary>The same shard with origin <paramref name="origin"/>'s totals set to <paramref name="totals"/> (removed when default).</summary>
    public KnowledgeShard WithOrigin(int origin, OriginTotals totals)
    {
        if (TotalsOf(origin) == totals && (totals != default || IndexOf(_origins, origin) < 0))
        {
            return this;
        }

        return new KnowledgeShard(Items, WithTotals(_origins, origin, totals, removeDefault: true));
    }

    /// <summary>Joins <paramref name="other"/> into this shard: this one when nothing changes.</summary>
    public KnowledgeShard Merge(KnowledgeShard other) => Merge(other, except: null);

    /// <summary>
    /// The join with <paramref name="other"/>, except its totals of origin <paramref name="except"/> (an
    /// expert's own totals are its own: see <see cref="ExpertLedger"/>): this shard when nothing changes,
    /// <paramref name="other"/> itself when the join equals it, a new one otherwise.
    /// </summary>
    public KnowledgeShard Merge(KnowledgeShard other, int? except)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(this, other))
        {
            return this;
        }

        var items = Items.Union(other.Items);
        var origins = JoinOrigins(other, except);
        if (ReferenceEquals(items, Items) && ReferenceEquals(origins, _origins))
        {
            return this;
        }

        var sameItems = ReferenceEquals(items, other.Items) || items.ContentEquals(other.Items);
        return sameItems && (ReferenceEquals(origins, other._origins) || origins.AsSpan().SequenceEqual(other._origins))
            ? other
            : new KnowledgeShard(items, origins);
    }

    /// <summary>
    /// What <paramref name="peer"/> lacks: the registers where this shard's sketch is higher and the origins
    /// whose totals here are higher, so that merging it into the peer equals merging this whole shard.
    /// </summary>
    public KnowledgeShard Missing(KnowledgeShard peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var origins = new List<OriginEntry>();
        foreach (var o in _origins)
        {
            var theirs = peer.TotalsOf(o.Origin);
            if (o.Totals.Documents > theirs.Documents || o.Totals.Tokens > theirs.Tokens)
            {
                origins.Add(o);
            }
        }

        return new KnowledgeShard(Items.Missing(peer.Items), [.. origins]);
    }

    /// <summary>Nothing in it: no register set and no origin.</summary>
    public bool IsEmpty => Items.Count == 0 && _origins.Length == 0;

    /// <summary>Same registers and same origin totals.</summary>
    public bool ContentEquals(KnowledgeShard other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ReferenceEquals(this, other) || (Items.ContentEquals(other.Items) && _origins.AsSpan().SequenceEqual(other._origins));
    }

    /// <summary>The position of <paramref name="origin"/>, or the bitwise complement of where it would go.</summary>
    private static int IndexOf(OriginEntry[] origins, int origin)
    {
        int low = 0, high = origins.Length - 1;
        while (low <= high)
        {
            var mid = (int)((uint)(low + high) >> 1);
            var at = origins[mid].Origin;
            if (at == origin)
            {
                return mid;
            }

            if (at < origin)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return ~low;
    }
}
