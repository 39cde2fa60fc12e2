using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// Stores the sealed batch-id segments of experts in the shard storage, each under a grain id of its
/// own (the Redis provider keys state by grain id alone, so a second state name on the expert's own id
/// would overwrite its shard).
/// </summary>
public sealed class BatchSegmentStore([FromKeyedServices(GlobalBrainSiloBuilderExtensions.ShardStorage)] IGrainStorage storage)
{
    private const string StateName = "batches";
    private static readonly GrainType SegmentType = GrainType.Create("globalbrain-batches");

    /// <summary>Writes a new segment; returns the storage's version of it.</summary>
    public async Task<string?> WriteAsync(int expert, BatchSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var state = new GrainState<BatchSegmentState>(new BatchSegmentState { Ids = segment.ToBlob() });
        await storage.WriteStateAsync(StateName, IdOf(expert, segment.Key), state);
        return state.ETag;
    }

    /// <summary>The ids of the segment a state names, and its storage version; null when storage no longer has it.</summary>
    public async Task<(Guid[] Ids, string? ETag)?> ReadAsync(int expert, BatchSegmentRef reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var state = new GrainState<BatchSegmentState>(new BatchSegmentState());
        await storage.ReadStateAsync(StateName, IdOf(expert, reference.Key), state);
        return state.RecordExists ? (BatchSegment.FromBlob(state.State?.Ids ?? []), state.ETag) : null;
    }

    public async Task DeleteAsync(int expert, BatchSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var state = new GrainState<BatchSegmentState>(new BatchSegmentState()) { ETag = segment.ETag, RecordExists = true };
        await storage.ClearStateAsync(StateName, IdOf(expert, segment.Key), state);
    }

    private static GrainId IdOf(int expert, Guid key) =>
        GrainId.Create(SegmentType, IdSpan.Create(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{expert}/{key:N}")));
}
