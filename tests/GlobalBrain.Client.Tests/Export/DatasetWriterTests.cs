using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using GlobalBrain.Client.Export;
using GlobalBrain.Grains;
using ParquetSharp;
using ParquetSharp.Schema;
using Xunit;

namespace GlobalBrain.Client.Tests.Export;

public sealed class DatasetWriterTests : IDisposable
{
    private static readonly DatasetTokenizerInfo Tokenizer = new("bert-base-uncased", "vocab.txt", new string('a', 64), 128, "chunk", true);
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(20);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "globalbrain-export-" + Guid.NewGuid().ToString("N"));

    public DatasetWriterTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Parquet_RoundTrip_ReadByParquetSharp_ReturnsEveryRecordExactlyOnce()
    {
        var records = Corpus(documents: 300, seed: 1);
        var directory = Path.Combine(_root, "dataset");

        await using (var writer = Writer(directory, DatasetFormat.Parquet, shards: 3, rowsPerGroup: 16))
        {
            foreach (var batch in records.Chunk(37))
            {
                await writer.WriteAsync(batch);
            }

            await writer.CompleteAsync();
        }

        var files = DataFiles(directory);
        Assert.True(files.Count > 3, $"expected several shard files, got {files.Count}");
        Assert.Equal(3, files.Select(Path.GetDirectoryName).Distinct().Count());
        Assert.Contains(files, file => RowGroups(file) > 1);
        AssertSameRecords(records, files.SelectMany(ReadParquet).ToList());
    }

    [Fact]
    public async Task Parquet_Schema_HasIdChunkAndStandardListColumns()
    {
        var directory = Path.Combine(_root, "dataset");
        await using (var writer = Writer(directory, DatasetFormat.Parquet, shards: 1, fractions: new SplitFractions(1, 0, 0)))
        {
            await writer.WriteAsync([new EncodedRecord("doc", 0, [101, 7, 102], [1, 1, 1])]);
            await writer.CompleteAsync();
        }

        using var reader = new ParquetFileReader(Path.Combine(directory, "train", "part-00000.parquet"));
        var schema = reader.FileMetaData.Schema;
        Assert.Equal(["id", "chunk", "input_ids", "attention_mask"], schema.GroupNode.Fields.Select(field => field.Name));
        Assert.Equal(4, schema.NumColumns);

        var id = schema.Column(0);
        Assert.Equal("id", id.Path.ToDotString());
        Assert.Equal(PhysicalType.ByteArray, id.PhysicalType);
        Assert.IsType<StringLogicalType>(id.LogicalType);
        Assert.Equal(0, id.MaxDefinitionLevel);

        var chunk = schema.Column(1);
        Assert.Equal("chunk", chunk.Path.ToDotString());
        Assert.Equal(PhysicalType.Int32, chunk.PhysicalType);
        Assert.Equal(0, chunk.MaxDefinitionLevel);

        AssertListOfInt(schema.Column(2), "input_ids", bitWidth: 32);
        AssertListOfInt(schema.Column(3), "attention_mask", bitWidth: 8);
    }

    [Fact]
    public async Task Jsonl_RoundTrip_ReadBySystemTextJson_ReturnsEveryRecordExactlyOnce()
    {
        var records = Corpus(documents: 200, seed: 2);
        records.Add(new EncodedRecord("naïve \"quoted\" ✓", 0, [5, 6], [1, 0]));
        var directory = Path.Combine(_root, "dataset");

        await using (var writer = Writer(directory, DatasetFormat.Jsonl, shards: 3, rowsPerGroup: 16))
        {
            foreach (var batch in records.Chunk(29))
            {
                await writer.WriteAsync(batch);
            }

            await writer.CompleteAsync();
        }

        var files = DataFiles(directory);
        Assert.True(files.Count > 3, $"expected several shard files, got {files.Count}");
        Assert.All(files, file => Assert.EndsWith(".jsonl", file, StringComparison.Ordinal));
        AssertSameRecords(records, files.SelectMany(ReadJsonl).ToList());
    }

    [Fact]
    public async Task WithLanguageDetection_FilesHaveALanguageColumn_AndTheManifestListsTheFilters()
    {
        var filters = DatasetFilters.From(new IngestFilters(DedupMode.Near, PiiMode.Redact, ["en", "es"], QualityMode.Default));
        foreach (var format in new[] { DatasetFormat.Parquet, DatasetFormat.Jsonl })
        {
            var directory = Path.Combine(_root, $"dataset-{format}");
            DatasetManifest manifest;
            await using (var writer = DatasetWriter.Create(directory, format, new SplitFractions(1, 0, 0), Tokenizer, 1, new FixedTime(Now), filters: filters))
            {
                await writer.WriteAsync([new EncodedRecord("doc-en", 0, [101, 102], [1, 1]) { Language = "en" }, new EncodedRecord("doc-es", 0, [101, 7, 102], [1, 1, 1]) { Language = "es" }]);
                manifest = await writer.CompleteAsync([new FilterCount(FilterCount.Dedup, "near", "en", 3)], [new RedactionCount("email", 2)]);
            }

            var file = Path.Combine(directory, "train", format == DatasetFormat.Parquet ? "part-00000.parquet" : "part-00000.jsonl");
            var records = format == DatasetFormat.Parquet ? ReadParquet(file) : ReadJsonl(file);
            Assert.Equal([("doc-en", "en"), ("doc-es", "es")], records.Select(r => (r.DocumentId, r.Language)).Order());
            Assert.Equal(["id", "chunk", "input_ids", "attention_mask", "language"], manifest.Columns);

            var read = DatasetManifest.FromJson(await File.ReadAllTextAsync(Path.Combine(directory, DatasetManifest.FileName)));
            Assert.Equal("near", read.Filters!.Dedup.Mode);
            Assert.Equal((5, 14, 8, 1UL), (read.Filters.Dedup.MinHash!.ShingleWords, read.Filters.Dedup.MinHash.Bands, read.Filters.Dedup.MinHash.RowsPerBand, read.Filters.Dedup.MinHash.Seed));
            Assert.Equal(["en", "es"], read.Filters.Language!.Keep);
            Assert.Contains("fr", read.Filters.Language.Candidates);
            Assert.Equal(50, read.Filters.Quality.Rules!.Value.MinWords);
            Assert.Equal(new FilterCount(FilterCount.Dedup, "near", "en", 3), Assert.Single(read.Filters.Dropped!));
            Assert.Equal(new RedactionCount("email", 2), Assert.Single(read.Filters.Redacted!));
        }
    }

    [Fact]
    public async Task WithoutLanguageDetection_FilesKeepTheirFourColumns()
    {
        var directory = Path.Combine(_root, "dataset");
        await using (var writer = DatasetWriter.Create(directory, DatasetFormat.Parquet, new SplitFractions(1, 0, 0), Tokenizer, 1, new FixedTime(Now), filters: DatasetFilters.From(IngestFilters.Default)))
        {
            await writer.WriteAsync([new EncodedRecord("doc", 0, [101, 102], [1, 1])]);
            var manifest = await writer.CompleteAsync();
            Assert.Null(manifest.Filters!.Language);
            Assert.Null(manifest.Filters.Quality.Rules);
            Assert.Equal("exact", manifest.Filters.Dedup.Mode);
            Assert.Null(manifest.Filters.Dedup.MinHash);
        }

        using var reader = new ParquetFileReader(Path.Combine(directory, "train", "part-00000.parquet"));
        Assert.Equal(4, reader.FileMetaData.Schema.NumColumns);
    }

    [Fact]
    public async Task Jsonl_Line_HasTheFourKeysInOrder()
    {
        var directory = Path.Combine(_root, "dataset");
        await using (var writer = Writer(directory, DatasetFormat.Jsonl, shards: 1, fractions: new SplitFractions(1, 0, 0)))
        {
            await writer.WriteAsync([new EncodedRecord("doc-1", 2, [101, 102, 0], [1, 1, 0])]);
            await writer.CompleteAsync();
        }

        var text = await File.ReadAllTextAsync(Path.Combine(directory, "train", "part-00000.jsonl"));
        Assert.Equal("{\"id\":\"doc-1\",\"chunk\":2,\"input_ids\":[101,102,0],\"attention_mask\":[1,1,0]}\n", text);
    }

    [Fact]
    public void Assign_IsDeterministic_ForTheSameId()
    {
        var fractions = new SplitFractions(0.6, 0.2, 0.2);
        for (var i = 0; i < 1000; i++)
        {
            var id = "document-" + i;
            Assert.Equal(DatasetSplits.Assign(id, fractions), DatasetSplits.Assign(id, new SplitFractions(0.6, 0.2, 0.2)));
        }
    }

    [Theory]
    [InlineData("doc-1")]
    [InlineData("https://example.org/a?b=c")]
    [InlineData("café-ß-文書")]
    [InlineData("")]
    public void Assign_UsesTheTop53BitsOfXxHash3OfTheUtf8Id(string id)
    {
        var u = (XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(id)) >> 11) / 9007199254740992.0;
        var expected = u < 0.8 ? DatasetSplit.Train : u < 0.9 ? DatasetSplit.Dev : DatasetSplit.Test;

        Assert.Equal(expected, DatasetSplits.Assign(id, SplitFractions.Default));
    }

    [Theory]
    [InlineData("doc-1", 0xc11d9f2deee2f041UL, DatasetSplit.Test)]
    [InlineData("doc-2", 0x23d4c95d5b012021UL, DatasetSplit.Train)]
    [InlineData("doc-5", 0x6b76992ebd0cd549UL, DatasetSplit.Dev)]
    [InlineData("café-ß-文書", 0xa1fd54e8588d0369UL, DatasetSplit.Dev)]
    public void Assign_GivesTheSameSplitOnEveryMachine(string id, ulong hash, DatasetSplit split)
    {
        // Pinned: a change here would re-split every dataset exported before it, leaking documents between splits.
        Assert.Equal(hash, DatasetSplits.Hash(id));
        Assert.Equal(split, DatasetSplits.Assign(id, new SplitFractions(1 / 3.0, 1 / 3.0, 1 / 3.0)));
    }

    [Theory]
    [InlineData(0.8, 0.1, 0.1)]
    [InlineData(0.5, 0.25, 0.25)]
    [InlineData(0.9, 0.0, 0.1)]
    public void Assign_RespectsTheFractions_On100000Ids(double train, double dev, double test)
    {
        var fractions = new SplitFractions(train, dev, test);
        var counts = new int[3];
        for (var i = 0; i < 100_000; i++)
        {
            counts[(int)DatasetSplits.Assign("doc-" + i, fractions)]++;
        }

        Assert.InRange(counts[0] / 100_000.0, train - 0.01, train + 0.01);
        Assert.InRange(counts[1] / 100_000.0, dev - 0.01, dev + 0.01);
        Assert.InRange(counts[2] / 100_000.0, test - 0.01, test + 0.01);
        if (dev == 0)
        {
            Assert.Equal(0, counts[1]);
        }
    }

    [Theory]
    [InlineData(1.0, 0.0, 0.0, DatasetSplit.Train)]
    [InlineData(0.0, 1.0, 0.0, DatasetSplit.Dev)]
    [InlineData(0.0, 0.0, 1.0, DatasetSplit.Test)]
    public void Assign_WithOneSplitAtOne_PutsEveryIdThere(double train, double dev, double test, DatasetSplit expected)
    {
        var fractions = new SplitFractions(train, dev, test);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(expected, DatasetSplits.Assign("doc-" + i, fractions));
        }
    }

    [Fact]
    public async Task Writer_KeepsAllChunksOfADocumentInOneSplitAndFile()
    {
        var records = Corpus(documents: 300, seed: 3, maxChunks: 6);
        var directory = Path.Combine(_root, "dataset");
        await using (var writer = Writer(directory, DatasetFormat.Jsonl, shards: 4))
        {
            // Chunks of one document arrive in different batches, as they do when ingest batches complete out of order.
            foreach (var batch in records.OrderBy(record => record.Chunk).ThenBy(record => record.DocumentId, StringComparer.Ordinal).Chunk(50))
            {
                await writer.WriteAsync(batch);
            }

            await writer.CompleteAsync();
        }

        var fileByDocument = DataFiles(directory)
            .SelectMany(file => ReadJsonl(file).Select(record => (record.DocumentId, File: file)))
            .GroupBy(pair => pair.DocumentId)
            .ToList();
        Assert.Equal(300, fileByDocument.Count);
        Assert.All(fileByDocument, group => Assert.Single(group.Select(pair => pair.File).Distinct()));
        Assert.All(fileByDocument, group => Assert.Contains(
            $"{Path.DirectorySeparatorChar}{DatasetSplits.DirectoryName(DatasetSplits.Assign(group.Key, SplitFractions.Default))}{Path.DirectorySeparatorChar}",
            group.First().File,
            StringComparison.Ordinal));
    }

    [Fact]
    public async Task Manifest_CountsMatchWhatWasWritten()
    {
        var records = Corpus(documents: 250, seed: 4);
        var fractions = new SplitFractions(0.7, 0.2, 0.1);
        var directory = Path.Combine(_root, "dataset");
        DatasetManifest manifest;
        await using (var writer = Writer(directory, DatasetFormat.Parquet, shards: 2, fractions: fractions))
        {
            await writer.WriteAsync(records);
            manifest = await writer.CompleteAsync();
        }

        Assert.Equal(DatasetFormat.Parquet, manifest.Format);
        Assert.Equal(Now, manifest.CreatedUtc);
        Assert.Equal(Tokenizer, manifest.Tokenizer);
        Assert.Equal(fractions, manifest.Fractions);
        foreach (var split in DatasetSplits.All)
        {
            var expected = records.Where(record => DatasetSplits.Assign(record.DocumentId, fractions) == split).ToList();
            var summary = manifest.Splits[split];
            Assert.Equal(expected.Count, summary.Records);
            Assert.Equal(expected.Select(record => record.DocumentId).Distinct().Count(), summary.Documents);
            Assert.Equal(expected.Sum(record => record.AttentionMask.Count(bit => bit == 1)), summary.Tokens);
            Assert.Equal(summary.Files.Order(StringComparer.Ordinal), summary.Files);
            Assert.Equal(expected.Count, summary.Files.Sum(file => ReadParquet(Path.Combine(directory, file)).Count));
        }

        var listed = DatasetSplits.All.SelectMany(split => manifest.Splits[split].Files).Select(file => Path.Combine(directory, file));
        Assert.Equal(DataFiles(directory), listed.Order(StringComparer.Ordinal));

        var json = await File.ReadAllTextAsync(Path.Combine(directory, DatasetManifest.FileName));
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("parquet", root.GetProperty("format").GetString());
        Assert.Equal(Now, root.GetProperty("createdUtc").GetDateTimeOffset());
        Assert.Equal("vocab.txt", root.GetProperty("tokenizer").GetProperty("vocabulary").GetString());
        Assert.Equal(128, root.GetProperty("tokenizer").GetProperty("maxLength").GetInt32());
        Assert.Equal(0.7, root.GetProperty("fractions").GetProperty("train").GetDouble());
        Assert.Equal(manifest.Splits.Dev.Records, root.GetProperty("splits").GetProperty("dev").GetProperty("records").GetInt64());
        Assert.Contains("\n  \"format\"", json, StringComparison.Ordinal);

        var read = DatasetManifest.FromJson(json);
        Assert.Equal(manifest.Splits.Train.Files, read.Splits.Train.Files);
        Assert.Equal(manifest.Splits.Test.Tokens, read.Splits.Test.Tokens);
        Assert.Equal(manifest.Fractions, read.Fractions);
    }

    [Theory]
    [InlineData(DatasetFormat.Parquet)]
    [InlineData(DatasetFormat.Jsonl)]
    public async Task Writer_LeavesNoEmptyFiles(DatasetFormat format)
    {
        var directory = Path.Combine(_root, "dataset");
        await using (var writer = Writer(directory, format, shards: 16))
        {
            await writer.WriteAsync([new EncodedRecord("a", 0, [1], [1]), new EncodedRecord("b", 0, [2], [1]), new EncodedRecord("c", 0, [], [])]);
            var manifest = await writer.CompleteAsync();
            Assert.Equal(DataFiles(directory).Count, DatasetSplits.All.Sum(split => manifest.Splits[split].Files.Count));
        }

        var files = DataFiles(directory);
        Assert.InRange(files.Count, 1, 3);
        Assert.All(files, file => Assert.NotEmpty(format == DatasetFormat.Parquet ? ReadParquet(file) : ReadJsonl(file)));
    }

    [Fact]
    public async Task Writer_WithNoRecords_WritesOnlyTheManifest()
    {
        var directory = Path.Combine(_root, "dataset");
        await using var writer = Writer(directory, DatasetFormat.Parquet, shards: 2);

        var manifest = await writer.CompleteAsync();

        Assert.Equal([Path.Combine(directory, DatasetManifest.FileName)], Directory.GetFileSystemEntries(directory));
        Assert.All(DatasetSplits.All, split => Assert.Equal(0, manifest.Splits[split].Records));
    }

    [Fact]
    public void Create_RefusesANonEmptyDirectory_WithAClearMessage()
    {
        var directory = Path.Combine(_root, "dataset");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "notes.txt"), "keep me");

        var error = Assert.Throws<DatasetExportException>(() => Writer(directory, DatasetFormat.Parquet));

        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
        Assert.Contains("already holds files; choose a new or empty directory", error.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(directory, "notes.txt")));
    }

    [Fact]
    public async Task Create_AcceptsAnExistingEmptyDirectory()
    {
        var directory = Path.Combine(_root, "dataset");
        Directory.CreateDirectory(directory);

        await using var writer = Writer(directory, DatasetFormat.Jsonl);

        Assert.Equal(directory, writer.OutputDirectory);
    }

    [Fact]
    public void Create_RefusesADirectoryThatCannotBeCreated_SayingWhy()
    {
        var file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "x");

        var underFile = Assert.Throws<DatasetExportException>(() => Writer(Path.Combine(file, "dataset"), DatasetFormat.Parquet));
        var isFile = Assert.Throws<DatasetExportException>(() => Writer(file, DatasetFormat.Parquet));

        Assert.Contains("cannot create the dataset directory", underFile.Message, StringComparison.Ordinal);
        Assert.NotNull(underFile.InnerException);
        Assert.Contains("is a file", isFile.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.8,0.1", typeof(FormatException), "have 2 part(s)")]
    [InlineData("a,b,c", typeof(FormatException), "the train fraction 'a' is not a number")]
    [InlineData("0.9,0.2,0.1", typeof(ArgumentException), "must add up to 1, but 0.9 + 0.2 + 0.1 = 1.2")]
    [InlineData("-0.1,0.6,0.5", typeof(ArgumentException), "the train split fraction is -0.1, outside [0, 1]")]
    [InlineData("0.5,1.5,-1", typeof(ArgumentException), "the dev split fraction is 1.5, outside [0, 1]")]
    [InlineData("NaN,0.5,0.5", typeof(ArgumentException), "the train split fraction is NaN")]
    [InlineData("", typeof(FormatException), "have 1 part(s)")]
    public void SplitFractions_Parse_RefusesBadValues_WithAClearMessage(string value, Type exceptionType, string message)
    {
        var error = Assert.ThrowsAny<Exception>(() => SplitFractions.Parse(value));

        Assert.IsType(exceptionType, error);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("expected three numbers train,dev,test between 0 and 1 that add up to 1, e.g. 0.8,0.1,0.1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.8,0.1,0.1", 0.8, 0.1, 0.1)]
    [InlineData(" 0.7 , 0.2 , 0.1 ", 0.7, 0.2, 0.1)]
    [InlineData("1,0,0", 1.0, 0.0, 0.0)]
    [InlineData("0.333333333333,0.333333333333,0.333333333334", 0.333333333333, 0.333333333333, 0.333333333334)]
    public void SplitFractions_Parse_AcceptsThreeFractionsThatAddUpToOne(string value, double train, double dev, double test)
    {
        Assert.Equal(new SplitFractions(train, dev, test), SplitFractions.Parse(value));
    }

    [Fact]
    public void SplitFractions_Default_Is80_10_10()
    {
        Assert.Equal((0.8, 0.1, 0.1), (SplitFractions.Default.Train, SplitFractions.Default.Dev, SplitFractions.Default.Test));
        Assert.Equal(SplitFractions.Default, SplitFractions.Parse(SplitFractions.Default.ToString()));
    }

    [Fact]
    public async Task WriteAsync_FromConcurrentCallers_LosesNothing()
    {
        var records = Corpus(documents: 800, seed: 5);
        var directory = Path.Combine(_root, "dataset");
        await using (var writer = Writer(directory, DatasetFormat.Parquet, shards: 4, rowsPerGroup: 32))
        {
            var callers = records.Chunk(records.Count / 8 + 1)
                .Select(part => Task.Run(async () =>
                {
                    foreach (var batch in part.Chunk(7))
                    {
                        await writer.WriteAsync(batch);
                    }
                }));
            await Task.WhenAll(callers).WaitAsync(NoHang);
            var manifest = await writer.CompleteAsync();
            Assert.Equal(records.Count, DatasetSplits.All.Sum(split => manifest.Splits[split].Records));
        }

        AssertSameRecords(records, DataFiles(directory).SelectMany(ReadParquet).ToList());
    }

    [Fact]
    public async Task WriteAsync_RejectsARecordWhoseMaskLengthDiffers_NamingTheDocument()
    {
        await using var writer = Writer(Path.Combine(_root, "dataset"), DatasetFormat.Parquet);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await writer.WriteAsync([new EncodedRecord("good", 0, [1], [1]), new EncodedRecord("bad-doc", 3, [1, 2, 3], [1, 1])]));

        Assert.Contains("'bad-doc'", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 input ids but 2 attention mask values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_RejectsAMaskValueOtherThan0Or1()
    {
        await using var writer = Writer(Path.Combine(_root, "dataset"), DatasetFormat.Jsonl);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await writer.WriteAsync([new EncodedRecord("odd", 0, [1, 2], [1, 2])]));

        Assert.Contains("'odd'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatasetFormat.Parquet)]
    [InlineData(DatasetFormat.Jsonl)]
    public async Task ShardFailure_IsReported_NamingTheFile_WithoutHanging(DatasetFormat format)
    {
        var directory = Path.Combine(_root, "dataset");
        var writer = Writer(directory, format, shards: 1, fractions: new SplitFractions(1, 0, 0));
        var blocked = Path.Combine(directory, "train", "part-00000." + (format == DatasetFormat.Parquet ? "parquet" : "jsonl"));
        Directory.CreateDirectory(blocked); // The shard cannot create its file where a directory stands.

        var clock = Stopwatch.StartNew();
        var writeError = await Assert.ThrowsAsync<DatasetExportException>(async () =>
        {
            // More batches than the shard's queue holds: the writes must fail, not wait forever for room.
            for (var i = 0; i < 1000; i++)
            {
                await writer.WriteAsync([new EncodedRecord("doc-" + i, 0, [1, 2], [1, 1])]).AsTask().WaitAsync(NoHang);
            }
        });
        var completeError = await Assert.ThrowsAsync<DatasetExportException>(() => writer.CompleteAsync().WaitAsync(NoHang));
        await writer.DisposeAsync().AsTask().WaitAsync(NoHang);

        Assert.True(clock.Elapsed < NoHang);
        Assert.Contains(blocked, writeError.Message, StringComparison.Ordinal);
        Assert.Contains(blocked, completeError.Message, StringComparison.Ordinal);
        Assert.NotNull(completeError.InnerException);
        Assert.False(File.Exists(Path.Combine(directory, DatasetManifest.FileName)));
    }

    [Theory]
    [InlineData(DatasetFormat.Parquet)]
    [InlineData(DatasetFormat.Jsonl)]
    public async Task DisposeAsync_WithoutComplete_ClosesFilesAndLeavesNoManifest(DatasetFormat format)
    {
        var directory = Path.Combine(_root, "dataset");
        var writer = Writer(directory, format, shards: 2, rowsPerGroup: 8);
        await writer.WriteAsync(Corpus(documents: 50, seed: 6));

        await writer.DisposeAsync().AsTask().WaitAsync(NoHang);
        await writer.DisposeAsync();

        Assert.False(File.Exists(Path.Combine(directory, DatasetManifest.FileName)));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await writer.WriteAsync([new EncodedRecord("late", 0, [1], [1])]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.CompleteAsync());
        Assert.All(DataFiles(directory), file => File.Delete(file)); // Closed: nothing holds the files open.
    }

    [Fact]
    public async Task CompleteAsync_Twice_IsRefused()
    {
        await using var writer = Writer(Path.Combine(_root, "dataset"), DatasetFormat.Jsonl);
        await writer.CompleteAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.WriteAsync([new EncodedRecord("late", 0, [1], [1])]));
    }

    private static DatasetWriter Writer(
        string directory, DatasetFormat format, int shards = 2, SplitFractions? fractions = null, int rowsPerGroup = DatasetWriter.DefaultRowsPerGroup) =>
        DatasetWriter.Create(directory, format, fractions ?? SplitFractions.Default, Tokenizer, shards, new FixedTime(Now), rowsPerGroup);

    /// <summary>Documents of 1..maxChunks chunks, of 0..40 tokens each, with a padded tail in the mask.</summary>
    private static List<EncodedRecord> Corpus(int documents, int seed, int maxChunks = 3)
    {
        var random = new Random(seed);
        var records = new List<EncodedRecord>();
        for (var document = 0; document < documents; document++)
        {
            var id = $"doc-{seed}-{document}";
            var chunks = random.Next(1, maxChunks + 1);
            for (var chunk = 0; chunk < chunks; chunk++)
            {
                var length = random.Next(0, 41);
                var ids = Enumerable.Range(0, length).Select(_ => random.Next(0, 200_000)).ToArray();
                var real = random.Next(0, length + 1);
                var mask = Enumerable.Range(0, length).Select(i => (byte)(i < real ? 1 : 0)).ToArray();
                records.Add(new EncodedRecord(id, chunk, ids, mask));
            }
        }

        return records;
    }

    private static List<string> DataFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(file => Path.GetFileName(file) != DatasetManifest.FileName)
            .Order(StringComparer.Ordinal)
            .ToList();

    private static void AssertSameRecords(List<EncodedRecord> expected, List<EncodedRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        var byKey = expected.ToDictionary(record => (record.DocumentId, record.Chunk));
        var seen = new HashSet<(string, int)>();
        foreach (var record in actual)
        {
            var key = (record.DocumentId, record.Chunk);
            Assert.True(seen.Add(key), $"{key} was read twice");
            Assert.True(byKey.TryGetValue(key, out var original), $"{key} was never written");
            Assert.Equal(original.InputIds, record.InputIds);
            Assert.Equal(original.AttentionMask, record.AttentionMask);
        }
    }

    private static void AssertListOfInt(ColumnDescriptor column, string name, int bitWidth)
    {
        Assert.Equal($"{name}.list.element", column.Path.ToDotString());
        Assert.Equal(PhysicalType.Int32, column.PhysicalType);
        Assert.Equal(1, column.MaxRepetitionLevel);
        var element = Assert.IsType<IntLogicalType>(column.LogicalType);
        Assert.Equal(bitWidth, element.BitWidth);
        Assert.True(element.IsSigned);

        var leaf = column.SchemaNode;
        var repeated = Assert.IsType<GroupNode>(leaf.Parent);
        var list = Assert.IsType<GroupNode>(repeated.Parent);
        Assert.Equal(Repetition.Required, leaf.Repetition);
        Assert.Equal(("list", Repetition.Repeated), (repeated.Name, repeated.Repetition));
        Assert.Equal(name, list.Name);
        Assert.IsType<ListLogicalType>(list.LogicalType);
    }

    private static int RowGroups(string path)
    {
        using var reader = new ParquetFileReader(path);
        return reader.FileMetaData.NumRowGroups;
    }

    internal static List<EncodedRecord> ReadParquet(string path)
    {
        using var reader = new ParquetFileReader(path);
        var records = new List<EncodedRecord>();
        for (var group = 0; group < reader.FileMetaData.NumRowGroups; group++)
        {
            using var rowGroup = reader.RowGroup(group);
            var rows = checked((int)rowGroup.MetaData.NumRows);
            var ids = ReadColumn<string>(rowGroup, 0, rows);
            var chunks = ReadColumn<int>(rowGroup, 1, rows);
            var inputIds = ReadColumn<int[]>(rowGroup, 2, rows);
            var masks = ReadColumn<sbyte[]>(rowGroup, 3, rows);
            var languages = reader.FileMetaData.Schema.NumColumns > 4 ? ReadColumn<string?>(rowGroup, 4, rows) : null;
            for (var row = 0; row < rows; row++)
            {
                records.Add(new EncodedRecord(ids[row], chunks[row], inputIds[row], MemoryMarshal.Cast<sbyte, byte>(masks[row]).ToArray()) { Language = languages?[row] });
            }
        }

        return records;
    }

    private static T[] ReadColumn<T>(RowGroupReader rowGroup, int column, int rows)
    {
        using var columnReader = rowGroup.Column(column);
        using var logical = columnReader.LogicalReader<T>();
        return logical.ReadAll(rows);
    }

    internal static List<EncodedRecord> ReadJsonl(string path)
    {
        var records = new List<EncodedRecord>();
        foreach (var line in File.ReadLines(path))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var keys = root.EnumerateObject().Select(property => property.Name).ToList();
            Assert.Equal(["id", "chunk", "input_ids", "attention_mask"], keys.Take(4));
            Assert.True(keys.Count == 4 || (keys.Count == 5 && keys[4] == "language"), string.Join(",", keys));
            records.Add(new EncodedRecord(
                root.GetProperty("id").GetString()!,
                root.GetProperty("chunk").GetInt32(),
                root.GetProperty("input_ids").EnumerateArray().Select(value => value.GetInt32()).ToArray(),
                root.GetProperty("attention_mask").EnumerateArray().Select(value => value.GetByte()).ToArray())
            {
                Language = keys.Count == 5 ? root.GetProperty("language").GetString() : null,
            });
        }

        return records;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
