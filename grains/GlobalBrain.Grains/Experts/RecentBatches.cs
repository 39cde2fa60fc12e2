using System.Runtime.InteropServices;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// The last <see cref="Capacity"/> batch ids an expert learned: a set for lookups and a ring for the
/// order, stored as one blob of 16 bytes per id, oldest first. The blob is reused between writes
/// (an expert writes after every batch; a fresh 64 KB array each time was measurable). Both grow with
/// use: an expert that never learned anything (most of them, in a large network) holds no ids at all.
/// </summary>
internal sealed class RecentBatches(int capacity)
{
    private readonly HashSet<Guid> _ids = [];
    private Guid[] _ring = [];
    private int _next;
    private byte[] _blob = [];

    public int Capacity { get; } = capacity;

    public int Count => _ids.Count;

    public bool Contains(Guid id) => _ids.Contains(id);

    /// <summary>Remembers <paramref name="id"/>, forgetting the oldest once full; false if it was already known.</summary>
    public bool Add(Guid id)
    {
        if (!_ids.Add(id))
        {
            return false;
        }

        if (_ids.Count > Capacity)
        {
            _ids.Remove(_ring[_next]);
        }
        else if (_next == _ring.Length)
        {
            // Not yet full: the ring is in order from 0, so growing it keeps the order.
            Array.Resize(ref _ring, Math.Min(Capacity, Math.Max(16, _ring.Length * 2)));
        }

        _ring[_next] = id;
        _next = (_next + 1) % Capacity;
        return true;
    }

    /// <summary>Remembers the ids of a stored blob, oldest first.</summary>
    public void Load(ReadOnlySpan<byte> blob)
    {
        foreach (var id in MemoryMarshal.Cast<byte, Guid>(blob))
        {
            Add(id);
        }
    }

    /// <summary>
    /// The ids as a blob, oldest first. The array is reused by the next call: hand it to a write only
    /// when the previous write has finished (expert writes never overlap).
    /// </summary>
    public byte[] ToBlob()
    {
        var count = _ids.Count;
        if (_blob.Length != count * 16)
        {
            _blob = new byte[count * 16];
        }

        var ids = MemoryMarshal.Cast<byte, Guid>(_blob.AsSpan());
        var oldest = count < Capacity ? 0 : _next;
        var head = _ring.AsSpan(oldest, count - oldest);
        head.CopyTo(ids);
        _ring.AsSpan(0, count - head.Length).CopyTo(ids[head.Length..]);
        return _blob;
    }
}
