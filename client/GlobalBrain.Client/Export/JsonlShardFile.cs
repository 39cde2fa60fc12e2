using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using GlobalBrain.Grains;

namespace GlobalBrain.Client.Export;

/// <summary>A JSON Lines dataset file: one <c>{"id","chunk","input_ids","attention_mask"}</c> object per line (and <c>"language"</c> when language detection ran).</summary>
internal sealed class JsonlShardFile : IShardFile
{
    private const int FlushBytes = 1 << 20;
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText Chunk = JsonEncodedText.Encode("chunk");
    private static readonly JsonEncodedText InputIds = JsonEncodedText.Encode("input_ids");
    private static readonly JsonEncodedText AttentionMask = JsonEncodedText.Encode("attention_mask");
    private static readonly JsonEncodedText Language = JsonEncodedText.Encode("language");

    // The files are data, never embedded in HTML: ids keep their non-ASCII characters as UTF-8 instead of \u escapes.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly FileStream _stream;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushBytes);
    private readonly Utf8JsonWriter _json;
    private readonly bool _language;

    private JsonlShardFile(FileStream stream, bool language)
    {
        _stream = stream;
        _language = language;
        _json = new Utf8JsonWriter(_buffer, WriterOptions);
    }

    /// <param name="language">Whether each line has a <c>language</c> field (language detection ran).</param>
    public static JsonlShardFile Create(string path, bool language = false) => new(ShardFiles.CreateNew(path), language);

    public async ValueTask WriteAsync(ReadOnlyMemory<EncodedRecord> records, CancellationToken cancellationToken)
    {
        for (var i = 0; i < records.Length; i++)
        {
            WriteLine(records.Span[i]);
            if (_buffer.WrittenCount >= FlushBytes)
            {
                await WriteBufferAsync(cancellationToken);
            }
        }

        await WriteBufferAsync(cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken) => new(_stream.FlushAsync(cancellationToken));

    public async ValueTask DisposeAsync()
    {
        await _json.DisposeAsync();
        await _stream.DisposeAsync();
    }

    private void WriteLine(EncodedRecord record)
    {
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteString(Id, record.DocumentId);
        _json.WriteNumber(Chunk, record.Chunk);
        _json.WriteStartArray(InputIds);
        foreach (var id in record.InputIds)
        {
            _json.WriteNumberValue(id);
        }

        _json.WriteEndArray();
        _json.WriteStartArray(AttentionMask);
        foreach (var bit in record.AttentionMask)
        {
            _json.WriteNumberValue(bit);
        }

        _json.WriteEndArray();
        if (_language)
        {
            _json.WriteString(Language, record.Language);
        }

        _json.WriteEndObject();
        _json.Flush();
        _buffer.Write("\n"u8);
    }

    private async ValueTask WriteBufferAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(_buffer.WrittenMemory, cancellationToken);
        _buffer.ResetWrittenCount();
    }
}
