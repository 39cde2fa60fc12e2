using GlobalBrain.Grains;

namespace GlobalBrain.Client.Export;

/// <summary>One open dataset file that records are appended to, a group at a time.</summary>
internal interface IShardFile : IAsyncDisposable
{
    /// <summary>Appends one group of records (a Parquet row group, or a run of JSONL lines).</summary>
    ValueTask WriteAsync(ReadOnlyMemory<EncodedRecord> records, CancellationToken cancellationToken);

    /// <summary>Finishes the file (Parquet footer, last flush). Disposing without this leaves it unfinished.</summary>
    ValueTask CompleteAsync(CancellationToken cancellationToken);
}

internal static class ShardFiles
{
    private const int BufferSize = 1 << 16;

    /// <summary>Creates the file, refusing to overwrite one that is already there.</summary>
    public static FileStream CreateNew(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = BufferSize,
            Options = FileOptions.Asynchronous,
        });
    }
}
