using Microsoft.ML.Tokenizers;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

[Collection(EmbeddedClusterRuns.Name)]
public sealed class StdinTests(ITestOutputHelper output)
{
    private static readonly string[] FastSpread = ["--experts", "4", "--flow-rate", "20", "--json"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ingest_StdinJsonLines_IngestsEachLineAsADocument(bool withByteOrderMark)
    {
        var jsonLines = CliRunner.Utf8("""
            {"id": "a", "text": "The first document on standard input."}

            {"id": "b", "text": "The second one, after a blank line."}
            {"text": "The third has no id and gets stdin#4."}
            """);
        byte[] stdin = withByteOrderMark ? [0xEF, 0xBB, 0xBF, .. jsonLines] : jsonLines;

        var result = await CliRunner.RunAsync(output, stdin, ["ingest", "-", .. FastSpread]);

        Assert.Equal(0, result.ExitCode);
        Assert.True(result.StdinOpened);
        var json = result.SingleJsonObject();
        Assert.Equal(3, json.GetProperty("documents").GetInt64());
        Assert.Equal(0, json.GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task Ingest_StdinPlainText_IsOneDocument()
    {
        const string Text = "Plain text on standard input.\nIt has several lines.\n\nAnd a paragraph break, yet it is one document.\n";

        var result = await CliRunner.RunAsync(output, CliRunner.Utf8(Text), ["ingest", "-", .. FastSpread]);

        Assert.Equal(0, result.ExitCode);
        var json = result.SingleJsonObject();
        Assert.Equal(1, json.GetProperty("documents").GetInt64());
        Assert.Equal(TiktokenTokenizer.CreateForEncoding("cl100k_base").EncodeToIds(Text).Count, json.GetProperty("tokens").GetInt64());
    }

    [Fact]
    public async Task Ingest_SplitLines_MakesOneDocumentPerNonBlankLine()
    {
        using var temp = new TempDirectory();
        var file = temp.Write("lines.txt", "first line\n\n   \nsecond line\r\nthird line\n\n");

        var result = await CliRunner.RunAsync(output, ["ingest", file, "--split", "lines", .. FastSpread]);

        Assert.Equal(0, result.ExitCode);
        var json = result.SingleJsonObject();
        Assert.Equal(3, json.GetProperty("documents").GetInt64());
        Assert.Equal(0, json.GetProperty("rejected").GetInt64());
    }
}
