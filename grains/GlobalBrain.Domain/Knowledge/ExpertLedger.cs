namespace GlobalBrain.Domain.Knowledge;

/// <summary>How a batch met the ledger.</summary>
public enum LearnOutcome
{
    /// <summary>Not seen before: learned now; acknowledge it once a write that holds it has been stored.</summary>
    Learned,

    /// <summary>Seen before and stored: acknowledge it, count nothing.</summary>
    Stored,

    /// <summary>Seen before, not yet stored (its write is in flight or failed): acknowledge it once a write that holds it has been stored.</summary>
    Pending,
}

/// <summary>What one state write stores: a consistent image of the ledger at the moment it was taken.</summary>
public sealed class LedgerImage
{
    internal LedgerImage(long change, OriginTotals own)
    {
        Change = change;
        Own = own;
    }

    /// <summary>The ledger's change counter when the image was taken.</summary>
    public long Change { get; }

    /// <summary>The expert's own totals in this image: what becomes durable when it is stored.</summary>
    public OriginTotals Own { get; }
}

/// <summary>
/// The counting of one expert: its knowledge shard, its own documents and tokens, and the batch ids it
/// has counted. The invariant it keeps, whatever its writes do (fail, time out and still apply) and
/// however it is re-activated: <b>every acknowledged batch is counted exactly once; a batch that was
/// not acknowledged is counted at most once.</b>
/// </summary>
/// <remarks>
/// Three rules make it so. (1) A batch is acknowledged only after a write that holds it was stored
/// (<see cref="IsStored"/>). (2) The expert's own totals are its alone: gossip about it never raises
/// them (<see cref="Merge"/> skips its origin), so a batch counted in memory, gossiped and then lost
/// with a failed write is counted again only when it is learned again. (3) What it gossips of itself is
/// only what is stored (<see cref="GossipShard"/>), so no peer holds a count of it that storage may
/// still lose. Storage itself decides between a write that timed out and a later one: the expert's writes
/// carry the version they replace, and a stale one is refused (the expert then starts again from storage).
/// </remarks>
public sealed class ExpertLedger
{
    // Batches learned but not in a stored write yet, with the change that learned them.
    private readonly Dictionary<Guid, long> _unstored = [];
    private long _change;
    private long _storedChange;
    private KnowledgeShard? _gossip;
    private long _gossipChange;
    private OriginTotals _gossipOwn;

    /// <param name="shard">The stored shard (its own origin is the stored own totals).</param>
    public ExpertLedger(int self, KnowledgeShard shard, BatchWindow window)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(window);
        Self = self;
        Shard = shard;
        Window = window;
        StoredOwn = shard.TotalsOf(self);
    }

    public int Self { get; }

    /// <summary>The shard as known now (immutable: each change replaces it).</summary>
    public KnowledgeShard Shard { get; private set; }

    public BatchWindow Window { get; }

    /// <summary>Where merged shards are made one object with equal ones (the silo's); null: each merge keeps its own.</summary>
    public ShardInterner? Interner { get; set; }

    /// <summary>The own totals of the last stored write: what the expert reports and gossips of itself.</summary>
    public OriginTotals StoredOwn { get; private set; }

    /// <summary>Changes (learned batches, merges) since activation; a version for those who cache what it reports.</summary>
    public long Change => _change;

    /// <summary>Something changed since the last stored write.</summary>
    public bool Dirty => _change != _storedChange;

    /// <summary>Batches learned that no stored write holds yet.</summary>
    public int Unstored => _unstored.Count;

    /// <summary>Learns batch <paramref name="batch"/> unless the window already holds it.</summary>
    public LearnOutcome Learn(Guid batch, long documents, long tokens, ReadOnlySpan<ulong> itemHashes, long nowTicks)
    {
        if (Window.Contains(batch))
        {
            return _unstored.ContainsKey(batch) ? LearnOutcome.Pending : LearnOutcome.Stored;
        }

        Shard = Shard.Learn(Self, documents, tokens, itemHashes);
        Window.Add(batch, nowTicks);
        _change++;
        _unstored[batch] = _change;
        return LearnOutcome.Learned;
    }

    /// <summary>True once a stored write holds <paramref name="batch"/>.</summary>
    public bool IsStored(Guid batch) => Window.Contains(batch) && !_unstored.ContainsKey(batch);

    /// <summary>Joins what a peer sent, except what it says about this expert. True when anything changed.</summary>
    public bool Merge(KnowledgeShard incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        var merged = Shard.Merge(incoming, except: Self);
        if (ReferenceEquals(merged, Shard))
        {
            return false;
        }

        if (Interner is { } interner)
        {
            merged = interner.Intern(merged);
        }

        Shard = merged;
        _change++;
        return true;
    }

    /// <summary>
    /// What peers get: the shard with this expert's own totals as stored (the shard itself when they are
    /// the same, which is always so for an expert that ingested nothing).
    /// </summary>
    public KnowledgeShard GossipShard()
    {
        if (_gossip is null || _gossipChange != _change || _gossipOwn != StoredOwn)
        {
            _gossip = Shard.WithOrigin(Self, StoredOwn);
            _gossipChange = _change;
            _gossipOwn = StoredOwn;
        }

        return _gossip;
    }

    /// <summary>
    /// First step of a state write: forgets batch ids older than the window and seals a full open set.
    /// Returns the segments to store before the state (which names them).
    /// </summary>
    public IReadOnlyList<BatchSegment> PrepareWrite(long nowTicks) => Window.Prepare(nowTicks);

    /// <summary>
    /// The image a state write stores: take it in the same turn as the state is handed to storage, and
    /// hand it to <see cref="Stored"/> when the write succeeded.
    /// </summary>
    public LedgerImage Capture() => new(_change, Shard.TotalsOf(Self));

    /// <summary>A write of <paramref name="image"/> was stored: what it holds is now durable.</summary>
    public void Stored(LedgerImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        _storedChange = image.Change;
        StoredOwn = image.Own;
        if (_unstored.Count > 0)
        {
            foreach (var (batch, change) in _unstored.ToArray())
            {
                if (change <= image.Change)
                {
                    _unstored.Remove(batch);
                }
            }
        }
    }
}
