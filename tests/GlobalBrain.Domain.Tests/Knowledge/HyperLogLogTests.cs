using GlobalBrain.Domain.Knowledge;
using Xunit;

namespace GlobalBrain.Domain.Tests.Knowledge;

public sealed class HyperLogLogTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(14)]
    [InlineData(18)]
    public void Estimate_OfEmptySketch_IsZero(int precision)
    {
        var sketch = new HyperLogLog(precision);

        Assert.Equal(0.0, sketch.Estimate());
        Assert.Equal(1 << precision, sketch.RegisterCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(100)]
    public void Estimate_OfFewItems_IsNearlyExact(int n)
    {
        // With n far below m the estimator behaves like linear counting, whose relative standard
        // error here is about sqrt(1 / 2m) ≈ 0.55%; 2% is more than three of those.
        var sketch = new HyperLogLog(14);
        sketch.AddRange(DistinctHashes(n, seed: 1));

        var estimate = sketch.Estimate();

        Assert.InRange(estimate, n * 0.98, n * 1.02);
    }

    [Theory]
    [InlineData(10, 10_000)]
    [InlineData(10, 100_000)]
    [InlineData(10, 1_000_000)]
    [InlineData(14, 10_000)]
    [InlineData(14, 100_000)]
    [InlineData(14, 1_000_000)]
    [InlineData(16, 10_000)]
    [InlineData(16, 100_000)]
    [InlineData(16, 1_000_000)]
    public void Estimate_OfManyDistinctItems_IsWithinThreeStandardErrors(int precision, int n)
    {
        var sketch = new HyperLogLog(precision);
        sketch.AddRange(DistinctHashes(n, seed: 42));

        var relativeError = Math.Abs(sketch.Estimate() - n) / n;

        Assert.True(
            relativeError <= 3 * HyperLogLog.StandardError(precision),
            $"relative error {relativeError:P3} exceeds 3σ = {3 * HyperLogLog.StandardError(precision):P3} (p = {precision}, n = {n})");
    }

    [Fact]
    public void StandardError_Is1Point04OverSqrtM()
    {
        Assert.Equal(1.04 / 128, HyperLogLog.StandardError(14), precision: 12);
        Assert.Equal(1.04 / 32, HyperLogLog.StandardError(10), precision: 12);
    }

    [Fact]
    public void Add_OfDuplicates_ChangesNeitherRegistersNorEstimate()
    {
        var hashes = DistinctHashes(50_000, seed: 7);
        var sketch = new HyperLogLog(12);
        sketch.AddRange(hashes);
        var registers = (byte[])sketch.Registers.Clone();
        var estimate = sketch.Estimate();

        var anyChanged = false;
        foreach (var h in hashes)
        {
            anyChanged |= sketch.Add(h);
        }

        Assert.False(anyChanged);
        Assert.Equal(registers, sketch.Registers);
        Assert.Equal(estimate, sketch.Estimate());
    }

    [Fact]
    public void Add_UsesTopBitsAsIndexAndRankOfTheRest()
    {
        var sketch = new HyperLogLog(4);

        // Index 2 (top four bits 0010), then a 1 right away: rank 1.
        Assert.True(sketch.Add(0x2800_0000_0000_0000UL));
        // Index 5, then three zeros before the first 1: rank 4.
        Assert.True(sketch.Add(0x5100_0000_0000_0000UL));
        // Index 3 with all remaining 60 bits zero: rank q + 1 = 61.
        Assert.True(sketch.Add(0x3000_0000_0000_0000UL));
        // A lower rank never lowers a register.
        Assert.False(sketch.Add(0x5800_0000_0000_0000UL));

        var expected = new byte[16];
        expected[2] = 1;
        expected[5] = 4;
        expected[3] = 61;
        Assert.Equal(expected, sketch.Registers);
    }

    [Fact]
    public void Merge_EstimatesTheUnion()
    {
        var all = DistinctHashes(100_000, seed: 3);
        var a = new HyperLogLog(14);
        var b = new HyperLogLog(14);
        var direct = new HyperLogLog(14);
        a.AddRange(all.AsSpan(0, 60_000));
        b.AddRange(all.AsSpan(40_000));
        direct.AddRange(all);

        Assert.True(a.Merge(b));

        // The merge of two sketches is exactly the sketch of the union.
        Assert.Equal(direct.Registers, a.Registers);
        var relativeError = Math.Abs(a.Estimate() - all.Length) / all.Length;
        Assert.True(relativeError <= 3 * HyperLogLog.StandardError(14), $"relative error {relativeError:P3}");
    }

    [Fact]
    public void Merge_OfASubset_ReportsNoChange()
    {
        var all = DistinctHashes(10_000, seed: 5);
        var a = new HyperLogLog(10);
        var b = new HyperLogLog(10);
        a.AddRange(all);
        b.AddRange(all.AsSpan(0, 5_000));
        var before = (byte[])a.Registers.Clone();

        Assert.False(a.Merge(b));
        Assert.False(a.Merge(a));
        Assert.Equal(before, a.Registers);
    }

    [Fact]
    public void Merge_WithDifferentRegisterCount_Throws()
    {
        var a = new HyperLogLog(10);
        var b = new HyperLogLog(11);

        Assert.Throws<ArgumentException>(() => a.Merge(b));
        Assert.Throws<ArgumentException>(() => b.Merge(a));
        Assert.Throws<ArgumentException>(() => a.Merge(new byte[512]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(100)]
    [InlineData(1000)]
    public void Wrap_RejectsNonPowerOfTwoLengths(int length)
    {
        Assert.Throws<ArgumentException>(() => HyperLogLog.Wrap(new byte[length]));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(1 << 19)]
    public void Wrap_RejectsPrecisionOutsideTheSupportedRange(int length)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HyperLogLog.Wrap(new byte[length]));
    }

    [Theory]
    [InlineData(4, 62)]
    [InlineData(14, 52)]
    [InlineData(14, 255)]
    public void Wrap_RejectsRegisterValuesAboveTheMaximumRank(int precision, byte value)
    {
        var registers = new byte[1 << precision];
        registers[^1] = value;

        Assert.Throws<ArgumentException>(() => HyperLogLog.Wrap(registers));
    }

    [Theory]
    [InlineData(4, 61)]
    [InlineData(14, 51)]
    public void Wrap_AcceptsTheMaximumRank(int precision, byte value)
    {
        var registers = new byte[1 << precision];
        registers[0] = value;

        var sketch = HyperLogLog.Wrap(registers);

        Assert.Equal(precision, sketch.Precision);
    }

    [Fact]
    public void Wrap_SharesTheArrayAndCloneDoesNot()
    {
        var registers = new byte[1 << 6];
        var sketch = HyperLogLog.Wrap(registers);
        var clone = sketch.Clone();

        sketch.Add(0xFFFF_FFFF_FFFF_FFFFUL);

        Assert.Same(registers, sketch.Registers);
        Assert.Equal(1, registers[63]);
        Assert.Equal(0, clone.Registers[63]);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(19)]
    public void Constructor_RejectsPrecisionOutOfRange(int precision)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HyperLogLog(precision));
    }

    /// <summary>
    /// SplitMix64: the state steps by an odd constant and the finalizer is a bijection, so the
    /// first 2^64 outputs are distinct, well-mixed 64-bit values.
    /// </summary>
    internal static ulong[] DistinctHashes(int count, ulong seed)
    {
        var hashes = new ulong[count];
        var state = seed;
        for (var i = 0; i < count; i++)
        {
            state += 0x9E37_79B9_7F4A_7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
            hashes[i] = z ^ (z >> 31);
        }

        return hashes;
    }
}
