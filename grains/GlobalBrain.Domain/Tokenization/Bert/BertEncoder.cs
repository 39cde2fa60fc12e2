using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>
/// BERT WordPiece exactly as HuggingFace's tokenizers encode it (BertNormalizer, BertPreTokenizer,
/// WordPiece, added tokens matched in the raw text), in one pass over the text with no allocation
/// but the result: the normalizer and pre-tokenizer are a per-character table, words are looked up
/// as spans. Returns content ids only; <see cref="RecordFramer"/> adds [CLS]/[SEP], padding and the mask.
/// </summary>
/// <remarks>
/// Deliberate, documented difference: a lone UTF-16 surrogate (which a Rust string cannot hold; HF's
/// bindings turn it into U+FFFD first) is deleted like U+FFFD is by clean_text.
/// </remarks>
[SkipLocalsInit]
public sealed partial class BertEncoder : ITextEncoder
{
    public const string TokenizerName = "bert";

    private const int StackWordChars = 256;
    private const int AsciiIds = 128;

    private readonly WordPieceVocabulary _vocabulary;
    private readonly BertCharClass[] _classes;
    private readonly bool _foldCase;
    private readonly SearchValues<char>? _addedTokenStarts;
    private readonly (string Token, int Id)[] _addedTokens;
    private readonly int _wordBufferChars;
    private readonly int[] _asciiIds;

    public BertEncoder(WordPieceVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        _vocabulary = vocabulary;
        var n = vocabulary.Normalization;
        _foldCase = n.Lowercase || n.StripAccents;
        _classes = BertCharClasses.Table(n.CleanText, n.HandleChineseChars);
        _addedTokens = LongestFirst(vocabulary.AddedTokenArray);
        _addedTokenStarts = _addedTokens.Length == 0 ? null : SearchValues.Create(FirstChars(_addedTokens));

        // A word longer than MaxInputCharsPerWord scalar values is [UNK] whatever its letters, so
        // only that many (times two, for surrogate pairs) need to be kept.
        _wordBufferChars = (2 * vocabulary.MaxInputCharsPerWord) + 2;
        _asciiIds = AsciiIdTable(vocabulary);
    }

    public string Name => TokenizerName;

    // The two below are plain loops over a handful of tokens, not LINQ: generic code over a value tuple is not
    // precompiled (ReadyToRun), and JIT-compiling OrderByDescending's was ~5 ms of the CLI's start-up.

    /// <summary>The added tokens, longest first (a stable sort: equal lengths keep the vocabulary's order).</summary>
    private static (string Token, int Id)[] LongestFirst((string Token, int Id)[] tokens)
    {
        var sorted = ((string Token, int Id)[])tokens.Clone();
        for (var i = 1; i < sorted.Length; i++)
        {
            var token = sorted[i];
            var j = i - 1;
            for (; j >= 0 && sorted[j].Token.Length < token.Token.Length; j--)
            {
                sorted[j + 1] = sorted[j];
            }

            sorted[j + 1] = token;
        }

        return sorted;
    }

    /// <summary>The distinct first chars of the added tokens.</summary>
    private static char[] FirstChars((string Token, int Id)[] tokens)
    {
        var starts = new char[tokens.Length];
        var count = 0;
        foreach (var (token, _) in tokens)
        {
            if (starts.AsSpan(0, count).IndexOf(token[0]) < 0)
            {
                starts[count++] = token[0];
            }
        }

        return starts[..count];
    }

    public WordPieceVocabulary Vocabulary => _vocabulary;

    /// <inheritdoc/>
    public SpecialTokens? Specials => new SpecialTokens(_vocabulary.ClsId, _vocabulary.SepId, _vocabulary.PadId);

    /// <inheritdoc/>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // Every token takes at least one character, so the text's length bounds the count; lowercasing keeps
        // the length and NFD makes at most three UTF-16 units of one.
        var bound = _foldCase ? (3 * text.Length) + 1 : text.Length;
        var buffer = ArrayPool<int>.Shared.Rent(Math.Max(1, bound));
        try
        {
            var count = EncodeCore(text, buffer.AsSpan(0, bound));
            return buffer.AsSpan(0, count).ToArray();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    public int Encode(string text, Span<int> destination)
    {
        ArgumentNullException.ThrowIfNull(text);
        return EncodeCore(text, destination);
    }

    /// <summary>Encodes into <paramref name="destination"/> and stops once it is full (HF truncation: a word may be cut between pieces).</summary>
    public int Encode(ReadOnlySpan<char> text, Span<int> destination) => EncodeCore(text, destination);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int EncodeCore(ReadOnlySpan<char> text, Span<int> destination)
    {
        var output = new Output(destination);
        var cache = WordCache.For(_vocabulary);
        Span<char> stackWord = stackalloc char[StackWordChars];
        char[]? rented = null;
        var word = _wordBufferChars <= StackWordChars ? stackWord : (rented = ArrayPool<char>.Shared.Rent(_wordBufferChars));
        try
        {
            var position = 0;
            while (position < text.Length && !output.Full)
            {
                // Added tokens are matched in the raw text, as HF matches its normalized=false tokens before
                // normalizing: an uncased vocabulary's "[CLS]" in the text stays [CLS].
                var (next, length, id) = FindAddedToken(text, position);
                var segment = text[position..next];
                EncodeSegment(_foldCase ? FoldCase(segment.ToString(), _vocabulary.Normalization) : segment, word, cache, ref output);
                if (length == 0)
                {
                    break;
                }

                output.Add(id);
                position = next + length;
            }

            return output.Count;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The next added token ([CLS], [MASK] …) at or after <paramref name="start"/>: (index, length, id), or (text length, 0, 0).</summary>
    private (int Index, int Length, int Id) FindAddedToken(ReadOnlySpan<char> text, int start)
    {
        if (_addedTokenStarts is null)
        {
            return (text.Length, 0, 0);
        }

        var from = start;
        while (from < text.Length)
        {
            var at = text[from..].IndexOfAny(_addedTokenStarts);
            if (at < 0)
            {
                break;
            }

            at += from;
            foreach (var (token, id) in _addedTokens)
            {
                if (text[at..].StartsWith(token, StringComparison.Ordinal))
                {
                    return (at, token.Length, id);
                }
            }

            from = at + 1;
        }

        return (text.Length, 0, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EncodeSegment(ReadOnlySpan<char> text, scoped Span<char> buffer, WordCache cache, ref Output output)
    {
        // Indexed by a UTF-16 unit, which the table (one entry per code point) always covers: no bounds check.
        ref var classes = ref MemoryMarshal.GetArrayDataReference(_classes);
        var i = 0;
        while (i < text.Length && !output.Full)
        {
            var c = text[i];
            switch (Unsafe.Add(ref classes, c))
            {
                case BertCharClass.Separator:
                    i++;
                    continue;
                case BertCharClass.Isolated:
                    Isolated(text.Slice(i, 1), cache, ref output);
                    i++;
                    continue;
                case BertCharClass.Word:
                    // Fast path: a word with nothing to delete is a slice of the text; anything else takes
                    // the copying path. Words are a few chars long, so a scalar walk over the table beats a
                    // vectorized search (measured: its set-up cost more than the walk on English text), and
                    // the walk hashes the word for its lookup on the way.
                    var hash = TokenTable.Step(TokenTable.EmptyHash, c);
                    var end = i + 1;
                    var next = BertCharClass.Separator;
                    while (end < text.Length)
                    {
                        var d = text[end];
                        next = Unsafe.Add(ref classes, d);
                        if (next != BertCharClass.Word)
                        {
                            break;
                        }

                        hash = TokenTable.Step(hash, d);
                        end++;
                    }

                    if (next is BertCharClass.Word or BertCharClass.Separator or BertCharClass.Isolated)
                    {
                        var word = text[i..end];
                        if (word.Length > _vocabulary.MaxInputCharsPerWord)
                        {
                            output.Add(_vocabulary.UnknownId);
                        }
                        else
                        {
                            WordPiece(word, hash, cache, ref output);
                        }

                        // The separator that ended the word is dropped here rather than classified again.
                        i = next == BertCharClass.Separator ? end + 1 : end;
                        continue;
                    }

                    break;
                default:
                    break;
            }

            i = CopyingWord(text, i, buffer, cache, ref output);
        }
    }

    /// <summary>
    /// The word starting at <paramref name="start"/>, built in <paramref name="buffer"/>: deletes what
    /// clean_text deletes (without ending the word) and classifies surrogate pairs. Returns where the
    /// word ended (a BMP separator or punctuation is left for the caller).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int CopyingWord(ReadOnlySpan<char> text, int start, scoped Span<char> buffer, WordCache cache, ref Output output)
    {
        var classes = _classes;
        var length = 0;
        var scalars = 0;
        var i = start;
        while (i < text.Length)
        {
            var c = text[i];
            switch (classes[c])
            {
                case BertCharClass.Word:
                    if (scalars++ < _vocabulary.MaxInputCharsPerWord)
                    {
                        buffer[length++] = c;
                    }

                    i++;
                    continue;
                case BertCharClass.Separator or BertCharClass.Isolated:
                    FlushWord(buffer[..length], scalars, cache, ref output);
                    return i;
                case BertCharClass.HighSurrogate when i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]):
                    switch (classes[char.ConvertToUtf32(c, text[i + 1])])
                    {
                        case BertCharClass.Word:
                            if (scalars++ < _vocabulary.MaxInputCharsPerWord)
                            {
                                buffer[length++] = c;
                                buffer[length++] = text[i + 1];
                            }

                            break;
                        case BertCharClass.Separator:
                            FlushWord(buffer[..length], scalars, cache, ref output);
                            return i + 2;
                        case BertCharClass.Isolated:
                            FlushWord(buffer[..length], scalars, cache, ref output);
                            WordPiece(text.Slice(i, 2), cache, ref output);
                            return i + 2;
                        default:
                            break;
                    }

                    i += 2;
                    continue;
                default:
                    // Removed characters, and lone surrogates (see the remarks), vanish without splitting the word.
                    i++;
                    continue;
            }
        }

        FlushWord(buffer[..length], scalars, cache, ref output);
        return i;
    }

    /// <summary>strip_accents (NFD, drop Mn) and lowercase, for uncased vocabularies.</summary>
    private static string FoldCase(string text, BertNormalization normalization)
    {
        if (normalization.StripAccents)
        {
            text = AccentStripper.Strip(text);
        }

        return normalization.Lowercase ? text.ToLowerInvariant() : text;
    }
}
