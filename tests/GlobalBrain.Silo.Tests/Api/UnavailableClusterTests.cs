using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GlobalBrain.Grains;
using GlobalBrain.Silo.Api;
using GlobalBrain.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime;

namespace GlobalBrain.Silo.Tests.Api;

/// <summary>
/// A cluster that cannot take some batches (its ingest fronts fail them on every attempt, for
/// GlobalBrain:Api:RetryFor): 503 with Retry-After, the documents that did go in counted and
/// answered as accepted, the others listed as ingest_failed.
/// </summary>
public sealed class UnavailableClusterTests : IAsyncLifetime
{
    private readonly FailingFronts _fronts = new();
    private WebApplication _app = null!;

    private HttpClient Http { get; set; } = null!;

    public async Task InitializeAsync()
    {
        var api = FreePorts.Next();
        _app = SiloApp.Build(
        [
            "--urls", $"http://127.0.0.1:{Text(api)}",
            "--GlobalBrain:Cluster:SiloPort", Text(FreePorts.Next()),
            "--GlobalBrain:Cluster:GatewayPort", Text(FreePorts.Next()),
            "--GlobalBrain:Experts:Count", "4",
            "--GlobalBrain:Api:RetryFor", "00:00:00.3",
            // These tests are about the API's mechanics; their bodies repeat and differ only in numbers, which are
            // exact duplicates once normalised (digits fold to 0). QualityApiTests covers the filters.
            "--GlobalBrain:Quality:Dedup", "off",
            "--Logging:LogLevel:Default", "Error",
        ],
        services => services.Replace(ServiceDescriptor.Singleton(provider => new IngestService(
            new FailingGrainFactory(provider.GetRequiredService<IGrainFactory>(), _fronts),
            TimeProvider.System,
            provider.GetRequiredService<GlobalBrain.Grains.Hosting.RandomSource>(),
            provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<GlobalBrainApiOptions>>(),
            provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<GlobalBrain.Grains.Quality.QualitySettings>>()))));
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Text(api)}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task BatchesTheClusterCannotTake_Answer503WithRetryAfter_AndTheOthersStillCount()
    {
        // 1,100 documents make three batches (512 documents each at most); the middle one always fails.
        var documents = Enumerable.Range(0, 1_100).Select(i => (Id: (i is >= 512 and < 1024 ? "fail-" : "ok-") + Text(i), Text: $"document number {i} for the experts")).ToList();
        var body = string.Concat(documents.Select(d => $"{{\"id\":\"{d.Id}\",\"text\":\"{d.Text}\"}}\n"));
        var before = await TotalsAsync();

        using var response = await Http.PostAsync(new Uri("/v1/documents", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(DocumentsEndpoint.ClusterRetryAfterSeconds), response.Headers.RetryAfter?.Delta);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(588, json.RootElement.GetProperty("accepted").GetInt64());
        var failed = json.RootElement.GetProperty("rejections").EnumerateArray().ToList();
        Assert.Equal(512, failed.Count);
        Assert.All(failed, r =>
        {
            Assert.StartsWith("fail-", r.GetProperty("id").GetString(), StringComparison.Ordinal);
            Assert.Equal("ingest_failed", r.GetProperty("reason").GetString());
        });
        Assert.Equal(before.Documents + 588, (await TotalsAsync()).Documents);
    }

    [Fact]
    public async Task NoFrontAnswering_Is503WithRetryAfter_AndAOneLineError()
    {
        _fronts.Down = true;
        try
        {
            var before = await TotalsAsync();

            using var response = await Http.PostAsync(new Uri("/v1/documents", UriKind.Relative), new StringContent("{\"text\":\"nobody takes this\"}\n", Encoding.UTF8, "application/x-ndjson"));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
            Assert.Equal(before, await TotalsAsync());
        }
        finally
        {
            _fronts.Down = false;
        }
    }

    [Fact]
    public async Task ARequestAfterOneNoFrontAnswered_FindsTheFrontsAgain_AndIsCounted()
    {
        _fronts.Down = true;
        using (var refused = await Http.PostAsync(new Uri("/v1/documents", UriKind.Relative), new StringContent("{\"text\":\"nobody takes this\"}\n", Encoding.UTF8, "application/x-ndjson")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        _fronts.Down = false;
        var before = await TotalsAsync();

        using var response = await Http.PostAsync(new Uri("/v1/documents", UriKind.Relative), new StringContent("{\"text\":\"the cluster takes this one\"}\n", Encoding.UTF8, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before.Documents + 1, (await TotalsAsync()).Documents);
    }

    private async Task<(long Documents, long Tokens)> TotalsAsync()
    {
        var metrics = await _app.Services.GetRequiredService<IGrainFactory>().GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        return (metrics.Documents, metrics.Tokens);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Which calls to the ingest fronts fail: every batch holding a "fail-" document, or everything while down.</summary>
    private sealed class FailingFronts
    {
        public volatile bool Down;
    }

    private sealed class FailingFront(IIngestGrain inner, FailingFronts fronts) : IIngestGrain
    {
        public Task<IngestBatchResult> IngestAsync(IngestBatch batch) =>
            fronts.Down || batch.Documents.Any(d => d.Id.StartsWith("fail-", StringComparison.Ordinal))
                ? throw new OrleansException("injected: the front cannot take this batch")
                : inner.IngestAsync(batch);

        public Task<ScreenedBatch> ScreenAsync(IngestBatch batch) =>
            fronts.Down || batch.Documents.Any(d => d.Id.StartsWith("fail-", StringComparison.Ordinal))
                ? throw new OrleansException("injected: the front cannot take this batch")
                : inner.ScreenAsync(batch);

        public Task<IngestFrontInfo> GetInfoAsync() => fronts.Down ? throw new OrleansException("injected: the front is down") : inner.GetInfoAsync();
    }

    /// <summary>The silo's grain factory, with its ingest fronts wrapped in <see cref="FailingFront"/>.</summary>
    private sealed class FailingGrainFactory(IGrainFactory inner, FailingFronts fronts) : IGrainFactory
    {
        public TGrainInterface GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix = null)
            where TGrainInterface : IGrainWithStringKey
        {
            var grain = inner.GetGrain<TGrainInterface>(primaryKey, grainClassNamePrefix);
            return grain is IIngestGrain front ? (TGrainInterface)(object)new FailingFront(front, fronts) : grain;
        }

        public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string? grainClassNamePrefix = null)
            where TGrainInterface : IGrainWithGuidKey => inner.GetGrain<TGrainInterface>(primaryKey, grainClassNamePrefix);

        public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string? grainClassNamePrefix = null)
            where TGrainInterface : IGrainWithIntegerKey => inner.GetGrain<TGrainInterface>(primaryKey, grainClassNamePrefix);

        public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string keyExtension, string? grainClassNamePrefix = null)
            where TGrainInterface : IGrainWithGuidCompoundKey => inner.GetGrain<TGrainInterface>(primaryKey, keyExtension, grainClassNamePrefix);

        public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string keyExtension, string? grainClassNamePrefix = null)
            where TGrainInterface : IGrainWithIntegerCompoundKey => inner.GetGrain<TGrainInterface>(primaryKey, keyExtension, grainClassNamePrefix);

        public TGrainObserverInterface CreateObjectReference<TGrainObserverInterface>(IGrainObserver obj)
            where TGrainObserverInterface : IGrainObserver => inner.CreateObjectReference<TGrainObserverInterface>(obj);

        public void DeleteObjectReference<TGrainObserverInterface>(IGrainObserver obj)
            where TGrainObserverInterface : IGrainObserver => inner.DeleteObjectReference<TGrainObserverInterface>(obj);

        public IGrain GetGrain(Type grainInterfaceType, Guid grainPrimaryKey) => inner.GetGrain(grainInterfaceType, grainPrimaryKey);

        public IGrain GetGrain(Type grainInterfaceType, long grainPrimaryKey) => inner.GetGrain(grainInterfaceType, grainPrimaryKey);

        public IGrain GetGrain(Type grainInterfaceType, string grainPrimaryKey) => inner.GetGrain(grainInterfaceType, grainPrimaryKey);

        public IGrain GetGrain(Type grainInterfaceType, Guid grainPrimaryKey, string keyExtension) => inner.GetGrain(grainInterfaceType, grainPrimaryKey, keyExtension);

        public IGrain GetGrain(Type grainInterfaceType, long grainPrimaryKey, string keyExtension) => inner.GetGrain(grainInterfaceType, grainPrimaryKey, keyExtension);

        public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId)
            where TGrainInterface : IAddressable => inner.GetGrain<TGrainInterface>(grainId);

        public IAddressable GetGrain(GrainId grainId) => inner.GetGrain(grainId);

        public IAddressable GetGrain(GrainId grainId, GrainInterfaceType interfaceType) => inner.GetGrain(grainId, interfaceType);

        public IAddressable GetGrain(Type interfaceType, IdSpan grainKey, string grainClassNamePrefix) => inner.GetGrain(interfaceType, grainKey, grainClassNamePrefix);

        public IAddressable GetGrain(Type interfaceType, IdSpan grainKey) => inner.GetGrain(interfaceType, grainKey);
    }
}
