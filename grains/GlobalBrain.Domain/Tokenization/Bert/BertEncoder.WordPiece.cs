using System.Runtime.CompilerServices;

namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>WordPiece over one pre-tokenized word, and where the ids go.</summary>
public sealed partial class BertEncoder
{
    /// <summary>Each ASCII character's id as a word alone: its token, or [UNK] (WordPiece has nothing shorter to split it into).</summary>
    private static int[] AsciiIdTable(WordPieceVocabulary vocabulary)
    {
        var ids = new int[AsciiIds];
        for (var c = 0; c < AsciiIds; c++)
        {
            ids[c] = vocabulary.Words.TryGetValue([(char)c], out var id) ? id : vocabulary.UnknownId;
        }

        return ids;
    }

    /// <summary>A punctuation or CJK character: a word of its own, its id from a table for ASCII.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Isolated(ReadOnlySpan<char> character, WordCache cache, ref Output output)
    {
        if (character[0] < AsciiIds && character.Length == 1)
        {
            output.Add(_asciiIds[character[0]]);
        }
        else
        {
            WordPiece(character, cache, ref output);
        }
    }

    /// <summary>A word the copying path built: [UNK] when too long, nothing when everything in it was deleted.</summary>
    private void FlushWord(scoped ReadOnlySpan<char> word, int scalars, WordCache cache, ref Output output)
    {
        if (scalars > _vocabulary.MaxInputCharsPerWord)
        {
            output.Add(_vocabulary.UnknownId);
        }
        else if (scalars > 0)
        {
            WordPiece(word, cache, ref output);
        }
    }

    /// <summary>Greedy longest-match-first, as HF's WordPiece: a word with any unmatched rest is one [UNK].</summary>
    private void WordPiece(scoped ReadOnlySpan<char> word, WordCache cache, ref Output output) => WordPiece(word, TokenTable.Hash(word), cache, ref output);

    /// <summary>
    /// The same, with the word's running hash (<see cref="TokenTable.Hash"/>) already computed. A word that is
    /// no token is looked up in this thread's <paramref name="cache"/> before it is split.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WordPiece(scoped ReadOnlySpan<char> word, uint hash, WordCache cache, ref Output output)
    {
        if (word.Length <= _vocabulary.MaxWordLength && _vocabulary.Words.TryGetValueByHash(word, hash, out var whole))
        {
            output.Add(whole);
            return;
        }

        var cacheable = word.Length <= WordCache.MaxWordChars;
        if (cacheable && cache.Find(word, hash) is { IsEmpty: false } cached)
        {
            output.AddRange(cached);
            return;
        }

        Span<int> pieces = stackalloc int[word.Length];
        var count = Split(word, pieces);
        if (cacheable)
        {
            cache.Add(word, hash, pieces[..count]);
        }

        output.AddRange(pieces[..count]);
    }

    /// <summary>The pieces of a word that is no token, or one [UNK]: their count in <paramref name="pieces"/>.</summary>
    private int Split(scoped ReadOnlySpan<char> word, scoped Span<int> pieces)
    {
        var count = 0;
        var start = 0;
        while (start < word.Length)
        {
            var rest = word[start..];
            var matched = start == 0
                ? _vocabulary.Words.LongestPrefix(rest, out var id)
                : _vocabulary.Pieces.LongestPrefix(rest, out id);
            if (matched == 0)
            {
                pieces[0] = _vocabulary.UnknownId;
                return 1;
            }

            pieces[count++] = id;
            start += matched;
        }

        return count;
    }

    /// <summary>Where ids go; silently full once the destination is (HF truncation keeps the first ids).</summary>
    private ref struct Output(Span<int> destination)
    {
        private readonly Span<int> _destination = destination;

        public int Count { get; private set; }

        public readonly bool Full => Count >= _destination.Length;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(int id)
        {
            if (Count < _destination.Length)
            {
                _destination[Count++] = id;
            }
        }

        public void AddRange(scoped ReadOnlySpan<int> ids)
        {
            var take = Math.Min(ids.Length, _destination.Length - Count);
            ids[..take].CopyTo(_destination[Count..]);
            Count += take;
        }
    }
}
