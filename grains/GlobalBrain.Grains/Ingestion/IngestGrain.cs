using GlobalBrain.Grains.Placement;
using GlobalBrain.Grains.Quality;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>
/// The ingest front of one silo. Reentrant, so that several batches are in flight at once and
/// the silo's tokenizer workers run on all its cores; its own turns only route. It works on at
/// most <see cref="IngestOptions.MaxBatchesInFlight"/> batches; a batch that finds no place within
/// <see cref="IngestOptions.QueueTimeout"/> is refused with <see cref="IngestBusyException"/>
/// before anything of it is done, so however many clients send, the silo's memory stays bounded
/// and the senders slow down. Screening (<see cref="ScreenAsync"/>) takes a place the same way.
/// </summary>
[SiloBoundPlacement, Reentrant]
public sealed class IngestGrain(
    ILocalSiloDetails silo,
    Telemetry.GlobalBrainInstruments instruments,
    Telemetry.QualityInstruments quality,
    TimeProvider time,
    IOptions<IngestOptions> options) : Grain, IIngestGrain, IDisposable
{
    private readonly string _silo = silo.SiloAddress.ToParsableString();
    private readonly SemaphoreSlim _places = new(options.Value.EffectiveMaxBatchesInFlight, options.Value.EffectiveMaxBatchesInFlight);

    public void Dispose() => _places.Dispose();

    public Task<IngestFrontInfo> GetInfoAsync()
    {
        if (!string.Equals(this.GetPrimaryKeyString(), _silo, StringComparison.Ordinal))
        {
            // Placed away from the silo its key names: that silo was gone, or had joined but was not yet known to the
            // silo that placed this front. Discovery leaves a front like this out; it leaves once idle, so that the
            // next discovery places it again — on its silo once that silo is known (else a silo that joined during
            // an ingestion could get no batch until Orleans collected this activation, minutes later).
            DeactivateOnIdle();
        }

        return Task.FromResult(new IngestFrontInfo(_silo, Environment.ProcessorCount));
    }

    public async Task<IngestBatchResult> IngestAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await EnterAsync();
        try
        {
            return await IngestInPlaceAsync(batch);
        }
        finally
        {
            _places.Release();
        }
    }

    public async Task<ScreenedBatch> ScreenAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await EnterAsync();
        try
        {
            return await GrainFactory.GetGrain<ITokenizerGrain>(0).ScreenAsync(batch);
        }
        finally
        {
            _places.Release();
        }
    }

    private async Task EnterAsync()
    {
        if (!await _places.WaitAsync(options.Value.QueueTimeout))
        {
            instruments.IngestBusy.Add(1);
            throw new IngestBusyException(
                $"the ingest front of {_silo} is busy with {options.Value.EffectiveMaxBatchesInFlight} batches (GlobalBrain:Ingest:MaxBatchesInFlight); send the batch again later");
        }
    }

    private async Task<IngestBatchResult> IngestInPlaceAsync(IngestBatch batch)
    {
        ScreenedBatch? screened = null;
        DedupClaim? claim = null;
        if (batch.Filters is { Dedup: not DedupMode.Off } filters)
        {
            // A batch sent straight here (not through the dispatcher, which claims a run's batches in document
            // order): its duplicates are claimed as it arrives, its claimants the batch id and document positions.
            screened = await GrainFactory.GetGrain<ITokenizerGrain>(0).ScreenAsync(batch);
            claim = await new DedupClaimer(GrainFactory, time).ClaimAsync(screened.Passed, filters.Dedup, DedupClaimer.RunOf(batch.BatchId), 0);
            batch = ScreenedCommit.Build(batch, screened, claim.Verdicts);
        }

        EncodedBatch encoded;
        try
        {
            encoded = await GrainFactory.GetGrain<ITokenizerGrain>(0).EncodeAsync(batch);
            var learning = new Task[encoded.Deltas.Length];

            // Batches in flight here besides this one: their deltas are on their way to the same experts (group commit).
            var others = options.Value.EffectiveMaxBatchesInFlight - _places.CurrentCount - 1;
            for (var i = 0; i < learning.Length; i++)
            {
                var (expert, delta) = encoded.Deltas[i];
                learning[i] = GrainFactory.Expert(expert).LearnAsync(others > 0 ? delta with { OthersInFlight = others } : delta);
            }

            await Task.WhenAll(learning);
        }
        catch (Exception e) when (claim is not null && e is not OutOfMemoryException)
        {
            // Not learned: the keys are others' to take (the sender's retry, under the same batch id, claims them again).
            await claim.ReleaseAsync();
            throw;
        }

        if (claim is not null)
        {
            // Learned and stored: the keys are the documents' for good. A failure here reaches the sender, whose retry
            // of the same batch counts nothing twice and confirms again.
            await claim.ConfirmAsync();
        }

        // Documents, tokens and text are counted by the experts when they first store a batch's delta,
        // so a retried batch (a lost answer, another silo) is never counted twice.
        instruments.BatchSize.Record(encoded.Bytes);
        DocumentRejection[] rejected = [.. screened?.Rejected ?? [], .. encoded.Rejected];
        foreach (var rejection in rejected)
        {
            instruments.DocumentsRejected.Add(1, new KeyValuePair<string, object?>("reason", rejection.Reason));
        }

        // Screening counted what it dropped where it ran; the duplicates the sender found are counted here.
        foreach (var duplicates in batch.Dropped)
        {
            quality.Filtered(duplicates);
        }

        return new IngestBatchResult(encoded.Accepted, encoded.Tokens, encoded.Bytes, rejected, encoded.Silo, encoded.Records)
        {
            Filtered = [.. screened?.Filtered ?? [], .. batch.Dropped, .. encoded.Filtered],
            Redacted = [.. screened?.Redacted ?? [], .. encoded.Redacted],
        };
    }
}
