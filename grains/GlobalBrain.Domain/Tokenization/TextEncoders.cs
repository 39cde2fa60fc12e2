using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using GlobalBrain.Domain.Tokenization.Bert;
using Microsoft.ML.Tokenizers;

namespace GlobalBrain.Domain.Tokenization;

/// <summary>Ids a model's records are framed with: [CLS] … [SEP], then padding.</summary>
public readonly record struct SpecialTokens(int Cls, int Sep, int Pad);

/// <summary>Encodes text to token ids. Implementations are thread-safe and shared.</summary>
public interface ITextEncoder
{
    string Name { get; }

    /// <summary>The framing tokens, or null for encodings that add none (tiktoken).</summary>
    SpecialTokens? Specials { get; }

    /// <summary>The content token ids of the whole text (no [CLS]/[SEP]).</summary>
    int[] Encode(string text);

    /// <summary>The first content ids, as many as fit in <paramref name="destination"/>; returns how many were written.</summary>
    int Encode(string text, Span<int> destination);
}

/// <summary>The tokenizers this build knows, created once per process and shared.</summary>
public static class TextEncoders
{
    public const string Default = "cl100k_base";

    private static readonly ConcurrentDictionary<string, Lazy<ITextEncoder>> Cache = new(StringComparer.Ordinal);

    /// <summary>Names accepted by <see cref="Get"/> (bert needs a vocabulary).</summary>
    public static IReadOnlyList<string> Names { get; } = ["cl100k_base", "o200k_base", BertEncoder.TokenizerName];

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="name"/> is encoded with a vocabulary file (--vocab).</summary>
    public static bool NeedsVocabulary(string name) => name == BertEncoder.TokenizerName;

    /// <summary>Returns the shared encoder for <paramref name="name"/>, or throws <see cref="ArgumentException"/> naming the choices.</summary>
    public static ITextEncoder Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsKnown(name))
        {
            throw new ArgumentException($"unknown tokenizer '{name}'; choose one of: {string.Join(", ", Names)}", nameof(name));
        }

        if (NeedsVocabulary(name))
        {
            throw new ArgumentException($"the {name} tokenizer needs a vocabulary (a vocab.txt or tokenizer.json)", nameof(name));
        }

        return Cache.GetOrAdd(name, static n => new Lazy<ITextEncoder>(() => new TiktokenEncoder(n, TiktokenTokenizer.CreateForEncoding(n)))).Value;
    }

    /// <summary>The shared bert encoder of a vocabulary (one per vocabulary hash).</summary>
    public static BertEncoder Bert(WordPieceVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        return (BertEncoder)Cache.GetOrAdd("bert:" + vocabulary.Sha256, _ => new Lazy<ITextEncoder>(() => new BertEncoder(vocabulary))).Value;
    }

    private sealed class TiktokenEncoder(string name, Tokenizer tokenizer) : ITextEncoder
    {
        public string Name => name;

        public SpecialTokens? Specials => null;

        public int[] Encode(string text)
        {
            var ids = tokenizer.EncodeToIds(text);
            return ids is List<int> list ? CollectionsMarshal.AsSpan(list).ToArray() : [.. ids];
        }

        public int Encode(string text, Span<int> destination)
        {
            var ids = tokenizer.EncodeToIds(text, destination.Length, out _, out _);
            var count = Math.Min(ids.Count, destination.Length);
            for (var i = 0; i < count; i++)
            {
                destination[i] = ids[i];
            }

            return count;
        }
    }
}
