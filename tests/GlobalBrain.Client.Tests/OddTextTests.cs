using System.Text;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Domain.Tokenization.Bert;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary>Texts at the edges (controls, NUL, lone surrogates, 10 MB on one line, empty) through the whole cluster.</summary>
[Collection(EmbeddedClusterRuns.Name)]
public sealed class OddTextTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("cl100k_base")]
    [InlineData("bert")]
    public async Task Ingest_OddTexts_AreEncodedOrRejectedWithAReason_AndNothingCrashes(string tokenizer)
    {
        using var temp = new TempDirectory();
        var vocab = temp.Write("vocab.txt", string.Join('\n', TokenizeCommandTests.TinyVocabulary) + "\n");
        var huge = new StringBuilder(10_000_000);
        while (huge.Length < 10_000_000)
        {
            huge.Append("the experts know, knowledge flowing fast. ");
        }

        // JSON escapes reach the parser as they are: NUL and other controls are text to encode; a lone
        // surrogate (valid JSON, invalid UTF-16) is refused by the parser, naming the line.
        var lines = new[]
        {
            """{"id": "nul", "text": "the\u0000experts know"}""",
            """{"id": "controls", "text": "the\u0007\u001b\u0085 experts\u200b know\tfast"}""",
            """{"id": "lone-surrogate", "text": "the experts \ud800 know"}""",
            """{"id": "empty", "text": ""}""",
            """{"id": "only-controls", "text": "\u0001\u0002"}""",
            $$"""{"id": "ten-megabytes", "text": "{{huge}}"}""",
        };
        var docs = temp.Write("odd.jsonl", string.Join('\n', lines) + "\n");
        string[] tokenizerArgs = tokenizer == "bert" ? ["--tokenizer", "bert", "--vocab", vocab, "--max-len", "128", "--overflow", "chunk"] : ["--tokenizer", tokenizer];

        var result = await CliRunner.RunAsync(output, ["ingest", docs, .. tokenizerArgs, "--experts", "4", "--flow-rate", "20", "--json"]);

        result.AssertNoStackTrace();
        Assert.Equal(2, result.ExitCode); // two lines refused with a reason, the rest went in
        var json = result.SingleJsonObject();
        var rejections = json.GetProperty("rejections").EnumerateArray()
            .Select(r => (r.GetProperty("line").GetInt64(), r.GetProperty("reason").GetString()))
            .ToList();
        Assert.Equal([(3L, "invalid_utf8"), (4L, "empty")], rejections);
        Assert.Contains(result.StderrLines, l => l.Contains("odd.jsonl:3", StringComparison.Ordinal) && l.Contains("lone surrogate", StringComparison.Ordinal));
        var ingested = json.GetProperty("ingested");
        Assert.Equal(4, ingested.GetProperty("documents").GetInt64());
        var encoder = tokenizer == "bert" ? TextEncoders.Bert(WordPieceVocabulary.Load(vocab)) : TextEncoders.Get(tokenizer);
        var hugeTokens = encoder.Encode(huge.ToString()).Length;
        Assert.True(ingested.GetProperty("tokens").GetInt64() >= hugeTokens, $"the 10 MB document ({hugeTokens} tokens) was encoded in full");
    }
}
