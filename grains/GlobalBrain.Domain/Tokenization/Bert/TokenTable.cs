using System.Runtime.CompilerServices;

namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>
/// A read-only map from token text to id, looked up by span: open addressing over one char array,
/// with a cheap unseeded hash (the keys are a fixed vocabulary, not attacker-chosen input that could
/// pile up in one bucket — a lookup probes at most a few slots at load ≤ 0.5).
/// </summary>
internal sealed class TokenTable
{
    private readonly char[] _chars;
    private readonly Slot[] _slots;
    private readonly int _mask;

    public TokenTable(IReadOnlyCollection<KeyValuePair<string, int>> entries)
    {
        var capacity = 16;
        while (capacity < entries.Count * 2)
        {
            capacity *= 2;
        }

        _slots = new Slot[capacity];
        _mask = capacity - 1;
        _chars = new char[entries.Sum(e => e.Key.Length)];
        var offset = 0;
        foreach (var (key, id) in entries)
        {
            // Words are never empty, so an empty token (a blank vocab.txt line) can never match.
            if (key.Length == 0)
            {
                continue;
            }

            key.CopyTo(_chars.AsSpan(offset));
            var hash = Hash(key);
            var slot = (int)(hash & (uint)_mask);
            while (_slots[slot].Length != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = new Slot(hash, offset, key.Length, id);
            offset += key.Length;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(ReadOnlySpan<char> key, out int id)
    {
        var hash = Hash(key);
        var slot = (int)(hash & (uint)_mask);
        while (true)
        {
            ref readonly var entry = ref _slots[slot];
            if (entry.Length == 0)
            {
                id = 0;
                return false;
            }

            if (entry.Hash == hash && entry.Length == key.Length && _chars.AsSpan(entry.Offset, entry.Length).SequenceEqual(key))
            {
                id = entry.Id;
                return true;
            }

            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>FNV-1a over the UTF-16 units, then a murmur3 finalizer so that the low bits mix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<char> key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        hash ^= hash >> 16;
        hash *= 0x85EBCA6Bu;
        hash ^= hash >> 13;
        hash *= 0xC2B2AE35u;
        return hash ^ (hash >> 16);
    }

    private readonly record struct Slot(uint Hash, int Offset, int Length, int Id);
}
