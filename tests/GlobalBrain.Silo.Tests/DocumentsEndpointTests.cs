using System.Net;
using System.Text;
using System.Text.Json;

namespace GlobalBrain.Silo.Tests;

/// <summary>POST /v1/documents and the health probes of a running silo.</summary>
public sealed class DocumentsEndpointTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    [Fact]
    public async Task Health_IsLive_AndBecomesReady()
    {
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync(new Uri("/healthz/live", UriKind.Relative))).StatusCode);
        var ready = await Poll.UntilAsync(
            () => silo.Http.GetAsync(new Uri("/healthz/ready", UriKind.Relative)), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task JsonLines_IngestsValidLines_AndListsTheOthers()
    {
        var body = "{\"id\":\"a\",\"text\":\"the first document of the batch\"}\n{\"id\":\"b\"}\nnot json\n{\"id\":\"c\",\"text\":\"and the last one\"}\n";
        using var response = await Post(body, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, json.RootElement.GetProperty("accepted").GetInt64());
        Assert.Equal(2, json.RootElement.GetProperty("rejected").GetInt64());
        Assert.True(json.RootElement.GetProperty("tokens").GetInt64() > 0);
        var rejections = json.RootElement.GetProperty("rejections").EnumerateArray()
            .Select(r => (r.GetProperty("line").GetInt64(), r.GetProperty("reason").GetString())).ToList();
        Assert.Equal([(2L, "missing_text"), (3L, "malformed_json")], rejections);
    }

    [Fact]
    public async Task ARefusedDocumentOfAnArray_IsListedWithTheIdItWasSentWith()
    {
        using var response = await Post("[{\"id\":\"good\",\"text\":\"kept\"},{\"id\":\"bad-one\",\"text\":42}]", "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var rejection = Assert.Single(json.RootElement.GetProperty("rejections").EnumerateArray());
        Assert.Equal("bad-one", rejection.GetProperty("id").GetString());
        Assert.Equal(2, rejection.GetProperty("line").GetInt64());
    }

    [Fact]
    public async Task JsonArray_IsIngested()
    {
        using var response = await Post("[{\"id\":\"x\",\"text\":\"an array element\"},{\"text\":\"another one\"}]", "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, json.RootElement.GetProperty("accepted").GetInt64());
    }

    [Theory]
    [InlineData("[1,", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"id\":\"a\"}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("hello", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    public async Task UnusableBody_IsRefusedWithTheRightStatus_AndAReason(string body, string contentType, HttpStatusCode expected)
    {
        using var response = await Post(body, contentType);

        Assert.Equal(expected, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(text.Contains("error", StringComparison.Ordinal) || text.Contains("rejections", StringComparison.Ordinal), text);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413()
    {
        var big = "{\"id\":\"big\",\"text\":\"" + new string('x', 70_000) + "\"}\n";
        using var response = await Post(big, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    private Task<HttpResponseMessage> Post(string body, string contentType) =>
        silo.Http.PostAsync(new Uri("/v1/documents", UriKind.Relative), new StringContent(body, Encoding.UTF8, contentType));
}
