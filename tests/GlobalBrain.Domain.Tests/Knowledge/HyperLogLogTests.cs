using CsCheck;
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
        var sketch = HyperLogLog.Empty(precision);

        Assert.Equal(0.0, sketch.Estimate());
        Assert.Equal(1 << precision, sketch.RegisterCount);
        Assert.True(sketch.IsSparse);
        Assert.Equal(0, sketch.ByteSize);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(100)]
    public void Estimate_OfFewItems_IsNearlyExact(int n)
    {
        // With n far below m the estimator behaves like linear counting, whose relative standard
        // error here is about sqrt(1 / 2m) ≈ 0.55%; 2% is more than three of those.
        var sketch = HyperLogLog.Empty(14).Add(DistinctHashes(n, seed: 1));

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
        var sketch = HyperLogLog.Empty(precision).Add(DistinctHashes(n, seed: 42));

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
    public void Add_OfDuplicates_ReturnsTheSameSketch()
    {
        var hashes = DistinctHashes(50_000, seed: 7);
        var sketch = HyperLogLog.Empty(12).Add(hashes);
        var estimate = sketch.Estimate();

        foreach (var h in hashes.AsSpan(0, 1_000))
        {
            Assert.Same(sketch, sketch.Add(h));
        }

        Assert.Same(sketch, sketch.Add(hashes));
        Assert.Equal(estimate, sketch.Estimate());
    }

    [Fact]
    public void Add_UsesTopBitsAsIndexAndRankOfTheRest()
    {
        var sketch = HyperLogLog.Empty(4);

        // Index 2 (top four bits 0010), then a 1 right away: rank 1.
        sketch = sketch.Add(0x2800_0000_0000_0000UL);
        // Index 5, then three zeros before the first 1: rank 4.
        sketch = sketch.Add(0x5100_0000_0000_0000UL);
        // Index 3 with all remaining 60 bits zero: rank q + 1 = 61.
        sketch = sketch.Add(0x3000_0000_0000_0000UL);
        // A lower rank never lowers a register.
        Assert.Same(sketch, sketch.Add(0x5800_0000_0000_0000UL));

        var expected = new byte[16];
        expected[2] = 1;
        expected[5] = 4;
        expected[3] = 61;
        Assert.Equal(expected, sketch.ToRegisters());
        Assert.Equal(1, sketch[2]);
        Assert.Equal(0, sketch[0]);
    }

    [Fact]
    public void Union_EstimatesTheUnion_AndEqualsTheSketchOfTheUnion()
    {
        var all = DistinctHashes(100_000, seed: 3);
        var a = HyperLogLog.Empty(14).Add(all.AsSpan(0, 60_000));
        var b = HyperLogLog.Empty(14).Add(all.AsSpan(40_000));
        var direct = HyperLogLog.Empty(14).Add(all);

        var union = a.Union(b);

        Assert.True(union.ContentEquals(direct));
        var relativeError = Math.Abs(union.Estimate() - all.Length) / all.Length;
        Assert.True(relativeError <= 3 * HyperLogLog.StandardError(14), $"relative error {relativeError:P3}");
    }

    [Theory]
    [InlineData(10, 100)]
    [InlineData(10, 10_000)]
    public void Union_ReturnsTheOperandThatCoversTheOther(int precision, int n)
    {
        var all = DistinctHashes(n, seed: 5);
        var a = HyperLogLog.Empty(precision).Add(all);
        var b = HyperLogLog.Empty(precision).Add(all.AsSpan(0, n / 2));

        Assert.Same(a, a.Union(b));
        Assert.Same(a, b.Union(a));
        Assert.Same(a, a.Union(a));
        Assert.Same(a, a.Union(HyperLogLog.Empty(precision).Add(all)));
        Assert.True(a.Covers(b));
        Assert.False(b.Covers(a));
    }

    [Fact]
    public void Union_WithDifferentPrecision_Throws()
    {
        var a = HyperLogLog.Empty(10).Add(1UL);
        var b = HyperLogLog.Empty(11).Add(2UL);

        Assert.Throws<ArgumentException>(() => a.Union(b));
        Assert.Throws<ArgumentException>(() => b.Union(a));
        Assert.Throws<ArgumentException>(() => a.MaxInto(new byte[512]));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(12)]
    public void EverySize_FromEmptyToFull_MatchesTheDenseModel_InRegistersFormAndEstimate(int precision)
    {
        // One item at a time from 0 to 4m items: sparse below m/4 set registers, dense from there, and at
        // every size the same registers and the very same estimate as the dense model (a plain byte array).
        var m = 1 << precision;
        var hashes = DistinctHashes(4 * m, seed: (ulong)precision);
        var model = new byte[m];
        var sketch = HyperLogLog.Empty(precision);
        for (var n = 0; n <= hashes.Length; n++)
        {
            var set = m - model.AsSpan().Count((byte)0);
            Assert.Equal(set, sketch.Count);
            Assert.Equal(set < HyperLogLog.SparseLimit(precision), sketch.IsSparse);
            Assert.Equal(model, sketch.ToRegisters());
            Assert.Equal(HyperLogLog.Estimate(model), sketch.Estimate());
            Assert.Equal(sketch.IsSparse ? 4 * set : m, sketch.ByteSize);
            if (n == hashes.Length)
            {
                break;
            }

            ModelAdd(model, hashes[n], precision);
            sketch = sketch.Add(hashes[n]);
        }
    }

    [Fact]
    public void SparseAndDense_GiveTheSameUnionsAndEstimatesAsTheDenseModel()
    {
        // Two sketches of random sizes (sparse, dense or one of each) from shared and own items: the
        // union, Covers, Missing and the estimate agree with the model of byte arrays.
        var gen = Gen.Int[4, 14].SelectMany(p => Gen.Select(Gen.Const(p), Gen.Int[0, 2 << p], Gen.Int[0, 2 << p], Gen.Int[0, 1 << p], Gen.ULong));
        gen.Sample((p, ownA, ownB, shared, seed) =>
        {
            var hashes = DistinctHashes(ownA + ownB + shared, seed);
            var aHashes = hashes.AsSpan(0, ownA + shared);
            var bHashes = hashes.AsSpan(ownA);
            var a = HyperLogLog.Empty(p).Add(aHashes);
            var b = HyperLogLog.Empty(p).Add(bHashes);
            var modelA = new byte[1 << p];
            var modelB = new byte[1 << p];
            foreach (var h in aHashes)
            {
                ModelAdd(modelA, h, p);
            }

            foreach (var h in bHashes)
            {
                ModelAdd(modelB, h, p);
            }

            var modelUnion = modelA.Zip(modelB, Math.Max).ToArray();
            var union = a.Union(b);
            Assert.Equal(modelUnion, union.ToRegisters());
            Assert.Equal(HyperLogLog.Estimate(modelUnion), union.Estimate());
            Assert.True(union.ContentEquals(b.Union(a)));
            Assert.Equal(union.Digest, b.Union(a).Digest);
            Assert.Equal(HyperLogLog.Estimate(modelA), a.Estimate());
            Assert.Equal(modelA.Zip(modelB).All(r => r.First >= r.Second), a.Covers(b));

            var missing = a.Missing(b);
            Assert.Equal(modelA.Select((r, i) => r > modelB[i] ? r : (byte)0).ToArray(), missing.ToRegisters());
            Assert.True(b.Union(missing).ContentEquals(union));

            var accumulated = (byte[])modelB.Clone();
            var rose = a.MaxInto(accumulated);
            Assert.Equal(modelUnion, accumulated);
            Assert.Equal(!modelB.SequenceEqual(modelUnion), rose);
        }, iter: 400);
    }

    [Fact]
    public void FromRegistersAndFromEntries_RoundTripEveryForm()
    {
        var gen = Gen.Int[4, 12].SelectMany(p => Gen.Select(Gen.Const(p), Gen.Int[0, 2 << p], Gen.ULong));
        gen.Sample((p, n, seed) =>
        {
            var sketch = HyperLogLog.Empty(p).Add(DistinctHashes(n, seed));

            var fromRegisters = HyperLogLog.FromRegisters(sketch.ToRegisters());
            var fromWire = sketch.IsSparse ? HyperLogLog.FromEntries(p, sketch.SparseEntries) : HyperLogLog.FromRegisters(sketch.DenseRegisters);

            Assert.True(fromRegisters.ContentEquals(sketch));
            Assert.True(fromWire.ContentEquals(sketch));
            Assert.Equal(sketch.IsSparse, fromRegisters.IsSparse);
            Assert.Equal(sketch.Digest, fromWire.Digest);
        }, iter: 300);
    }

    [Fact]
    public void WireForm_RoundTripsEverySketch_AndIsAboutTwoBytesPerSetRegisterWhenSparse()
    {
        var gen = Gen.Int[4, 16].SelectMany(p => Gen.Select(Gen.Const(p), Gen.Int[0, 2 << p], Gen.ULong));
        gen.Sample((p, n, seed) =>
        {
            var sketch = HyperLogLog.Empty(p).Add(DistinctHashes(n, seed));

            var packed = sketch.IsSparse ? HyperLogLogWire.PackEntries(sketch) : HyperLogLogWire.PackRegisters(sketch);
            var back = sketch.IsSparse ? HyperLogLogWire.UnpackEntries(p, packed) : HyperLogLogWire.UnpackRegisters(p, packed);

            Assert.True(back.ContentEquals(sketch));
            Assert.Equal(packed.Length, sketch.WireSize);
            Assert.True(sketch.IsSparse ? packed.Length <= 3 * sketch.Count : packed.Length == (1 << p) * 3 / 4);
        }, iter: 300);

        // At p = 14 a few thousand items: gaps of ~4–20 registers, two bytes each.
        var typical = HyperLogLog.Empty(14).Add(DistinctHashes(2_000, seed: 1));
        Assert.True(typical.IsSparse);
        Assert.InRange(typical.WireSize, typical.Count, 2 * typical.Count);
    }

    [Fact]
    public void WireForm_RejectsMalformedInput()
    {
        // A varint that never ends, an index beyond m, a rank of 0 or above the maximum, a wrong dense length.
        Assert.Throws<ArgumentException>(() => HyperLogLogWire.UnpackEntries(4, [0x81]));
        Assert.Throws<ArgumentException>(() => HyperLogLogWire.UnpackEntries(4, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]));
        Assert.Throws<ArgumentException>(() => HyperLogLogWire.UnpackEntries(4, [(16 << 6) & 0x7F | 0x80, 16 >> 1]));
        Assert.Throws<ArgumentException>(() => HyperLogLogWire.UnpackEntries(4, [0x00]));
        Assert.Throws<ArgumentException>(() => HyperLogLogWire.UnpackEntries(4, [62]));
        Assert.Throws<ArgumentException>(() => HyperLogLogWire.UnpackRegisters(4, new byte[11]));
        Assert.Throws<ArgumentException>(() => HyperLogLogWire.UnpackRegisters(4, [.. Enumerable.Repeat((byte)0xFF, 12)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => HyperLogLogWire.UnpackEntries(19, []));
        Assert.Equal(61, HyperLogLogWire.UnpackEntries(4, [(3 << 6) | 61 & 0x7F | 0x80, (3 << 6 | 61) >> 7])[3]);
    }

    [Fact]
    public void FromEntries_RejectsUnsortedRepeatedAndOutOfRangeEntries()
    {
        uint Entry(int index, int rank) => ((uint)index << 6) | (uint)rank;

        Assert.Throws<ArgumentException>(() => HyperLogLog.FromEntries(4, [Entry(3, 1), Entry(2, 1)]));
        Assert.Throws<ArgumentException>(() => HyperLogLog.FromEntries(4, [Entry(2, 1), Entry(2, 3)]));
        Assert.Throws<ArgumentException>(() => HyperLogLog.FromEntries(4, [Entry(16, 1)]));
        Assert.Throws<ArgumentException>(() => HyperLogLog.FromEntries(4, [Entry(1, 0)]));
        Assert.Throws<ArgumentException>(() => HyperLogLog.FromEntries(4, [Entry(1, 62)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => HyperLogLog.FromEntries(3, []));
        Assert.Equal(61, HyperLogLog.FromEntries(4, [Entry(1, 61)])[1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(100)]
    [InlineData(1000)]
    public void FromRegisters_RejectsNonPowerOfTwoLengths(int length)
    {
        Assert.Throws<ArgumentException>(() => HyperLogLog.FromRegisters(new byte[length]));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(1 << 19)]
    public void FromRegisters_RejectsPrecisionOutsideTheSupportedRange(int length)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HyperLogLog.FromRegisters(new byte[length]));
    }

    [Theory]
    [InlineData(4, 62)]
    [InlineData(14, 52)]
    [InlineData(14, 255)]
    public void FromRegisters_RejectsRegisterValuesAboveTheMaximumRank(int precision, byte value)
    {
        var registers = new byte[1 << precision];
        registers[^1] = value;

        Assert.Throws<ArgumentException>(() => HyperLogLog.FromRegisters(registers));
    }

    [Theory]
    [InlineData(4, 61)]
    [InlineData(14, 51)]
    public void FromRegisters_AcceptsTheMaximumRank(int precision, byte value)
    {
        var registers = new byte[1 << precision];
        registers[0] = value;

        var sketch = HyperLogLog.FromRegisters(registers);

        Assert.Equal(precision, sketch.Precision);
        Assert.Equal(value, sketch[0]);
    }

    [Fact]
    public void FromRegisters_CopiesASpan_AndAddingNeverChangesTheOriginal()
    {
        var registers = new byte[1 << 6];
        var sketch = HyperLogLog.FromRegisters(registers.AsSpan());

        var added = sketch.Add(0xFFFF_FFFF_FFFF_FFFFUL);

        Assert.Equal(0, registers[63]);
        Assert.Equal(0, sketch[63]);
        Assert.Equal(1, added[63]);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(19)]
    public void Empty_RejectsPrecisionOutOfRange(int precision)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HyperLogLog.Empty(precision));
    }

    /// <summary>The dense model: the register of the hash's top p bits rises to the rank of the rest.</summary>
    private static void ModelAdd(byte[] model, ulong hash, int precision)
    {
        var index = (int)(hash >> (64 - precision));
        var rest = hash << precision;
        var rank = (byte)(rest == 0 ? 64 - precision + 1 : System.Numerics.BitOperations.LeadingZeroCount(rest) + 1);
        model[index] = Math.Max(model[index], rank);
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
