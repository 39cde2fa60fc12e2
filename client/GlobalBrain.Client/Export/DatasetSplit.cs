using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace GlobalBrain.Client.Export;

/// <summary>The part of a dataset a document belongs to.</summary>
public enum DatasetSplit
{
    Train,
    Dev,
    Test,
}

/// <summary>Assigns documents to splits by a stable hash of their id, so that a document never leaks across splits.</summary>
public static class DatasetSplits
{
    private const int StackLimit = 512;

    /// <summary>The three splits, in the order they are reported.</summary>
    public static IReadOnlyList<DatasetSplit> All { get; } = [DatasetSplit.Train, DatasetSplit.Dev, DatasetSplit.Test];

    /// <summary>
    /// The split of a document: XxHash3 of its UTF-8 id, read as a uniform number in [0, 1) and compared with the
    /// cumulative fractions. Keyed by the document id alone, so all chunks of a document share a split, on any machine.
    /// </summary>
    public static DatasetSplit Assign(string documentId, SplitFractions fractions)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        ArgumentNullException.ThrowIfNull(fractions);
        return Assign(Hash(documentId), fractions);
    }

    /// <summary>The directory name of a split inside a dataset: <c>train</c>, <c>dev</c> or <c>test</c>.</summary>
    public static string DirectoryName(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => "train",
        DatasetSplit.Dev => "dev",
        DatasetSplit.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "not a dataset split"),
    };

    internal static DatasetSplit Assign(ulong hash, SplitFractions fractions)
    {
        var u = UnitInterval(hash);
        // A split with a zero fraction never receives a record, even when the other fractions add up to a hair under 1.
        if (u < fractions.Train || (fractions.Dev == 0 && fractions.Test == 0))
        {
            return DatasetSplit.Train;
        }

        return u < fractions.Train + fractions.Dev || fractions.Test == 0 ? DatasetSplit.Dev : DatasetSplit.Test;
    }

    /// <summary>The top 53 bits of the hash as a double in [0, 1): every value is exact and equally likely.</summary>
    internal static double UnitInterval(ulong hash) => (hash >> 11) * (1.0 / (1UL << 53));

    internal static ulong Hash(string documentId)
    {
        var byteCount = Encoding.UTF8.GetByteCount(documentId);
        if (byteCount <= StackLimit)
        {
            Span<byte> buffer = stackalloc byte[byteCount];
            Encoding.UTF8.GetBytes(documentId, buffer);
            return XxHash3.HashToUInt64(buffer);
        }

        var rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            var written = Encoding.UTF8.GetBytes(documentId, rented);
            return XxHash3.HashToUInt64(rented.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
