using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>
/// The compact form of a sketch on the wire and in storage. Sparse: each set register as one varint of
/// ((index − previous index − 1) &lt;&lt; 6) | rank, in index order (HLL++'s idea: about 2 bytes per set
/// register at p = 14 for a few thousand, instead of 4). Dense: 6 bits per register, 4 registers in 3
/// bytes (12 KB at p = 14 instead of 16). What is read back is checked as any received sketch.
/// </summary>
public static class HyperLogLogWire
{
    /// <summary>Bytes of the compact form: the varints of a sparse sketch, 6 bits per register of a dense one.</summary>
    public static int Size(HyperLogLog sketch)
    {
        ArgumentNullException.ThrowIfNull(sketch);
        if (!sketch.IsSparse)
        {
            return ((sketch.RegisterCount * HyperLogLog.RankBits) + 7) / 8;
        }

        var size = 0;
        var previous = -1L;
        foreach (var e in sketch.SparseEntries)
        {
            size += VarintLength(Code(e, ref previous));
        }

        return size;
    }

    /// <summary>The sparse entries as varints (the sketch must be sparse).</summary>
    public static byte[] PackEntries(HyperLogLog sketch)
    {
        ArgumentNullException.ThrowIfNull(sketch);
        if (!sketch.IsSparse)
        {
            throw new ArgumentException("Only a sparse sketch packs its entries; a dense one packs its registers.", nameof(sketch));
        }

        var packed = new byte[Size(sketch)];
        var at = 0;
        var previous = -1L;
        foreach (var e in sketch.SparseEntries)
        {
            var code = Code(e, ref previous);
            while (code >= 0x80)
            {
                packed[at++] = (byte)(code | 0x80);
                code >>= 7;
            }

            packed[at++] = (byte)code;
        }

        return packed;
    }

    /// <summary>A sketch of precision <paramref name="precision"/> from packed sparse entries; malformed input throws <see cref="ArgumentException"/>.</summary>
    public static HyperLogLog UnpackEntries(int precision, ReadOnlySpan<byte> packed)
    {
        HyperLogLog.ValidatePrecision(precision);
        var m = 1L << precision;

        // Each varint ends in the one byte of it below 0x80, so those bytes count the entries: the array is
        // made at its size once (a received shard is unpacked at every exchange between silos that differ).
        var entries = new uint[packed.Length - CountContinuations(packed)];
        var count = 0;
        var previous = -1L;
        var at = 0;
        while (at < packed.Length)
        {
            ulong code = 0;
            var shift = 0;
            byte b;
            do
            {
                if (at == packed.Length || shift > 35)
                {
                    throw new ArgumentException($"Packed sparse entries end inside a varint or hold one too long (at byte {at} of {packed.Length}).", nameof(packed));
                }

                b = packed[at++];
                code |= (ulong)(b & 0x7F) << shift;
                shift += 7;
            }
            while (b >= 0x80);

            var index = previous + 1 + (long)(code >> HyperLogLog.RankBits);
            if (index >= m)
            {
                throw new ArgumentException($"Packed sparse entry {count} names register {index}, beyond the {m} of precision {precision}.", nameof(packed));
            }

            entries[count++] = ((uint)index << HyperLogLog.RankBits) | (uint)(code & ((1u << HyperLogLog.RankBits) - 1));
            previous = index;
        }

        // FromEntries checks every rank and keeps the canonical form.
        return HyperLogLog.FromEntries(precision, ImmutableCollectionsMarshal.AsImmutableArray(entries));
    }

    /// <summary>Bytes of <paramref name="packed"/> that a varint continues after (0x80 and above).</summary>
    private static int CountContinuations(ReadOnlySpan<byte> packed)
    {
        var count = 0;
        foreach (var b in packed)
        {
            count += b >> 7;
        }

        return count;
    }

    /// <summary>The dense registers, 6 bits each (the sketch must be dense).</summary>
    public static byte[] PackRegisters(HyperLogLog sketch)
    {
        ArgumentNullException.ThrowIfNull(sketch);
        if (sketch.IsSparse)
        {
            throw new ArgumentException("Only a dense sketch packs its registers; a sparse one packs its entries.", nameof(sketch));
        }

        var registers = sketch.DenseRegisters.AsSpan();
        var packed = new byte[Size(sketch)];
        for (int i = 0, o = 0; i < registers.Length; i += 4, o += 3)
        {
            // m ≥ 16 is a multiple of 4: four 6-bit registers fill three bytes.
            var word = registers[i] | (registers[i + 1] << 6) | (registers[i + 2] << 12) | (registers[i + 3] << 18);
            packed[o] = (byte)word;
            packed[o + 1] = (byte)(word >> 8);
            packed[o + 2] = (byte)(word >> 16);
        }

        return packed;
    }

    /// <summary>A sketch of precision <paramref name="precision"/> from 6-bit packed registers; a wrong length or rank throws <see cref="ArgumentException"/>.</summary>
    public static HyperLogLog UnpackRegisters(int precision, ReadOnlySpan<byte> packed)
    {
        HyperLogLog.ValidatePrecision(precision);
        var m = 1 << precision;
        if (packed.Length != m * HyperLogLog.RankBits / 8)
        {
            throw new ArgumentException($"Packed dense registers of precision {precision} take {m * HyperLogLog.RankBits / 8} bytes, not {packed.Length}.", nameof(packed));
        }

        var registers = new byte[m];
        for (int i = 0, o = 0; i < m; i += 4, o += 3)
        {
            var word = packed[o] | (packed[o + 1] << 8) | (packed[o + 2] << 16);
            registers[i] = (byte)(word & 0x3F);
            registers[i + 1] = (byte)((word >> 6) & 0x3F);
            registers[i + 2] = (byte)((word >> 12) & 0x3F);
            registers[i + 3] = (byte)((word >> 18) & 0x3F);
        }

        // FromRegisters checks every rank and keeps the canonical form.
        return HyperLogLog.FromRegisters(ImmutableCollectionsMarshal.AsImmutableArray(registers));
    }

    private static ulong Code(uint entry, ref long previous)
    {
        var index = entry >> HyperLogLog.RankBits;
        var code = ((ulong)(index - previous - 1) << HyperLogLog.RankBits) | (entry & ((1u << HyperLogLog.RankBits) - 1));
        previous = index;
        return code;
    }

    private static int VarintLength(ulong code)
    {
        var length = 1;
        while (code >= 0x80)
        {
            code >>= 7;
            length++;
        }

        return length;
    }
}
