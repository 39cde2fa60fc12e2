namespace GlobalBrain.Testing.Tests;

public sealed class ProcessRunnerTests
{
    [Fact]
    public async Task Run_CapturesExitCodeOutputAndError_AndFeedsStdin()
    {
        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", "cat; echo oops >&2; exit 3"], stdin: "hello\n");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("hello\n", result.Stdout);
        Assert.Equal("oops\n", result.Stderr);
        Assert.Equal("hello\noops\n", result.Output);
    }

    [Fact]
    public async Task Run_PassesEnvironmentAndWorkingDirectory()
    {
        var folder = Path.GetTempPath().TrimEnd('/');

        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", "echo \"$GB_TEST $(pwd)\""], workingDirectory: folder, environment: new Dictionary<string, string> { ["GB_TEST"] = "set" });

        Assert.Equal($"set {folder}\n", result.Stdout);
    }

    [Fact]
    public async Task Run_PastTheTimeout_KillsTheProcessAndWhatItStarted_ByProcessId()
    {
        var pids = Path.Combine(Path.GetTempPath(), $"globalbrain-testing-{Guid.NewGuid():N}.pids");
        try
        {
            // The shell writes its own id and its child's, then waits for the child (30 s).
            var e = await Assert.ThrowsAsync<TimeoutException>(() => ProcessRunner.RunAsync(
                "/bin/sh",
                ["-c", $"echo $$ > {pids}; sleep 30 & echo $! >> {pids}; echo started >&2; wait"],
                timeout: TimeSpan.FromSeconds(2)));

            var ids = File.ReadAllLines(pids).Select(int.Parse).ToList();
            Assert.Equal(2, ids.Count);
            Assert.StartsWith($"/bin/sh -c echo $$ > {pids}", e.Message, StringComparison.Ordinal);
            Assert.Contains($"did not finish within 2 s and was killed (pid {ids[0]}):\nstarted", e.Message, StringComparison.Ordinal);
            foreach (var id in ids)
            {
                Assert.True(await Poll.UntilAsync(() => !IsRunning(id), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)), $"process {id} still runs");
            }
        }
        finally
        {
            File.Delete(pids);
        }
    }

    [Fact]
    public void FindOnPath_FindsAToolOnPath_AndNotAMissingOne()
    {
        Assert.Equal("sh", Path.GetFileName(ProcessRunner.FindOnPath("sh")));
        Assert.Null(ProcessRunner.FindOnPath($"no-such-tool-{Guid.NewGuid():N}"));
    }

    // A killed process is gone from /proc, or a zombie (state Z) until its new parent reaps it.
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
