using System.Net;
using System.Text;
using System.Text.Json;
using GlobalBrain.Silo.Hosting;
using Microsoft.AspNetCore.Builder;

namespace GlobalBrain.Silo.Tests.Api;

/// <summary>
/// The HTTP API takes the data-quality filters from the silo's configuration (GlobalBrain:Quality): with the
/// defaults, exact duplicates are dropped across requests and personal data is redacted; configured, the quality
/// rules and the personal-data drop apply; a wrong setting stops the silo with a line naming it. The answer says
/// what was filtered, and the counters carry filter and reason.
/// </summary>
public sealed class QualityApiTests : IAsyncLifetime
{
    private WebApplication? _app;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task WithTheDefaults_ADuplicateOfAnEarlierRequest_IsFilteredAndCounted_AndPersonalDataRedacted()
    {
        using var http = await StartAsync();

        var first = await PostAsync(http, Line("a", "The experts exchange what they know with their peers; mail ada@example.org for the notes."));
        var second = await PostAsync(http, Line("b", "THE EXPERTS exchange what they know with their peers - mail ada@example.org for the notes!") + Line("c", "An unrelated sentence about gossip between silos."));

        Assert.Equal((1, 0L), (first.GetProperty("accepted").GetInt64(), first.GetProperty("filtered").GetInt64()));
        Assert.Equal(1, second.GetProperty("accepted").GetInt64());
        Assert.Equal(1, second.GetProperty("filtered").GetInt64());
        Assert.Equal(1, second.GetProperty("filteredByReason").GetProperty("dedup").GetProperty("exact").GetInt64());
        var metrics = (await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Split('\n');
        Assert.Contains(metrics, l => l.StartsWith("globalbrain_documents_filtered_total{", StringComparison.Ordinal) && l.Contains("filter=\"dedup\"", StringComparison.Ordinal) && l.Contains("reason=\"exact\"", StringComparison.Ordinal));
        Assert.Contains(metrics, l => l.StartsWith("globalbrain_pii_redacted_total{", StringComparison.Ordinal) && l.Contains("kind=\"email\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfiguredFilters_DropJunkAndDocumentsWithPersonalData()
    {
        using var http = await StartAsync("--GlobalBrain:Quality:Quality", "default", "--GlobalBrain:Quality:Pii", "drop", "--GlobalBrain:Quality:MinWords", "5");

        var answer = await PostAsync(http,
            Line("short", "too short") +
            Line("mail", "Please write to bob@example.com about the meeting of the experts on the network tomorrow, since several operators asked whether the dashboards could show how quickly new documents reach every silo. We would also like to discuss merging sketches and the exchange rate with everyone who can join.") +
            Line("good", "Knowledge spreads through the network as experts exchange what they have learned with randomly chosen peers. Each exchange merges two sketches, so nothing is counted twice, and after a few rounds every expert holds nearly everything. Operators watch the reach climb on their dashboards while new documents keep arriving from many sources."));

        Assert.Equal(1, answer.GetProperty("accepted").GetInt64());
        var reasons = answer.GetProperty("filteredByReason");
        Assert.Equal(1, reasons.GetProperty("quality").GetProperty("gopher_too_few_words").GetInt64());
        Assert.Equal(1, reasons.GetProperty("pii").GetProperty("email").GetInt64());
    }

    [Theory]
    [InlineData("Dedup", "maybe", "off, exact or near")]
    [InlineData("Pii", "mask", "off, redact or drop")]
    [InlineData("Languages", "en,xx", "'xx'")]
    [InlineData("MaxBoilerplateLineFraction", "1.5", "fraction")]
    [InlineData("TopNGramCharFractions", "2-0.2", "n:fraction")]
    [InlineData("ClaimLease", "00:00:00", "a time span from 00:00:01 to 1.00:00:00")]
    [InlineData("ClaimLease", "5", "a bare number is read as days")]
    public void AWrongQualitySetting_StopsTheSilo_NamingItAndItsVariable(string key, string value, string expected)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => SiloApp.Build(["--urls", "http://127.0.0.1:8080", $"--GlobalBrain:Quality:{key}", value]));

        var problem = Assert.Single(e.Problems);
        Assert.Contains($"GlobalBrain:Quality:{key}", problem, StringComparison.Ordinal);
        Assert.Contains($"GlobalBrain__Quality__{key}", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    private async Task<HttpClient> StartAsync(params string[] settings)
    {
        var port = FreePorts.Next();
        _app = SiloApp.Build([.. SiloCommandLine.OnLoopback(port), "--GlobalBrain:Experts:Count", "2", "--Logging:LogLevel:Default", "Warning", .. settings]);
        await _app.StartAsync();
        return new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    private static string Line(string id, string text) => JsonSerializer.Serialize(new { id, text }) + "\n";

    private static async Task<JsonElement> PostAsync(HttpClient http, string ndjson)
    {
        using var body = new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson");
        using var response = await http.PostAsync(new Uri("/v1/documents", UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
