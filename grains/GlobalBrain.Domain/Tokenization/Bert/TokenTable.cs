using System.Runtime.CompilerServices;

namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>
/// A read-only map from token text to id, looked up by span, that also knows every prefix of every
/// token, so that WordPiece finds the longest matching prefix in one forward walk that stops as soon
/// as no token continues that way (a hash trie). Open addressing over one char array; the hash is a
/// running FNV-1a, so each step of the walk costs one multiply and one probe. Unseeded: the keys are a
/// fixed vocabulary, not input chosen to collide (a lookup probes a few slots at load ≤ 0.5).
/// </summary>
internal sealed class TokenTable
{
    private const uint FnvBasis = 2166136261u;
    private const uint FnvPrime = 16777619u;
    private const int PrefixOnly = -1;

    private readonly char[] _chars;
    private readonly Slot[] _slots;
    private readonly int _mask;

    public TokenTable(IReadOnlyCollection<KeyValuePair<string, int>> entries)
    {
        var prefixes = entries.Sum(e => e.Key.Length);
        var capacity = 16;
        while (capacity < prefixes * 2)
        {
            capacity *= 2;
        }

        _slots = new Slot[capacity];
        _mask = capacity - 1;
        _chars = new char[prefixes];
        var offset = 0;
        foreach (var (key, id) in entries)
        {
            // Words are never empty, so an empty token (a blank vocab.txt line) can never match.
            if (key.Length == 0)
            {
                continue;
            }

            key.CopyTo(_chars.AsSpan(offset));
            var hash = FnvBasis;
            for (var length = 1; length <= key.Length; length++)
            {
                hash = (hash ^ key[length - 1]) * FnvPrime;
                Insert(Finish(hash), offset, length, length == key.Length ? id : PrefixOnly);
            }

            offset += key.Length;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(ReadOnlySpan<char> key, out int id)
    {
        var hash = FnvBasis;
        foreach (var c in key)
        {
            hash = (hash ^ c) * FnvPrime;
        }

        var slot = Find(key, Finish(hash));
        id = slot < 0 ? 0 : _slots[slot].Id;
        return id != PrefixOnly && slot >= 0;
    }

    /// <summary>
    /// The longest prefix of <paramref name="text"/> that is a token, never ending inside a surrogate
    /// pair: its length and id, or 0 when no token starts <paramref name="text"/>.
    /// </summary>
    public int LongestPrefix(ReadOnlySpan<char> text, out int id)
    {
        var hash = FnvBasis;
        var best = 0;
        var bestId = 0;
        for (var length = 1; length <= text.Length; length++)
        {
            hash = (hash ^ text[length - 1]) * FnvPrime;
            var slot = Find(text[..length], Finish(hash));
            if (slot < 0)
            {
                break;
            }

            var entry = _slots[slot].Id;
            if (entry != PrefixOnly && !(length < text.Length && char.IsHighSurrogate(text[length - 1]) && char.IsLowSurrogate(text[length])))
            {
                best = length;
                bestId = entry;
            }
        }

        id = bestId;
        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(ReadOnlySpan<char> key, uint hash)
    {
        var slot = (int)(hash & (uint)_mask);
        while (true)
        {
            ref readonly var entry = ref _slots[slot];
            if (entry.Length == 0)
            {
                return -1;
            }

            if (entry.Hash == hash && entry.Length == key.Length && _chars.AsSpan(entry.Offset, entry.Length).SequenceEqual(key))
            {
                return slot;
            }

            slot = (slot + 1) & _mask;
        }
    }

    private void Insert(uint hash, int offset, int length, int id)
    {
        var key = _chars.AsSpan(offset, length);
        var slot = Find(key, hash);
        if (slot >= 0)
        {
            // Already there as a prefix of another token (or a duplicate token: the later id wins, as in HF's dict).
            if (id != PrefixOnly)
            {
                _slots[slot] = _slots[slot] with { Id = id };
            }

            return;
        }

        slot = (int)(hash & (uint)_mask);
        while (_slots[slot].Length != 0)
        {
            slot = (slot + 1) & _mask;
        }

        _slots[slot] = new Slot(hash, offset, length, id);
    }

    /// <summary>FNV-1a's state through a murmur3 finalizer, so that the low bits that pick the slot mix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finish(uint hash)
    {
        hash ^= hash >> 16;
        hash *= 0x85EBCA6Bu;
        hash ^= hash >> 13;
        hash *= 0xC2B2AE35u;
        return hash ^ (hash >> 16);
    }

    private readonly record struct Slot(uint Hash, int Offset, int Length, int Id);
}
