using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using GlobalBrain.Client.Export;
using GlobalBrain.Grains;

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

/// <summary>JSON Lines: <c>{"input_ids":[…],"attention_mask":[…]}</c> (with <c>"chunk"</c> first when chunking), one per record.</summary>
internal sealed class JsonlTokenizeSink : TokenizeSink
{
    private static byte[] s_ones = Pattern('1', 1024);
    private static byte[] s_zeros = Pattern('0', 1024);

    private readonly Stream? _stream;
    private readonly TextWriter? _writer;
    private readonly bool _ownsStream;
    private readonly bool _chunked;
    private readonly byte[] _pad;
    private byte[] _padding;

    /// <summary>Writes to a byte stream (stdout, or a file the sink owns) or, when there is none, through a text writer.</summary>
    public JsonlTokenizeSink(Stream? stream, TextWriter? writer, bool ownsStream, bool chunked, int padId)
    {
        _stream = stream;
        _writer = writer;
        _ownsStream = ownsStream;
        _chunked = chunked;
        _pad = Encoding.ASCII.GetBytes("," + padId.ToString(CultureInfo.InvariantCulture));
        _padding = Repeat(_pad, 128);
    }

    public override void Append(OutputBlock block, long line, int chunk, ReadOnlySpan<int> ids, int used)
    {
        // Per id at most 11 digits and a comma, and 2 bytes of mask; 64 for the keys and the chunk number.
        var span = block.Main.GetSpan(64 + (ids.Length * 14));
        var at = 0;
        if (_chunked)
        {
            at += Copy("{\"chunk\":"u8, span);
            chunk.TryFormat(span[at..], out var written, provider: CultureInfo.InvariantCulture);
            at += written;
            at += Copy(",\"input_ids\":["u8, span[at..]);
        }
        else
        {
            at += Copy("{\"input_ids\":["u8, span);
        }

        for (var i = 0; i < used; i++)
        {
            if (i > 0)
            {
                span[at++] = (byte)',';
            }

            ids[i].TryFormat(span[at..], out var written, provider: CultureInfo.InvariantCulture);
            at += written;
        }

        // Padding is one id repeated: copied from a pattern, not formatted id by id.
        var padding = ids.Length - used;
        if (padding > 0)
        {
            var pads = Padding(padding);
            at += Copy(used == 0 ? pads[1..] : pads, span[at..]);
        }

        at += Copy("],\"attention_mask\":["u8, span[at..]);
        if (used > 0)
        {
            at += Copy(Pattern(ref s_ones, '1', used), span[at..]);
        }

        if (padding > 0)
        {
            if (used > 0)
            {
                span[at++] = (byte)',';
            }

            at += Copy(Pattern(ref s_zeros, '0', padding), span[at..]);
        }

        at += Copy("]}\n"u8, span[at..]);
        block.Main.Advance(at);
    }

    public override async ValueTask WriteAsync(OutputBlock block, CancellationToken cancellationToken)
    {
        if (_stream is not null)
        {
            await _stream.WriteAsync(block.Main.Written, cancellationToken);
        }
        else
        {
            await _writer!.WriteAsync(Encoding.UTF8.GetString(block.Main.Written.Span));
        }
    }

    public override async ValueTask CompleteAsync(long records, CancellationToken cancellationToken)
    {
        if (_stream is not null)
        {
            await _stream.FlushAsync(cancellationToken);
        }
        else
        {
            await _writer!.FlushAsync(cancellationToken);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_ownsStream && _stream is not null)
        {
            await _stream.DisposeAsync();
        }
    }

    /// <summary>",p" <paramref name="count"/> times, from this sink's pattern, grown as needed.</summary>
    private ReadOnlySpan<byte> Padding(int count)
    {
        var pattern = Volatile.Read(ref _padding);
        if (pattern.Length < count * _pad.Length)
        {
            pattern = Repeat(_pad, count);
            Volatile.Write(ref _padding, pattern);
        }

        return pattern.AsSpan(0, count * _pad.Length);
    }

    private static byte[] Repeat(byte[] unit, int count)
    {
        var pattern = new byte[unit.Length * count];
        for (var i = 0; i < pattern.Length; i += unit.Length)
        {
            unit.CopyTo(pattern, i);
        }

        return pattern;
    }

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    /// <summary>"d,d,…,d" with <paramref name="count"/> digits, from a shared pattern grown as needed.</summary>
    private static ReadOnlySpan<byte> Pattern(ref byte[] shared, char digit, int count)
    {
        var pattern = Volatile.Read(ref shared);
        if (pattern.Length < (2 * count) - 1)
        {
            pattern = Pattern(digit, Math.Max(count, pattern.Length));
            Volatile.Write(ref shared, pattern);
        }

        return pattern.AsSpan(0, (2 * count) - 1);
    }

    private static byte[] Pattern(char digit, int count)
    {
        var pattern = new byte[2 * count];
        for (var i = 0; i < pattern.Length; i += 2)
        {
            pattern[i] = (byte)digit;
            pattern[i + 1] = (byte)',';
        }

        return pattern;
    }
}

/// <summary>
/// NumPy arrays for a training loop: <c>DIR/input_ids.npy</c> (int32, shape [records, L]) and
/// <c>DIR/attention_mask.npy</c> (int8, [records, L]), little-endian, C order, readable with <c>numpy.load</c>
/// (also memory-mapped). The record count goes into the headers at the end.
/// </summary>
internal sealed class NpyTokenizeSink : TokenizeSink
{
    /// <summary>Header bytes, magic included: fixed, so that the final shape fits in place (and a multiple of 64, as the format recommends).</summary>
    private const int HeaderBytes = 128;

    private readonly FileStream _ids;
    private readonly FileStream _mask;
    private readonly int _length;

    private NpyTokenizeSink(FileStream ids, FileStream mask, int length)
    {
        _ids = ids;
        _mask = mask;
        _length = length;
    }

    public const string IdsFile = "input_ids.npy";

    public const string MaskFile = "attention_mask.npy";

    public static async ValueTask<NpyTokenizeSink> CreateAsync(string directory, int length, CancellationToken cancellationToken)
    {
        var ids = CreateNew(Path.Combine(directory, IdsFile));
        var mask = CreateNew(Path.Combine(directory, MaskFile));
        var sink = new NpyTokenizeSink(ids, mask, length);
        await ids.WriteAsync(Header("<i4", 0, length), cancellationToken);
        await mask.WriteAsync(Header("|i1", 0, length), cancellationToken);
        return sink;
    }

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

        var mask = block.Side.GetSpan(ids.Length);
        mask[..used].Fill(1);
        mask[used..ids.Length].Clear();
        block.Side.Advance(ids.Length);
    }

    public override async ValueTask WriteAsync(OutputBlock block, CancellationToken cancellationToken)
    {
        await _ids.WriteAsync(block.Main.Written, cancellationToken);
        await _mask.WriteAsync(block.Side.Written, cancellationToken);
    }

    public override async ValueTask CompleteAsync(long records, CancellationToken cancellationToken)
    {
        _ids.Position = 0;
        await _ids.WriteAsync(Header("<i4", records, _length), cancellationToken);
        _mask.Position = 0;
        await _mask.WriteAsync(Header("|i1", records, _length), cancellationToken);
        await _ids.FlushAsync(cancellationToken);
        await _mask.FlushAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _ids.DisposeAsync();
        await _mask.DisposeAsync();
    }

    /// <summary>An npy 1.0 header for a [rows, length] array of <paramref name="descr"/>, padded with spaces to <see cref="HeaderBytes"/>.</summary>
    internal static byte[] Header(string descr, long rows, int length)
    {
        var dictionary = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {length}), }}");
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
