namespace GlobalBrain.Testing.Tests;

public sealed class ServerProcessTests
{
    [Fact]
    public async Task WaitUntilReady_WhenTheServerExits_SaysSoWithItsOutput()
    {
        using var server = ServerProcess.Start("a failing server", "/bin/sh", ["-c", "echo cannot bind >&2; exit 3"], Path.GetTempPath());
        using var http = new HttpClient { BaseAddress = new Uri(SiloCommandLine.Url(FreePorts.Next())) };

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => server.WaitUntilReadyAsync(http, "/ready", TimeSpan.FromMinutes(1)));

        Assert.Equal("a failing server exited with code 3:\ncannot bind\n", e.Message);
    }

    [Fact]
    public async Task WaitUntilReady_WhenNothingAnswers_TimesOutWithTheServersOutput()
    {
        using var server = ServerProcess.Start("a silent server", "/bin/sh", ["-c", "echo starting; exec sleep 60"], Path.GetTempPath());
        using var http = new HttpClient { BaseAddress = new Uri(SiloCommandLine.Url(FreePorts.Next())) };

        var e = await Assert.ThrowsAsync<TimeoutException>(() => server.WaitUntilReadyAsync(http, "/ready", TimeSpan.FromSeconds(1)));

        Assert.StartsWith("timed out after 1 s waiting for a silent server to answer /ready:\n", e.Message, StringComparison.Ordinal);
        Assert.True(await Poll.UntilAsync(() => server.Log.Contains("starting", StringComparison.Ordinal), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public async Task StopGracefully_SendsSigterm_AndReturnsTheExitCode()
    {
        using var server = ServerProcess.Start("a server", "/bin/sh", ["-c", "trap 'exit 7' TERM; echo up; while true; do sleep 0.1; done"], Path.GetTempPath());
        await Poll.WaitForAsync("the server to start", () => server.Log.Contains("up", StringComparison.Ordinal), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20));

        Assert.Equal(7, await server.StopGracefullyAsync(TimeSpan.FromSeconds(30)));
    }
}
