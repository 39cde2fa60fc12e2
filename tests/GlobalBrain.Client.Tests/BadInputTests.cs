using GlobalBrain.Domain.Tokenization;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary>Bad input and bad usage: one clear line each, exit code 2, and the good documents still go in.</summary>
[Collection(EmbeddedClusterRuns.Name)]
public sealed class BadInputTests(ITestOutputHelper output)
{
    private const string UsageHint = "Run 'globalbrain ";

    [Fact]
    public async Task Ingest_RejectsEachBadInputWithOneLine_AndStillIngestsTheValidDocuments()
    {
        using var temp = new TempDirectory();
        var inputs = Path.Combine(temp.Path, "inputs");
        temp.Write("inputs/good.txt", "The experts share what they know. Knowledge spreads at the flow rate. Every document counts once.\n");
        temp.Write("inputs/bad_utf8.txt", [.. "a valid first line\nthen a bad byte "u8, 0xC3, 0x28, .. " here\n"u8]);
        temp.Write("inputs/empty.txt", []);
        temp.Write("inputs/docs.jsonl", string.Join('\n',
            """{"id": "first", "text": "A valid line before the broken ones."}""",
            """{"id": "broken", "text": "no closing brace" """,
            """{"id": "no-text", "body": "text is missing"}""",
            """{"id": "last", "text": "A valid line after the broken ones."}""") + "\n");
        var missing = Path.Combine(temp.Path, "missing.txt");
        var unreadable = UnreadableFile(temp);

        var result = await CliRunner.RunAsync(output, "ingest", inputs, missing, unreadable, "--experts", "4", "--flow-rate", "20", "--json");

        Assert.Equal(2, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.All(result.StderrLines, line => Assert.StartsWith("globalbrain: ", line, StringComparison.Ordinal));
        AssertOneLine(result, missing, "no such file or directory");
        AssertOneLine(result, Path.GetFileName(unreadable), "cannot read the file");
        AssertOneLine(result, "bad_utf8.txt:2", "invalid UTF-8");
        AssertOneLine(result, "empty.txt", "empty");
        AssertOneLine(result, "docs.jsonl:2", "not valid JSON");
        AssertOneLine(result, "docs.jsonl:3", "\"text\"");
        Assert.Contains(result.StderrLines, line => line.Contains("6 input(s) rejected", StringComparison.Ordinal) && line.Contains("valid documents were ingested", StringComparison.Ordinal));

        var json = result.SingleJsonObject();
        Assert.Equal(3, json.GetProperty("documents").GetInt64()); // good.txt and the two valid JSON lines
        Assert.True(json.GetProperty("tokens").GetInt64() > 0);
        Assert.Equal(6, json.GetProperty("rejected").GetInt64());
        var byReason = json.GetProperty("rejectedByReason").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["empty"] = 1,
                ["invalid_utf8"] = 1,
                ["malformed_json"] = 1,
                ["missing_path"] = 1,
                ["missing_text"] = 1,
                ["unreadable"] = 1,
            },
            byReason);
        var jsonlLines = json.GetProperty("rejections").EnumerateArray()
            .Where(r => r.GetProperty("source").GetString() == "docs.jsonl")
            .ToDictionary(r => r.GetProperty("reason").GetString()!, r => r.GetProperty("line").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["malformed_json"] = 2, ["missing_text"] = 3 }, jsonlLines);
    }

    [Theory]
    [InlineData("--experts", "0")]
    [InlineData("--flow-rate", "-1")]
    public async Task Ingest_OptionOutOfRange_FailsWithUsage_BeforeStartingACluster(string option, string value)
    {
        var result = await CliRunner.RunAsync(output, "ingest", "-", option, value);

        AssertUsageError(result, option);
        var message = Assert.Single(result.StderrLines, line => !line.StartsWith(UsageHint, StringComparison.Ordinal));
        Assert.Contains($"got {value}", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("ingest", "-", "--frobnicate")]
    [InlineData("ingest", "-", "--expert", "4")]
    public async Task UnknownCommandOrOption_FailsWithUsage_NamingIt(params string[] args)
    {
        var result = await CliRunner.RunAsync(output, args);

        AssertUsageError(result, args.First(a => a.Contains("frobnicate", StringComparison.Ordinal) || a == "--expert"));
    }

    [Fact]
    public async Task Ingest_ABlankExportDirectory_FailsWithUsage_NamingTheOption_NotTheCluster()
    {
        var result = await CliRunner.RunAsync(output, "ingest", "-", "--export", " ");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--export: ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("cluster", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Ingest_WithoutPath_FailsWithUsage()
    {
        var result = await CliRunner.RunAsync(output, "ingest", "--json");

        AssertUsageError(result, "'ingest'");
        Assert.Single(result.StderrLines, line => !line.StartsWith(UsageHint, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ingest_UnknownTokenizer_FailsWithUsage_NamingTheKnownOnes()
    {
        var result = await CliRunner.RunAsync(output, "ingest", "-", "--tokenizer", "nope");

        AssertUsageError(result, "--tokenizer");
        var message = Assert.Single(result.StderrLines, line => line.Contains("--tokenizer", StringComparison.Ordinal) && !line.StartsWith(UsageHint, StringComparison.Ordinal));
        Assert.Contains("'nope'", message, StringComparison.Ordinal);
        Assert.All(TextEncoders.Names, name => Assert.Contains(name, message, StringComparison.Ordinal));
    }

    /// <summary>Exit 2 before any input is read, nothing on stdout, and one-line errors, one of them naming the culprit.</summary>
    private static void AssertUsageError(CliResult result, string culprit)
    {
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Stdout);
        Assert.False(result.StdinOpened, "the input was read although the command line was bad");
        result.AssertNoStackTrace();
        Assert.All(result.StderrLines, line => Assert.True(
            line.StartsWith("globalbrain: ", StringComparison.Ordinal) || line.StartsWith(UsageHint, StringComparison.Ordinal),
            $"unexpected stderr line: {line}"));
        Assert.Contains(result.StderrLines, line => line.StartsWith("globalbrain: ", StringComparison.Ordinal) && line.Contains(culprit, StringComparison.Ordinal));
    }

    private static void AssertOneLine(CliResult result, string where, string problem)
    {
        var line = Assert.Single(result.StderrLines, l => l.Contains($"rejected {where}", StringComparison.Ordinal));
        Assert.Contains(problem, line, StringComparison.Ordinal);
    }

    /// <summary>
    /// A file that exists but cannot be read. Permissions do not stop root, so as root it is
    /// /proc/self/mem, whose first page is unmapped: reading it fails with an I/O error.
    /// </summary>
    private static string UnreadableFile(TempDirectory temp)
    {
        if (Environment.IsPrivilegedProcess || OperatingSystem.IsWindows())
        {
            return "/proc/self/mem";
        }

        var file = temp.Write("locked/locked.txt", "you may not read this\n");
        File.SetUnixFileMode(file, UnixFileMode.None);
        return file;
    }
}
