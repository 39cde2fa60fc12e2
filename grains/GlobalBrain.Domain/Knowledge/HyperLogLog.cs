using System.Collections.Immutable;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>
/// An immutable HyperLogLog sketch over 64-bit hashes with Ertl's (2017) improved estimator, which is
/// unbiased over the whole range without empirical bias tables or a linear-counting switch.
/// </summary>
/// <remarks>
/// <para>Sized by what it holds, as Redis and HLL++ do: <b>sparse</b> while fewer than m/4 registers are
/// set — a sorted array of packed entries, 4 bytes each (index in the high bits, rank in the low 6) —
/// and <b>dense</b> (one byte per register, m bytes) from then on. The form is a function of the content
/// (sparse exactly when fewer than m/4 registers are set), so equal sketches have equal forms, and
/// the estimate is computed from the same register histogram in both: sparse and dense give identical
/// estimates and merges.</para>
/// <para>Immutable: adding and merging return a new sketch, or one of the operands when the result
/// equals it (<see cref="Union"/> returns <paramref name="other"/> itself when it covers this one), so
/// experts that know the same thing share one object, and the arrays may be handed to storage or the
/// wire without copying. Merge is the register-wise maximum: commutative, associative and idempotent.</para>
/// </remarks>
public sealed partial class HyperLogLog
{
    public const int MinPrecision = 4;
    public const int MaxPrecision = 18;

    /// <summary>Bits of a sparse entry that hold the rank (ranks go up to 64 − p + 1 ≤ 61).</summary>
    internal const int RankBits = 6;
    private const uint RankMask = (1u << RankBits) - 1;

    private static readonly HyperLogLog?[] Empties = new HyperLogLog?[MaxPrecision + 1];

    // Exactly one of the two is set: the sparse entries, sorted by index, or the dense registers.
    private readonly uint[]? _sparse;
    private readonly byte[]? _dense;

    // Computed on first use (a race computes the same value twice, harmlessly).
    private double _estimate = double.NaN;
    private ulong _digest;
    private bool _hasDigest;
    private int _wireSize = -1;

    private HyperLogLog(int precision, uint[]? sparse, byte[]? dense, int count)
    {
        Precision = precision;
        _sparse = sparse;
        _dense = dense;
        Count = count;
    }

    /// <summary>The empty sketch of precision <paramref name="precision"/> (one shared instance per precision).</summary>
    public static HyperLogLog Empty(int precision)
    {
        ValidatePrecision(precision);
        return Empties[precision] ??= new HyperLogLog(precision, [], null, 0);
    }

    /// <summary>Number of index bits p; the sketch has m = 2^p registers.</summary>
    public int Precision { get; }

    public int RegisterCount => 1 << Precision;

    /// <summary>Registers that are set (non-zero).</summary>
    public int Count { get; }

    public bool IsSparse => _sparse is not null;

    /// <summary>Bytes the registers occupy (4 per entry when sparse, m when dense): in memory, in storage and on the wire.</summary>
    public int ByteSize => _sparse is { } s ? s.Length * sizeof(uint) : _dense!.Length;

    /// <summary>Bytes of the compact form on the wire and in storage (<see cref="HyperLogLogWire"/>); computed once.</summary>
    public int WireSize => _wireSize >= 0 ? _wireSize : _wireSize = HyperLogLogWire.Size(this);

    /// <summary>The sparse entries, sorted by index (empty when dense): (index &lt;&lt; 6) | rank.</summary>
    public ImmutableArray<uint> SparseEntries => _sparse is { } s ? ImmutableCollectionsMarshal.AsImmutableArray(s) : [];

    /// <summary>The dense registers (empty when sparse).</summary>
    public ImmutableArray<byte> DenseRegisters => _dense is { } d ? ImmutableCollectionsMarshal.AsImmutableArray(d) : [];

    /// <summary>Relative standard error of the estimate, 1.04/√m.</summary>
    public static double StandardError(int precision) => 1.04 / Math.Sqrt(1 << precision);

    /// <summary>Largest number of set registers the sparse form holds: from m/4 on, dense is no larger.</summary>
    public static int SparseLimit(int precision) => (1 << precision) / 4;

    /// <summary>The register at <paramref name="index"/>.</summary>
    public byte this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RegisterCount);
            if (_dense is { } dense)
            {
                return dense[index];
            }

            var found = BinarySearch(_sparse!, (uint)index);
            return found >= 0 ? (byte)(_sparse![found] & RankMask) : (byte)0;
        }
    }

    /// <summary>A sketch of these registers (one byte each, length 2^p); dense or sparse by their content. The array is copied.</summary>
    public static HyperLogLog FromRegisters(ReadOnlySpan<byte> registers) => FromRegisters(registers.ToArray(), nameof(registers));

    /// <summary>A sketch of these dense registers, which it keeps without copying when it stays dense (the caller must not change them).</summary>
    public static HyperLogLog FromRegisters(ImmutableArray<byte> registers) =>
        FromRegisters(ImmutableCollectionsMarshal.AsArray(registers) ?? [], nameof(registers));

    /// <summary>A sketch of these sparse entries (sorted by index, one per index), kept without copying when they stay sparse.</summary>
    public static HyperLogLog FromEntries(int precision, ImmutableArray<uint> entries)
    {
        ValidatePrecision(precision);
        var array = ImmutableCollectionsMarshal.AsArray(entries) ?? [];
        var maxRank = MaxRank(precision);
        var m = 1u << precision;
        for (var i = 0; i < array.Length; i++)
        {
            var e = array[i];
            var rank = e & RankMask;
            if (rank == 0 || rank > maxRank || (e >> RankBits) >= m)
            {
                throw new ArgumentException($"Sparse entry {i} (0x{e:X}) is not an index below {m} with a rank from 1 to {maxRank}.", nameof(entries));
            }

            if (i > 0 && (array[i - 1] >> RankBits) >= (e >> RankBits))
            {
                throw new ArgumentException($"Sparse entries must be sorted by index, one per index: entry {i} (index {e >> RankBits}) follows index {array[i - 1] >> RankBits}.", nameof(entries));
            }
        }

        return array.Length == 0 ? Empty(precision) : Canonical(precision, array, array.Length);
    }

    /// <summary>Adds items by their 64-bit hashes: this sketch when none raises a register, a new one otherwise.</summary>
    public HyperLogLog Add(ReadOnlySpan<ulong> hashes)
    {
        if (hashes.IsEmpty)
        {
            return this;
        }

        var p = Precision;
        if (_dense is { } dense)
        {
            var i = 0;
            while (i < hashes.Length && RankOf(hashes[i], p) <= dense[IndexOf(hashes[i], p)])
            {
                i++;
            }

            if (i == hashes.Length)
            {
                return this;
            }

            var raised = (byte[])dense.Clone();
            var count = Count;
            for (; i < hashes.Length; i++)
            {
                ref var register = ref raised[IndexOf(hashes[i], p)];
                var rank = RankOf(hashes[i], p);
                if (rank > register)
                {
                    count += register == 0 ? 1 : 0;
                    register = rank;
                }
            }

            return new HyperLogLog(p, null, raised, count);
        }

        // Sparse: the new entries sorted, one per index with its highest rank, then joined with these.
        var added = new uint[hashes.Length];
        for (var i = 0; i < hashes.Length; i++)
        {
            added[i] = ((uint)IndexOf(hashes[i], p) << RankBits) | RankOf(hashes[i], p);
        }

        Array.Sort(added);
        var unique = 0;
        for (var i = 0; i < added.Length; i++)
        {
            // Sorted by (index, rank): the last entry of an index holds its highest rank.
            if (unique > 0 && (added[unique - 1] >> RankBits) == (added[i] >> RankBits))
            {
                added[unique - 1] = added[i];
            }
            else
            {
                added[unique++] = added[i];
            }
        }

        return Union(FromSortedUnique(p, added, unique));
    }

    /// <summary>Adds one item by its 64-bit hash.</summary>
    public HyperLogLog Add(ulong hash) => Add([hash]);

    /// <summary>The register-wise maximum of both: this sketch when it covers <paramref name="other"/>, <paramref name="other"/> when that covers this one, a new one otherwise.</summary>
    public HyperLogLog Union(HyperLogLog other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireSamePrecision(other);
        if (ReferenceEquals(this, other) || other.Count == 0)
        {
            return this;
        }

        if (Count == 0)
        {
            return other;
        }

        return (_sparse, other._sparse) switch
        {
            ({ } a, { } b) => UnionSparse(a, b, other),
            (null, null) => UnionDense(_dense!, other._dense!, other),
            ({ } a, null) => UnionSparseDense(a, other),
            (null, { } b) => UnionSparseDense(b, this),
        };
    }

    /// <summary>True when every register of <paramref name="other"/> is at most this one's: merging it changes nothing.</summary>
    public bool Covers(HyperLogLog other) => ReferenceEquals(Union(other), this);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int IndexOf(ulong hash, int p) => (int)(hash >> (64 - p));

    /// <summary>The rank of the q = 64 − p bits after the index: position of the first 1, or q + 1 if none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte RankOf(ulong hash, int p)
    {
        var rest = hash << p;
        return (byte)(rest == 0 ? 64 - p + 1 : BitOperations.LeadingZeroCount(rest) + 1);
    }

    internal static int MaxRank(int precision) => 64 - precision + 1;

    internal static void ValidatePrecision(int precision)
    {
        if (precision is < MinPrecision or > MaxPrecision)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision,
                $"HyperLogLog precision must be between {MinPrecision} and {MaxPrecision}.");
        }
    }

    private void RequireSamePrecision(HyperLogLog other)
    {
        if (other.Precision != Precision)
        {
            throw new ArgumentException(
                $"Cannot merge a sketch of {other.RegisterCount} registers into one of {RegisterCount}: both sides need the same precision.",
                nameof(other));
        }
    }
}
