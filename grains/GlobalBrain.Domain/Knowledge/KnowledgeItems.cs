using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>
/// Knowledge items: hashed token w-shingles of one document (DESIGN.md, "Knowledge").
/// </summary>
/// <remarks>
/// A document of n ≥ w tokens has n − w + 1 items; a shorter non-empty document is one item
/// (all of its tokens), so that no document is invisible. The hash is XxHash3-64 of the w token
/// ids as little-endian 32-bit integers.
/// </remarks>
public static class KnowledgeItems
{
    public const int DefaultShingleWidth = 3;
    public const int MaxShingleWidth = 64;

    public static int Count(int tokenCount, int width)
    {
        ValidateWidth(width);
        return tokenCount <= 0 ? 0 : Math.Max(1, tokenCount - width + 1);
    }

    /// <summary>Writes the item hashes of <paramref name="tokens"/> into <paramref name="destination"/>; returns how many.</summary>
    public static int Hash(ReadOnlySpan<int> tokens, int width, Span<ulong> destination)
    {
        var count = Count(tokens.Length, width);
        if (destination.Length < count)
        {
            throw new ArgumentException($"The destination holds {destination.Length} hashes; {count} are needed.", nameof(destination));
        }

        if (count == 1 && tokens.Length < width)
        {
            destination[0] = HashWindow(tokens);
            return 1;
        }

        for (var i = 0; i < count; i++)
        {
            destination[i] = HashWindow(tokens.Slice(i, width));
        }

        return count;
    }

    public static ulong[] Hash(ReadOnlySpan<int> tokens, int width = DefaultShingleWidth)
    {
        var hashes = new ulong[Count(tokens.Length, width)];
        Hash(tokens, width, hashes);
        return hashes;
    }

    private static ulong HashWindow(ReadOnlySpan<int> window)
    {
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> copy = stackalloc int[window.Length];
            for (var i = 0; i < window.Length; i++)
            {
                copy[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(window[i]);
            }

            return XxHash3.HashToUInt64(MemoryMarshal.AsBytes((ReadOnlySpan<int>)copy));
        }

        return XxHash3.HashToUInt64(MemoryMarshal.AsBytes(window));
    }

    public static void ValidateWidth(int width)
    {
        if (width is < 1 or > MaxShingleWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, $"The shingle width must be between 1 and {MaxShingleWidth}.");
        }
    }
}
