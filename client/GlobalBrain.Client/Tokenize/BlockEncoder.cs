using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Unicode;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Domain.Tokenization.Bert;

namespace GlobalBrain.Client.Tokenize;

/// <summary>
/// Encodes the lines of one block into framed records ([CLS] ids [SEP], truncated or chunked and padded to
/// the fixed length, as <see cref="RecordFramer"/> frames them) and hands each to the sink's formatter.
/// Lines are decoded into a pooled buffer and bert encodes from the span: no allocation per line.
/// </summary>
internal sealed class BlockEncoder(ITextEncoder encoder, int? maxLength, OverflowMode overflow, TokenizeSink sink)
{
    private readonly BertEncoder? _bert = encoder as BertEncoder;
    private readonly int _framing = encoder.Specials is null ? 0 : 2;

    // Output bytes per input byte of the blocks so far (racy, only a size hint): buffers are rented at
    // about their final size instead of doubling up to it.
    private double _mainRatio = 1;
    private double _sideRatio;

    public OutputBlock Encode(InputBlock input)
    {
        var output = new OutputBlock(Hint(_mainRatio, input.Length), Hint(_sideRatio, input.Length));
        Encode(input, output);
        _mainRatio = (double)output.Main.Length / Math.Max(1, input.Length);
        _sideRatio = (double)output.Side.Length / Math.Max(1, input.Length);
        return output;
    }

    private static int Hint(double ratio, int length) => (int)Math.Min(1 << 28, ratio * 1.1 * length);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Encode(InputBlock input, OutputBlock output)
    {
        var bytes = input.Bytes;
        if (input.First && bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        var chars = ArrayPool<char>.Shared.Rent(4096);
        var content = ArrayPool<int>.Shared.Rent(4096);
        var record = ArrayPool<int>.Shared.Rent(maxLength ?? 4096);
        try
        {
            var line = input.FirstLine;
            while (!bytes.IsEmpty)
            {
                var newline = bytes.IndexOf((byte)'\n');
                var text = newline < 0 ? bytes : bytes[..newline];
                bytes = newline < 0 ? default : bytes[(newline + 1)..];
                if (text.EndsWith("\r"u8))
                {
                    text = text[..^1];
                }

                Grow(ref chars, text.Length);
                if (Utf8.ToUtf16(text, chars, out _, out var length, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
                {
                    output.InvalidLines.Add(line);
                    Utf8.ToUtf16(text, chars, out _, out length, replaceInvalidSequences: true);
                }

                EncodeLine(chars.AsSpan(0, length), text.Length, line, output, ref content, ref record);
                line++;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<int>.Shared.Return(content);
            ArrayPool<int>.Shared.Return(record);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EncodeLine(ReadOnlySpan<char> text, int utf8Length, long line, OutputBlock output, ref int[] content, ref int[] record)
    {
        // A token covers at least one UTF-8 byte (tiktoken) or one character (bert), so the UTF-8 length bounds the count.
        if (maxLength is not { } length)
        {
            Grow(ref record, utf8Length + _framing + 1);
            var count = EncodeText(text, record.AsSpan(_framing / 2, utf8Length + 1));
            if (count > utf8Length)
            {
                // More tokens than the bound (only conceivable when case folding expands text): encode exactly.
                var all = encoder.Encode(new string(text));
                Grow(ref record, all.Length + _framing);
                all.CopyTo(record.AsSpan(_framing / 2));
                count = all.Length;
            }

            Frame(record, count, count + _framing, 0, line, output);
            return;
        }

        var capacity = length - _framing;
        if (overflow == OverflowMode.Truncate)
        {
            var count = EncodeText(text, record.AsSpan(_framing / 2, Math.Min(capacity, utf8Length + 1)));
            Frame(record, count, length, 0, line, output);
            return;
        }

        Grow(ref content, utf8Length + 1);
        var total = EncodeText(text, content.AsSpan(0, utf8Length + 1));
        if (total > utf8Length)
        {
            var all = encoder.Encode(new string(text));
            Grow(ref content, all.Length);
            all.CopyTo(content, 0);
            total = all.Length;
        }
        var chunk = 0;
        var start = 0;
        do
        {
            var take = Math.Min(capacity, total - start);
            content.AsSpan(start, take).CopyTo(record.AsSpan(_framing / 2));
            Frame(record, take, length, chunk++, line, output);
            start += take;
        }
        while (start < total);
    }

    /// <summary>Adds [CLS]/[SEP] around the <paramref name="count"/> content ids already at record[framing/2..] and pads to <paramref name="length"/>.</summary>
    private void Frame(int[] record, int count, int length, int chunk, long line, OutputBlock output)
    {
        var used = count;
        if (encoder.Specials is { } specials)
        {
            record[0] = specials.Cls;
            record[count + 1] = specials.Sep;
            used = count + 2;
            record.AsSpan(used, length - used).Fill(specials.Pad);
        }
        else
        {
            record.AsSpan(used, length - used).Clear();
        }

        sink.Append(output, line, chunk, record.AsSpan(0, length), used);
        output.RecordCount++;
    }

    private int EncodeText(ReadOnlySpan<char> text, Span<int> destination) =>
        _bert is not null ? _bert.Encode(text, destination) : encoder.Encode(new string(text), destination);

    private static void Grow<T>(ref T[] array, int size)
    {
        if (array.Length < size)
        {
            ArrayPool<T>.Shared.Return(array);
            array = ArrayPool<T>.Shared.Rent(size);
        }
    }
}
