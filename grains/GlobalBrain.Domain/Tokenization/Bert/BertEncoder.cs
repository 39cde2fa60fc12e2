using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
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
public sealed class BertEncoder : ITextEncoder
{
    public const string TokenizerName = "bert";

    private const int StackWordChars = 256;

    private readonly WordPieceVocabulary _vocabulary;
    private readonly BertCharClass[] _classes;
    private readonly bool _cleanText;
    private readonly bool _handleChinese;
    private readonly bool _foldCase;
    private readonly SearchValues<char>? _addedTokenStarts;
    private readonly (string Token, int Id)[] _addedTokens;
    private readonly int _wordBufferChars;

    public BertEncoder(WordPieceVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        _vocabulary = vocabulary;
        var n = vocabulary.Normalization;
        _cleanText = n.CleanText;
        _handleChinese = n.HandleChineseChars;
        _foldCase = n.Lowercase || n.StripAccents;
        _classes = BertCharClasses.Table(_cleanText, _handleChinese);
        _addedTokens = [.. vocabulary.AddedTokens.OrderByDescending(t => t.Token.Length)];
        _addedTokenStarts = _addedTokens.Length == 0 ? null : SearchValues.Create([.. _addedTokens.Select(t => t.Token[0]).Distinct()]);

        // A word longer than MaxInputCharsPerWord scalar values is [UNK] whatever its letters, so
        // only that many (times two, for surrogate pairs) need to be kept.
        _wordBufferChars = (2 * vocabulary.MaxInputCharsPerWord) + 2;
    }

    public string Name => TokenizerName;

    public WordPieceVocabulary Vocabulary => _vocabulary;

    /// <inheritdoc/>
    public SpecialTokens? Specials => new SpecialTokens(_vocabulary.ClsId, _vocabulary.SepId, _vocabulary.PadId);

    /// <inheritdoc/>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var source = Prepare(text);

        // Every token takes at least one character, so the text's length bounds the count.
        var buffer = ArrayPool<int>.Shared.Rent(Math.Max(1, source.Length));
        try
        {
            var count = EncodeCore(source, buffer.AsSpan(0, source.Length));
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
        return EncodeCore(Prepare(text), destination);
    }

    /// <summary>Encodes into <paramref name="destination"/> and stops once it is full (HF truncation: a word may be cut between pieces).</summary>
    public int Encode(ReadOnlySpan<char> text, Span<int> destination) =>
        _foldCase ? EncodeCore(Prepare(text.ToString()), destination) : EncodeCore(text, destination);

    private ReadOnlySpan<char> Prepare(string text) => _foldCase ? FoldCase(text, _vocabulary.Normalization) : text;

    private int EncodeCore(ReadOnlySpan<char> text, Span<int> destination)
    {
        var output = new Output(destination);
        Span<char> stackWord = stackalloc char[StackWordChars];
        char[]? rented = null;
        var word = _wordBufferChars <= StackWordChars ? stackWord : (rented = ArrayPool<char>.Shared.Rent(_wordBufferChars));
        try
        {
            var position = 0;
            while (position < text.Length && !output.Full)
            {
                var (next, length, id) = FindAddedToken(text, position);
                EncodeSegment(text[position..next], word, ref output);
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

    private void EncodeSegment(ReadOnlySpan<char> text, scoped Span<char> word, ref Output output)
    {
        var classes = _classes;
        var length = 0;
        var scalars = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (classes[c])
            {
                case BertCharClass.Word:
                    if (scalars++ < _vocabulary.MaxInputCharsPerWord)
                    {
                        word[length++] = c;
                    }

                    break;
                case BertCharClass.Separator:
                    if (!Flush(word, ref length, ref scalars, ref output))
                    {
                        return;
                    }

                    break;
                case BertCharClass.Isolated:
                    if (!Flush(word, ref length, ref scalars, ref output))
                    {
                        return;
                    }

                    word[0] = c;
                    length = 1;
                    scalars = 1;
                    if (!Flush(word, ref length, ref scalars, ref output))
                    {
                        return;
                    }

                    break;
                case BertCharClass.HighSurrogate when i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]):
                    var codePoint = char.ConvertToUtf32(c, text[i + 1]);
                    i++;
                    switch (BertCharClasses.OfCodePoint(codePoint, _cleanText, _handleChinese))
                    {
                        case BertCharClass.Word:
                            if (scalars++ < _vocabulary.MaxInputCharsPerWord)
                            {
                                word[length++] = c;
                                word[length++] = text[i];
                            }

                            break;
                        case BertCharClass.Isolated:
                            if (!Flush(word, ref length, ref scalars, ref output))
                            {
                                return;
                            }

                            word[0] = c;
                            word[1] = text[i];
                            length = 2;
                            scalars = 1;
                            if (!Flush(word, ref length, ref scalars, ref output))
                            {
                                return;
                            }

                            break;
                        case BertCharClass.Separator:
                            if (!Flush(word, ref length, ref scalars, ref output))
                            {
                                return;
                            }

                            break;
                        default:
                            break;
                    }

                    break;
                default:
                    // Removed characters, and lone surrogates (see the remarks), vanish without splitting the word.
                    break;
            }
        }

        Flush(word, ref length, ref scalars, ref output);
    }

    /// <summary>WordPiece of the pending word (then empties it); false once the output is full.</summary>
    private bool Flush(scoped Span<char> word, ref int length, ref int scalars, ref Output output)
    {
        if (scalars == 0)
        {
            return !output.Full;
        }

        if (scalars > _vocabulary.MaxInputCharsPerWord)
        {
            output.Add(_vocabulary.UnknownId);
        }
        else
        {
            WordPiece(word[..length], ref output);
        }

        length = 0;
        scalars = 0;
        return !output.Full;
    }

    /// <summary>Greedy longest-match-first, as HF's WordPiece: a word with any unmatched rest is one [UNK].</summary>
    private void WordPiece(scoped ReadOnlySpan<char> word, ref Output output)
    {
        var words = _vocabulary.Words;
        if (words.TryGetValue(word, out var whole))
        {
            output.Add(whole);
            return;
        }

        Span<int> pieces = stackalloc int[word.Length];
        var count = 0;
        var pieceLookup = _vocabulary.Pieces;
        var start = 0;
        while (start < word.Length)
        {
            var end = Math.Min(word.Length, start + (start == 0 ? _vocabulary.MaxWordLength : _vocabulary.MaxPieceLength));
            if (end < word.Length && char.IsLowSurrogate(word[end]) && end > start)
            {
                end--;
            }

            var found = false;
            while (end > start)
            {
                var candidate = word[start..end];
                if (start == 0 ? words.TryGetValue(candidate, out var id) : pieceLookup.TryGetValue(candidate, out id))
                {
                    pieces[count++] = id;
                    found = true;
                    break;
                }

                end -= end - start >= 2 && char.IsLowSurrogate(word[end - 1]) && char.IsHighSurrogate(word[end - 2]) ? 2 : 1;
            }

            if (!found)
            {
                output.Add(_vocabulary.UnknownId);
                return;
            }

            start = end;
        }

        output.AddRange(pieces[..count]);
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
