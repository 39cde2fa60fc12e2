using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GlobalBrain.Silo.Hosting;

namespace GlobalBrain.Silo.Tests.Api;

/// <summary>
/// The API key: /v1 needs it (either header), /metrics and /healthz never do and are served on the metrics
/// port, which serves nothing else; beyond loopback the silo does not start without a key.
/// </summary>
[Collection(SecuredSiloDefinition.Name)]
public sealed class ApiKeyTests(SecuredSiloFixture silo)
{
    private const string Body = "{\"id\":\"k\",\"text\":\"a document behind the key\"}\n";

    [Theory]
    [InlineData("no key", null, null, "an API key is required")]
    [InlineData("wrong bearer token", "Bearer", "test-key-0123456789abcdeX", "not valid")]
    [InlineData("key as a basic credential", "Basic", SecuredSiloFixture.Key, "an API key is required")]
    [InlineData("wrong X-Api-Key", "X-Api-Key", "short", "not valid")]
    [InlineData("key with a prefix", "X-Api-Key", "x" + SecuredSiloFixture.Key, "not valid")]
    [InlineData("prefix of the key", "Bearer", "test-key-0123456789abcde", "not valid")]
    public async Task Documents_WithoutTheRightKey_Is401WithAJsonErrorAndABearerChallenge(string _, string? scheme, string? credential, string fragment)
    {
        var before = await silo.TotalsAsync();
        using var request = Post(Body);
        if (scheme == "X-Api-Key")
        {
            request.Headers.Add("X-Api-Key", credential);
        }
        else if (scheme is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(scheme, credential);
        }

        using var response = await silo.Anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        Assert.Contains(fragment, json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SecuredSiloFixture.Key, text, StringComparison.Ordinal);
        Assert.Equal(before, await silo.TotalsAsync());
    }

    [Theory]
    [InlineData("Authorization", "Bearer " + SecuredSiloFixture.Key)]
    [InlineData("Authorization", "bearer " + SecuredSiloFixture.Key)]
    [InlineData("X-Api-Key", SecuredSiloFixture.Key)]
    public async Task Documents_WithTheKeyInEitherHeader_AreIngested(string header, string value)
    {
        var before = await silo.TotalsAsync();
        using var request = Post(Body);
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await silo.Anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before.Documents + 1, (await silo.TotalsAsync()).Documents);
    }

    [Theory]
    [InlineData("/healthz/live")]
    [InlineData("/healthz/ready")]
    [InlineData("/metrics")]
    public async Task MetricsPort_ServesProbesAndMetrics_WithoutAKey(string path)
    {
        using var response = await PollUntilOk(silo.Metrics, path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Refusals_AreCountedByStatus_InTheMetrics()
    {
        using (var refused = await silo.Anonymous.SendAsync(Post(Body)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The exporter caches a scrape briefly: look again until the refusal shows.
        static bool Refused401(string text) =>
            text.Split('\n').Any(l => l.StartsWith("globalbrain_api_refused_total{", StringComparison.Ordinal) && l.Contains("status=\"401\"", StringComparison.Ordinal));
        var text = await Poll.UntilAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
                using var scrape = await silo.Metrics.SendAsync(request);
                return await scrape.Content.ReadAsStringAsync();
            },
            Refused401,
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(200));

        Assert.True(
            Refused401(text),
            $"no globalbrain_api_refused_total{{status=\"401\"}} after a refused request:\n{string.Join('\n', text.Split('\n').Where(l => l.Contains("globalbrain_api", StringComparison.Ordinal)))}");
    }

    [Fact]
    public async Task ApiPort_StillServesTheProbes_WithoutAKey_ButNotMetrics()
    {
        using var live = await silo.Anonymous.GetAsync(new Uri("/healthz/live", UriKind.Relative));
        using var metrics = await silo.Anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
    }

    [Fact]
    public async Task MetricsPort_DoesNotServeTheApi_EvenWithTheKey()
    {
        using var request = Post(Body);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SecuredSiloFixture.Key);
        // A Host header naming the API port must not matter: the port the connection came in on does.
        request.Headers.Host = $"127.0.0.1:{silo.ApiPort.ToString(CultureInfo.InvariantCulture)}";

        using var response = await silo.Metrics.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://10.1.2.3:8080")]
    [InlineData("http://silo.example:8080")]
    [InlineData("http://127.0.0.1:8080;http://0.0.0.0:8081")]
    public void BeyondLoopback_WithoutAKey_TheSiloRefusesToStart_SayingHowToSetOne(string urls)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => SiloApp.Build(["--urls", urls]));

        var problem = Assert.Single(e.Problems);
        Assert.Contains("GlobalBrain:Api:Key", problem, StringComparison.Ordinal);
        Assert.Contains("GlobalBrain__Api__Key", problem, StringComparison.Ordinal);
        Assert.Contains("Secret", problem, StringComparison.Ordinal);
        Assert.Contains("beyond loopback", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080", SecuredSiloFixture.Key)]
    [InlineData("http://127.0.0.1:8080", null)]
    [InlineData("http://localhost:8080;http://[::1]:8081", null)]
    [InlineData("http://127.0.0.1:8080", SecuredSiloFixture.Key)]
    public async Task WithAKey_OrOnLoopbackOnly_TheSiloBuilds(string urls, string? key)
    {
        // Built, never started: no port is bound.
        string[] args = key is null ? ["--urls", urls] : ["--urls", urls, "--GlobalBrain:Api:Key", key];
        await using var app = SiloApp.Build(args);

        Assert.NotNull(app);
    }

    [Theory]
    [InlineData("0123456789abcde", "shorter than 16 characters")]
    [InlineData("0123456789abcdef 0123", "visible ASCII")]
    [InlineData("0123456789abcdef0123\n", "trailing newline")]
    [InlineData("0123456789abcdef0123é", "visible ASCII")]
    public void AnUnusableKey_IsRefusedAtStart_WithoutPrintingIt(string key, string fragment)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => SiloApp.Build(["--urls", "http://127.0.0.1:8080", "--GlobalBrain:Api:Key", key]));

        var problem = Assert.Single(e.Problems);
        Assert.Contains("GlobalBrain__Api__Key", problem, StringComparison.Ordinal);
        Assert.Contains(fragment, problem, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Trim(), problem, StringComparison.Ordinal);
    }

    private static HttpRequestMessage Post(string body) =>
        new(HttpMethod.Post, new Uri("/v1/documents", UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };

    /// <summary>The first success, or the last answer at the deadline (the earlier ones disposed).</summary>
    private static Task<HttpResponseMessage> PollUntilOk(HttpClient http, string path)
    {
        HttpResponseMessage? last = null;
        return Poll.UntilAsync(
            async () =>
            {
                last?.Dispose();
                return last = await http.GetAsync(new Uri(path, UriKind.Relative));
            },
            response => response.IsSuccessStatusCode,
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(100));
    }
}
