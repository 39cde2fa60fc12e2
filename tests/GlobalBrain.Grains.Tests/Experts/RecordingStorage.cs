using System.Collections.Concurrent;
using Orleans.Storage;

namespace GlobalBrain.Grains.Tests.Experts;

/// <summary>
/// Grain storage for tests: keeps the last state written per grain (reads give it back), counts the writes since
/// <see cref="Reset"/>, and takes <paramref name="readDelay"/> to answer a read.
/// </summary>
internal sealed class RecordingStorage(TimeSpan readDelay = default) : IGrainStorage
{
    private readonly ConcurrentDictionary<GrainId, object> _states = new();
    private int _writes;

    public int Writes => Volatile.Read(ref _writes);

    public void Reset() => Interlocked.Exchange(ref _writes, 0);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (readDelay > TimeSpan.Zero)
        {
            await Task.Delay(readDelay);
        }

        if (_states.TryGetValue(grainId, out var state))
        {
            grainState.State = (T)state;
            grainState.RecordExists = true;
            grainState.ETag = "1";
        }
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _states[grainId] = grainState.State!;
        grainState.ETag = "1";
        grainState.RecordExists = true;
        Interlocked.Increment(ref _writes);
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _states.TryRemove(grainId, out _);
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
