namespace GlobalBrain.Client.Tokenize;

/// <summary>
/// Where <c>tokenize</c> puts its records: <see cref="Append"/> formats one record into its block (called
/// on the encoding threads, so it keeps no state), <see cref="WriteAsync"/> writes the blocks in input order.
/// </summary>
internal abstract class TokenizeSink : IAsyncDisposable
{
    /// <summary>Formats one record: <paramref name="ids"/> is the framed record, its first <paramref name="used"/> ids have mask 1.</summary>
    public abstract void Append(OutputBlock block, long line, int chunk, ReadOnlySpan<int> ids, int used);

    public abstract ValueTask WriteAsync(OutputBlock block, CancellationToken cancellationToken);

    /// <summary>Finishes the output (npy headers, Parquet footer, last flush) after the last block.</summary>
    public abstract ValueTask CompleteAsync(long records, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>Opens a file that must not exist yet.</summary>
    protected static FileStream CreateNew(string path, FileAccess access = FileAccess.Write) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew,
        Access = access,
        Share = FileShare.Read,
        BufferSize = 0,
    });
}
