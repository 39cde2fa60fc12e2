using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace GlobalBrain.Domain.Quality;

/// <summary>Hashes of a text's UTF-8 bytes (the same in every process and run), encoded on the stack or in a pooled buffer.</summary>
internal static class Utf8Hash
{
    private const int StackBytes = 512;

    public static UInt128 XxHash128Of(ReadOnlySpan<char> text)
    {
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = length > StackBytes ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            Span<byte> buffer = rented ?? stackalloc byte[StackBytes];
            var written = Encoding.UTF8.GetBytes(text, buffer);
            return XxHash128.HashToUInt128(buffer[..written]);
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
