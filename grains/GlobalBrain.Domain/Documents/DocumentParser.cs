using System.Text;

namespace GlobalBrain.Domain.Documents;

/// <summary>
/// Turns raw bytes into documents: plain text (whole, by paragraph or by line), JSON Lines and
/// JSON arrays of <c>{"id": …, "text": …}</c>. Every refusal names its source and line, and never
/// stops the valid documents around it. Used by the CLI and by the silo's HTTP API alike.
/// </summary>
public static partial class DocumentParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses a text file's bytes into one document, or one per paragraph or per line.</summary>
    public static void ParseText(ReadOnlySpan<byte> bytes, string source, TextSplit split, ICollection<Document> documents, ICollection<Rejection> rejections)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(rejections);
        bytes = StripBom(bytes);
        if (!TryDecode(bytes, source, lineOffset: 0, rejections, out var text))
        {
            return;
        }

        switch (split)
        {
            case TextSplit.None:
                if (string.IsNullOrWhiteSpace(text))
                {
                    rejections.Add(new Rejection(source, null, RejectionReason.Empty, "the file is empty (no text to ingest)"));
                }
                else
                {
                    documents.Add(new Document(source, text));
                }

                break;
            case TextSplit.Lines:
                var lineNumber = 0;
                foreach (var line in Lines(text))
                {
                    lineNumber++;
                    if (!string.IsNullOrWhiteSpace(line))
                    {
                        documents.Add(new Document($"{source}#{lineNumber}", line.ToString()));
                    }
                }

                if (string.IsNullOrWhiteSpace(text))
                {
                    rejections.Add(new Rejection(source, null, RejectionReason.Empty, "the file is empty (no text to ingest)"));
                }

                break;
            case TextSplit.Paragraphs:
                var paragraph = 0;
                var builder = new StringBuilder();
                foreach (var line in Lines(text))
                {
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        Flush();
                    }
                    else
                    {
                        if (builder.Length > 0)
                        {
                            builder.Append('\n');
                        }

                        builder.Append(line);
                    }
                }

                Flush();
                if (paragraph == 0)
                {
                    rejections.Add(new Rejection(source, null, RejectionReason.Empty, "the file is empty (no text to ingest)"));
                }

                void Flush()
                {
                    if (builder.Length > 0)
                    {
                        paragraph++;
                        documents.Add(new Document($"{source}#{paragraph}", builder.ToString()));
                        builder.Clear();
                    }
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(split), split, null);
        }
    }

    private static bool TryDecode(ReadOnlySpan<byte> bytes, string source, long lineOffset, ICollection<Rejection> rejections, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            var (line, offset) = FirstInvalidUtf8(bytes);
            rejections.Add(new Rejection(source, lineOffset + line, RejectionReason.InvalidUtf8, $"invalid UTF-8 at byte {offset}"));
            text = string.Empty;
            return false;
        }
    }

    private static (long Line, int Offset) FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        long line = 1;
        while (offset < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                return (line, offset);
            }

            if (bytes[offset] == (byte)'\n')
            {
                line++;
            }

            offset += consumed;
        }

        return (line, offset);
    }

    /// <summary>
    /// Lines split on '\n' only (a trailing '\r' is dropped), so that line numbers agree with the
    /// ones editors show and with the numbers in invalid-UTF-8 messages.
    /// </summary>
    private static IEnumerable<string> Lines(string text)
    {
        var start = 0;
        while (start <= text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0)
            {
                end = text.Length;
            }

            var length = end - start;
            if (length > 0 && text[end - 1] == '\r')
            {
                length--;
            }

            yield return text.Substring(start, length);
            start = end + 1;
        }
    }

    /// <summary>The bytes without a leading UTF-8 byte order mark.</summary>
    public static ReadOnlySpan<byte> StripBom(ReadOnlySpan<byte> bytes) =>
        bytes is [0xEF, 0xBB, 0xBF, ..] ? bytes[3..] : bytes;
}
