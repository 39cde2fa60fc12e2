using GlobalBrain.Grains.Placement;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>
/// The ingest front of one silo. Reentrant, so that several batches are in flight at once and
/// the silo's tokenizer workers run on all its cores; its own turns only route. It works on at
/// most <see cref="IngestOptions.MaxBatchesInFlight"/> batches; a batch that finds no place within
/// <see cref="IngestOptions.QueueTimeout"/> is refused with <see cref="IngestBusyException"/>
/// before anything of it is done, so however many clients send, the silo's memory stays bounded
/// and the senders slow down.
/// </summary>
[SiloBoundPlacement, Reentrant]
public sealed class IngestGrain(ILocalSiloDetails silo, Telemetry.GlobalBrainInstruments instruments, IOptions<IngestOptions> options) : Grain, IIngestGrain, IDisposable
{
    private readonly string _silo = silo.SiloAddress.ToParsableString();
    private readonly SemaphoreSlim _places = new(options.Value.EffectiveMaxBatchesInFlight, options.Value.EffectiveMaxBatchesInFlight);

    public void Dispose() => _places.Dispose();

    public Task<IngestFrontInfo> GetInfoAsync() => Task.FromResult(new IngestFrontInfo(_silo, Environment.ProcessorCount));

    public async Task<IngestBatchResult> IngestAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!await _places.WaitAsync(options.Value.QueueTimeout))
        {
            instruments.IngestBusy.Add(1);
            throw new IngestBusyException(
                $"the ingest front of {_silo} is busy with {options.Value.EffectiveMaxBatchesInFlight} batches (GlobalBrain:Ingest:MaxBatchesInFlight); send the batch again later");
        }

        try
        {
            return await IngestInPlaceAsync(batch);
        }
        finally
        {
            _places.Release();
        }
    }

    private async Task<IngestBatchResult> IngestInPlaceAsync(IngestBatch batch)
    {
        var encoded = await GrainFactory.GetGrain<ITokenizerGrain>(0).EncodeAsync(batch);
        var learning = new Task[encoded.Deltas.Length];
        for (var i = 0; i < learning.Length; i++)
        {
            var (expert, delta) = encoded.Deltas[i];
            learning[i] = GrainFactory.GetGrain<IExpertGrain>(expert).LearnAsync(delta);
        }

        await Task.WhenAll(learning);

        // Documents, tokens and text are counted by the experts when they first store a batch's delta,
        // so a retried batch (a lost answer, another silo) is never counted twice.
        instruments.BatchSize.Record(encoded.Bytes);
        foreach (var rejection in encoded.Rejected)
        {
            instruments.DocumentsRejected.Add(1, new KeyValuePair<string, object?>("reason", rejection.Reason));
        }

        return new IngestBatchResult(encoded.Accepted, encoded.Tokens, encoded.Bytes, encoded.Rejected, encoded.Silo, encoded.Records);
    }
}
