using System.Diagnostics;
using System.Text;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>
/// Tokenizes batches on the silo that calls it; Orleans keeps up to one activation per core. It also
/// hashes the knowledge items and groups them by expert, so that all per-token work runs here, in
/// parallel, and the ingest front only routes.
/// </summary>
[StatelessWorker]
public sealed class TokenizerGrain(
    ILocalSiloDetails silo,
    EncoderResolver resolver,
    IOptions<ExpertsOptions> experts,
    IOptions<KnowledgeOptions> knowledge,
    Telemetry.GlobalBrainInstruments instruments) : Grain, ITokenizerGrain
{
    private readonly string _silo = silo.SiloAddress.ToParsableString();

    public async Task<EncodedBatch> EncodeAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var started = Stopwatch.GetTimestamp();
        var (encoder, overflow) = await resolver.ResolveAsync(batch.Tokenizer);
        var n = experts.Value.Count;
        var width = knowledge.Value.ShingleWidth;
        var deltas = new Dictionary<int, DeltaBuilder>();
        var framed = batch.ReturnRecords ? new List<FramedRecord>() : null;
        var records = batch.ReturnRecords ? new List<EncodedRecord>(batch.Documents.Length) : null;
        List<DocumentRejection>? rejected = null;
        var accepted = 0;
        long tokens = 0;
        long bytes = 0;
        foreach (var document in batch.Documents)
        {
            bytes += Encoding.UTF8.GetByteCount(document.Text);
            if (string.IsNullOrWhiteSpace(document.Text))
            {
                (rejected ??= []).Add(new DocumentRejection(document.Id, RejectionReason.Empty.Code(), "the document has no text"));
                continue;
            }

            int[] content;
            try
            {
                framed?.Clear();
                content = RecordFramer.Encode(encoder, document.Text, batch.Tokenizer.MaxLength, overflow, framed);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                // A single odd document must never fail the batch it came in.
                (rejected ??= []).Add(new DocumentRejection(document.Id, RejectionReason.TokenizerFailed.Code(), $"{encoder.Name} could not encode it: {e.Message}"));
                continue;
            }

            var expert = ExpertRouting.ExpertFor(document.Id, n);
            if (!deltas.TryGetValue(expert, out var delta))
            {
                deltas[expert] = delta = new DeltaBuilder();
            }

            delta.Add(content, width, Encoding.UTF8.GetByteCount(document.Text));
            accepted++;
            tokens += content.Length;
            if (framed is not null)
            {
                foreach (var record in framed)
                {
                    records!.Add(new EncodedRecord(document.Id, record.Chunk, record.InputIds, record.AttentionMask));
                }
            }
        }

        instruments.TokenizeDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return new EncodedBatch(
            accepted,
            tokens,
            bytes,
            [.. deltas.Select(d => new ExpertDelta(d.Key, d.Value.Build(batch.BatchId)))],
            rejected is null ? [] : [.. rejected],
            _silo,
            records is null ? [] : [.. records]);
    }

    private sealed class DeltaBuilder
    {
        private ulong[] _hashes = new ulong[256];
        private int _count;
        private int _documents;
        private long _tokens;
        private long _bytes;

        public void Add(int[] tokenIds, int width, long bytes)
        {
            var items = KnowledgeItems.Count(tokenIds.Length, width);
            if (_count + items > _hashes.Length)
            {
                Array.Resize(ref _hashes, Math.Max(_hashes.Length * 2, _count + items));
            }

            _count += KnowledgeItems.Hash(tokenIds, width, _hashes.AsSpan(_count));
            _documents++;
            _tokens += tokenIds.Length;
            _bytes += bytes;
        }

        public KnowledgeDelta Build(Guid batchId) => new(batchId, _documents, _tokens, _hashes[.._count], _bytes);
    }
}
