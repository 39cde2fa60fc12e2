using System.IO.Hashing;
using CsCheck;
using GlobalBrain.Domain.Knowledge;
using Xunit;

namespace GlobalBrain.Domain.Tests.Knowledge;

public sealed class KnowledgeItemsTests
{
    [Theory]
    [InlineData(0, 3, 0)]
    [InlineData(-1, 3, 0)]
    [InlineData(1, 3, 1)]
    [InlineData(2, 3, 1)]
    [InlineData(3, 3, 1)]
    [InlineData(4, 3, 2)]
    [InlineData(10, 3, 8)]
    [InlineData(10, 1, 10)]
    [InlineData(64, 64, 1)]
    [InlineData(100, 64, 37)]
    public void Count_IsZeroForNoTokensOneForShortDocumentsElseNMinusWPlusOne(int tokens, int width, int expected)
    {
        Assert.Equal(expected, KnowledgeItems.Count(tokens, width));
    }

    [Fact]
    public void Hash_ReturnsCountItems()
    {
        Gen.Select(Gen.Int.Array[0, 40], Gen.Int[1, 8]).Sample((tokens, width) =>
            Assert.Equal(KnowledgeItems.Count(tokens.Length, width), KnowledgeItems.Hash(tokens, width).Length));
    }

    [Fact]
    public void Hash_OfIdenticalWindows_IsEqual()
    {
        int[] tokens = [1, 2, 3, 1, 2, 3, 1, 2];

        var hashes = KnowledgeItems.Hash(tokens, 3);

        Assert.Equal(6, hashes.Length);
        Assert.Equal(hashes[0], hashes[3]);
        Assert.Equal(hashes[1], hashes[4]);
        Assert.Equal(hashes[2], hashes[5]);
        Assert.Equal(hashes[0], KnowledgeItems.Hash([9, 1, 2, 3], 3)[1]);
    }

    [Fact]
    public void Hash_OfDifferentWindows_Differs()
    {
        var hashes = KnowledgeItems.Hash([1, 2, 3, 4, 5], 3);

        Assert.Equal(3, hashes.Distinct().Count());
        Assert.NotEqual(KnowledgeItems.Hash([1, 2, 3])[0], KnowledgeItems.Hash([3, 2, 1])[0]);
        Assert.NotEqual(KnowledgeItems.Hash([1, 2, 3])[0], KnowledgeItems.Hash([1, 2, 4])[0]);
        Assert.NotEqual(KnowledgeItems.Hash([0, 0], 3)[0], KnowledgeItems.Hash([0, 0, 0], 3)[0]);
    }

    [Fact]
    public void Hash_OfRandomDistinctWindows_Differs()
    {
        Gen.Select(Gen.Int.Array[3], Gen.Int.Array[3]).Sample((a, b) =>
        {
            if (!a.AsSpan().SequenceEqual(b))
            {
                Assert.NotEqual(KnowledgeItems.Hash(a)[0], KnowledgeItems.Hash(b)[0]);
            }
        });
    }

    [Fact]
    public void Hash_OfASequence_EqualsTheHashesOfItsWindows()
    {
        Gen.Select(Gen.Int[0, 50].Array[1, 40], Gen.Int[1, 6]).Sample((tokens, width) =>
        {
            var hashes = KnowledgeItems.Hash(tokens, width);

            if (tokens.Length < width)
            {
                Assert.Equal(KnowledgeItems.Hash(tokens, tokens.Length), hashes);
                return;
            }

            for (var i = 0; i < hashes.Length; i++)
            {
                Assert.Equal(KnowledgeItems.Hash(tokens.AsSpan(i, width), width)[0], hashes[i]);
            }
        });
    }

    [Fact]
    public void Hash_IsXxHash3OfLittleEndianTokenIds()
    {
        // Pinned so that every node, on any architecture, hashes the same window the same way.
        byte[] bytes = [0x01, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF];

        Assert.Equal(XxHash3.HashToUInt64(bytes), KnowledgeItems.Hash([1, 258, -1], 3)[0]);
    }

    [Fact]
    public void Hash_IntoSpan_MatchesTheArrayOverloadAndRejectsAShortDestination()
    {
        int[] tokens = [5, 6, 7, 8, 9];
        var destination = new ulong[4];

        var written = KnowledgeItems.Hash(tokens, 3, destination);

        Assert.Equal(3, written);
        Assert.Equal(KnowledgeItems.Hash(tokens, 3), destination[..3]);
        Assert.Equal(0UL, destination[3]);
        Assert.Throws<ArgumentException>(() => KnowledgeItems.Hash(tokens, 3, new ulong[2]));
    }

    [Fact]
    public void Hash_OfNoTokens_IsEmpty()
    {
        Assert.Empty(KnowledgeItems.Hash([], 3));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65)]
    public void Width_OutsideOneToSixtyFour_IsRejected(int width)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KnowledgeItems.ValidateWidth(width));
        Assert.Throws<ArgumentOutOfRangeException>(() => KnowledgeItems.Count(10, width));
        Assert.Throws<ArgumentOutOfRangeException>(() => KnowledgeItems.Hash([1, 2, 3], width));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(KnowledgeItems.DefaultShingleWidth)]
    [InlineData(KnowledgeItems.MaxShingleWidth)]
    public void Width_InsideOneToSixtyFour_IsAccepted(int width)
    {
        KnowledgeItems.ValidateWidth(width);

        Assert.Single(KnowledgeItems.Hash(new int[width], width));
    }
}
