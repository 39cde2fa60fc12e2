using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>Reading a sketch: what a peer lacks, the estimate, the digest, the registers.</summary>
public sealed partial class HyperLogLog
{
    /// <summary>
    /// What <paramref name="peer"/> lacks: the registers where this sketch is higher (others empty), so
    /// that <c>peer.Union(Missing(peer))</c> equals <c>peer.Union(this)</c>. Empty when the peer covers this.
    /// </summary>
    public HyperLogLog Missing(HyperLogLog peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        RequireSamePrecision(peer);
        if (_dense is { } dense)
        {
            // One pass over both register arrays (the peer's expanded once when sparse), not a lookup per register.
            var theirs = peer._dense ?? peer.ToRegisters();
            var entries = new List<uint>();
            for (var i = 0; i < dense.Length; i++)
            {
                if (dense[i] > theirs[i])
                {
                    entries.Add(((uint)i << RankBits) | dense[i]);
                }
            }

            return entries.Count == 0 ? Empty(Precision) : Canonical(Precision, [.. entries], entries.Count);
        }

        var sparse = _sparse!;
        if (peer._sparse is { } theirSparse)
        {
            // Both sorted by index: one walk counts what the peer lacks, and a second (only when there is
            // some) copies it into an array of its size — no lookup per entry, no array when nothing is missing.
            var count = MissingFromSparse(sparse, theirSparse, null);
            if (count == 0)
            {
                return Empty(Precision);
            }

            var exact = new uint[count];
            MissingFromSparse(sparse, theirSparse, exact);
            return FromSortedUnique(Precision, exact, count);
        }

        var missing = new uint[sparse.Length];
        var n = 0;
        foreach (var e in sparse)
        {
            if ((e & RankMask) > peer[(int)(e >> RankBits)])
            {
                missing[n++] = e;
            }
        }

        return n == 0 ? Empty(Precision) : FromSortedUnique(Precision, missing, n);
    }

    /// <summary>
    /// The entries of <paramref name="mine"/> whose rank is above the peer's at the same index (an index the
    /// peer lacks counts as rank 0), both sorted by index: counted, and written to <paramref name="into"/> when given.
    /// </summary>
    private static int MissingFromSparse(uint[] mine, uint[] theirs, uint[]? into)
    {
        var n = 0;
        var j = 0;
        foreach (var e in mine)
        {
            var index = e >> RankBits;
            while (j < theirs.Length && (theirs[j] >> RankBits) < index)
            {
                j++;
            }

            var theirRank = j < theirs.Length && (theirs[j] >> RankBits) == index ? theirs[j] & RankMask : 0;
            if ((e & RankMask) > theirRank)
            {
                if (into is not null)
                {
                    into[n] = e;
                }

                n++;
            }
        }

        return n;
    }

    /// <summary>Estimated number of distinct items added.</summary>
    public double Estimate()
    {
        if (double.IsNaN(_estimate))
        {
            Span<int> histogram = stackalloc int[66];
            if (_dense is { } dense)
            {
                foreach (var r in dense)
                {
                    histogram[r]++;
                }
            }
            else
            {
                histogram[0] = RegisterCount - _sparse!.Length;
                foreach (var e in _sparse)
                {
                    histogram[(int)(e & RankMask)]++;
                }
            }

            _estimate = Estimate(histogram, RegisterCount);
        }

        return _estimate;
    }

    /// <summary>A 64-bit hash of the content (equal sketches have equal digests): for exchanges that skip what is already equal, and for sharing equal sketches.</summary>
    public ulong Digest
    {
        get
        {
            if (!_hasDigest)
            {
                var bytes = _sparse is { } s ? MemoryMarshal.AsBytes(s.AsSpan()) : _dense;
                _digest = XxHash3.HashToUInt64(bytes, seed: Precision);
                _hasDigest = true;
            }

            return _digest;
        }
    }

    /// <summary>Same precision and same registers.</summary>
    public bool ContentEquals(HyperLogLog other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (Precision != other.Precision || Count != other.Count || IsSparse != other.IsSparse)
        {
            return false;
        }

        return _sparse is { } s ? s.AsSpan().SequenceEqual(other._sparse) : _dense.AsSpan().SequenceEqual(other._dense);
    }

    /// <summary>Writes all m registers into <paramref name="registers"/>.</summary>
    public void CopyTo(Span<byte> registers)
    {
        if (registers.Length != RegisterCount)
        {
            throw new ArgumentException($"Need {RegisterCount} registers, got {registers.Length}.", nameof(registers));
        }

        if (_dense is { } dense)
        {
            dense.CopyTo(registers);
            return;
        }

        registers.Clear();
        foreach (var e in _sparse!)
        {
            registers[(int)(e >> RankBits)] = (byte)(e & RankMask);
        }
    }

    /// <summary>All m registers, one byte each (a new array).</summary>
    public byte[] ToRegisters()
    {
        var registers = new byte[RegisterCount];
        CopyTo(registers);
        return registers;
    }

    /// <summary>Raises <paramref name="registers"/> (m bytes, one per register) to at least this sketch's; true when any rose.</summary>
    public bool MaxInto(Span<byte> registers)
    {
        if (registers.Length != RegisterCount)
        {
            throw new ArgumentException($"Cannot merge a sketch of {RegisterCount} registers into {registers.Length}: both sides need the same precision.", nameof(registers));
        }

        if (_dense is { } dense)
        {
            return MaxInto(registers, dense);
        }

        var changed = false;
        foreach (var e in _sparse!)
        {
            ref var r = ref registers[(int)(e >> RankBits)];
            var rank = (byte)(e & RankMask);
            if (rank > r)
            {
                r = rank;
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>Ertl's improved raw estimator over dense registers ("New cardinality estimation algorithms for HyperLogLog sketches", 2017, Algorithm 6).</summary>
    public static double Estimate(ReadOnlySpan<byte> registers)
    {
        Span<int> histogram = stackalloc int[66];
        foreach (var r in registers)
        {
            histogram[r]++;
        }

        return Estimate(histogram, registers.Length);
    }
}
