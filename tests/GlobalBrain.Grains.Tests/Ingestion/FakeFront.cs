using GlobalBrain.Grains.Ingestion;
using Orleans.Runtime;

namespace GlobalBrain.Grains.Tests.Ingestion;

/// <summary>An ingest front without a cluster: it takes a batch (answering for its silo) or fails the first <see cref="FailFirst"/> calls.</summary>
internal sealed class FakeFront(string silo, int cores = 1) : IIngestGrain
{
    private int _calls;

    public string Silo { get; } = silo;

    public int FailFirst { get; init; }

    public int Calls => Volatile.Read(ref _calls);

    public IngestFront Front() => new(this, new IngestFrontInfo(Silo, cores));

    public Task<IngestBatchResult> IngestAsync(IngestBatch batch) =>
        Interlocked.Increment(ref _calls) <= FailFirst
            ? Task.FromException<IngestBatchResult>(new SiloUnavailableException($"injected: {Silo} is going away"))
            : Task.FromResult(new IngestBatchResult(batch.Documents.Length, 10L * batch.Documents.Length, 100L * batch.Documents.Length, [], Silo, []));

    public Task<ScreenedBatch> ScreenAsync(IngestBatch batch) =>
        Interlocked.Increment(ref _calls) <= FailFirst
            ? Task.FromException<ScreenedBatch>(new SiloUnavailableException($"injected: {Silo} is going away"))
            : Task.FromResult(new ScreenedBatch([.. batch.Documents.Select((d, i) => new ScreenedDocument(i, null, null, (ulong)i, 0, null))], [], [], [], Silo));

    public Task<IngestFrontInfo> GetInfoAsync() => Task.FromResult(new IngestFrontInfo(Silo, cores));
}
