using System.Diagnostics;
using System.Globalization;

namespace GlobalBrain.Silo.Tests.Observability;

/// <summary>Locates the repository and Prometheus' tools, and runs a tool with a deadline.</summary>
internal static class ObservabilityTools
{
    public const string MissingPrometheus =
        "promtool and prometheus are not on PATH: run `bash .ci/setup` (or apt-get install prometheus) to run the observability tests";

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string PrometheusDir => Path.Combine(RepoRoot, "deploy", "prometheus");

    public static string? FindOnPath(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static bool PrometheusMissing => FindOnPath("promtool") is null || FindOnPath("prometheus") is null;


    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs a tool to completion (killing it at the deadline) and returns its exit code and output.</summary>
    public static async Task<ToolResult> RunAsync(string tool, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(FindOnPath(tool) ?? tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', info.ArgumentList)} did not finish in time");
        }

        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GlobalBrain.Cluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"GlobalBrain.Cluster.sln not found above {AppContext.BaseDirectory}");
    }
}

internal sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => StandardOutput + StandardError;
}
