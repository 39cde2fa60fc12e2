using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GlobalBrain.Client.Tokenize;

/// <summary>
/// Token ids as comma-separated decimal text, from a table of every id below <see cref="TableSize"/> already
/// formatted ("1996," in one 8-byte word, with its length): one store per id instead of a division loop.
/// Covers bert (28,996 ids) and cl100k_base (100,277); larger ids are formatted.
/// </summary>
internal static class IdText
{
    public const int TableSize = 1 << 17;

    private static readonly ulong[] Text = new ulong[TableSize];
    private static readonly byte[] Length = new byte[TableSize];

#pragma warning disable CA1810 // the tables are filled in one loop; a static constructor reads better than two initializers
    static IdText()
#pragma warning restore CA1810
    {
        Span<byte> digits = stackalloc byte[8];
        for (var id = 0; id < TableSize; id++)
        {
            digits.Clear();
            id.TryFormat(digits, out var written, provider: CultureInfo.InvariantCulture);
            digits[written] = (byte)',';
            Text[id] = MemoryMarshal.Read<ulong>(digits);
            Length[id] = (byte)(written + 1);
        }
    }

    /// <summary>
    /// Writes "a,b,c" (no comma after the last) and returns the bytes written. <paramref name="destination"/>
    /// needs 12 bytes per id (an int's 11 characters and a comma) plus 8 of slack for the last 8-byte store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Write(ReadOnlySpan<int> ids, Span<byte> destination)
    {
        if (ids.IsEmpty)
        {
            return 0;
        }

        if (destination.Length < (12 * ids.Length) + 8)
        {
            throw new ArgumentException("too small for the ids", nameof(destination));
        }

        ref var output = ref MemoryMarshal.GetReference(destination);
        ref var text = ref MemoryMarshal.GetArrayDataReference(Text);
        ref var length = ref MemoryMarshal.GetArrayDataReference(Length);
        nint at = 0;
        foreach (var id in ids)
        {
            if ((uint)id < TableSize)
            {
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, at), Unsafe.Add(ref text, id));
                at += Unsafe.Add(ref length, id);
            }
            else
            {
                id.TryFormat(destination[(int)at..], out var written, provider: CultureInfo.InvariantCulture);
                destination[(int)at + written] = (byte)',';
                at += written + 1;
            }
        }

        return (int)at - 1;
    }
}
