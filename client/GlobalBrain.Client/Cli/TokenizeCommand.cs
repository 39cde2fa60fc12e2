using System.Buffers;
using System.Text;
using GlobalBrain.Domain.Tokenization;

namespace GlobalBrain.Client.Cli;

/// <summary>
/// <c>globalbrain tokenize</c>: every stdin line to one JSON object on stdout,
/// <c>{"input_ids":[…],"attention_mask":[…]}</c>, in input order, encoded on all cores in-process.
/// With <c>--overflow chunk</c> a line may give several objects, each with its <c>"chunk"</c> number.
/// </summary>
public sealed class TokenizeCommand(CliContext context)
{
    private const int LinesPerBlock = 2048;
    private const int MaxReportedLines = 10;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public async Task<int> RunAsync(TokenizerArguments arguments, CancellationToken cancellationToken)
    {
        var choice = TokenizerChoice.Load(arguments);
        await using var stdin = context.OpenStdin();
        var lines = new LineReader(stdin);
        var invalid = new List<long>();
        var block = new List<string>(LinesPerBlock);
        var outputs = new string[LinesPerBlock];
        long lineNumber = 0;
        while (true)
        {
            block.Clear();
            while (block.Count < LinesPerBlock && lines.TryRead(out var bytes))
            {
                lineNumber++;
                block.Add(Decode(bytes, lineNumber, invalid));
            }

            if (block.Count == 0)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            Parallel.For(0, block.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
                outputs[i] = Render(choice, block[i]));
            for (var i = 0; i < block.Count; i++)
            {
                await context.Out.WriteAsync(outputs[i]);
                outputs[i] = string.Empty;
            }
        }

        await context.Out.FlushAsync(cancellationToken);
        foreach (var line in invalid.Take(MaxReportedLines))
        {
            await context.Error.WriteLineAsync($"globalbrain: stdin line {line} is not valid UTF-8; its invalid bytes were read as U+FFFD");
        }

        if (invalid.Count > MaxReportedLines)
        {
            await context.Error.WriteLineAsync($"globalbrain: … and {invalid.Count - MaxReportedLines} more lines that are not valid UTF-8");
        }

        return invalid.Count > 0 ? ExitCodes.Usage : ExitCodes.Success;
    }

    private static string Decode(ReadOnlySpan<byte> bytes, long lineNumber, List<long> invalid)
    {
        if (lineNumber == 1 && bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            invalid.Add(lineNumber);
            return Encoding.UTF8.GetString(bytes);
        }
    }

    /// <summary>The line's JSON object(s), each ending in a newline.</summary>
    private static string Render(TokenizerChoice choice, string text)
    {
        var records = new List<FramedRecord>(1);
        RecordFramer.Encode(choice.Encoder, text, choice.Spec.MaxLength, choice.Overflow, records);
        var chunked = choice.Overflow == OverflowMode.Chunk;
        var builder = new StringBuilder(32 + (records.Sum(r => r.InputIds.Length) * 8));
        Span<char> number = stackalloc char[11];
        foreach (var record in records)
        {
            builder.Append(chunked ? $"{{\"chunk\":{record.Chunk},\"input_ids\":[" : "{\"input_ids\":[");
            for (var i = 0; i < record.InputIds.Length; i++)
            {
                if (i > 0)
                {
                    builder.Append(',');
                }

                record.InputIds[i].TryFormat(number, out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
                builder.Append(number[..written]);
            }

            builder.Append("],\"attention_mask\":[");
            for (var i = 0; i < record.AttentionMask.Length; i++)
            {
                builder.Append(i > 0 ? "," : string.Empty).Append(record.AttentionMask[i] == 0 ? '0' : '1');
            }

            builder.Append("]}\n");
        }

        return builder.ToString();
    }

    /// <summary>Lines of a byte stream split on '\n' (a trailing '\r' dropped), however long.</summary>
    private sealed class LineReader(Stream stream)
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        private int _start;
        private int _end;
        private bool _eof;

        public bool TryRead(out ReadOnlySpan<byte> line)
        {
            var scanned = 0;
            while (true)
            {
                var newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    line = Trim(_buffer.AsSpan(_start, scanned + newline));
                    _start += scanned + newline + 1;
                    return true;
                }

                scanned = _end - _start;
                if (_eof)
                {
                    line = Trim(_buffer.AsSpan(_start, scanned));
                    _start = _end;
                    return scanned > 0;
                }

                Fill();
            }
        }

        private static ReadOnlySpan<byte> Trim(Span<byte> line) => line.EndsWith("\r"u8) ? line[..^1] : line;

        private void Fill()
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(0, _end).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            var read = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _eof = true;
            }

            _end += read;
        }
    }
}
