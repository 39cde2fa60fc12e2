using System.Numerics;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>
/// A HyperLogLog sketch over 64-bit hashes with Ertl's (2017) improved estimator, which is
/// unbiased over the whole range without empirical bias tables or a linear-counting switch.
/// </summary>
/// <remarks>
/// The registers live in a plain byte array that the owner may hand to storage or to the wire
/// (<see cref="Wrap"/>), so a grain keeps one copy of its shard and never converts it.
/// Merge is the register-wise maximum: commutative, associative and idempotent.
/// </remarks>
public sealed class HyperLogLog
{
    public const int MinPrecision = 4;
    public const int MaxPrecision = 18;

    private readonly byte[] _registers;

    public HyperLogLog(int precision)
    {
        ValidatePrecision(precision);
        Precision = precision;
        _registers = new byte[1 << precision];
    }

    private HyperLogLog(byte[] registers, int precision)
    {
        _registers = registers;
        Precision = precision;
    }

    /// <summary>Number of index bits p; the sketch has m = 2^p registers.</summary>
    public int Precision { get; }

    public int RegisterCount => _registers.Length;

    /// <summary>The live registers (not a copy).</summary>
    public byte[] Registers => _registers;

    /// <summary>Relative standard error of the estimate, 1.04/√m.</summary>
    public static double StandardError(int precision) => 1.04 / Math.Sqrt(1 << precision);

    /// <summary>Wraps existing registers without copying them; their length must be a power of two.</summary>
    public static HyperLogLog Wrap(byte[] registers)
    {
        ArgumentNullException.ThrowIfNull(registers);
        if (registers.Length == 0 || !BitOperations.IsPow2(registers.Length))
        {
            throw new ArgumentException($"A HyperLogLog needs a power-of-two number of registers, not {registers.Length}.", nameof(registers));
        }

        var precision = BitOperations.Log2((uint)registers.Length);
        ValidatePrecision(precision);
        var maxRank = 64 - precision + 1;
        foreach (var r in registers)
        {
            if (r > maxRank)
            {
                throw new ArgumentException($"Register value {r} exceeds the maximum rank {maxRank} for precision {precision}.", nameof(registers));
            }
        }

        return new HyperLogLog(registers, precision);
    }

    public HyperLogLog Clone() => new((byte[])_registers.Clone(), Precision);

    /// <summary>Adds one item by its 64-bit hash. Returns true when a register changed.</summary>
    public bool Add(ulong hash)
    {
        var p = Precision;
        var index = (int)(hash >> (64 - p));
        // The rank of the remaining q = 64 - p bits: position of the first 1, or q + 1 if none.
        var rest = hash << p;
        var rank = rest == 0 ? 64 - p + 1 : BitOperations.LeadingZeroCount(rest) + 1;
        ref var register = ref _registers[index];
        if (rank > register)
        {
            register = (byte)rank;
            return true;
        }

        return false;
    }

    public void AddRange(ReadOnlySpan<ulong> hashes)
    {
        foreach (var h in hashes)
        {
            Add(h);
        }
    }

    /// <summary>Register-wise maximum with <paramref name="other"/>. Returns true when this sketch changed.</summary>
    public bool Merge(ReadOnlySpan<byte> other)
    {
        if (other.Length != _registers.Length)
        {
            throw new ArgumentException(
                $"Cannot merge a sketch of {other.Length} registers into one of {_registers.Length}: both sides need the same precision.",
                nameof(other));
        }

        return MaxInto(_registers, other);
    }

    public bool Merge(HyperLogLog other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Merge(other._registers);
    }

    /// <summary>Estimated number of distinct items added.</summary>
    public double Estimate() => Estimate(_registers);

    /// <summary>Ertl's improved raw estimator ("New cardinality estimation algorithms for HyperLogLog sketches", 2017, Algorithm 6).</summary>
    public static double Estimate(ReadOnlySpan<byte> registers)
    {
        var m = registers.Length;
        var p = BitOperations.Log2((uint)m);
        var q = 64 - p;
        Span<int> histogram = stackalloc int[66];
        foreach (var r in registers)
        {
            histogram[r]++;
        }

        double z = m * Tau(1.0 - (double)histogram[q + 1] / m);
        for (var k = q; k >= 1; k--)
        {
            z = 0.5 * (z + histogram[k]);
        }

        z += m * Sigma((double)histogram[0] / m);
        if (double.IsPositiveInfinity(z))
        {
            return 0; // every register is empty
        }

        const double alphaInfinity = 0.72134752044448170368; // 1 / (2 ln 2)
        return alphaInfinity * m * (double)m / z;
    }

    private static double Sigma(double x)
    {
        if (x == 1.0)
        {
            return double.PositiveInfinity;
        }

        double y = 1.0, z = x, previous;
        do
        {
            x *= x;
            previous = z;
            z += x * y;
            y += y;
        }
        while (z != previous);
        return z;
    }

    private static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0)
        {
            return 0.0;
        }

        double y = 1.0, z = 1.0 - x, previous;
        do
        {
            x = Math.Sqrt(x);
            previous = z;
            y *= 0.5;
            z -= Math.Pow(1.0 - x, 2) * y;
        }
        while (z != previous);
        return z / 3.0;
    }

    /// <summary>Element-wise maximum of <paramref name="target"/> and <paramref name="source"/> into target.</summary>
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

    private static void ValidatePrecision(int precision)
    {
        if (precision is < MinPrecision or > MaxPrecision)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision,
                $"HyperLogLog precision must be between {MinPrecision} and {MaxPrecision}.");
        }
    }
}
