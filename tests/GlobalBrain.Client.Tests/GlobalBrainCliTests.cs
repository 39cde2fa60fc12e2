using System.CommandLine;
using GlobalBrain.Client.Cli;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary>The command tree: a run defines only the command it names, and that changes nothing it prints.</summary>
public sealed class GlobalBrainCliTests(ITestOutputHelper output)
{
    private static readonly CliContext Context = new() { Out = TextWriter.Null, Error = TextWriter.Null };

    [Fact]
    public void Commands_AreListedByTheNamesTheyAreDefinedWith()
    {
        foreach (var (name, define) in GlobalBrainCli.Commands)
        {
            Assert.Equal(name, define(Context).Name);
        }
    }

    [Fact]
    public void Build_DefinesTheNamedCommandOnly_AndEveryCommandOtherwise()
    {
        Assert.Equal(["tokenize"], GlobalBrainCli.Build(Context, ["tokenize", "--help"]).Subcommands.Select(c => c.Name));
        Assert.Equal(GlobalBrainCli.Commands.Select(c => c.Name), GlobalBrainCli.Build(Context, ["--help"]).Subcommands.Select(c => c.Name));
        Assert.Equal(GlobalBrainCli.Commands.Select(c => c.Name), GlobalBrainCli.Build(Context, ["tokenise"]).Subcommands.Select(c => c.Name));
        Assert.Equal(GlobalBrainCli.Commands.Select(c => c.Name), GlobalBrainCli.Build(Context, []).Subcommands.Select(c => c.Name));
    }

    [Theory]
    [InlineData("tokenize", "--help")]
    [InlineData("tokenize", "--max-len", "x")]
    [InlineData("tokenize", "--format", "csv", "--bogus")]
    [InlineData("simulate", "--help")]
    [InlineData("ingest")]
    [InlineData("metrics", "extra")]
    public async Task Run_PrintsWhatTheFullTreePrints(params string[] args)
    {
        var lean = await CliRunner.RunAsync(output, args);

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var full = GlobalBrainCli.Build(Context, []).Parse(args);
        int exitCode;
        if (full.Errors.Count > 0)
        {
            exitCode = ExitCodes.Usage;
            Assert.All(full.Errors, e => Assert.Contains($"globalbrain: {e.Message}", lean.Stderr, StringComparison.Ordinal));
        }
        else
        {
            exitCode = await full.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
            Assert.Equal(stdout.ToString(), lean.Stdout);
        }

        Assert.Equal(exitCode, lean.ExitCode);
    }
}
