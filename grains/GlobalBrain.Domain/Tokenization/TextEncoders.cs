using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.ML.Tokenizers;

namespace GlobalBrain.Domain.Tokenization;

/// <summary>Encodes text to token ids. Implementations are thread-safe and shared.</summary>
public interface ITextEncoder
{
    string Name { get; }

    int[] Encode(string text);
}

/// <summary>The tokenizers this build knows, created once per process and shared.</summary>
public static class TextEncoders
{
    public const string Default = "cl100k_base";

    private static readonly ConcurrentDictionary<string, Lazy<ITextEncoder>> Cache = new(StringComparer.Ordinal);

    /// <summary>Names accepted by <see cref="Get"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cl100k_base", "o200k_base"];

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>Returns the shared encoder for <paramref name="name"/>, or throws <see cref="ArgumentException"/> naming the choices.</summary>
    public static ITextEncoder Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsKnown(name))
        {
            throw new ArgumentException($"unknown tokenizer '{name}'; choose one of: {string.Join(", ", Names)}", nameof(name));
        }

        return Cache.GetOrAdd(name, static n => new Lazy<ITextEncoder>(() => new TiktokenEncoder(n, TiktokenTokenizer.CreateForEncoding(n)))).Value;
    }

    private sealed class TiktokenEncoder(string name, Tokenizer tokenizer) : ITextEncoder
    {
        public string Name => name;

        public int[] Encode(string text)
        {
            var ids = tokenizer.EncodeToIds(text);
            return ids is List<int> list ? CollectionsMarshal.AsSpan(list).ToArray() : [.. ids];
        }
    }
}
