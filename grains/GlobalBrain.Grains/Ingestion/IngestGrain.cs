using System.Text;
using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Placement;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>
/// The ingest front of one silo. Reentrant, so that several batches are in flight at once and
/// the silo's tokenizer workers run on all its cores; its own turns only route and hash.
/// </summary>
[SiloBoundPlacement, Reentrant]
public sealed class IngestGrain(
    ILocalSiloDetails silo,
    IOptions<ExpertsOptions> experts,
    IOptions<KnowledgeOptions> knowledge) : Grain, IIngestGrain
{
    private readonly string _silo = silo.SiloAddress.ToParsableString();

    public Task<IngestFrontInfo> GetInfoAsync() => Task.FromResult(new IngestFrontInfo(_silo, Environment.ProcessorCount));

    public async Task<IngestBatchResult> IngestAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var encoded = await GrainFactory.GetGrain<ITokenizerGrain>(0).EncodeAsync(batch.Tokenizer, batch.Documents, batch.ReturnRecords);
        var n = experts.Value.Count;
        var width = knowledge.Value.ShingleWidth;
        var deltas = new Dictionary<int, DeltaBuilder>();
        long tokens = 0;
        foreach (var document in encoded.Documents)
        {
            var expert = ExpertRouting.ExpertFor(document.Id, n);
            if (!deltas.TryGetValue(expert, out var delta))
            {
                deltas[expert] = delta = new DeltaBuilder();
            }

            delta.Add(document.InputIds, width);
            tokens += document.InputIds.Length;
        }

        var learning = new List<Task>(deltas.Count);
        foreach (var (expert, delta) in deltas)
        {
            learning.Add(GrainFactory.GetGrain<IExpertGrain>(expert).LearnAsync(delta.Build(batch.BatchId)));
        }

        await Task.WhenAll(learning);
        long bytes = 0;
        foreach (var document in batch.Documents)
        {
            bytes += Encoding.UTF8.GetByteCount(document.Text);
        }

        return new IngestBatchResult(encoded.Documents.Length, tokens, bytes, encoded.Rejected, encoded.Silo, encoded.Records);
    }

    private sealed class DeltaBuilder
    {
        private ulong[] _hashes = new ulong[256];
        private int _count;
        private int _documents;
        private long _tokens;

        public void Add(int[] tokenIds, int width)
        {
            var items = KnowledgeItems.Count(tokenIds.Length, width);
            if (_count + items > _hashes.Length)
            {
                Array.Resize(ref _hashes, Math.Max(_hashes.Length * 2, _count + items));
            }

            _count += KnowledgeItems.Hash(tokenIds, width, _hashes.AsSpan(_count));
            _documents++;
            _tokens += tokenIds.Length;
        }

        public KnowledgeDelta Build(Guid batchId) => new(batchId, _documents, _tokens, _hashes[.._count]);
    }
}
