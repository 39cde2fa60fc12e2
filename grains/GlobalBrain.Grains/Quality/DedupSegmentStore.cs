using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace GlobalBrain.Grains.Quality;

/// <summary>
/// Stores the segments of the duplicate partitions' seen-sets in the shard storage, each under a grain id of
/// its own (the Redis provider keys state by grain id alone), so a partition writes only what is new.
/// </summary>
public sealed class DedupSegmentStore([FromKeyedServices(GlobalBrainSiloBuilderExtensions.ShardStorage)] IGrainStorage storage)
{
    private const string StateName = "dedup-segment";
    private static readonly GrainType SegmentType = GrainType.Create("globalbrain-dedup");

    /// <summary>Writes a new segment of <paramref name="entries"/> (the partition's fixed-width records); returns its reference.</summary>
    public async Task<DedupSegmentRef> WriteAsync(string partition, ulong[] entries, int entryWidth)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var id = Guid.NewGuid();
        var state = new GrainState<DedupSegmentState>(new DedupSegmentState { Entries = entries });
        await storage.WriteStateAsync(StateName, IdOf(partition, id), state);
        return new DedupSegmentRef(id, entries.Length / entryWidth, state.ETag);
    }

    /// <summary>The entries of a segment; null when storage no longer has it.</summary>
    public async Task<ulong[]?> ReadAsync(string partition, DedupSegmentRef segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var state = new GrainState<DedupSegmentState>(new DedupSegmentState());
        await storage.ReadStateAsync(StateName, IdOf(partition, segment.Id), state);
        return state.RecordExists ? state.State?.Entries ?? [] : null;
    }

    public async Task DeleteAsync(string partition, DedupSegmentRef segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var state = new GrainState<DedupSegmentState>(new DedupSegmentState()) { ETag = segment.ETag, RecordExists = true };
        await storage.ClearStateAsync(StateName, IdOf(partition, segment.Id), state);
    }

    private static GrainId IdOf(string partition, Guid segment) =>
        GrainId.Create(SegmentType, IdSpan.Create($"{partition}/{segment:N}"));
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
