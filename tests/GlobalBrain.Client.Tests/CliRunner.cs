using System.Globalization;
using System.Text;
using System.Text.Json;
using GlobalBrain.Client.Cli;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary>What one in-process run of the CLI did.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr, bool StdinOpened)
{
    public IReadOnlyList<string> StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Parses stdout as exactly one JSON object on one line (the --json contract).</summary>
    public JsonElement SingleJsonObject()
    {
        var text = Stdout.TrimEnd('\r', '\n');
        Assert.False(string.IsNullOrWhiteSpace(text), "stdout is empty");
        Assert.DoesNotContain('\n', text);

        // JsonDocument.Parse refuses trailing content, so this also proves there is only one value.
        using var json = JsonDocument.Parse(text);
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        return json.RootElement.Clone();
    }

    /// <summary>Messages must be one-liners for people and scripts, never an exception dump.</summary>
    public void AssertNoStackTrace()
    {
        Assert.DoesNotContain("   at ", Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", Stderr, StringComparison.Ordinal);
    }
}

/// <summary>Runs <see cref="GlobalBrainCli"/> in-process with captured stdout and stderr.</summary>
internal static class CliRunner
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    public static Task<CliResult> RunAsync(ITestOutputHelper output, params string[] args) => RunAsync(output, stdin: null, args);

    public static async Task<CliResult> RunAsync(ITestOutputHelper output, byte[]? stdin, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var stdinOpened = false;
        var context = new CliContext
        {
            Out = stdout,
            Error = stderr,
            OpenStdin = () =>
            {
                stdinOpened = true;
                return new MemoryStream(stdin ?? []);
            },
            Interactive = false,
        };

        using var timeout = new CancellationTokenSource(RunTimeout);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int? exitCode = null;
        try
        {
            exitCode = await GlobalBrainCli.RunAsync(args, context, timeout.Token);
            return new CliResult(exitCode.Value, stdout.ToString(), stderr.ToString(), stdinOpened);
        }
        finally
        {
            // Shown by the test runner when a test fails, also when the run itself threw.
            output.WriteLine($"$ globalbrain {string.Join(' ', args)}  → exit {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "(threw)"} in {clock.Elapsed.TotalSeconds:F1} s");
            output.WriteLine("--- stderr ---");
            output.WriteLine(stderr.ToString());
            output.WriteLine("--- stdout ---");
            output.WriteLine(stdout.ToString());
        }
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>A directory under the system temp folder, deleted with the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("globalbrain-client-tests-").FullName;
    }

    public string Path { get; }

    public string Write(string relativePath, string text) => Write(relativePath, Encoding.UTF8.GetBytes(text));

    public string Write(string relativePath, byte[] bytes)
    {
        var file = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, bytes);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder is not worth failing a test for.
        }
    }
}
