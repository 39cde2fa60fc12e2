using System.Globalization;
using System.Text;
using GlobalBrain.Client.Tokenize;
using Xunit;

namespace GlobalBrain.Client.Tests.Tokenize;

public sealed class IdTextTests
{
    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 101, 1996, 102 })]
    [InlineData(new[] { 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000 })]
    [InlineData(new[] { IdText.TableSize - 1, IdText.TableSize, IdText.TableSize + 1, 5 })]
    [InlineData(new[] { int.MaxValue, -1, int.MinValue, 7 })]
    public void Write_IsTheIdsJoinedByCommas(int[] ids)
    {
        var destination = new byte[(12 * ids.Length) + 8];

        var written = IdText.Write(ids, destination);

        Assert.Equal(string.Join(',', ids.Select(id => id.ToString(CultureInfo.InvariantCulture))), Encoding.ASCII.GetString(destination, 0, written));
    }

    [Fact]
    public void Write_EveryTableId_IsItsDecimalText()
    {
        var ids = Enumerable.Range(0, IdText.TableSize).ToArray();
        var destination = new byte[(12 * ids.Length) + 8];

        var written = IdText.Write(ids, destination);

        Assert.Equal(string.Join(',', ids), Encoding.ASCII.GetString(destination, 0, written));
    }

    [Fact]
    public void Write_RefusesADestinationWithoutRoomForTheLastStore()
    {
        Assert.Throws<ArgumentException>(() => IdText.Write([1, 2], new byte[(12 * 2) + 7]));
    }
}
