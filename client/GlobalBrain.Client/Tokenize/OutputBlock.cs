using System.Buffers;
using GlobalBrain.Grains;

namespace GlobalBrain.Client.Tokenize;

/// <summary>A growable byte buffer rented from the shared pool.</summary>
internal sealed class PooledBytes(int capacity)
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 1 << 12));

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Written => _array.AsMemory(0, Length);

    public Span<byte> WrittenSpan => _array.AsSpan(0, Length);

    /// <summary>Room for at least <paramref name="size"/> more bytes.</summary>
    public Span<byte> GetSpan(int size)
    {
        if (_array.Length - Length < size)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, Length + size));
            _array.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_array);
            _array = larger;
        }

        return _array.AsSpan(Length);
    }

    public void Advance(int count) => Length += count;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Length += bytes.Length;
    }

    public void Return()
    {
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        Length = 0;
    }
}

/// <summary>The encoded records of one <see cref="InputBlock"/>, formatted for the sink, and the block's lines that were not valid UTF-8.</summary>
internal sealed class OutputBlock(int mainCapacity, int sideCapacity)
{
    /// <summary>The formatted records (JSON Lines; input_ids for npy).</summary>
    public PooledBytes Main { get; } = new(mainCapacity);

    /// <summary>attention_mask for npy.</summary>
    public PooledBytes Side { get; } = new(sideCapacity);

    /// <summary>The records themselves, for Parquet.</summary>
    public List<EncodedRecord> Records { get; } = [];

    public long RecordCount { get; set; }

    public List<long> InvalidLines { get; } = [];

    public void Return()
    {
        Main.Return();
        Side.Return();
    }
}
