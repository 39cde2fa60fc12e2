namespace GlobalBrain.Domain.Tokenization;

/// <summary>What happens to text beyond the fixed length.</summary>
public enum OverflowMode
{
    /// <summary>Keep the first tokens (HuggingFace truncation=True).</summary>
    Truncate,

    /// <summary>Cut the document into consecutive windows so that no text is lost.</summary>
    Chunk,
}

/// <summary>One model input: ids with the framing tokens and padding, and its attention mask.</summary>
public readonly record struct FramedRecord(int Chunk, int[] InputIds, byte[] AttentionMask);

/// <summary>
/// Frames content ids as a model reads them, with HuggingFace semantics: [CLS] ids [SEP] (for
/// encoders that have them), then, with a fixed length L, truncation to L or windows of L, and
/// padding to L with attention mask 0. Without L, one record of the full length.
/// </summary>
public static class RecordFramer
{
    /// <summary>The largest fixed length accepted.</summary>
    public const int MaxLength = 1 << 20;

    /// <summary>The smallest fixed length for an encoder: its framing tokens plus one content token.</summary>
    public static int MinLength(ITextEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        return encoder.Specials is null ? 1 : 3;
    }

    /// <summary>
    /// Encodes and frames <paramref name="text"/>, adding the records to <paramref name="records"/>
    /// (when given), and returns the content ids the records hold (what the text contributes as knowledge).
    /// </summary>
    public static int[] Encode(ITextEncoder encoder, string text, int? maxLength, OverflowMode overflow, List<FramedRecord>? records)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(text);
        if (maxLength is { } max && (max < MinLength(encoder) || max > MaxLength))
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), max, $"the fixed length must be from {MinLength(encoder)} to {MaxLength} for {encoder.Name}");
        }

        var framing = encoder.Specials is null ? 0 : 2;
        int[] content;
        if (maxLength is null)
        {
            content = encoder.Encode(text);
            records?.Add(Frame(encoder, 0, content, content.Length + framing));
            return content;
        }

        var capacity = maxLength.Value - framing;
        if (overflow == OverflowMode.Truncate)
        {
            // A token covers at least one UTF-8 byte (tiktoken) or one character (bert): 3 per char bounds both.
            var buffer = new int[(int)Math.Min(capacity, (3L * text.Length) + 1)];
            var count = encoder.Encode(text, buffer);
            content = count == buffer.Length ? buffer : buffer[..count];
            records?.Add(Frame(encoder, 0, content, maxLength.Value));
            return content;
        }

        content = encoder.Encode(text);
        if (records is not null)
        {
            var chunk = 0;
            var start = 0;
            do
            {
                var take = Math.Min(capacity, content.Length - start);
                records.Add(Frame(encoder, chunk++, content.AsSpan(start, take), maxLength.Value));
                start += take;
            }
            while (start < content.Length);
        }

        return content;
    }

    private static FramedRecord Frame(ITextEncoder encoder, int chunk, ReadOnlySpan<int> content, int length)
    {
        var ids = new int[length];
        var mask = new byte[length];
        var used = 0;
        if (encoder.Specials is { } specials)
        {
            ids[used++] = specials.Cls;
            content.CopyTo(ids.AsSpan(used));
            used += content.Length;
            ids[used++] = specials.Sep;
            ids.AsSpan(used).Fill(specials.Pad);
        }
        else
        {
            content.CopyTo(ids);
            used = content.Length;
        }

        mask.AsSpan(0, used).Fill(1);
        return new FramedRecord(chunk, ids, mask);
    }
}
