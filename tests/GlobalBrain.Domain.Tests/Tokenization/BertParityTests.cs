using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Domain.Tokenization.Bert;
using GlobalBrain.Testing;
using Xunit;
using Xunit.Abstractions;
using HfTokenizer = Tokenizers.DotNet.Tokenizer;

namespace GlobalBrain.Domain.Tests.Tokenization;

/// <summary>
/// Acceptance: on every non-empty line and every paragraph of the shared corpus, <c>bert</c> with
/// bert-base-cased gives exactly HuggingFace's ids — HF's own Rust tokenizers (Tokenizers.DotNet)
/// and FastBertTokenizer as independent references — in full and at max_length 128 with padding and truncation.
/// </summary>
public sealed class BertParityTests(ITestOutputHelper output)
{
    private const string DataVariable = "GLOBALBRAIN_DATA";
    private const int MaxLength = 128;

    [SkippableFact]
    public void Bert_MatchesHuggingFace_OnEveryCorpusLineAndParagraph()
    {
        var data = SharedData();
        var tokenizerJson = Path.Combine(data, "bert-base-cased", "tokenizer.json");
        var units = CorpusUnits(Path.Combine(data, "corpus"));
        Assert.True(units.Count > 50_000, $"expected about 60,000 corpus units, found {units.Count}");

        var ours = new BertEncoder(WordPieceVocabulary.Load(tokenizerJson));
        using var hfFull = new HfTokenizer(tokenizerJson);
        using var fixedJson = new TemporaryFile(HfTokenizerFiles.FixedLengthCopy(tokenizerJson, MaxLength));
        using var hfFixed = new HfTokenizer(fixedJson.Path);
        var fast = new FastBertTokenizer.BertTokenizer();
        using (var stream = File.OpenRead(tokenizerJson))
        {
            fast.LoadTokenizerJson(stream);
        }

        var mismatches = new List<string>();
        var fastIds = new long[MaxLength];
        var fastMask = new long[MaxLength];
        long tokens = 0;
        foreach (var (source, text) in units)
        {
            var fullRecord = Frame(ours, text, null);
            var expectedFull = ToInt(hfFull.Encode(text));
            tokens += fullRecord.InputIds.Length - 2;
            Compare(mismatches, "full vs HF", source, text, expectedFull, fullRecord.InputIds);

            var fixedRecord = Frame(ours, text, MaxLength);
            var expectedFixed = ToInt(hfFixed.Encode(text));
            Compare(mismatches, "max_len 128 vs HF", source, text, expectedFixed, fixedRecord.InputIds);

            Array.Clear(fastIds);
            Array.Clear(fastMask);
            fast.Encode(text, fastIds, fastMask, MaxLength);
            Compare(mismatches, "max_len 128 ids vs FastBertTokenizer", source, text, [.. fastIds.Select(i => (int)i)], fixedRecord.InputIds);
            Compare(mismatches, "max_len 128 mask vs FastBertTokenizer", source, text, [.. fastMask.Select(i => (int)i)], [.. fixedRecord.AttentionMask.Select(b => (int)b)]);
        }

        output.WriteLine($"{units.Count} units, {tokens} content tokens, {mismatches.Count} mismatches");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches; first ones:\n{string.Join("\n", mismatches.Take(8))}");
    }

    /// <summary>
    /// The uncased path (lowercase + strip_accents, as bert-base-uncased's normalizer sets them), checked on
    /// the same corpus by switching them on in a copy of the cased tokenizer.json for both sides.
    /// </summary>
    [SkippableFact]
    public void Bert_LowercaseAndStripAccents_MatchHuggingFace_OnTheCorpus()
    {
        var data = SharedData();
        using var uncasedJson = new TemporaryFile(HfTokenizerFiles.Copy(Path.Combine(data, "bert-base-cased", "tokenizer.json"), json =>
        {
            json["normalizer"]!["lowercase"] = true;
            json["normalizer"]!["strip_accents"] = true;
        }));
        var ours = new BertEncoder(WordPieceVocabulary.Load(uncasedJson.Path));
        using var hf = new HfTokenizer(uncasedJson.Path);

        Assert.True(ours.Vocabulary.Normalization.Lowercase && ours.Vocabulary.Normalization.StripAccents);
        var mismatches = new List<string>();
        foreach (var (source, text) in CorpusUnits(Path.Combine(data, "corpus")))
        {
            Compare(mismatches, "uncased full vs HF", source, text, ToInt(hf.Encode(text)), Frame(ours, text, null).InputIds);
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches; first ones:\n{string.Join("\n", mismatches.Take(8))}");
    }

    [SkippableFact]
    public void Bert_FromVocabTxt_EncodesLikeFromTokenizerJson()
    {
        var data = SharedData();
        var fromJson = new BertEncoder(WordPieceVocabulary.Load(Path.Combine(data, "bert-base-cased", "tokenizer.json")));
        var fromTxt = new BertEncoder(WordPieceVocabulary.Load(Path.Combine(data, "bert-base-cased", "vocab.txt")));

        Assert.Equal(fromJson.Vocabulary.Normalization, fromTxt.Vocabulary.Normalization);
        Assert.Equal(fromJson.Vocabulary.Count, fromTxt.Vocabulary.Count);
        var differing = CorpusUnits(Path.Combine(data, "corpus"))
            .Where(u => !fromJson.Encode(u.Text).AsSpan().SequenceEqual(fromTxt.Encode(u.Text)))
            .Select(u => u.Source)
            .Take(5)
            .ToList();

        Assert.Empty(differing);
    }

    private static FramedRecord Frame(BertEncoder encoder, string text, int? maxLength)
    {
        var records = new List<FramedRecord>(1);
        RecordFramer.Encode(encoder, text, maxLength, OverflowMode.Truncate, records);
        return Assert.Single(records);
    }

    private static void Compare(List<string> mismatches, string what, string source, string text, int[] expected, int[] actual)
    {
        if (expected.AsSpan().SequenceEqual(actual))
        {
            return;
        }

        var at = 0;
        while (at < Math.Min(expected.Length, actual.Length) && expected[at] == actual[at])
        {
            at++;
        }

        var snippet = text.Length > 80 ? text[..80] + "…" : text;
        mismatches.Add($"{what} at {source}, token {at}: expected [{string.Join(",", expected.Skip(at).Take(6))}] got [{string.Join(",", actual.Skip(at).Take(6))}] in \"{snippet}\"");
    }

    private static int[] ToInt(uint[] ids) => [.. ids.Select(i => checked((int)i))];

    private static string SharedData()
    {
        var data = Environment.GetEnvironmentVariable(DataVariable);
        Skip.If(string.IsNullOrEmpty(data), $"{DataVariable} is not set; point it at the shared data folder (absolute path of shared/data) to run this parity test");
        Assert.True(Directory.Exists(Path.Combine(data!, "bert-base-cased")), $"{DataVariable}={data} has no bert-base-cased/ directory");
        return data!;
    }

    /// <summary>Every non-empty line and every paragraph of every corpus file, as the CLI's --split cuts them.</summary>
    internal static List<(string Source, string Text)> CorpusUnits(string corpus)
    {
        var units = new List<(string, string)>();
        foreach (var file in Directory.GetFiles(corpus, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var split in new[] { TextSplit.Lines, TextSplit.Paragraphs })
            {
                var documents = new List<Document>();
                DocumentParser.ParseText(bytes, Path.GetRelativePath(corpus, file), split, documents, new List<Rejection>());
                units.AddRange(documents.Select(d => (d.Id, d.Text)));
            }
        }

        return units;
    }

    private sealed class TemporaryFile(string path) : IDisposable
    {
        public string Path { get; } = path;

        public void Dispose() => File.Delete(Path);
    }
}
