using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Tokenization;
using Orleans.Concurrency;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>Tokenizes batches on the silo that calls it; Orleans keeps up to one activation per core.</summary>
[StatelessWorker]
public sealed class TokenizerGrain(ILocalSiloDetails silo) : Grain, ITokenizerGrain
{
    private readonly string _silo = silo.SiloAddress.ToParsableString();

    public Task<EncodedBatch> EncodeAsync(TokenizerSpec tokenizer, DocumentInput[] documents)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(documents);
        var encoder = TextEncoders.Get(tokenizer.Name);
        var encoded = new List<EncodedDocument>(documents.Length);
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
                encoded.Add(new EncodedDocument(document.Id, encoder.Encode(document.Text)));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                // A single odd document must never fail the batch it came in.
                (rejected ??= []).Add(new DocumentRejection(document.Id, RejectionReason.TokenizerFailed.Code(), $"{encoder.Name} could not encode it: {e.Message}"));
            }
        }

        return Task.FromResult(new EncodedBatch([.. encoded], rejected is null ? [] : [.. rejected], _silo));
    }
}
