namespace GlobalBrain.Domain.Knowledge;

/// <summary>Exact documents and tokens ingested at one origin expert.</summary>
public readonly record struct OriginTotals(long Documents, long Tokens)
{
    /// <summary>The join of two observations of the same origin's monotone counters.</summary>
    public static OriginTotals Max(OriginTotals a, OriginTotals b) =>
        new(Math.Max(a.Documents, b.Documents), Math.Max(a.Tokens, b.Tokens));
}

/// <summary>
/// What one expert knows: a HyperLogLog of knowledge items and a per-origin G-counter of exact
/// document and token totals. <see cref="Merge(KnowledgeShard)"/> is a CRDT join (commutative, associative,
/// idempotent), so gossip in any order, with duplicates and retries, converges to the union.
/// </summary>
public sealed class KnowledgeShard
{
    private readonly Dictionary<int, OriginTotals> _origins;

    public KnowledgeShard(int precision)
        : this(new HyperLogLog(precision), new Dictionary<int, OriginTotals>())
    {
    }

    private KnowledgeShard(HyperLogLog items, Dictionary<int, OriginTotals> origins)
    {
        Items = items;
        _origins = origins;
    }

    /// <summary>Rebuilds a shard from stored parts; the registers are used as they are, not copied.</summary>
    public static KnowledgeShard FromParts(byte[] registers, IEnumerable<KeyValuePair<int, OriginTotals>> origins)
    {
        ArgumentNullException.ThrowIfNull(origins);
        var map = new Dictionary<int, OriginTotals>();
        foreach (var (origin, totals) in origins)
        {
            if (totals.Documents < 0 || totals.Tokens < 0)
            {
                throw new ArgumentException($"Origin {origin} has negative totals {totals}.", nameof(origins));
            }

            map[origin] = map.TryGetValue(origin, out var seen) ? OriginTotals.Max(seen, totals) : totals;
        }

        return new KnowledgeShard(HyperLogLog.Wrap(registers), map);
    }

    public HyperLogLog Items { get; }

    public int Precision => Items.Precision;

    public IReadOnlyDictionary<int, OriginTotals> Origins => _origins;

    /// <summary>Exact documents over all origins this shard has heard of.</summary>
    public long Documents => _origins.Values.Sum(o => o.Documents);

    /// <summary>Exact tokens over all origins this shard has heard of.</summary>
    public long Tokens => _origins.Values.Sum(o => o.Tokens);

    /// <summary>Estimated number of distinct knowledge items held, |K_i|.</summary>
    public double KnowledgeEstimate => Items.Estimate();

    /// <summary>Bytes this shard occupies on the wire (registers plus 20 bytes per origin).</summary>
    public int WireSize => Items.RegisterCount + (20 * _origins.Count);

    public OriginTotals TotalsOf(int origin) => _origins.GetValueOrDefault(origin);

    /// <summary>Records documents ingested at <paramref name="origin"/>; only that origin's owner may call this.</summary>
    public void Learn(int origin, long documents, long tokens, ReadOnlySpan<ulong> itemHashes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(documents);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        var current = _origins.GetValueOrDefault(origin);
        _origins[origin] = new OriginTotals(current.Documents + documents, current.Tokens + tokens);
        Items.AddRange(itemHashes);
    }

    /// <summary>Joins <paramref name="other"/> into this shard. Returns true when anything changed.</summary>
    public bool Merge(KnowledgeShard other) => Merge(other, except: null);

    /// <summary>
    /// Joins <paramref name="other"/> into this shard, except its totals of origin <paramref name="except"/>
    /// (an expert's own totals are its own: see <see cref="ExpertLedger"/>). Returns true when anything changed.
    /// </summary>
    public bool Merge(KnowledgeShard other, int? except)
    {
        ArgumentNullException.ThrowIfNull(other);
        var changed = Items.Merge(other.Items);
        foreach (var (origin, theirs) in other._origins)
        {
            if (origin == except)
            {
                continue;
            }

            if (_origins.TryGetValue(origin, out var mine))
            {
                var joined = OriginTotals.Max(mine, theirs);
                if (joined != mine)
                {
                    _origins[origin] = joined;
                    changed = true;
                }
            }
            else
            {
                _origins[origin] = theirs;
                changed = true;
            }
        }

        return changed;
    }

    public KnowledgeShard Clone() => new(Items.Clone(), new Dictionary<int, OriginTotals>(_origins));

    /// <summary>Same registers and same origin totals.</summary>
    public bool ContentEquals(KnowledgeShard other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!Items.Registers.AsSpan().SequenceEqual(other.Items.Registers) || _origins.Count != other._origins.Count)
        {
            return false;
        }

        foreach (var (origin, totals) in _origins)
        {
            if (!other._origins.TryGetValue(origin, out var theirs) || theirs != totals)
            {
                return false;
            }
        }

        return true;
    }
}
