using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Tokenization;
using Orleans.Concurrency;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>Tokenizes batches on the silo that calls it; Orleans keeps up to one activation per core.</summary>
[StatelessWorker]
public sealed class TokenizerGrain(ILocalSiloDetails silo, EncoderResolver resolver) : Grain, ITokenizerGrain
{
    private readonly string _silo = silo.SiloAddress.ToParsableString();

    public async Task<EncodedBatch> EncodeAsync(TokenizerSpec tokenizer, DocumentInput[] documents, bool records)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(documents);
        var (encoder, overflow) = await resolver.ResolveAsync(tokenizer);
        var encoded = new List<EncodedDocument>(documents.Length);
        var framed = records ? new List<FramedRecord>() : null;
        var output = records ? new List<EncodedRecord>(documents.Length) : null;
        List<DocumentRejection>? rejected = null;
        foreach (var document in documents)
        {
            if (string.IsNullOrWhiteSpace(document.Text))
            {
                (rejected ??= []).Add(new DocumentRejection(document.Id, RejectionReason.Empty.Code(), "the document has no text"));
                continue;
            }

            try
            {
                framed?.Clear();
                var content = RecordFramer.Encode(encoder, document.Text, tokenizer.MaxLength, overflow, framed);
                encoded.Add(new EncodedDocument(document.Id, content));
                if (framed is not null)
                {
                    foreach (var record in framed)
                    {
                        output!.Add(new EncodedRecord(document.Id, record.Chunk, record.InputIds, record.AttentionMask));
                    }
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                // A single odd document must never fail the batch it came in.
                (rejected ??= []).Add(new DocumentRejection(document.Id, RejectionReason.TokenizerFailed.Code(), $"{encoder.Name} could not encode it: {e.Message}"));
            }
        }

        return new EncodedBatch([.. encoded], rejected is null ? [] : [.. rejected], _silo, output is null ? [] : [.. output]);
    }
}
