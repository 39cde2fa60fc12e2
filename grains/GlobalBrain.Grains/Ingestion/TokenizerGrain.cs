using System.Diagnostics;
using System.Text;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Quality;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>
/// Tokenizes batches on the silo that calls it; Orleans keeps up to one activation per core. It also
/// hashes the knowledge items and groups them by expert, so that all per-token work runs here, in
/// parallel, and the ingest front only routes. The data-quality filters run here too, before tokenizing:
/// inside <see cref="EncodeAsync"/> when the batch's filters need no cluster-wide decision, or as
/// <see cref="ScreenAsync"/> (filters and duplicate keys, no tokens) when duplicates are to be claimed first.
/// </summary>
[StatelessWorker]
public sealed class TokenizerGrain(
    ILocalSiloDetails silo,
    EncoderResolver resolver,
    IOptions<ExpertsOptions> experts,
    IOptions<KnowledgeOptions> knowledge,
    LanguageDetectors detectors,
    Telemetry.GlobalBrainInstruments instruments,
    Telemetry.QualityInstruments quality) : Grain, ITokenizerGrain
{
    private readonly string _silo = silo.SiloAddress.ToParsableString();

    public Task<ScreenedBatch> ScreenAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var screener = new DocumentScreener(batch.Filters ?? IngestFilters.Off, detectors);
        var passed = new List<ScreenedDocument>(batch.Documents.Length);
        var tally = new FilterTally();
        List<DocumentRejection>? rejected = null;
        for (var i = 0; i < batch.Documents.Length; i++)
        {
            var document = batch.Documents[i];
            if (string.IsNullOrWhiteSpace(document.Text))
            {
                (rejected ??= []).Add(new DocumentRejection(document.Id, RejectionReason.Empty.Code(), "the document has no text"));
                continue;
            }

            var outcome = screener.Screen(document.Text, keys: true);
            if (!outcome.Passed)
            {
                tally.Filtered(outcome.Filter!, outcome.Reason!, outcome.Language);
                continue;
            }

            tally.Redacted(outcome.Redacted);
            passed.Add(new ScreenedDocument(
                i,
                outcome.Language,
                ReferenceEquals(outcome.Text, document.Text) ? null : outcome.Text,
                (ulong)outcome.ExactKey,
                (ulong)(outcome.ExactKey >> 64),
                outcome.Bands));
        }

        var screened = new ScreenedBatch([.. passed], tally.FilteredCounts(), rejected is null ? [] : [.. rejected], tally.RedactedCounts(), _silo);
        Count(screened.Filtered, screened.Redacted, passed.Select(p => p.Language));
        return Task.FromResult(screened);
    }

    public async Task<EncodedBatch> EncodeAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var started = Stopwatch.GetTimestamp();
        var (encoder, overflow) = await resolver.ResolveAsync(batch.Tokenizer);
        var screener = batch.Filters is { Screens: true } filters ? new DocumentScreener(filters, detectors) : null;
        var tally = screener is null ? null : new FilterTally();
        var languages = screener is null ? null : new List<string?>();
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
            var inputBytes = Encoding.UTF8.GetByteCount(document.Text);
            bytes += inputBytes;
            if (string.IsNullOrWhiteSpace(document.Text))
            {
                (rejected ??= []).Add(new DocumentRejection(document.Id, RejectionReason.Empty.Code(), "the document has no text"));
                continue;
            }

            var text = document.Text;
            var language = document.Language;
            if (screener is not null)
            {
                // Duplicates are not decided here: a batch whose filters drop them is screened and claimed first.
                var outcome = screener.Screen(text, keys: false);
                if (!outcome.Passed)
                {
                    tally!.Filtered(outcome.Filter!, outcome.Reason!, outcome.Language);
                    continue;
                }

                tally!.Redacted(outcome.Redacted);
                languages!.Add(outcome.Language);
                text = outcome.Text;
                language = outcome.Language;
            }

            int[] content;
            try
            {
                framed?.Clear();
                content = RecordFramer.Encode(encoder, text, batch.Tokenizer.MaxLength, overflow, framed);
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
                deltas[expert] = delta = new DeltaBuilder(width);
            }

            // Counted again only when a filter rewrote the text (redaction): perf put the second count at ~1.4 % of an embedded bert ingest's CPU.
            delta.Add(content, ReferenceEquals(text, document.Text) ? inputBytes : Encoding.UTF8.GetByteCount(text));
            accepted++;
            tokens += content.Length;
            if (framed is not null)
            {
                foreach (var record in framed)
                {
                    records!.Add(new EncodedRecord(document.Id, record.Chunk, record.InputIds, record.AttentionMask) { Language = language });
                }
            }
        }

        instruments.TokenizeDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        var filtered = tally?.FilteredCounts() ?? [];
        var redacted = tally?.RedactedCounts() ?? [];
        if (tally is not null)
        {
            Count(filtered, redacted, languages!);
        }

        return new EncodedBatch(
            accepted,
            tokens,
            bytes,
            [.. deltas.Select(d => new ExpertDelta(d.Key, d.Value.Build(batch.BatchId)))],
            rejected is null ? [] : [.. rejected],
            _silo,
            records is null ? [] : [.. records])
        {
            Filtered = filtered,
            Redacted = redacted,
        };
    }

    private void Count(FilterCount[] filtered, RedactionCount[] redacted, IEnumerable<string?> languages)
    {
        foreach (var count in filtered)
        {
            quality.Filtered(count);
        }

        foreach (var count in redacted)
        {
            quality.Redacted(count);
        }

        foreach (var group in languages.OfType<string>().GroupBy(l => l, StringComparer.Ordinal))
        {
            quality.Passed(group.Key, group.Count());
        }
    }

    /// <summary>
    /// One expert's share of a batch. The documents' tokens are kept until <see cref="Build"/>, which hashes their
    /// items straight into an array of the exact size, left unzeroed: no array grown and copied on the way (this
    /// took an embedded bert ingest pass from 51 to 27 MB allocated; see README, *End-to-end ingest vs raw*).
    /// </summary>
    private sealed class DeltaBuilder(int width)
    {
        private readonly List<int[]> _documents = [];
        private int _items;
        private long _tokens;
        private long _bytes;

        public void Add(int[] tokenIds, long bytes)
        {
            _items = checked(_items + KnowledgeItems.Count(tokenIds.Length, width));
            _documents.Add(tokenIds);
            _tokens += tokenIds.Length;
            _bytes += bytes;
        }

        public KnowledgeDelta Build(Guid batchId)
        {
            var hashes = GC.AllocateUninitializedArray<ulong>(_items);
            var written = 0;
            foreach (var tokenIds in _documents)
            {
                written += KnowledgeItems.Hash(tokenIds, width, hashes.AsSpan(written));
            }

            return new(batchId, _documents.Count, _tokens, hashes, _bytes);
        }
    }
}
