using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>
/// A read-only map from token text to id, looked up by span, plus a filter of every token's prefixes
/// so that WordPiece's longest-prefix search walks forward only as far as some token continues.
/// Sized for the cache: exact keys only in the table (open addressing over one char array, load ≤ 0.5),
/// and one bit per prefix hash in the filter (a false positive only makes the walk a step longer).
/// The hash is a running FNV-1a, so the walk hashes each prefix with one multiply; unseeded, as the
/// keys are a fixed vocabulary, not input chosen to collide.
/// </summary>
[SkipLocalsInit]
internal sealed class TokenTable
{
    private const uint FnvBasis = 2166136261u;
    private const uint FnvPrime = 16777619u;

    private readonly char[] _chars;
    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly ulong[] _prefixes;
    private readonly uint _prefixMask;
    private readonly int _maxLength;

    /// <summary>The table of the keys <paramref name="builder"/> collected (a repeated key keeps its last id, as in HF's dict).</summary>
    private TokenTable(Builder builder)
    {
        var capacity = 16;
        while (capacity < builder.Keys.Count * 2)
        {
            capacity *= 2;
        }

        _slots = new Slot[capacity];
        _mask = capacity - 1;
        _chars = builder.Chars;

        // About 16 filter bits per prefix keeps false positives near 6%.
        var prefixBits = 1024L;
        while (prefixBits < 16L * builder.CharCount)
        {
            prefixBits *= 2;
        }

        _prefixes = new ulong[prefixBits / 64];
        _prefixMask = (uint)(prefixBits - 1);
        foreach (var (offset, length, id) in builder.Keys)
        {
            var hash = FnvBasis;
            foreach (var c in _chars.AsSpan(offset, length))
            {
                hash = (hash ^ c) * FnvPrime;
                var bit = Finish(hash) & _prefixMask;
                _prefixes[bit >> 6] |= 1UL << (int)(bit & 63);
            }

            if (Insert(Finish(hash), offset, length, id))
            {
                Count++;
            }

            _maxLength = Math.Max(_maxLength, length);
        }
    }

    /// <summary>How many different keys the table holds.</summary>
    public int Count { get; }

    /// <summary>The running hash of no chars; <see cref="Step"/> adds one.</summary>
    public const uint EmptyHash = FnvBasis;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Step(uint hash, char c) => (hash ^ c) * FnvPrime;

    /// <summary>The running hash of <paramref name="key"/>, as <see cref="Step"/> builds it char by char.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(ReadOnlySpan<char> key)
    {
        var hash = FnvBasis;
        foreach (var c in key)
        {
            hash = Step(hash, c);
        }

        return hash;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(ReadOnlySpan<char> key, out int id) => TryGetValue(key, Finish(Hash(key)), out id);

    /// <summary>Looks <paramref name="key"/> up by its running hash (<see cref="Hash"/>), computed by a caller that walked the chars anyway.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValueByHash(ReadOnlySpan<char> key, uint runningHash, out int id) => TryGetValue(key, Finish(runningHash), out id);

    /// <summary>
    /// The longest prefix of <paramref name="text"/> that is a token, never ending inside a surrogate
    /// pair: its length and id, or 0 when no token starts <paramref name="text"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int LongestPrefix(ReadOnlySpan<char> text, out int id)
    {
        var limit = Math.Min(text.Length, _maxLength);
        Span<uint> hashes = limit <= 256 ? stackalloc uint[limit] : new uint[limit];
        var hash = FnvBasis;
        var walked = 0;
        while (walked < limit)
        {
            hash = (hash ^ text[walked]) * FnvPrime;
            var finished = Finish(hash);
            var bit = finished & _prefixMask;
            if ((_prefixes[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
            {
                break;
            }

            hashes[walked++] = finished;
        }

        for (var length = walked; length > 0; length--)
        {
            if (length < text.Length && char.IsLowSurrogate(text[length]) && char.IsHighSurrogate(text[length - 1]))
            {
                continue;
            }

            if (TryGetValue(text[..length], hashes[length - 1], out id))
            {
                return length;
            }
        }

        id = 0;
        return 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryGetValue(ReadOnlySpan<char> key, uint hash, out int id)
    {
        var slot = (int)(hash & (uint)_mask);
        while (true)
        {
            ref readonly var entry = ref _slots[slot];
            if (entry.Length == 0)
            {
                id = 0;
                return false;
            }

            if (entry.Hash == hash && entry.Length == key.Length && Equal(ref _chars[entry.Offset], ref MemoryMarshal.GetReference(key), key.Length))
            {
                id = entry.Id;
                return true;
            }

            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>
    /// Whether <paramref name="length"/> chars at <paramref name="a"/> and <paramref name="b"/> are equal, inline:
    /// tokens are a few chars long, where a call to SequenceEqual cost more than the compare (5 % of tokenize's CPU).
    /// Two overlapping reads of the first and last 4 (or 2) chars cover lengths up to 8 (or 4).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Equal(ref char a, ref char b, int length)
    {
        if (length >= 4)
        {
            if (length > 8)
            {
                return MemoryMarshal.CreateReadOnlySpan(ref a, length).SequenceEqual(MemoryMarshal.CreateReadOnlySpan(ref b, length));
            }

            return (Read<ulong>(ref a, 0) == Read<ulong>(ref b, 0)) & (Read<ulong>(ref a, length - 4) == Read<ulong>(ref b, length - 4));
        }

        if (length >= 2)
        {
            return (Read<uint>(ref a, 0) == Read<uint>(ref b, 0)) & (Read<uint>(ref a, length - 2) == Read<uint>(ref b, length - 2));
        }

        return length == 0 || a == b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Read<T>(ref char start, int offset)
        where T : unmanaged => Unsafe.ReadUnaligned<T>(ref Unsafe.As<char, byte>(ref Unsafe.Add(ref start, offset)));

    /// <summary>Adds a key, or gives a key already there its new id; returns whether the key is new.</summary>
    private bool Insert(uint hash, int offset, int length, int id)
    {
        var slot = (int)(hash & (uint)_mask);
        while (_slots[slot].Length != 0)
        {
            if (_slots[slot].Hash == hash && _chars.AsSpan(_slots[slot].Offset, _slots[slot].Length).SequenceEqual(_chars.AsSpan(offset, length)))
            {
                // A duplicate token: the later id wins, as in HF's dict.
                _slots[slot] = _slots[slot] with { Id = id };
                return false;
            }

            slot = (slot + 1) & _mask;
        }

        _slots[slot] = new Slot(hash, offset, length, id);
        return true;
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

    /// <summary>
    /// Collects keys from spans into one char array, so that a vocabulary is read without a string and two
    /// dictionary entries per token (reading bert-base-cased that way was ~5 ms of the CLI's start-up).
    /// </summary>
    internal sealed class Builder(int expectedChars)
    {
        private char[] _chars = new char[Math.Max(16, expectedChars)];

        internal char[] Chars => _chars;

        internal int CharCount { get; private set; }

        internal List<(int Offset, int Length, int Id)> Keys { get; } = [];

        /// <summary>Adds a key; an empty one is skipped, as no word is empty.</summary>
        public void Add(ReadOnlySpan<char> key, int id)
        {
            if (key.IsEmpty)
            {
                return;
            }

            if (CharCount + key.Length > _chars.Length)
            {
                Array.Resize(ref _chars, Math.Max(2 * _chars.Length, CharCount + key.Length));
            }

            key.CopyTo(_chars.AsSpan(CharCount));
            Keys.Add((CharCount, key.Length, id));
            CharCount += key.Length;
        }

        public TokenTable Build() => new(this);
    }
}
