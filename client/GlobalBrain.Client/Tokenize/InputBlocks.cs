using System.Buffers;

namespace GlobalBrain.Client.Tokenize;

/// <summary>A run of whole input lines (pooled bytes), numbered in input order.</summary>
internal sealed class InputBlock(long sequence, long firstLine, byte[] buffer, int length)
{
    public long Sequence { get; } = sequence;

    /// <summary>The 1-based input line number of the block's first line.</summary>
    public long FirstLine { get; } = firstLine;

    public byte[] Buffer { get; } = buffer;

    public int Length { get; } = length;

    /// <summary>The first block of the input, whose first line may start with a UTF-8 byte order mark.</summary>
    public bool First => Sequence == 0;

    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}

/// <summary>
/// Cuts a byte stream into blocks of whole lines of about <see cref="BlockBytes"/> (a longer line makes a
/// longer block), so that blocks can be encoded in parallel and written back in order.
/// </summary>
internal sealed class InputBlockReader(Stream stream)
{
    public const int BlockBytes = 1 << 20;

    private byte[] _carry = [];
    private int _carryLength;
    private long _sequence;
    private long _nextLine = 1;
    private bool _eof;

    /// <summary>The next block, or null at the end of the input. Lines are split on '\n'; a last line without one is kept when not empty.</summary>
    public async ValueTask<InputBlock?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_eof && _carryLength == 0)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(BlockBytes, _carryLength * 2));
        _carry.AsSpan(0, _carryLength).CopyTo(buffer);
        var length = _carryLength;
        _carryLength = 0;
        var scanned = 0;
        while (true)
        {
            while (!_eof && length < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    _eof = true;
                    break;
                }

                length += read;
            }

            if (_eof)
            {
                return length == 0 ? Empty(buffer) : Block(buffer, length, lines: buffer.AsSpan(0, length).Count((byte)'\n') + (buffer[length - 1] == '\n' ? 0 : 1));
            }

            var lastNewline = buffer.AsSpan(scanned, length - scanned).LastIndexOf((byte)'\n');
            if (lastNewline >= 0)
            {
                var end = scanned + lastNewline + 1;
                if (_carry.Length < length - end)
                {
                    _carry = new byte[Math.Max(BlockBytes, length - end)];
                }

                buffer.AsSpan(end, length - end).CopyTo(_carry);
                _carryLength = length - end;
                return Block(buffer, end, lines: buffer.AsSpan(0, end).Count((byte)'\n'));
            }

            // One line longer than the buffer: grow it and read on.
            scanned = length;
            var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
            buffer.AsSpan(0, length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = larger;
        }
    }

    private InputBlock Block(byte[] buffer, int length, int lines)
    {
        var block = new InputBlock(_sequence++, _nextLine, buffer, length);
        _nextLine += lines;
        return block;
    }

    private static InputBlock? Empty(byte[] buffer)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        return null;
    }
}
