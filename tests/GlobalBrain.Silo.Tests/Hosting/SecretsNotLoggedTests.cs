using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace GlobalBrain.Silo.Tests.Hosting;

/// <summary>
/// The Redis password (in GlobalBrain:Cluster:Redis) and the API key appear in no line the silo prints —
/// at debug level, on a failed start, on refused requests — whatever goes wrong.
/// </summary>
public sealed class SecretsNotLoggedTests
{
    private const string RedisPassword = "redis-pw-7f3a9c1e5b";
    private const string ApiKey = "api-key-4d8e2b6f0a1c3e5g";

    [Theory]
    [InlineData("nothing listens at the Redis address", 1, "cannot reach Redis at 127.0.0.1:")]
    [InlineData("a malformed connection string", 2, "not a valid Redis connection string")]
    public async Task BadRedis_StopsTheSilo_WithoutPrintingThePasswordOrTheKey(string problem, int exitCode, string mention)
    {
        var redis = problem.StartsWith("nothing", StringComparison.Ordinal)
            ? $"127.0.0.1:{SiloCommandLine.Invariant(FreePorts.Next())},password={RedisPassword}"
            : $"127.0.0.1:6379,password={RedisPassword},bogus=1";
        using var silo = SiloProcesses.StartSilo(problem, Settings(redis));

        Assert.Equal(exitCode, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains(mention, silo.Log, StringComparison.Ordinal);
        AssertNoSecret(silo.Log);
    }

    [SkippableFact]
    public async Task WrongRedisPassword_StopsTheSilo_WithoutPrintingEitherPassword()
    {
        var started = await SiloProcesses.StartRedisAsync("the-right-redis-password");
        Skip.If(started is null, "redis-server is not on PATH: run `bash .ci/setup` (or apt-get install redis-server)");
        using var redis = started.Value.Server;
        using var silo = SiloProcesses.StartSilo("silo with a wrong Redis password", Settings($"127.0.0.1:{SiloCommandLine.Invariant(started.Value.Port)},password={RedisPassword}"));

        Assert.Equal(1, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("refused the credentials", silo.Log, StringComparison.Ordinal);
        AssertNoSecret(silo.Log);
        Assert.DoesNotContain("the-right-redis-password", silo.Log, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task RunningSiloOnRedis_LoggingAtDebug_RefusingRequests_AndStopping_NeverPrintsThePasswordOrTheKey()
    {
        var started = await SiloProcesses.StartRedisAsync(RedisPassword);
        Skip.If(started is null, "redis-server is not on PATH: run `bash .ci/setup` (or apt-get install redis-server)");
        using var redis = started.Value.Server;
        var api = FreePorts.Next();
        using var silo = SiloProcesses.StartSilo("silo on Redis at debug level", [
            .. Settings($"127.0.0.1:{SiloCommandLine.Invariant(started.Value.Port)},password={RedisPassword}"),
            "--urls", SiloCommandLine.Url(api),
            "--Logging:LogLevel:Default", "Debug",
            "--Logging:LogLevel:GlobalBrain", "Debug",
            "--Logging:LogLevel:Microsoft", "Debug",
            "--Logging:LogLevel:Polly", "Debug",
            "--Orleans:Membership:ProbeTimeout", "00:00:01",
        ]);
        using var http = new HttpClient { BaseAddress = new Uri(SiloCommandLine.Url(api)), Timeout = TimeSpan.FromSeconds(30) };
        await silo.WaitUntilReadyAsync(http, "/healthz/ready", TimeSpan.FromSeconds(120));

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, ApiKey[..^1] + "X")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, ApiKey)).StatusCode);
        Assert.Equal(0, await silo.StopGracefullyAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("Refused POST /v1/documents", silo.Log, StringComparison.Ordinal);
        AssertNoSecret(silo.Log);
    }

    private static string[] Settings(string redis) =>
    [
        "--GlobalBrain:Cluster:Provider", "redis",
        "--GlobalBrain:Storage:Provider", "redis",
        "--GlobalBrain:Cluster:AdvertisedAddress", "127.0.0.1",
        "--GlobalBrain:Cluster:Redis", redis,
        "--GlobalBrain:Cluster:ClusterId", "secrets-" + Guid.NewGuid().ToString("N"),
        "--GlobalBrain:Api:Key", ApiKey,
    ];

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/documents", UriKind.Relative))
        {
            Content = new StringContent("{\"id\":\"s\",\"text\":\"nothing secret in here\"}\n", Encoding.UTF8, "application/x-ndjson"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await http.SendAsync(request);
    }

    private static void AssertNoSecret(string output)
    {
        Assert.DoesNotContain(RedisPassword, output, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, output, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey[..12], output, StringComparison.Ordinal);
    }
}
