using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace GlobalBrain.Domain.Quality;

/// <summary>Hashes of a text's UTF-8 bytes (the same in every process and run), encoded on the stack or in a pooled buffer.</summary>
internal static class Utf8Hash
{
    private const int StackBytes = 512;

    public static ulong XxHash3Of(ReadOnlySpan<char> text) => Hash(text, static bytes => XxHash3.HashToUInt64(bytes));

    public static UInt128 XxHash128Of(ReadOnlySpan<char> text) => Hash(text, static bytes => XxHash128.HashToUInt128(bytes));

    private static T Hash<T>(ReadOnlySpan<char> text, Func<ReadOnlySpan<byte>, T> hash)
    {
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = length > StackBytes ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            Span<byte> buffer = rented ?? stackalloc byte[StackBytes];
            var written = Encoding.UTF8.GetBytes(text, buffer);
            return hash(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
