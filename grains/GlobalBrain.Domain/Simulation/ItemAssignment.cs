using GlobalBrain.Domain.Knowledge;

namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// Which items each expert holds at round 0, for the corpus scenario: dense item ids 0..I−1 per expert
/// in compressed rows (<see cref="Offsets"/> has one entry per expert plus one).
/// </summary>
public sealed record ItemAssignment(long DistinctItems, int[] Offsets, int[] Items)
{
    public int Experts => Offsets.Length - 1;

    /// <summary>The rows of experts [start, end), rebased to start at 0.</summary>
    public ItemAssignment Slice(int start, int end)
    {
        var offsets = new int[end - start + 1];
        for (var e = start; e <= end; e++)
        {
            offsets[e - start] = Offsets[e] - Offsets[start];
        }

        return new ItemAssignment(DistinctItems, offsets, Items[Offsets[start]..Offsets[end]]);
    }

    /// <summary>
    /// Spreads documents over N experts as ingest does (expert = hash of the document id mod N) and gives
    /// each expert the knowledge items of its documents (hashed token w-shingles, <see cref="KnowledgeItems"/>),
    /// numbered densely in order of first appearance. The same documents in the same order give the same assignment.
    /// </summary>
    public static ItemAssignment FromDocuments(IEnumerable<(string Id, int[] TokenIds)> documents, int experts, int width = KnowledgeItems.DefaultShingleWidth)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 1);
        var dense = new Dictionary<ulong, int>();
        var held = new HashSet<int>[experts];
        foreach (var (id, tokens) in documents)
        {
            var expert = ExpertRouting.ExpertFor(id, experts);
            var set = held[expert] ??= [];
            foreach (var hash in KnowledgeItems.Hash(tokens, width))
            {
                if (!dense.TryGetValue(hash, out var item))
                {
                    dense[hash] = item = dense.Count;
                }

                set.Add(item);
            }
        }

        var offsets = new int[experts + 1];
        for (var e = 0; e < experts; e++)
        {
            offsets[e + 1] = checked(offsets[e] + (held[e]?.Count ?? 0));
        }

        var items = new int[offsets[experts]];
        for (var e = 0; e < experts; e++)
        {
            if (held[e] is { } set)
            {
                set.CopyTo(items, offsets[e]);
                Array.Sort(items, offsets[e], set.Count);
            }
        }

        return new ItemAssignment(dense.Count, offsets, items);
    }
}
