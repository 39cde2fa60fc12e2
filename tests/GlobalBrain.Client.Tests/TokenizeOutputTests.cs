using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using GlobalBrain.Client.Cli;
using GlobalBrain.Client.Tests.Export;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Domain.Tokenization.Bert;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary>
/// <c>tokenize --format jsonl|npy|parquet [--output PATH]</c>: every format holds exactly the records the
/// encoder and framer give, in input order, over many blocks (the input is cut into blocks of about 1 MiB
/// that are encoded in parallel) and with lines that are not valid UTF-8.
/// </summary>
public sealed class TokenizeOutputTests(ITestOutputHelper output)
{
    private const int MaxLength = 8;

    [Fact]
    public async Task Tokenize_Npy_WritesIdsAndMask_AsNumPyArrays_InInputOrder()
    {
        using var temp = new TempDirectory();
        var (vocab, lines, stdin) = Input(temp);
        var directory = Path.Combine(temp.Path, "arrays");

        var result = await CliRunner.RunAsync(output, stdin, "tokenize", "--tokenizer", "bert", "--vocab", vocab, "--max-len", $"{MaxLength}", "--format", "npy", "--output", directory);

        Assert.Equal(2, result.ExitCode); // the line that is not valid UTF-8 is reported, and every line is still written
        Assert.Contains("stdin line 3 is not valid UTF-8", result.Stderr, StringComparison.Ordinal);
        var expected = Expected(vocab, lines, MaxLength, OverflowMode.Truncate);
        var (idsShape, ids) = ReadNpy(Path.Combine(directory, "input_ids.npy"), "<i4", 4);
        var (maskShape, mask) = ReadNpy(Path.Combine(directory, "attention_mask.npy"), "|i1", 1);
        Assert.Equal((expected.Count, MaxLength), idsShape);
        Assert.Equal((expected.Count, MaxLength), maskShape);
        for (var row = 0; row < expected.Count; row++)
        {
            for (var column = 0; column < MaxLength; column++)
            {
                var at = (row * MaxLength) + column;
                if (BinaryPrimitives.ReadInt32LittleEndian(ids.AsSpan(4 * at)) != expected[row].InputIds[column] || mask[at] != expected[row].AttentionMask[column])
                {
                    Assert.Fail($"record {row}, position {column} differs from the framer's");
                }
            }
        }
    }

    [Fact]
    public async Task Tokenize_Npy_WithoutMaxLength_WritesRaggedIdsAndOffsets_InInputOrder()
    {
        using var temp = new TempDirectory();
        var (vocab, lines, stdin) = Input(temp);
        var directory = Path.Combine(temp.Path, "ragged");

        var result = await CliRunner.RunAsync(output, stdin, "tokenize", "--tokenizer", "bert", "--vocab", vocab, "--format", "npy", "--output", directory);

        Assert.Equal(2, result.ExitCode);
        Assert.False(File.Exists(Path.Combine(directory, "attention_mask.npy")));
        var expected = Expected(vocab, lines, null, OverflowMode.Truncate);
        var (offsetsShape, offsets) = ReadNpy(Path.Combine(directory, "offsets.npy"), "<i8", 8);
        var (idsShape, ids) = ReadNpy(Path.Combine(directory, "input_ids.npy"), "<i4", 4);
        Assert.Equal((expected.Count + 1L, -1), offsetsShape);
        Assert.Equal((expected.Sum(r => (long)r.InputIds.Length), -1), idsShape);
        Assert.Equal(0, BinaryPrimitives.ReadInt64LittleEndian(offsets));
        for (var row = 0; row < expected.Count; row++)
        {
            var start = BinaryPrimitives.ReadInt64LittleEndian(offsets.AsSpan(8 * row));
            var end = BinaryPrimitives.ReadInt64LittleEndian(offsets.AsSpan(8 * (row + 1)));
            var record = Enumerable.Range(0, (int)(end - start)).Select(k => BinaryPrimitives.ReadInt32LittleEndian(ids.AsSpan(4 * (int)(start + k)))).ToArray();
            if (!record.SequenceEqual(expected[row].InputIds))
            {
                Assert.Fail($"record {row} ([{start}, {end})) differs from the framer's");
            }
        }
    }

    [Fact]
    public async Task Tokenize_Parquet_WritesTheColumnsOfIngestExport_WithLineNumbersAsIds()
    {
        using var temp = new TempDirectory();
        var (vocab, lines, stdin) = Input(temp);
        var file = Path.Combine(temp.Path, "records.parquet");

        var result = await CliRunner.RunAsync(output, stdin, "tokenize", "--tokenizer", "bert", "--vocab", vocab, "--max-len", $"{MaxLength}", "--overflow", "chunk", "--format", "parquet", "--output", file);

        Assert.Equal(2, result.ExitCode);
        var expected = Expected(vocab, lines, MaxLength, OverflowMode.Chunk);
        var records = DatasetWriterTests.ReadParquet(file);
        Assert.Equal(expected.Count, records.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Line.ToString(CultureInfo.InvariantCulture), records[i].DocumentId);
            Assert.Equal(expected[i].Chunk, records[i].Chunk);
            Assert.Equal(expected[i].InputIds, records[i].InputIds);
            Assert.Equal(expected[i].AttentionMask, records[i].AttentionMask);
        }
    }

    [Fact]
    public async Task Tokenize_JsonlToAFile_AndToStdoutAsBytes_AreTheSameAsThroughTheTextWriter()
    {
        using var temp = new TempDirectory();
        var (vocab, _, stdin) = Input(temp);
        var file = Path.Combine(temp.Path, "records.jsonl");
        string[] args = ["tokenize", "--tokenizer", "bert", "--vocab", vocab];

        var text = await CliRunner.RunAsync(output, stdin, args);
        var toFile = await CliRunner.RunAsync(output, stdin, [.. args, "--output", file]);
        using var bytes = new MemoryStream();
        var context = new CliContext
        {
            Out = TextWriter.Null,
            Error = TextWriter.Null,
            OpenStdin = () => new MemoryStream(stdin),
            OpenStdout = () => bytes,
        };
        var exitCode = await GlobalBrainCli.RunAsync(args, context);

        Assert.Equal(2, text.ExitCode);
        Assert.Equal(2, toFile.ExitCode);
        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, toFile.Stdout);
        Assert.True(text.Stdout.Length > 3 << 20, "expected several blocks of output");
        Assert.Equal(text.Stdout, await File.ReadAllTextAsync(file));
        Assert.Equal(text.Stdout, Encoding.UTF8.GetString(bytes.ToArray()));
        var objects = TokenizeCommandTests.ParseLines(text.Stdout);
        Assert.Equal(Expected(vocab, Lines(), null, OverflowMode.Truncate).Select(r => r.InputIds), objects.Select(o => o.Ids));
    }

    /// <summary>tiktoken has no [CLS]/[SEP]: records are padded with id 0 and mask 0, an empty line is all padding.</summary>
    [Theory]
    [InlineData("truncate", "jsonl")]
    [InlineData("chunk", "jsonl")]
    [InlineData("truncate", "npy")]
    public async Task Tokenize_Cl100kBase_FixedLength_IsFramedLikeTheFramer(string overflow, string format)
    {
        using var temp = new TempDirectory();
        string[] lines = ["", "hello world", "Knowledge flows between experts, fast and far, again and again.", "é 中文 😀"];
        var directory = Path.Combine(temp.Path, "arrays");
        string[] args = ["tokenize", "--max-len", "5", "--overflow", overflow, "--format", format, .. format == "npy" ? new[] { "--output", directory } : []];

        var result = await CliRunner.RunAsync(output, CliRunner.Utf8(string.Join('\n', lines) + "\n"), args);

        Assert.Equal(0, result.ExitCode);
        var encoder = TextEncoders.Get("cl100k_base");
        var expected = new List<FramedRecord>();
        foreach (var line in lines)
        {
            RecordFramer.Encode(encoder, line, 5, overflow == "chunk" ? OverflowMode.Chunk : OverflowMode.Truncate, expected);
        }

        if (format == "jsonl")
        {
            var objects = TokenizeCommandTests.ParseLines(result.Stdout);
            Assert.Equal(expected.Select(r => r.InputIds), objects.Select(o => o.Ids));
            Assert.Equal(expected.Select(r => r.AttentionMask.Select(b => (int)b).ToArray()), objects.Select(o => o.Mask));
            Assert.Equal(expected.Select(r => r.Chunk), objects.Select(o => o.Chunk));
        }
        else
        {
            var (shape, ids) = ReadNpy(Path.Combine(directory, "input_ids.npy"), "<i4", 4);
            var (_, mask) = ReadNpy(Path.Combine(directory, "attention_mask.npy"), "|i1", 1);
            Assert.Equal((expected.Count, 5), shape);
            Assert.Equal(expected.SelectMany(r => r.InputIds), Enumerable.Range(0, expected.Count * 5).Select(i => BinaryPrimitives.ReadInt32LittleEndian(ids.AsSpan(4 * i))));
            Assert.Equal(expected.SelectMany(r => r.AttentionMask), mask);
        }

        Assert.All(expected[0].AttentionMask, b => Assert.Equal(0, b)); // the empty line: padding only
    }

    /// <summary>
    /// About 3 MB of lines (several input blocks), one of them not valid UTF-8 and one without a final newline;
    /// a BOM first. Lines vary in length, some over the fixed length.
    /// </summary>
    private static (string Vocab, string[] Lines, byte[] Stdin) Input(TempDirectory temp)
    {
        var vocab = temp.Write("vocab.txt", string.Join('\n', TokenizeCommandTests.TinyVocabulary) + "\n");
        var lines = Lines();
        var stdin = new List<byte>(Encoding.UTF8.GetPreamble());
        for (var i = 0; i < lines.Length; i++)
        {
            stdin.AddRange(i == 2 ? [0x74, 0x68, 0x65, 0xFF, 0x20, 0x6B, 0x6E, 0x6F, 0x77] : Encoding.UTF8.GetBytes(lines[i]));
            if (i < lines.Length - 1)
            {
                stdin.AddRange(i % 5 == 0 ? "\r\n"u8.ToArray() : "\n"u8.ToArray());
            }
        }

        return (vocab, lines, [.. stdin]);
    }

    private static string[] Lines() =>
        [.. Enumerable.Range(0, 60_000).Select(i => i == 2 ? "the\uFFFD know" : string.Concat(Enumerable.Repeat("the experts know, ", i % 6)) + $"network{i % 10}")];

    private static List<(long Line, int Chunk, int[] InputIds, byte[] AttentionMask)> Expected(string vocab, string[] lines, int? maxLength, OverflowMode overflow)
    {
        var encoder = new BertEncoder(WordPieceVocabulary.Load(vocab));
        var expected = new List<(long, int, int[], byte[])>();
        for (var i = 0; i < lines.Length; i++)
        {
            var records = new List<FramedRecord>();
            RecordFramer.Encode(encoder, lines[i], maxLength, overflow, records);
            expected.AddRange(records.Select(r => ((long)i + 1, r.Chunk, r.InputIds, r.AttentionMask)));
        }

        return expected;
    }

    /// <summary>Reads an npy 1.0 file of a C-order array, checking its header; a 1-D array has Columns = -1.</summary>
    private static ((long Rows, int Columns) Shape, byte[] Data) ReadNpy(string path, string descr, int itemSize)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal((byte)0x93, bytes[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
        Assert.Equal(1, bytes[6]);
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.EndsWith("\n", header, StringComparison.Ordinal);
        Assert.Contains($"'descr': '{descr}'", header, StringComparison.Ordinal);
        Assert.Contains("'fortran_order': False", header, StringComparison.Ordinal);
        var shape = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..];
        var parts = shape[..shape.IndexOf(')', StringComparison.Ordinal)].Split(',', StringSplitOptions.TrimEntries);
        var rows = long.Parse(parts[0], CultureInfo.InvariantCulture);
        var columns = parts[1].Length == 0 ? -1 : int.Parse(parts[1], CultureInfo.InvariantCulture);
        var data = bytes[(10 + headerLength)..];
        Assert.Equal(rows * Math.Max(1, columns) * itemSize, data.Length);
        return ((rows, columns), data);
    }
}
