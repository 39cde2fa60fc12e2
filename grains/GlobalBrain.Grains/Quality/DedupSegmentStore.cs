using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace GlobalBrain.Grains.Quality;

/// <summary>
/// Stores the segments of the duplicate partitions' seen-sets in the shard storage, each on its own
/// (<see cref="SideRecords{TState}"/>), so a partition writes only what is new.
/// </summary>
public sealed class DedupSegmentStore([FromKeyedServices(GlobalBrainSiloBuilderExtensions.ShardStorage)] IGrainStorage storage)
{
    private readonly SideRecords<DedupSegmentState> _records = new(storage, "dedup-segment", "globalbrain-dedup");

    /// <summary>Writes a new segment of <paramref name="entries"/> (the partition's fixed-width records); returns its reference.</summary>
    public async Task<DedupSegmentRef> WriteAsync(string partition, ulong[] entries, int entryWidth)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var id = Guid.NewGuid();
        var etag = await _records.WriteAsync(KeyOf(partition, id), new DedupSegmentState { Entries = entries });
        return new DedupSegmentRef(id, entries.Length / entryWidth, etag);
    }

    /// <summary>The entries of a segment; null when storage no longer has it.</summary>
    public async Task<ulong[]?> ReadAsync(string partition, DedupSegmentRef segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return await _records.ReadAsync(KeyOf(partition, segment.Id)) is { } record ? record.State.Entries ?? [] : null;
    }

    public Task DeleteAsync(string partition, DedupSegmentRef segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return _records.DeleteAsync(KeyOf(partition, segment.Id), segment.ETag);
    }

    private static string KeyOf(string partition, Guid segment) => $"{partition}/{segment:N}";
}

/// <summary>One stored segment of a partition: its id, how many entries it holds, and its storage version.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.DedupSegmentRef")]
public sealed record DedupSegmentRef([property: Id(0)] Guid Id, [property: Id(1)] int Entries, [property: Id(2)] string? ETag);

/// <summary>A partition's stored head: its segments, oldest (largest) first.</summary>
[GenerateSerializer, Alias("GlobalBrain.DedupPartitionState")]
public sealed class DedupPartitionState
{
    [Id(0)]
    public List<DedupSegmentRef> Segments { get; set; } = [];
}

/// <summary>One segment's entries: fixed-width records of 64-bit words (exact: key low, key high, claimant; near: band key, claimant).</summary>
[GenerateSerializer, Alias("GlobalBrain.DedupSegmentState")]
public sealed class DedupSegmentState
{
    [Id(0)]
    public ulong[] Entries { get; set; } = [];
}
