using System.Text;
using System.Text.Json;
using GlobalBrain.Client.Export;
using GlobalBrain.Client.Tests.Export;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Grains;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary>
/// Acceptance of <c>ingest --export</c>: the dataset the cluster writes, read back with an independent
/// reader (ParquetSharp, i.e. Apache Arrow's C++ Parquet), holds exactly what <c>tokenize</c> prints.
/// </summary>
[Collection(EmbeddedClusterRuns.Name)]
public sealed class ExportIngestTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Export_Parquet_ReadBackIndependently_EqualsTokenizeOutput()
    {
        using var temp = new TempDirectory();
        var vocab = temp.Write("vocab.txt", string.Join('\n', TokenizeCommandTests.TinyVocabulary) + "\n");
        var random = new Random(11);
        string[] words = ["the", "experts", "knowledge", "flowing", "fast,", "network.", "unknown", "know"];
        var texts = Enumerable.Range(0, 300).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 40)).Select(_ => words[random.Next(words.Length)]))).ToList();

        await AssertExportEqualsTokenizeAsync(temp, vocab, texts, ["--max-len", "16"], "parquet");
    }

    [Fact]
    public async Task Export_JsonlWithChunks_EqualsTokenizeOutput_AndLosesNoToken()
    {
        using var temp = new TempDirectory();
        var vocab = temp.Write("vocab.txt", string.Join('\n', TokenizeCommandTests.TinyVocabulary) + "\n");
        var texts = Enumerable.Range(0, 60).Select(i => string.Join(' ', Enumerable.Repeat("the experts know, knowledge flowing fast.", 1 + (i % 9)))).ToList();

        var records = await AssertExportEqualsTokenizeAsync(temp, vocab, texts, ["--max-len", "8", "--overflow", "chunk"], "jsonl");

        Assert.Contains(records, r => r.Chunk > 3);
    }

    [SkippableFact]
    public async Task Export_BertBaseCased_OnCorpusParagraphs_EqualsTokenizeOutput()
    {
        var data = RealData.Require("corpus/en/frankenstein.txt", "corpus/es/quijote_part.txt", "bert-base-cased/tokenizer.json");
        using var temp = new TempDirectory();
        var documents = new List<Document>();
        foreach (var file in new[] { "en/frankenstein.txt", "es/quijote_part.txt" })
        {
            DocumentParser.ParseText(File.ReadAllBytes(Path.Combine(data, "corpus", file)), file, TextSplit.Paragraphs, documents, new List<Rejection>());
        }

        // tokenize reads lines: a paragraph's line breaks become spaces, which BERT treats alike.
        var texts = documents.Take(600).Select(d => d.Text.ReplaceLineEndings(" ")).ToList();

        await AssertExportEqualsTokenizeAsync(temp, Path.Combine(data, "bert-base-cased", "tokenizer.json"), texts, ["--max-len", "128"], "parquet");
    }

    private async Task<List<EncodedRecord>> AssertExportEqualsTokenizeAsync(TempDirectory temp, string vocab, List<string> texts, string[] shape, string format)
    {
        var ids = texts.Select((_, i) => $"doc-{i:D4}").ToList();
        var jsonl = temp.Write("docs.jsonl", string.Join('\n', texts.Select((t, i) => JsonSerializer.Serialize(new { id = ids[i], text = t }))) + "\n");
        var dataset = Path.Combine(temp.Path, "dataset");
        string[] tokenizer = ["--tokenizer", "bert", "--vocab", vocab, .. shape];

        var tokenize = await CliRunner.RunAsync(output, CliRunner.Utf8(string.Join('\n', texts) + "\n"), ["tokenize", .. tokenizer]);
        // The filters off: tokenize has none, and these texts repeat (exact duplicates under the default --dedup exact).
        var ingest = await CliRunner.RunAsync(output, ["ingest", jsonl, .. tokenizer, "--export", dataset, "--export-format", format, "--experts", "4", "--flow-rate", "20", "--dedup", "off", "--pii", "off", "--json"]);

        Assert.Equal(0, tokenize.ExitCode);
        Assert.Equal(0, ingest.ExitCode);
        var expected = new List<(string, int, string, string)>();
        var chunks = new Dictionary<int, int>();
        var lineOfDocument = 0;
        foreach (var (chunk, inputIds, mask) in TokenizeCommandTests.ParseLines(tokenize.Stdout))
        {
            if (chunk == 0 && expected.Count > 0)
            {
                lineOfDocument++;
            }

            expected.Add((ids[lineOfDocument], chunk, string.Join(",", inputIds), string.Join(",", mask)));
        }

        Assert.Equal(texts.Count - 1, lineOfDocument);
        var manifest = DatasetManifest.FromJson(await File.ReadAllTextAsync(Path.Combine(dataset, DatasetManifest.FileName)));
        var files = DatasetSplits.All.SelectMany(s => manifest.Splits[s].Files).ToList();
        Assert.NotEmpty(files);
        var records = files
            .SelectMany(f => format == "parquet" ? DatasetWriterTests.ReadParquet(Path.Combine(dataset, f)) : DatasetWriterTests.ReadJsonl(Path.Combine(dataset, f)))
            .ToList();
        var actual = records.Select(r => (r.DocumentId, r.Chunk, string.Join(",", r.InputIds), string.Join(",", r.AttentionMask)));
        Assert.Equal(expected.Order(), actual.Order());

        // Every record sits in its document's split, and the manifest and the run's report agree with the files.
        foreach (var split in DatasetSplits.All)
        {
            var inSplit = records.Where(r => DatasetSplits.Assign(r.DocumentId, manifest.Fractions) == split).ToList();
            Assert.Equal(inSplit.Count, manifest.Splits[split].Records);
            Assert.All(manifest.Splits[split].Files, f => Assert.StartsWith(DatasetSplits.DirectoryName(split) + "/", f.Replace('\\', '/'), StringComparison.Ordinal));
        }

        Assert.Equal("bert", manifest.Tokenizer.Name);
        Assert.Equal(64, manifest.Tokenizer.VocabularySha256!.Length);
        var exported = ingest.SingleJsonObject().GetProperty("exported");
        Assert.Equal(records.Count, exported.GetProperty("train").GetInt64() + exported.GetProperty("dev").GetInt64() + exported.GetProperty("test").GetInt64());
        return records;
    }
}
