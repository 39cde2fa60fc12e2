using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>
/// The pieces of the words WordPiece had to split (or found [UNK]), remembered per thread, as HF's BPE keeps
/// a word cache: a word's pieces depend only on the word and the vocabulary, and most such words recur
/// ("Frankenstein" is split once, not at every mention). Whole-word tokens are not kept: the vocabulary's
/// own table answers them in one probe already. Bounded (a fixed index and arena; when either fills, it is
/// emptied and filled again), lock-free because each thread has its own (<see cref="For"/>).
/// </summary>
[SkipLocalsInit]
internal sealed class WordCache
{
    /// <summary>Longer words are not kept: they are rare, and each entry's size stays small.</summary>
    public const int MaxWordChars = 32;

    private const int IndexBits = 15;
    private const int IndexSize = 1 << IndexBits;
    private const int MaxEntries = IndexSize / 2;
    private const int ArenaInts = 1 << 18;

    // Entries in one int arena: [hash, length | count << 16, the word's chars (two per int), its ids].
    // _index holds an entry's offset + 1 (0 = empty), open addressing, load ≤ 0.5.
    private readonly int[] _index = new int[IndexSize];
    private readonly int[] _arena = new int[ArenaInts];
    private int _used;
    private int _entries;

    [ThreadStatic]
    private static WordCache? t_current;

    private WordCache(WordPieceVocabulary owner) => Owner = owner;

    /// <summary>The vocabulary whose pieces these are.</summary>
    public WordPieceVocabulary Owner { get; private set; }

    /// <summary>This thread's cache for <paramref name="vocabulary"/> (emptied when the thread switches to another vocabulary).</summary>
    public static WordCache For(WordPieceVocabulary vocabulary)
    {
        var cache = t_current;
        if (cache is null)
        {
            t_current = cache = new WordCache(vocabulary);
        }
        else if (!ReferenceEquals(cache.Owner, vocabulary))
        {
            cache.Clear();
            cache.Owner = vocabulary;
        }

        return cache;
    }

    /// <summary>The ids kept for <paramref name="word"/> (whose running hash is <paramref name="hash"/>), or an empty span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<int> Find(ReadOnlySpan<char> word, uint hash)
    {
        var arena = _arena;
        var slot = Slot(hash);
        while (true)
        {
            var at = _index[slot] - 1;
            if (at < 0)
            {
                return default;
            }

            var shape = arena[at + 1];
            if (arena[at] == (int)hash && (shape & 0xFFFF) == word.Length
                && MemoryMarshal.Cast<int, char>(arena.AsSpan(at + 2, (word.Length + 1) >> 1))[..word.Length].SequenceEqual(word))
            {
                return arena.AsSpan(at + 2 + ((word.Length + 1) >> 1), shape >>> 16);
            }

            slot = (slot + 1) & (IndexSize - 1);
        }
    }

    /// <summary>Keeps <paramref name="ids"/> as <paramref name="word"/>'s pieces (a word not yet kept, of at most <see cref="MaxWordChars"/> chars).</summary>
    public void Add(ReadOnlySpan<char> word, uint hash, ReadOnlySpan<int> ids)
    {
        var charInts = (word.Length + 1) >> 1;
        var size = 2 + charInts + ids.Length;
        if (_entries >= MaxEntries || _used + size > ArenaInts)
        {
            Clear();
        }

        var at = _used;
        _arena[at] = (int)hash;
        _arena[at + 1] = word.Length | (ids.Length << 16);
        word.CopyTo(MemoryMarshal.Cast<int, char>(_arena.AsSpan(at + 2, charInts)));
        ids.CopyTo(_arena.AsSpan(at + 2 + charInts));
        _used += size;
        _entries++;

        var slot = Slot(hash);
        while (_index[slot] != 0)
        {
            slot = (slot + 1) & (IndexSize - 1);
        }

        _index[slot] = at + 1;
    }

    private void Clear()
    {
        Array.Clear(_index);
        _used = 0;
        _entries = 0;
    }

    /// <summary>Fibonacci hashing of the running hash's high bits, which FNV's last multiply mixes best.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(uint hash) => (int)((hash * 0x9E3779B1u) >> (32 - IndexBits));
}
