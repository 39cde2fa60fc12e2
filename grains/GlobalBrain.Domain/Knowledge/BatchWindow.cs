using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>
/// A sealed run of batch ids: written once to storage of its own, under <see cref="Key"/>, and
/// forgotten when its newest id is older than the window. Its ids are held only until it is stored.
/// </summary>
public sealed class BatchSegment(Guid key, long newestTicks, int count)
{
    private Guid[]? _ids;

    public Guid Key { get; } = key;

    /// <summary>When its newest id was learned (UTC ticks): the segment expires a window after that.</summary>
    public long NewestTicks { get; } = newestTicks;

    public int Count { get; } = count;

    /// <summary>The storage's version of it, once written (needed to delete it when it expires).</summary>
    public string? ETag { get; private set; }

    public bool Persisted { get; private set; }

    internal int Ordinal { get; init; }

    /// <summary>The ids to store, sorted, 16 bytes each; empty once stored.</summary>
    public byte[] ToBlob() => _ids is null ? [] : MemoryMarshal.AsBytes(_ids.AsSpan()).ToArray();

    public static Guid[] FromBlob(ReadOnlySpan<byte> blob) => MemoryMarshal.Cast<byte, Guid>(blob).ToArray();

    internal static BatchSegment Sealing(Guid key, long newestTicks, Guid[] sortedIds, int ordinal) =>
        new(key, newestTicks, sortedIds.Length) { _ids = sortedIds, Ordinal = ordinal };

    /// <summary>Storage holds it now (at <paramref name="etag"/>): its ids need not stay in memory.</summary>
    public void MarkPersisted(string? etag)
    {
        ETag = etag;
        Persisted = true;
        _ids = null;
    }
}

/// <summary>
/// The batch ids an expert has counted within the last <see cref="Window"/> (24 hours by default):
/// a batch sent again within the window — a lost answer, a retry on another silo, an HTTP request
/// resent under the same Idempotency-Key a day later — is recognised and counted nothing.
/// </summary>
/// <remarks>
/// Ids collect in an open set that is written with every state write of the expert; once it holds
/// <see cref="SegmentSize"/> ids it is sealed into a <see cref="BatchSegment"/> that is written once,
/// on its own, so a state write stays small however many batches the window holds. In memory every id
/// of the window is one entry of a hash table (about 32 bytes); in storage 16 bytes. The window's cost
/// is its number of batches, bounded by its length — never a count that forgets recent ids early.
/// </remarks>
public sealed class BatchWindow
{
    private readonly HashSet<Guid> _open = [];
    private readonly Dictionary<Guid, int> _sealedIds = [];
    private readonly List<BatchSegment> _sealed = [];
    private readonly List<BatchSegment> _expired = [];
    private long _openNewest;
    private int _nextOrdinal;

    public BatchWindow(TimeSpan window, int segmentSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentSize, 1);
        Window = window;
        SegmentSize = segmentSize;
    }

    public TimeSpan Window { get; }

    public int SegmentSize { get; }

    /// <summary>Ids remembered now, open and sealed.</summary>
    public long Count => _open.Count + _sealedIds.Count;

    public IReadOnlyList<BatchSegment> Sealed => _sealed;

    /// <summary>When the newest id of the open set was learned (UTC ticks; 0 when it is empty).</summary>
    public long OpenNewestTicks => _openNewest;

    public bool Contains(Guid id) => _open.Contains(id) || _sealedIds.ContainsKey(id);

    /// <summary>Remembers <paramref name="id"/>, learned at <paramref name="nowTicks"/>; false if it was already known.</summary>
    public bool Add(Guid id, long nowTicks)
    {
        if (_sealedIds.ContainsKey(id) || !_open.Add(id))
        {
            return false;
        }

        _openNewest = Math.Max(_openNewest, nowTicks);
        return true;
    }

    /// <summary>The open ids as a blob (16 bytes each), for the expert's state write.</summary>
    public byte[] OpenBlob()
    {
        var ids = new Guid[_open.Count];
        _open.CopyTo(ids);
        return MemoryMarshal.AsBytes(ids.AsSpan()).ToArray();
    }

    /// <summary>Restores the open ids of a stored state.</summary>
    public void LoadOpen(ReadOnlySpan<byte> blob, long newestTicks)
    {
        foreach (var id in MemoryMarshal.Cast<byte, Guid>(blob))
        {
            _open.Add(id);
        }

        _openNewest = Math.Max(_openNewest, newestTicks);
    }

    /// <summary>Restores a sealed segment of a stored state with its ids (read from the segment's own storage).</summary>
    public void LoadSealed(Guid key, long newestTicks, string? etag, ReadOnlySpan<Guid> ids)
    {
        var segment = new BatchSegment(key, newestTicks, ids.Length) { Ordinal = _nextOrdinal++ };
        segment.MarkPersisted(etag);
        foreach (var id in ids)
        {
            _sealedIds.TryAdd(id, segment.Ordinal);
        }

        _sealed.Add(segment);
    }

    /// <summary>
    /// Before a state write: forgets what is older than the window (the open set as a whole, when even
    /// its newest id is) and seals the open set once it is full. Returns the segments the write must
    /// store first (sealed, not yet stored).
    /// </summary>
    public IReadOnlyList<BatchSegment> Prepare(long nowTicks)
    {
        var horizon = nowTicks - Window.Ticks;
        if (_open.Count > 0 && _openNewest < horizon)
        {
            _open.Clear();
            _openNewest = 0;
        }

        if (_sealed.Count > 0 && _sealed[0].NewestTicks < horizon)
        {
            Expire(horizon);
        }

        if (_open.Count >= SegmentSize)
        {
            var ids = new Guid[_open.Count];
            _open.CopyTo(ids);
            Array.Sort(ids);
            var segment = BatchSegment.Sealing(Guid.NewGuid(), _openNewest, ids, _nextOrdinal++);
            foreach (var id in ids)
            {
                _sealedIds[id] = segment.Ordinal;
            }

            _sealed.Add(segment);
            _open.Clear();
            _openNewest = 0;
        }

        var unstored = new List<BatchSegment>();
        for (var i = _sealed.Count - 1; i >= 0 && !_sealed[i].Persisted; i--)
        {
            unstored.Insert(0, _sealed[i]);
        }

        return unstored;
    }

    /// <summary>Segments that expired and that storage still holds: delete them once the state no longer names them.</summary>
    public IReadOnlyList<BatchSegment> TakeExpired()
    {
        var expired = _expired.ToArray();
        _expired.Clear();
        return expired;
    }

    /// <summary>Forgets the segments (oldest first, as sealed) whose newest id is older than <paramref name="horizon"/>.</summary>
    private void Expire(long horizon)
    {
        var gone = new HashSet<int>();
        while (_sealed.Count > 0 && _sealed[0].NewestTicks < horizon && _sealed[0].Persisted)
        {
            gone.Add(_sealed[0].Ordinal);
            _expired.Add(_sealed[0]);
            _sealed.RemoveAt(0);
        }

        if (gone.Count > 0)
        {
            foreach (var (id, ordinal) in _sealedIds)
            {
                if (gone.Contains(ordinal))
                {
                    _sealedIds.Remove(id);
                }
            }
        }
    }
}
