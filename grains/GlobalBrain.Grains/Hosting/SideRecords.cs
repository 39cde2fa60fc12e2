using Orleans.Storage;

namespace GlobalBrain.Grains.Hosting;

/// <summary>
/// Records a grain keeps beside its state in the same storage, each under a grain id of its own (the Redis
/// provider keys state by grain id alone, so a second state name on the grain's own id would overwrite its
/// state): an expert's sealed batch-id segments, a duplicate partition's segments.
/// </summary>
internal sealed class SideRecords<TState>(IGrainStorage storage, string stateName, string grainType)
    where TState : new()
{
    private readonly GrainType _type = GrainType.Create(grainType);

    /// <summary>Writes the record <paramref name="key"/>; returns the storage's version of it.</summary>
    public async Task<string?> WriteAsync(string key, TState value)
    {
        var state = new GrainState<TState>(value);
        await storage.WriteStateAsync(stateName, IdOf(key), state);
        return state.ETag;
    }

    /// <summary>The record and its storage version; null when storage does not have it.</summary>
    public async Task<(TState State, string? ETag)?> ReadAsync(string key)
    {
        var state = new GrainState<TState>(new TState());
        await storage.ReadStateAsync(stateName, IdOf(key), state);
        return state.RecordExists ? (state.State ?? new TState(), state.ETag) : null;
    }

    public Task DeleteAsync(string key, string? etag) =>
        storage.ClearStateAsync(stateName, IdOf(key), new GrainState<TState>(new TState()) { ETag = etag, RecordExists = true });

    private GrainId IdOf(string key) => GrainId.Create(_type, IdSpan.Create(key));
}
