using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace GlobalBrain.Client.Tokenize;

/// <summary>
/// NumPy arrays for a training loop, little-endian, C order, readable with <c>numpy.load</c> (also memory-mapped).
/// With a fixed length L: <c>DIR/input_ids.npy</c> (int32, shape [records, L]) and <c>DIR/attention_mask.npy</c>
/// (int8, [records, L]). Full length (ragged): <c>DIR/input_ids.npy</c> (int32, every record's ids one after
/// the other) and <c>DIR/offsets.npy</c> (int64, records + 1: record i is <c>input_ids[offsets[i]:offsets[i+1]]</c>,
/// the layout of an Arrow list column), with no mask, as every id of an unpadded record is attended to.
/// The shapes go into the headers at the end.
/// </summary>
internal sealed class NpyTokenizeSink : TokenizeSink
{
    public const string IdsFile = "input_ids.npy";

    public const string MaskFile = "attention_mask.npy";

    public const string OffsetsFile = "offsets.npy";

    /// <summary>Header bytes, magic included: fixed, so that the final shape fits in place (and a multiple of 64, as the format recommends).</summary>
    private const int HeaderBytes = 128;

    private const string Int32 = "<i4";
    private const string Int8 = "|i1";
    private const string Int64 = "<i8";

    private readonly FileStream _ids;
    private readonly FileStream _side;
    private readonly int? _length;
    private long _tokens;

    private NpyTokenizeSink(FileStream ids, FileStream side, int? length)
    {
        _ids = ids;
        _side = side;
        _length = length;
    }

    /// <summary>Opens the two files in <paramref name="directory"/>: fixed [records, L] arrays, or the ragged pair when <paramref name="length"/> is null.</summary>
    public static async ValueTask<NpyTokenizeSink> CreateAsync(string directory, int? length, CancellationToken cancellationToken)
    {
        var ids = CreateNew(Path.Combine(directory, IdsFile));
        var side = CreateNew(Path.Combine(directory, length is null ? OffsetsFile : MaskFile));
        var sink = new NpyTokenizeSink(ids, side, length);
        await ids.WriteAsync(new byte[HeaderBytes], cancellationToken);
        await side.WriteAsync(new byte[HeaderBytes], cancellationToken);
        if (length is null)
        {
            await side.WriteAsync(new byte[sizeof(long)], cancellationToken);
        }

        return sink;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Append(OutputBlock block, long line, int chunk, ReadOnlySpan<int> ids, int used)
    {
        var bytes = MemoryMarshal.AsBytes(ids);
        if (BitConverter.IsLittleEndian)
        {
            block.Main.Write(bytes);
        }
        else
        {
            var span = block.Main.GetSpan(bytes.Length);
            for (var i = 0; i < ids.Length; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[(4 * i)..], ids[i]);
            }

            block.Main.Advance(bytes.Length);
        }

        if (_length is null)
        {
            // The record's end, counted from the block's start; WriteAsync adds the ids of the blocks before it.
            BinaryPrimitives.WriteInt64LittleEndian(block.Side.GetSpan(sizeof(long)), block.Main.Length / sizeof(int));
            block.Side.Advance(sizeof(long));
            return;
        }

        var mask = block.Side.GetSpan(ids.Length);
        mask[..used].Fill(1);
        mask[used..ids.Length].Clear();
        block.Side.Advance(ids.Length);
    }

    public override async ValueTask WriteAsync(OutputBlock block, CancellationToken cancellationToken)
    {
        if (_length is null && _tokens > 0)
        {
            var ends = block.Side.WrittenSpan;
            for (var at = 0; at < ends.Length; at += sizeof(long))
            {
                BinaryPrimitives.WriteInt64LittleEndian(ends[at..], BinaryPrimitives.ReadInt64LittleEndian(ends[at..]) + _tokens);
            }
        }

        _tokens += block.Main.Length / sizeof(int);
        await _ids.WriteAsync(block.Main.Written, cancellationToken);
        await _side.WriteAsync(block.Side.Written, cancellationToken);
    }

    public override async ValueTask CompleteAsync(long records, CancellationToken cancellationToken)
    {
        _ids.Position = 0;
        _side.Position = 0;
        if (_length is { } length)
        {
            await _ids.WriteAsync(Header(Int32, Shape(records, length)), cancellationToken);
            await _side.WriteAsync(Header(Int8, Shape(records, length)), cancellationToken);
        }
        else
        {
            await _ids.WriteAsync(Header(Int32, Shape(_tokens, null)), cancellationToken);
            await _side.WriteAsync(Header(Int64, Shape(records + 1, null)), cancellationToken);
        }

        await _ids.FlushAsync(cancellationToken);
        await _side.FlushAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _ids.DisposeAsync();
        await _side.DisposeAsync();
    }

    private static string Shape(long rows, int? columns) =>
        columns is { } length ? string.Create(CultureInfo.InvariantCulture, $"({rows}, {length})") : string.Create(CultureInfo.InvariantCulture, $"({rows},)");

    /// <summary>An npy 1.0 header for an array of <paramref name="descr"/> with the <paramref name="shape"/> tuple, padded with spaces to <see cref="HeaderBytes"/>.</summary>
    private static byte[] Header(string descr, string shape)
    {
        var dictionary = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        var header = new byte[HeaderBytes];
        header[0] = 0x93;
        "NUMPY"u8.CopyTo(header.AsSpan(1));
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), HeaderBytes - 10);
        header.AsSpan(10).Fill((byte)' ');
        Encoding.ASCII.GetBytes(dictionary, header.AsSpan(10));
        header[^1] = (byte)'\n';
        return header;
    }
}
