using GlobalBrain.Grains.Placement;
using Orleans.Concurrency;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>
/// The ingest front of one silo. Reentrant, so that several batches are in flight at once and
/// the silo's tokenizer workers run on all its cores; its own turns only route.
/// </summary>
[SiloBoundPlacement, Reentrant]
public sealed class IngestGrain(ILocalSiloDetails silo, Telemetry.GlobalBrainInstruments instruments) : Grain, IIngestGrain
{
    private readonly string _silo = silo.SiloAddress.ToParsableString();

    public Task<IngestFrontInfo> GetInfoAsync() => Task.FromResult(new IngestFrontInfo(_silo, Environment.ProcessorCount));

    public async Task<IngestBatchResult> IngestAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var encoded = await GrainFactory.GetGrain<ITokenizerGrain>(0).EncodeAsync(batch);
        var learning = new Task[encoded.Deltas.Length];
        for (var i = 0; i < learning.Length; i++)
        {
            var (expert, delta) = encoded.Deltas[i];
            learning[i] = GrainFactory.GetGrain<IExpertGrain>(expert).LearnAsync(delta);
        }

        await Task.WhenAll(learning);
        instruments.DocumentsIngested.Add(encoded.Accepted);
        instruments.Tokens.Add(encoded.Tokens);
        instruments.Text.Add(encoded.Bytes);
        instruments.BatchSize.Record(encoded.Bytes);
        foreach (var rejection in encoded.Rejected)
        {
            instruments.DocumentsRejected.Add(1, new KeyValuePair<string, object?>("reason", rejection.Reason));
        }

        return new IngestBatchResult(encoded.Accepted, encoded.Tokens, encoded.Bytes, encoded.Rejected, encoded.Silo, encoded.Records);
    }
}
