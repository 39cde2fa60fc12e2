namespace GlobalBrain.Domain.Knowledge;

/// <summary>
/// One object for equal shards made by merges in one process: a merge whose result equals a shard made
/// recently (by any expert) returns that one, and the new one dies young.
/// </summary>
/// <remarks>
/// While knowledge spreads, thousands of experts reach the same states (the same documents, in any order);
/// each merge made its own copy, which lived until the expert's next change — long enough to be promoted,
/// so the GC copied, then collected, hundreds of megabytes of them in blocking collections (at 10^5 experts,
/// seconds of pause during spreading). A direct-mapped table by <see cref="KnowledgeShard.Digest"/>:
/// bounded (<c>slots</c> references), lock-free (a lost race only misses a sharing), and a hit is checked
/// by content, so a digest collision can cost sharing, never correctness.
/// </remarks>
public sealed class ShardInterner
{
    private readonly KnowledgeShard?[] _slots;
    private readonly int _mask;

    /// <param name="slots">Table size, a power of two (bounded memory: the shards it holds).</param>
    public ShardInterner(int slots = 4096)
    {
        if (slots <= 0 || (slots & (slots - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "a power of two");
        }

        _slots = new KnowledgeShard?[slots];
        _mask = slots - 1;
    }

    /// <summary>The shard held for <paramref name="shard"/>'s content, or <paramref name="shard"/> itself, now held.</summary>
    public KnowledgeShard Intern(KnowledgeShard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var digest = shard.Digest;
        ref var slot = ref _slots[(int)(digest & (ulong)_mask)];
        var held = Volatile.Read(ref slot);
        if (held is not null && held.Digest == digest && held.ContentEquals(shard))
        {
            return held;
        }

        Volatile.Write(ref slot, shard);
        return shard;
    }
}
