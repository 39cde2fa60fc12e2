namespace GlobalBrain.Distributed.Tests;

/// <summary>
/// A silo with a wrong clustering or storage setting stops before it starts: non-zero exit, one line per
/// problem naming the setting and its environment variable, no stack trace. The CLI's --cluster likewise.
/// </summary>
public sealed class ClusterSettingsTests
{
    public static TheoryData<string, string[], int, string[]> BadSilos()
    {
        var closed = SiloCommandLine.Invariant(FreePorts.Next());
        return new()
        {
            { "unknown provider", ["--GlobalBrain:Cluster:Provider", "mesh"], 2, ["GlobalBrain:Cluster:Provider", "GlobalBrain__Cluster__Provider", "localhost, redis, kubernetes"] },
            { "redis without a connection string", ["--GlobalBrain:Cluster:Provider", "redis"], 2, ["GlobalBrain:Cluster:Redis", "GlobalBrain__Cluster__Redis"] },
            { "bad connection string", ["--GlobalBrain:Cluster:Provider", "redis", "--GlobalBrain:Cluster:Redis", "127.0.0.1:6379,bogus=1"], 2, ["GlobalBrain__Cluster__Redis", "bogus"] },
            { "redis storage without Redis", ["--GlobalBrain:Storage:Provider", "redis"], 2, ["GlobalBrain:Cluster:Redis", "GlobalBrain:Storage:Provider = redis"] },
            { "unknown storage", ["--GlobalBrain:Storage:Provider", "disk"], 2, ["GlobalBrain__Storage__Provider", "memory, redis"] },
            { "kubernetes outside a pod", ["--GlobalBrain:Cluster:Provider", "kubernetes", "--GlobalBrain:Cluster:Redis", "127.0.0.1:" + closed], 2, ["POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID", "KUBERNETES_SERVICE_HOST"] },
            { "kubernetes without Redis", ["--GlobalBrain:Cluster:Provider", "kubernetes"], 2, ["GlobalBrain__Cluster__Redis", "cluster membership"] },
            { "unresolvable advertised address", ["--GlobalBrain:Cluster:Provider", "redis", "--GlobalBrain:Cluster:Redis", "127.0.0.1:" + closed, "--GlobalBrain:Cluster:AdvertisedAddress", "no-such-host.invalid"], 2, ["GlobalBrain__Cluster__AdvertisedAddress"] },
            { "negative shutdown timeout", ["--GlobalBrain:Cluster:ShutdownTimeout", "-00:00:05"], 2, ["GlobalBrain__Cluster__ShutdownTimeout"] },
            { "membership option of the wrong type", ["--Orleans:Membership:ProbeTimeout", "soon"], 2, ["Orleans:Membership:ProbeTimeout", "soon"] },
            { "nothing listens at the Redis address", ["--GlobalBrain:Cluster:Provider", "redis", "--GlobalBrain:Cluster:Redis", "127.0.0.1:" + closed], 1, ["cannot reach Redis at 127.0.0.1:" + closed, "GlobalBrain__Cluster__Redis"] },
        };
    }

    [Theory]
    [MemberData(nameof(BadSilos))]
    public async Task A_silo_with_a_bad_setting_exits_with_a_message_naming_it(string problem, string[] settings, int exitCode, string[] mentions)
    {
        var silo = ServerProcess.Start(
            "silo with " + problem,
            "dotnet",
            [SiloCommandLine.Dll, "--urls", SiloCommandLine.Url(FreePorts.Next()), .. settings],
            AppContext.BaseDirectory);
        using (silo)
        {
            Assert.Equal(exitCode, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        var output = silo.Log;
        Assert.StartsWith("globalbrain-silo: ", output, StringComparison.Ordinal);
        foreach (var mention in mentions)
        {
            Assert.Contains(mention, output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis://", 2, "GlobalBrain__Cluster__Redis")]
    [InlineData("redis://127.0.0.1:6379,bogus=1", 2, "not a valid Redis connection string")]
    [InlineData("127.0.0.1:0", 2, "HOST:PORT")]
    [InlineData("127.0.0.1:6379,nonsense", 2, "HOST:PORT")]
    public async Task The_cli_refuses_a_bad_cluster_address(string cluster, int exitCode, string mention)
    {
        var result = await ClusterProcesses.RunCliAsync(
            ["metrics", "--cluster", cluster],
            new Dictionary<string, string> { ["GlobalBrain__Cluster__Redis"] = "" });
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Contains(mention, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_says_when_no_cluster_answers_in_redis()
    {
        var closed = SiloCommandLine.Invariant(FreePorts.Next());
        var result = await ClusterProcesses.RunCliAsync(["metrics", "--cluster", "redis://127.0.0.1:" + closed]);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("cannot reach the cluster in Redis at 127.0.0.1:" + closed, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_gives_up_on_a_gateway_that_does_not_answer_within_15_seconds()
    {
        var closed = SiloCommandLine.Invariant(FreePorts.Next());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await ClusterProcesses.RunCliAsync(["metrics", "--cluster", "127.0.0.1:" + closed]);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"it took {clock.Elapsed.TotalSeconds:F1} s to give up");
        Assert.Contains("cannot reach the cluster at 127.0.0.1:" + closed + " within 10 s", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }
}
