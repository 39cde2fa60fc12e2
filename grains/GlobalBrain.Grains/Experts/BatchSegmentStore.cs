using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace GlobalBrain.Grains.Experts;

/// <summary>Stores the sealed batch-id segments of experts in the shard storage, each on its own (<see cref="SideRecords{TState}"/>).</summary>
public sealed class BatchSegmentStore([FromKeyedServices(GlobalBrainSiloBuilderExtensions.ShardStorage)] IGrainStorage storage)
{
    private readonly SideRecords<BatchSegmentState> _records = new(storage, "batches", "globalbrain-batches");

    /// <summary>Writes a new segment; returns the storage's version of it.</summary>
    public Task<string?> WriteAsync(int expert, BatchSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return _records.WriteAsync(KeyOf(expert, segment.Key), new BatchSegmentState { Ids = segment.ToBlob() });
    }

    /// <summary>The ids of the segment a state names, and its storage version; null when storage no longer has it.</summary>
    public async Task<(Guid[] Ids, string? ETag)?> ReadAsync(int expert, BatchSegmentRef reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return await _records.ReadAsync(KeyOf(expert, reference.Key)) is { } record ? (BatchSegment.FromBlob(record.State.Ids ?? []), record.ETag) : null;
    }

    public Task DeleteAsync(int expert, BatchSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return _records.DeleteAsync(KeyOf(expert, segment.Key), segment.ETag);
    }

    private static string KeyOf(int expert, Guid key) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{expert}/{key:N}");
}
