using System.Buffers;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Quality;

/// <summary>
/// Gopher's repetition rules (Rae et al. 2021, table A1), as datatrove's GopherRepetitionFilter computes
/// them, over <see cref="TextWords"/> tokens; fractions are of the text's characters. N-grams are compared
/// by a 64-bit hash of their words' hashes, not as strings, in a flat open-addressing table per thread.
/// </summary>
internal static class GopherRepetition
{
    private static readonly string[] TopReasons = [.. Enumerable.Range(0, 11).Select(n => $"gopher_top_{n}_gram")];
    private static readonly string[] DuplicateReasons = [.. Enumerable.Range(0, 11).Select(n => $"gopher_duplicate_{n}_grams")];

    /// <summary>The reason of the first rule that fails, or null.</summary>
    /// <param name="text">The document.</param>
    /// <param name="tokens">Its <see cref="TextWords"/> tokens.</param>
    /// <param name="layout">Its lines and paragraphs.</param>
    /// <param name="o">The thresholds.</param>
    public static string? Check(string text, ReadOnlySpan<(int Start, int Length)> tokens, QualityFilter.Layout layout, QualityOptions o)
    {
        if (text.Length == 0)
        {
            return null;
        }

        var (paragraphs, duplicateParagraphs, duplicateParagraphChars) = Duplicates(text, layout.Paragraphs);
        if (paragraphs > 0 && (double)duplicateParagraphs / paragraphs > o.MaxDuplicateParagraphFraction)
        {
            return "gopher_duplicate_paragraphs";
        }

        if ((double)duplicateParagraphChars / text.Length > o.MaxDuplicateParagraphCharFraction)
        {
            return "gopher_duplicate_paragraph_chars";
        }

        var (lines, duplicateLines, duplicateLineChars) = Duplicates(text, layout.Lines);
        if (lines > 0 && (double)duplicateLines / lines > o.MaxDuplicateLineFraction)
        {
            return "gopher_duplicate_lines";
        }

        if ((double)duplicateLineChars / text.Length > o.MaxDuplicateLineCharFraction)
        {
            return "gopher_duplicate_line_chars";
        }

        if (tokens.Length < 2 || (o.TopNGramCharFractions.Count == 0 && o.DuplicateNGramCharFractions.Count == 0))
        {
            return null;
        }

        var table = Scratch.ForThread().Table;
        var hashes = ArrayPool<ulong>.Shared.Rent(tokens.Length);
        var keys = ArrayPool<ulong>.Shared.Rent(tokens.Length);
        try
        {
            for (var i = 0; i < tokens.Length; i++)
            {
                hashes[i] = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text.AsSpan(tokens[i].Start, tokens[i].Length)));
            }

            // keys[i] is the hash of the n-gram that starts at word i, grown one word per n, so a pass costs one mix per
            // position; n-grams of one n are compared only with each other.
            var n = 1;
            hashes.AsSpan(0, tokens.Length).CopyTo(keys);

            // A text with no repeated k-gram has no repeated n-gram for any n ≥ k (an equal n-gram starts with an equal
            // k-gram): from there every count is 1, the top n-gram is the longest one, and nothing is repeated.
            var unrepeatedFrom = int.MaxValue;

            // Bounds on the duplicate rules from the top n-gram passes: the characters covered by the k-grams that repeat an
            // earlier one. An n-gram that repeats (n ≥ k) is made of k-grams that repeat, so the duplicate n-grams' characters
            // never exceed the k-grams' covered ones; when those are within a duplicate rule's threshold, its pass is not needed.
            // (Like unrepeatedFrom, this takes equal keys for equal n-grams, as the counting itself does.)
            var tops = o.TopNGramCharFractions;
            Span<long> covered = stackalloc long[Math.Min(tops.Count, 16)];
            Span<int> topCounts = stackalloc int[covered.Length];
            for (var t = 0; t < tops.Count; t++)
            {
                var (size, max) = tops[t];
                var top = (Count: 0, Chars: 0);
                long coverage = 0;
                if (size < unrepeatedFrom && WithinTopBound(tokens, tops, topCounts[..Math.Min(t, topCounts.Length)], size, max, text.Length))
                {
                    // The rule passes; what the pass would have learned for the duplicate rules is unknown.
                    coverage = long.MaxValue;
                }
                else if (size < unrepeatedFrom)
                {
                    // The last word is mixed into the keys in the counting loop itself (as Grow would, one pass less).
                    var last = size >= 2 ? size - 1 : size;
                    Grow(keys, hashes, tokens.Length, ref n, last);
                    table.Clear(tokens.Length);
                    var coveredTo = 0;
                    for (var i = 0; i + size <= tokens.Length; i++)
                    {
                        var key = last < size ? keys[i] = Mix(keys[i], hashes[i + last]) : keys[i];
                        ref var entry = ref table.Find(key, out var found);
                        var end = tokens[i + size - 1].Start + tokens[i + size - 1].Length;
                        entry = (entry.Count + 1, end - tokens[i].Start);
                        if (entry.Count > top.Count || (entry.Count == top.Count && entry.Chars > top.Chars))
                        {
                            top = entry;
                        }

                        if (found)
                        {
                            coverage += end - Math.Max(tokens[i].Start, coveredTo);
                            coveredTo = end;
                        }
                    }

                    n = Math.Max(size, 1);
                    unrepeatedFrom = table.Count < tokens.Length - size + 1 ? unrepeatedFrom : size;
                }
                else
                {
                    for (var i = 0; i + size <= tokens.Length; i++)
                    {
                        top = (1, Math.Max(top.Chars, Chars(tokens, i, size)));
                    }
                }

                if (t < covered.Length)
                {
                    covered[t] = coverage;
                    topCounts[t] = top.Count;
                }

                if ((double)top.Count * top.Chars / text.Length > max)
                {
                    return Reason(TopReasons, size, "top");
                }
            }

            foreach (var (size, max) in o.DuplicateNGramCharFractions)
            {
                if (size >= unrepeatedFrom)
                {
                    // Nothing repeats at this size: the repeated characters are 0, within any threshold of 0 or more.
                    if (max < 0)
                    {
                        return Reason(DuplicateReasons, size, "duplicate");
                    }

                    continue;
                }

                if (WithinBound(tops, covered, size, max, text.Length))
                {
                    continue;
                }

                Grow(keys, hashes, tokens.Length, ref n, size);
                table.Clear(tokens.Length);
                long repeated = 0;
                var i = 0;
                var any = false;
                while (i + size <= tokens.Length)
                {
                    table.Find(keys[i], out var found);
                    if (!found)
                    {
                        i++;
                    }
                    else
                    {
                        any = true;
                        repeated += Chars(tokens, i, size);
                        i += size;
                    }
                }

                // Only a pass that found nothing added every position, and so proves that nothing repeats.
                unrepeatedFrom = any ? unrepeatedFrom : Math.Min(unrepeatedFrom, size);
                if ((double)repeated / text.Length > max)
                {
                    return Reason(DuplicateReasons, size, "duplicate");
                }
            }

            return null;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(hashes);
            ArrayPool<ulong>.Shared.Return(keys);
        }
    }

    /// <summary>
    /// Whether an earlier pass proves the top n-gram rule of <paramref name="size"/> passes without counting: the most
    /// frequent n-gram is no more frequent than its first k words were (k ≤ n), and no n-gram has more characters than the longest.
    /// </summary>
    private static bool WithinTopBound(
        ReadOnlySpan<(int Start, int Length)> tokens, IReadOnlyList<(int N, double MaxFraction)> tops, ReadOnlySpan<int> counts, int size, double max, int length)
    {
        var count = int.MaxValue;
        for (var t = 0; t < counts.Length; t++)
        {
            count = tops[t].N <= size && counts[t] > 0 ? Math.Min(count, counts[t]) : count;
        }

        if (count == int.MaxValue || size < 1)
        {
            return false;
        }

        var longest = 0;
        for (var i = 0; i + size <= tokens.Length; i++)
        {
            longest = Math.Max(longest, Chars(tokens, i, size));
        }

        return (double)count * longest / length <= max;
    }

    /// <summary>Whether the coverage of some k-gram pass, k ≤ <paramref name="size"/>, proves the duplicate rule of that size passes.</summary>
    private static bool WithinBound(IReadOnlyList<(int N, double MaxFraction)> tops, ReadOnlySpan<long> covered, int size, double max, int length)
    {
        for (var t = 0; t < covered.Length; t++)
        {
            // k ≥ 2: consecutive k-grams share a word, so the separators inside an n-gram are covered too.
            if (tops[t].N is >= 2 && tops[t].N <= size && (double)covered[t] / length <= max)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Extends keys[i] from the n-gram hashes at each start to those of <paramref name="size"/>-grams (sizes only grow).</summary>
    private static void Grow(ulong[] keys, ulong[] hashes, int count, ref int n, int size)
    {
        if (size < n)
        {
            // Sizes out of order (a caller's options): start again from single words.
            hashes.AsSpan(0, count).CopyTo(keys);
            n = 1;
        }

        for (; n < size; n++)
        {
            for (var i = 0; i + n < count; i++)
            {
                keys[i] = Mix(keys[i], hashes[i + n]);
            }
        }
    }

    /// <summary>Adds one word's hash to an n-gram's (a multiply-xorshift mix, as in Murmur3's finaliser, of the pair).</summary>
    private static ulong Mix(ulong key, ulong word)
    {
        var h = (BitOperations.RotateLeft(key, 23) ^ word) * 0x9E3779B97F4A7C15UL;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        return h ^ (h >> 32);
    }

    private static string Reason(string[] cached, int n, string kind) =>
        n < cached.Length ? cached[n] : $"gopher_{kind}_{n}_gram{(kind == "top" ? "" : "s")}";

    /// <summary>Characters from the n-gram's first word to its last, separators included.</summary>
    private static int Chars(ReadOnlySpan<(int Start, int Length)> tokens, int start, int n) =>
        tokens[start + n - 1].Start + tokens[start + n - 1].Length - tokens[start].Start;

    /// <summary>Non-blank lines or blank-line separated paragraphs: how many, how many repeat an earlier one, their characters.</summary>
    private static (int Units, int Duplicates, long DuplicateChars) Duplicates(string text, List<(int Start, int Length)> units)
    {
        // The first of the units cannot repeat an earlier one.
        if (units.Count < 2)
        {
            return (units.Count, 0, 0);
        }

        var seen = Scratch.ForThread().Units;
        seen.Clear();
        var duplicates = 0;
        long chars = 0;
        foreach (var (start, length) in units)
        {
            if (!seen.Add(XxHash128.HashToUInt128(MemoryMarshal.AsBytes(text.AsSpan(start, length)))))
            {
                duplicates++;
                chars += length;
            }
        }

        return (units.Count, duplicates, chars);
    }

    /// <summary>The sets one check fills, kept per thread so that screening a batch allocates no new ones per document.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? _current;

        public KeyTable Table { get; } = new();

        public HashSet<UInt128> Units { get; } = [];

        public static Scratch ForThread() => _current ??= new Scratch();
    }

    /// <summary>
    /// N-gram key → (count, characters), open addressing with linear probing. The keys are hashes already, so their
    /// low bits pick the slot; a slot is occupied when its stamp is the current one, so clearing is one increment.
    /// </summary>
    private sealed class KeyTable
    {
        private Entry[] _entries = new Entry[64];
        private uint _stamp;
        private int _mask;

        /// <summary>Distinct keys since <see cref="Clear"/>.</summary>
        public int Count { get; private set; }

        /// <summary>Empties the table, sized for up to <paramref name="capacity"/> keys (at most half full).</summary>
        public void Clear(int capacity)
        {
            var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(32, capacity * 2));
            if (size > _entries.Length)
            {
                _entries = new Entry[size];
                _stamp = 0;
            }

            if (++_stamp == 0)
            {
                Array.Clear(_entries);
                _stamp = 1;
            }

            _mask = size - 1;
            Count = 0;
        }

        /// <summary>The value of <paramref name="key"/>, added as (0, 0) when absent.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ref (int Count, int Chars) Find(ulong key, out bool found)
        {
            var entries = _entries;
            var slot = (int)(key ^ (key >> 32)) & _mask;
            while (true)
            {
                ref var entry = ref entries[slot];
                if (entry.Stamp != _stamp)
                {
                    entry = new Entry { Key = key, Stamp = _stamp };
                    Count++;
                    found = false;
                    return ref entry.Value;
                }

                if (entry.Key == key)
                {
                    found = true;
                    return ref entry.Value;
                }

                slot = (slot + 1) & _mask;
            }
        }

        private struct Entry
        {
            public ulong Key;
            public uint Stamp;
            public (int Count, int Chars) Value;
        }
    }
}
