using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace GlobalBrain.Client.Tokenize;

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        at += IdText.Write(ids[..used], span[at..]);

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
