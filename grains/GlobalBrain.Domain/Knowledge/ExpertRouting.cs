using System.IO.Hashing;
using System.Text;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>Routes a document to the expert that ingests it: a stable hash of its id, modulo N.</summary>
public static class ExpertRouting
{
    public static int ExpertFor(string documentId, int experts)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 1);
        var byteCount = Encoding.UTF8.GetByteCount(documentId);
        Span<byte> buffer = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(documentId, buffer);
        return (int)(XxHash3.HashToUInt64(buffer) % (ulong)experts);
    }
}
