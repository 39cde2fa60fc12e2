using System.Buffers;
using System.Runtime.InteropServices;
using GlobalBrain.Grains;
using Parquet;
using Parquet.Schema;

namespace GlobalBrain.Client.Export;

/// <summary>
/// A Parquet dataset file: <c>id</c> (string), <c>chunk</c> (int32), <c>input_ids</c> (list&lt;int32&gt;),
/// <c>attention_mask</c> (list&lt;int8&gt;) and, when language detection ran, <c>language</c> (string), in the standard three-level LIST layout that pyarrow and HuggingFace
/// <c>datasets</c> read. Each group of records becomes one row group, written column by column with explicit
/// repetition and definition levels.
/// </summary>
internal sealed class ParquetShardFile : IShardFile
{
    private static readonly ParquetOptions Options = new() { CompressionMethod = CompressionMethod.Snappy };

    private readonly FileStream _stream;
    private readonly ParquetWriter _writer;
    private readonly DataField _id;
    private readonly DataField _chunk;
    private readonly DataField _inputIds;
    private readonly DataField _attentionMask;
    private readonly DataField? _language;

    private ParquetShardFile(FileStream stream, ParquetWriter writer, ParquetSchema schema)
    {
        _stream = stream;
        _writer = writer;
        _id = (DataField)schema[0];
        _chunk = (DataField)schema[1];
        _inputIds = (DataField)((ListField)schema[2]).Item;
        _attentionMask = (DataField)((ListField)schema[3]).Item;
        _language = schema.Fields.Count > 4 ? (DataField)schema[4] : null;
    }

    /// <summary>The schema of every Parquet dataset file (a new instance each time: fields carry per-schema state).</summary>
    /// <param name="language">Adds <c>language</c> (string, nullable: ISO 639-1 or und), when language detection ran.</param>
    public static ParquetSchema CreateSchema(bool language = false) => language
        ? new(
            new DataField<string>("id", nullable: false),
            new DataField<int>("chunk", nullable: false),
            new ListField("input_ids", new DataField<int>("element", nullable: false)),
            new ListField("attention_mask", new DataField<sbyte>("element", nullable: false)),
            new DataField<string>(DatasetColumns.Language, nullable: true))
        : new(
            new DataField<string>("id", nullable: false),
            new DataField<int>("chunk", nullable: false),
            new ListField("input_ids", new DataField<int>("element", nullable: false)),
            new ListField("attention_mask", new DataField<sbyte>("element", nullable: false)));

    public static async ValueTask<ParquetShardFile> CreateAsync(string path, CancellationToken cancellationToken, bool language = false)
    {
        var schema = CreateSchema(language);
        var stream = ShardFiles.CreateNew(path);
        try
        {
            var writer = await ParquetWriter.CreateAsync(schema, stream, Options, append: false, cancellationToken);
            return new ParquetShardFile(stream, writer, schema);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<EncodedRecord> records, CancellationToken cancellationToken)
    {
        var rows = records.Length;
        var ids = new string[rows];
        var chunks = ArrayPool<int>.Shared.Rent(rows);
        var (values, levels) = Count(records.Span);
        var tokens = ArrayPool<int>.Shared.Rent(values);
        var mask = ArrayPool<sbyte>.Shared.Rent(values);
        var definitions = ArrayPool<int>.Shared.Rent(levels);
        var repetitions = ArrayPool<int>.Shared.Rent(levels);
        try
        {
            Fill(records.Span, ids, chunks, tokens, mask, definitions, repetitions);
            using var rowGroup = _writer.CreateRowGroup();
            await rowGroup.WriteAsync(_id, ids, repetitionLevels: null);
            await rowGroup.WriteAsync<int>(_chunk, chunks.AsMemory(0, rows), null, null, cancellationToken);
            await rowGroup.WriteAllPartsAsync<int>(
                _inputIds, tokens.AsMemory(0, values), definitions.AsMemory(0, levels), repetitions.AsMemory(0, levels), cancellationToken);
            await rowGroup.WriteAllPartsAsync<sbyte>(
                _attentionMask, mask.AsMemory(0, values), definitions.AsMemory(0, levels), repetitions.AsMemory(0, levels), cancellationToken);
            if (_language is not null)
            {
                var languages = new string?[rows];
                for (var row = 0; row < rows; row++)
                {
                    languages[row] = records.Span[row].Language;
                }

                await rowGroup.WriteAsync(_language, languages, repetitionLevels: null);
            }

            rowGroup.CompleteValidate();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(chunks);
            ArrayPool<int>.Shared.Return(tokens);
            ArrayPool<sbyte>.Shared.Return(mask);
            ArrayPool<int>.Shared.Return(definitions);
            ArrayPool<int>.Shared.Return(repetitions);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        // Disposing the Parquet writer writes the footer; the stream stays ours to flush and close.
        await _writer.DisposeAsync();
        await _stream.FlushAsync(cancellationToken);
    }

    /// <summary>Closes the file. Without <see cref="CompleteAsync"/> first it has no footer, so no reader mistakes it for a whole one.</summary>
    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    /// <summary>How many leaf values and how many level entries the list columns need (an empty list takes one level, no value).</summary>
    private static (int Values, int Levels) Count(ReadOnlySpan<EncodedRecord> records)
    {
        var values = 0;
        var levels = 0;
        foreach (var record in records)
        {
            values += record.InputIds.Length;
            levels += Math.Max(1, record.InputIds.Length);
        }

        return (values, levels);
    }

    private void Fill(
        ReadOnlySpan<EncodedRecord> records, string[] ids, int[] chunks, int[] tokens, sbyte[] mask, int[] definitions, int[] repetitions)
    {
        // The list is optional and its element required: a present element is at the leaf's maximum definition
        // level, an empty list one below it. A new row starts at repetition level 0, the rest of its list at 1.
        var present = _inputIds.MaxDefinitionLevel;
        var value = 0;
        var level = 0;
        for (var row = 0; row < records.Length; row++)
        {
            var record = records[row];
            ids[row] = record.DocumentId;
            chunks[row] = record.Chunk;
            var length = record.InputIds.Length;
            if (length == 0)
            {
                definitions[level] = present - 1;
                repetitions[level] = 0;
                level++;
                continue;
            }

            record.InputIds.AsSpan().CopyTo(tokens.AsSpan(value));
            MemoryMarshal.Cast<byte, sbyte>(record.AttentionMask.AsSpan()).CopyTo(mask.AsSpan(value));
            definitions.AsSpan(level, length).Fill(present);
            repetitions[level] = 0;
            repetitions.AsSpan(level + 1, length - 1).Fill(1);
            value += length;
            level += length;
        }
    }
}
