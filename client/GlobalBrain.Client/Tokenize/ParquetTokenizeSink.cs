using System.Globalization;
using GlobalBrain.Client.Export;
using GlobalBrain.Grains;

namespace GlobalBrain.Client.Tokenize;

/// <summary>One Parquet file with the columns of <c>ingest --export</c> (<see cref="ParquetShardFile"/>): id (the input line number), chunk, input_ids, attention_mask.</summary>
internal sealed class ParquetTokenizeSink(ParquetShardFile file) : TokenizeSink
{
    public static async ValueTask<ParquetTokenizeSink> CreateAsync(string path, CancellationToken cancellationToken) =>
        new(await ParquetShardFile.CreateAsync(path, cancellationToken));

    public override void Append(OutputBlock block, long line, int chunk, ReadOnlySpan<int> ids, int used)
    {
        var mask = new byte[ids.Length];
        mask.AsSpan(0, used).Fill(1);
        block.Records.Add(new EncodedRecord(line.ToString(CultureInfo.InvariantCulture), chunk, ids.ToArray(), mask));
    }

    public override ValueTask WriteAsync(OutputBlock block, CancellationToken cancellationToken) =>
        block.Records.Count == 0 ? ValueTask.CompletedTask : file.WriteAsync(block.Records.ToArray(), cancellationToken);

    public override ValueTask CompleteAsync(long records, CancellationToken cancellationToken) => file.CompleteAsync(cancellationToken);

    public override ValueTask DisposeAsync() => file.DisposeAsync();
}
