using System.Security.Cryptography;
using GlobalBrain.Domain.Tokenization.Bert;
using GlobalBrain.Grains.Hosting;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>Holds one vocabulary file, keyed by its SHA-256, for the tokenizer workers of every silo.</summary>
public sealed class VocabularyGrain(
    [PersistentState("vocabulary", GlobalBrainSiloBuilderExtensions.ShardStorage)] IPersistentState<VocabularyState> state) : Grain, IVocabularyGrain
{
    public async Task RegisterAsync(VocabularyFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (state.State.File is not null)
        {
            return;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(file.Content));
        if (hash != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"the vocabulary '{file.Source}' hashes to {hash}, not to the key it was registered under");
        }

        try
        {
            // Refuse a file no silo could use before any batch depends on it.
            WordPieceVocabulary.Parse(file.Content, file.Source);
        }
        catch (VocabularyException e)
        {
            throw new ArgumentException(e.Message);
        }

        state.State.File = file;
        await state.WriteStateAsync();
    }

    public Task<VocabularyFile?> GetAsync() => Task.FromResult(state.State.File);
}

[GenerateSerializer, Alias("GlobalBrain.VocabularyState")]
public sealed class VocabularyState
{
    [Id(0)]
    public VocabularyFile? File { get; set; }
}
