using System.Text;
using System.Text.Json;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Domain.Tokenization.Bert;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary><c>globalbrain tokenize</c>: stdin lines to JSON Lines, exactly what the encoder and framer give.</summary>
public sealed class TokenizeCommandTests(ITestOutputHelper output)
{
    internal static readonly string[] TinyVocabulary =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "expert", "##s", "know", "##ledge", "flow", "##ing", "fast", ",", ".", "net", "##work"];

    [Fact]
    public async Task Tokenize_Bert_WritesOneObjectPerLine_InOrder_AsTheEncoderFramesThem()
    {
        using var temp = new TempDirectory();
        var vocab = temp.Write("vocab.txt", string.Join('\n', TinyVocabulary) + "\n");
        var lines = Enumerable.Range(0, 5000).Select(i => i % 7 == 0 ? string.Empty : $"the experts{i % 3} know, knowledge flowing fast.").ToArray();

        var result = await CliRunner.RunAsync(output, CliRunner.Utf8(string.Join('\n', lines) + "\n"), "tokenize", "--tokenizer", "bert", "--vocab", vocab);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
        var encoder = new BertEncoder(WordPieceVocabulary.Load(vocab));
        var objects = ParseLines(result.Stdout);
        Assert.Equal(lines.Length, objects.Count);
        for (var i = 0; i < lines.Length; i++)
        {
            var expected = new List<FramedRecord>();
            RecordFramer.Encode(encoder, lines[i], null, OverflowMode.Truncate, expected);
            Assert.Equal(expected[0].InputIds, objects[i].Ids);
            Assert.Equal(expected[0].AttentionMask.Select(b => (int)b), objects[i].Mask);
        }

        Assert.Equal([2, 3], objects[0].Ids); // an empty line is [CLS] [SEP], as HF encodes ""
    }

    [Fact]
    public async Task Tokenize_MaxLen_PadsAndTruncates_AndChunkKeepsEveryToken()
    {
        using var temp = new TempDirectory();
        var vocab = temp.Write("vocab.txt", string.Join('\n', TinyVocabulary) + "\n");
        var stdin = CliRunner.Utf8("the experts know\r\nknowledge flowing fast, the network\n");

        var truncated = await CliRunner.RunAsync(output, stdin, "tokenize", "--tokenizer", "bert", "--vocab", vocab, "--max-len", "6");
        var chunked = await CliRunner.RunAsync(output, stdin, "tokenize", "--tokenizer", "bert", "--vocab", vocab, "--max-len", "6", "--overflow", "chunk");

        Assert.Equal(0, truncated.ExitCode);
        var fixedLength = ParseLines(truncated.Stdout);
        Assert.Equal([2, 5, 6, 7, 8, 3], fixedLength[0].Ids);
        Assert.Equal([2, 8, 9, 10, 11, 3], fixedLength[1].Ids);
        Assert.All(fixedLength, o => Assert.Equal(6, o.Mask.Length));

        Assert.Equal(0, chunked.ExitCode);
        var windows = ParseLines(chunked.Stdout);
        Assert.Equal([0, 0, 1, 2], windows.Select(w => w.Chunk));
        Assert.Equal([2, 12, 13, 5, 15, 3], windows[2].Ids);
        Assert.Equal([2, 16, 3, 0, 0, 0], windows[3].Ids);
        Assert.Equal([1, 1, 1, 0, 0, 0], windows[3].Mask);
    }

    [Fact]
    public async Task Tokenize_Cl100kBase_IsTheDefault()
    {
        var result = await CliRunner.RunAsync(output, CliRunner.Utf8("hello world\n"), "tokenize");

        Assert.Equal(0, result.ExitCode);
        var line = Assert.Single(ParseLines(result.Stdout));
        Assert.Equal([15339, 1917], line.Ids);
        Assert.Equal([1, 1], line.Mask);
    }

    [Fact]
    public async Task Tokenize_InvalidUtf8_StillAnswersEveryLine_AndNamesTheBadOne()
    {
        using var temp = new TempDirectory();
        var vocab = temp.Write("vocab.txt", string.Join('\n', TinyVocabulary) + "\n");
        byte[] stdin = [.. "the experts\n"u8, .. "fast "u8, 0xC3, 0x28, .. " flow\n"u8, .. "know\u0000ledge\n"u8];

        var result = await CliRunner.RunAsync(output, stdin, "tokenize", "--tokenizer", "bert", "--vocab", vocab);

        Assert.Equal(2, result.ExitCode);
        result.AssertNoStackTrace();
        var objects = ParseLines(result.Stdout);
        Assert.Equal(3, objects.Count);
        Assert.Equal([2, 12, 1, 10, 3], objects[1].Ids); // the bad byte became U+FFFD and went with "(" into [UNK]'s word
        Assert.Equal([2, 8, 9, 3], objects[2].Ids); // NUL vanishes inside the word, as HF's clean_text does
        Assert.Contains("stdin line 2 is not valid UTF-8", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("the bert tokenizer needs --vocab", "--tokenizer", "bert")]
    [InlineData("--vocab is used by --tokenizer bert only", "--vocab", "x.txt")]
    [InlineData("--vocab: cannot read", "--tokenizer", "bert", "--vocab", "/nonexistent/vocab.txt")]
    [InlineData("--max-len must be from 3", "--tokenizer", "bert", "--vocab", "{vocab}", "--max-len", "2")]
    [InlineData("--max-len must be from 1", "--max-len", "0")]
    [InlineData("--overflow chunk cuts documents into windows", "--overflow", "chunk")]
    [InlineData("Argument 'foo' not recognized", "--overflow", "foo")]
    [InlineData("unknown tokenizer 'gpt5'", "--tokenizer", "gpt5")]
    [InlineData("has no [UNK] token", "--tokenizer", "bert", "--vocab", "{bad}")]
    [InlineData("is a directory with neither tokenizer.json nor vocab.txt; give --vocab FILE", "--tokenizer", "bert", "--vocab", "{empty}")]
    public async Task Tokenize_BadUsage_IsOneClearLine_WithExitCode2(string message, params string[] options)
    {
        using var temp = new TempDirectory();
        var vocab = temp.Write("vocab.txt", string.Join('\n', TinyVocabulary) + "\n");
        var bad = temp.Write("words.txt", "alpha\nbeta\n");
        var empty = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(vocab)!, "model")).FullName;
        string[] args = ["tokenize", .. options.Select(o => o.Replace("{vocab}", vocab, StringComparison.Ordinal).Replace("{bad}", bad, StringComparison.Ordinal).Replace("{empty}", empty, StringComparison.Ordinal))];

        var result = await CliRunner.RunAsync(output, CliRunner.Utf8("the experts\n"), args);

        Assert.Equal(2, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains(message.Replace("the bert tokenizer needs --vocab", "--tokenizer bert needs --vocab FILE", StringComparison.Ordinal), result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_Bert_VocabularyDirectory_ReadsItsVocabTxt_AsFromPretrainedTakesAModelDirectory()
    {
        using var temp = new TempDirectory();
        var vocab = temp.Write("vocab.txt", string.Join('\n', TinyVocabulary) + "\n");
        var stdin = CliRunner.Utf8("the experts know, knowledge flowing fast.\nnetwork\n");

        var fromFile = await CliRunner.RunAsync(output, stdin, "tokenize", "--tokenizer", "bert", "--vocab", vocab, "--max-len", "16");
        var fromDirectory = await CliRunner.RunAsync(output, stdin, "tokenize", "--tokenizer", "bert", "--vocab", Path.GetDirectoryName(vocab)!, "--max-len", "16");

        Assert.Equal(0, fromDirectory.ExitCode);
        Assert.Equal(string.Empty, fromDirectory.Stderr);
        Assert.Equal(2, ParseLines(fromDirectory.Stdout).Count);
        Assert.Equal(fromFile.Stdout, fromDirectory.Stdout);
    }

    [Fact]
    public async Task Tokenize_Bert_TenMegabyteLine_IsEncodedInFull()
    {
        // A cased vocabulary of its own (an upper-case entry keeps case, as bert-base-cased does), with
        // word pieces, non-ASCII symbols and Unicode punctuation from the line below.
        using var temp = new TempDirectory();
        string[] entries = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Know", "##ledge", "flow", "##s", "between", "expert", "of", "it", "½", "™", "—", "fast", ",", "."];
        var vocab = temp.Write("vocab.txt", string.Join('\n', entries) + "\n");
        var line = new StringBuilder(10_000_000);
        while (line.Length < 10_000_000)
        {
            line.Append("Knowledge flows between experts, ½ of it ™ — fast. ");
        }

        var result = await CliRunner.RunAsync(output, CliRunner.Utf8(line + "\n"), "tokenize", "--tokenizer", "bert", "--vocab", vocab);

        Assert.Equal(0, result.ExitCode);
        var encoded = Assert.Single(ParseLines(result.Stdout));
        var expected = new BertEncoder(WordPieceVocabulary.Load(vocab)).Encode(line.ToString());
        Assert.DoesNotContain(1, expected); // every word is in the vocabulary: no [UNK]
        Assert.True(expected.Length > 2_000_000, $"{expected.Length} tokens");
        Assert.Equal(expected.Length + 2, encoded.Ids.Length);
        Assert.Equal(expected, encoded.Ids[1..^1]);
    }

    internal static List<(int Chunk, int[] Ids, int[] Mask)> ParseLines(string stdout)
    {
        var objects = new List<(int, int[], int[])>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            objects.Add((
                root.TryGetProperty("chunk", out var chunk) ? chunk.GetInt32() : 0,
                [.. root.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32())],
                [.. root.GetProperty("attention_mask").EnumerateArray().Select(e => e.GetInt32())]));
        }

        return objects;
    }
}
