using System.Collections.Concurrent;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Domain.Tokenization.Bert;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>
/// Turns a <see cref="TokenizerSpec"/> into this silo's shared encoder, fetching and parsing a
/// vocabulary once per silo. Every invalid spec is an <see cref="ArgumentException"/> that says what to change.
/// </summary>
public sealed class EncoderResolver(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ITextEncoder>>> _vocabularies = new(StringComparer.Ordinal);

    public async ValueTask<(ITextEncoder Encoder, OverflowMode Overflow)> ResolveAsync(TokenizerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var overflow = Validate(spec);
        if (!TextEncoders.NeedsVocabulary(spec.Name))
        {
            var encoder = TextEncoders.Get(spec.Name);
            CheckLength(spec, encoder);
            return (encoder, overflow);
        }

        var lazy = _vocabularies.GetOrAdd(spec.Vocabulary!, hash => new Lazy<Task<ITextEncoder>>(() => LoadAsync(hash)));
        try
        {
            var encoder = await lazy.Value;
            CheckLength(spec, encoder);
            return (encoder, overflow);
        }
        catch (ArgumentException)
        {
            // A vocabulary registered later must get its chance.
            _vocabularies.TryRemove(new KeyValuePair<string, Lazy<Task<ITextEncoder>>>(spec.Vocabulary!, lazy));
            throw;
        }
    }

    /// <summary>Checks what can be checked without loading anything; returns the overflow mode.</summary>
    public static OverflowMode Validate(TokenizerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!TextEncoders.IsKnown(spec.Name))
        {
            throw new ArgumentException($"unknown tokenizer '{spec.Name}'; choose one of: {string.Join(", ", TextEncoders.Names)}");
        }

        if (TextEncoders.NeedsVocabulary(spec.Name) && string.IsNullOrEmpty(spec.Vocabulary))
        {
            throw new ArgumentException($"the {spec.Name} tokenizer needs a vocabulary: give --vocab FILE (a vocab.txt or tokenizer.json)");
        }

        return spec.Overflow switch
        {
            TokenizerSpec.Truncate => OverflowMode.Truncate,
            TokenizerSpec.Chunk => OverflowMode.Chunk,
            _ => throw new ArgumentException($"unknown overflow '{spec.Overflow}'; choose {TokenizerSpec.Truncate} or {TokenizerSpec.Chunk}"),
        };
    }

    private static void CheckLength(TokenizerSpec spec, ITextEncoder encoder)
    {
        if (spec.MaxLength is { } max && (max < RecordFramer.MinLength(encoder) || max > RecordFramer.MaxLength))
        {
            throw new ArgumentException($"the fixed length must be from {RecordFramer.MinLength(encoder)} to {RecordFramer.MaxLength} for {encoder.Name} (got {max})");
        }
    }

    private async Task<ITextEncoder> LoadAsync(string hash)
    {
        var file = await grains.GetGrain<IVocabularyGrain>(hash).GetAsync()
            ?? throw new ArgumentException($"no vocabulary {hash} is registered with the cluster; the client registers its --vocab file before ingesting");
        try
        {
            return TextEncoders.Bert(WordPieceVocabulary.Parse(file.Content, file.Source));
        }
        catch (VocabularyException e)
        {
            throw new ArgumentException(e.Message);
        }
    }
}
