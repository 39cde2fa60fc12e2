using System.Numerics;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>The two forms and the joins between them; the estimator.</summary>
public sealed partial class HyperLogLog
{
    /// <summary>The canonical form of the first <paramref name="count"/> sorted, unique entries: sparse below the limit, dense from it.</summary>
    private static HyperLogLog Canonical(int precision, uint[] entries, int count)
    {
        if (count >= SparseLimit(precision))
        {
            var dense = new byte[1 << precision];
            for (var i = 0; i < count; i++)
            {
                dense[(int)(entries[i] >> RankBits)] = (byte)(entries[i] & RankMask);
            }

            return new HyperLogLog(precision, null, dense, count);
        }

        return new HyperLogLog(precision, entries.Length == count ? entries : entries[..count], null, count);
    }

    private static HyperLogLog FromSortedUnique(int precision, uint[] entries, int count) =>
        count == 0 ? Empty(precision) : Canonical(precision, entries, count);

    private static HyperLogLog FromRegisters(byte[] registers, string parameter)
    {
        if (registers.Length == 0 || !BitOperations.IsPow2(registers.Length))
        {
            throw new ArgumentException($"A HyperLogLog needs a power-of-two number of registers, not {registers.Length}.", parameter);
        }

        var precision = BitOperations.Log2((uint)registers.Length);
        ValidatePrecision(precision);
        var maxRank = MaxRank(precision);
        var count = 0;
        foreach (var r in registers)
        {
            if (r > maxRank)
            {
                throw new ArgumentException($"Register value {r} exceeds the maximum rank {maxRank} for precision {precision}.", parameter);
            }

            count += r != 0 ? 1 : 0;
        }

        if (count >= SparseLimit(precision))
        {
            return new HyperLogLog(precision, null, registers, count);
        }

        if (count == 0)
        {
            return Empty(precision);
        }

        var entries = new uint[count];
        var n = 0;
        for (var i = 0; i < registers.Length; i++)
        {
            if (registers[i] != 0)
            {
                entries[n++] = ((uint)i << RankBits) | registers[i];
            }
        }

        return new HyperLogLog(precision, entries, null, count);
    }

    private HyperLogLog UnionSparse(uint[] a, uint[] b, HyperLogLog other)
    {
        var joined = new uint[a.Length + b.Length];
        bool thisLacks = false, otherLacks = false;
        int i = 0, j = 0, n = 0;
        while (i < a.Length && j < b.Length)
        {
            uint ia = a[i] >> RankBits, ib = b[j] >> RankBits;
            if (ia < ib)
            {
                joined[n++] = a[i++];
                otherLacks = true;
            }
            else if (ib < ia)
            {
                joined[n++] = b[j++];
                thisLacks = true;
            }
            else
            {
                thisLacks |= a[i] < b[j];
                otherLacks |= b[j] < a[i];
                joined[n++] = Math.Max(a[i++], b[j++]);
            }
        }

        otherLacks |= i < a.Length;
        thisLacks |= j < b.Length;
        if (!thisLacks)
        {
            return this;
        }

        if (!otherLacks)
        {
            return other;
        }

        a.AsSpan(i).CopyTo(joined.AsSpan(n));
        n += a.Length - i;
        b.AsSpan(j).CopyTo(joined.AsSpan(n));
        n += b.Length - j;
        return Canonical(Precision, joined, n);
    }

    private HyperLogLog UnionDense(byte[] a, byte[] b, HyperLogLog other)
    {
        bool thisLacks = false, otherLacks = false;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<byte, Vector<byte>>(a);
            var vb = MemoryMarshal.Cast<byte, Vector<byte>>(b);
            for (; i < va.Length; i++)
            {
                thisLacks |= Vector.LessThanAny(va[i], vb[i]);
                otherLacks |= Vector.LessThanAny(vb[i], va[i]);
            }

            i *= Vector<byte>.Count;
        }

        for (; i < a.Length; i++)
        {
            thisLacks |= a[i] < b[i];
            otherLacks |= b[i] < a[i];
        }

        if (!thisLacks)
        {
            return this;
        }

        if (!otherLacks)
        {
            return other;
        }

        var joined = (byte[])a.Clone();
        MaxInto(joined, b);
        return new HyperLogLog(Precision, null, joined, joined.Length - joined.AsSpan().Count((byte)0));
    }

    /// <summary>The union of a sparse sketch and a dense one: the dense one when it covers the sparse one, a new dense one otherwise.</summary>
    private static HyperLogLog UnionSparseDense(uint[] sparse, HyperLogLog denseSketch)
    {
        var dense = denseSketch._dense!;
        var k = 0;
        while (k < sparse.Length && (sparse[k] & RankMask) <= dense[(int)(sparse[k] >> RankBits)])
        {
            k++;
        }

        if (k == sparse.Length)
        {
            return denseSketch;
        }

        var joined = (byte[])dense.Clone();
        var count = denseSketch.Count;
        for (; k < sparse.Length; k++)
        {
            ref var r = ref joined[(int)(sparse[k] >> RankBits)];
            var rank = (byte)(sparse[k] & RankMask);
            if (rank > r)
            {
                count += r == 0 ? 1 : 0;
                r = rank;
            }
        }

        return new HyperLogLog(denseSketch.Precision, null, joined, count);
    }

    private static int BinarySearch(uint[] entries, uint index)
    {
        int low = 0, high = entries.Length - 1;
        while (low <= high)
        {
            var mid = (int)((uint)(low + high) >> 1);
            var at = entries[mid] >> RankBits;
            if (at == index)
            {
                return mid;
            }

            if (at < index)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return -1;
    }

    /// <summary>Element-wise maximum of <paramref name="target"/> and <paramref name="source"/> into target; true when any rose.</summary>
    internal static bool MaxInto(Span<byte> target, ReadOnlySpan<byte> source)
    {
        var changed = false;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var t = MemoryMarshal.Cast<byte, Vector<byte>>(target);
            var s = MemoryMarshal.Cast<byte, Vector<byte>>(source);
            for (; i < t.Length; i++)
            {
                var max = Vector.Max(t[i], s[i]);
                changed |= max != t[i];
                t[i] = max;
            }

            i *= Vector<byte>.Count;
        }

        for (; i < target.Length; i++)
        {
            if (source[i] > target[i])
            {
                target[i] = source[i];
                changed = true;
            }
        }

        return changed;
    }
}
