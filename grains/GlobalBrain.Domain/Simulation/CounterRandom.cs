using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// Random numbers as a pure function of (seed, stream, round, expert, draw): SplitMix64's mixer over a
/// combined key. Any expert's choices in any round can be computed anywhere, in any order, on any
/// silo — which is what makes a run identical whatever the partitioning or the scheduling.
/// </summary>
public static class CounterRandom
{
    /// <summary>A uniform 64-bit value for the key.</summary>
    public static ulong Next(ulong seed, ulong stream, long round, long expert, int draw) =>
        Next(RoundKey(seed, stream, round), expert, draw);

    /// <summary>The part of the key that (seed, stream, round) fix: computed once per round by engines that draw billions of times.</summary>
    public static ulong RoundKey(ulong seed, ulong stream, long round) =>
        Mix((seed ^ (stream * 0x9E3779B97F4A7C15UL)) + ((ulong)round * 0xBF58476D1CE4E5B9UL));

    /// <summary>The same value as <see cref="Next(ulong, ulong, long, long, int)"/> from its <see cref="RoundKey"/>.</summary>
    public static ulong Next(ulong roundKey, long expert, int draw) =>
        Mix(Mix(roundKey + ((ulong)expert * 0x94D049BB133111EBUL)) + (ulong)draw);

    /// <summary>
    /// <see cref="Next(ulong, long, int)"/> for the experts <paramref name="firstExpert"/>, <paramref name="firstExpert"/> + 1, …
    /// into every element of <paramref name="destination"/>: the same values, four or eight experts at a time where the
    /// CPU multiplies 64-bit lanes (the mixer's multiplies are most of a draw's cost).
    /// </summary>
    public static void Next(ulong roundKey, long firstExpert, int draw, Span<ulong> destination)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var expert = Vector512.Create((ulong)firstExpert) + Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
            var step = Vector512.Create(8UL);
            var key = Vector512.Create(roundKey);
            var drawLane = Vector512.Create((ulong)draw);
            for (; i + 8 <= destination.Length; i += 8)
            {
                Mix(Mix(key + (expert * 0x94D049BB133111EBUL)) + drawLane).CopyTo(destination[i..]);
                expert += step;
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var expert = Vector256.Create((ulong)(firstExpert + i)) + Vector256.Create(0UL, 1, 2, 3);
            var step = Vector256.Create(4UL);
            var key = Vector256.Create(roundKey);
            var drawLane = Vector256.Create((ulong)draw);
            for (; i + 4 <= destination.Length; i += 4)
            {
                Mix(Mix(key + (expert * 0x94D049BB133111EBUL)) + drawLane).CopyTo(destination[i..]);
                expert += step;
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = Next(roundKey, firstExpert + i, draw);
        }
    }

    /// <summary>
    /// The complete graph's peers (<c>Topology.CompletePeer</c> of <see cref="Next(ulong, long, int)"/>) of the
    /// experts <paramref name="firstExpert"/>, <paramref name="firstExpert"/> + 1, … among <paramref name="experts"/> ≥ 2,
    /// into every element of <paramref name="peers"/>: the same values, eight experts at a time where the CPU has
    /// 512-bit vectors (the draw, the 64-bit <see cref="Below(ulong, long)"/> and the skip over the expert itself).
    /// </summary>
    public static void CompletePeers(ulong roundKey, long firstExpert, int draw, long experts, Span<long> peers)
    {
        var i = 0;
        var bound = (ulong)(experts - 1);
        if (Vector512.IsHardwareAccelerated)
        {
            var expert = Vector512.Create((ulong)firstExpert) + Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
            var step = Vector512.Create(8UL);
            var key = Vector512.Create(roundKey);
            var drawLane = Vector512.Create((ulong)draw);
            var low32 = Vector512.Create(0xFFFF_FFFFUL);
            var boundLow = Vector512.Create(bound & 0xFFFF_FFFFUL);
            var boundHigh = Vector512.Create(bound >> 32);
            var small = bound <= 1UL << 32;
            var destination = MemoryMarshal.Cast<long, ulong>(peers);
            for (; i + 8 <= peers.Length; i += 8)
            {
                var random = Mix(Mix(key + (expert * 0x94D049BB133111EBUL)) + drawLane);
                var high = Vector512.ShiftRightLogical(random, 32);
                Vector512<ulong> other;
                if (small)
                {
                    other = Vector512.ShiftRightLogical(high * Vector512.Create(bound), 32);
                }
                else
                {
                    // The high word of the 128-bit product random × bound from 32-bit pieces (bound < 2^34).
                    var low = random & low32;
                    var lowLow = low * boundLow;
                    var highLow = high * boundLow;
                    var cross = Vector512.ShiftRightLogical(lowLow, 32) + (highLow & low32) + (low * boundHigh);
                    other = (high * boundHigh) + Vector512.ShiftRightLogical(highLow, 32) + Vector512.ShiftRightLogical(cross, 32);
                }

                // other ≥ expert: all ones (−1), so subtracting it adds the one that skips the expert.
                (other - Vector512.GreaterThanOrEqual(other, expert)).CopyTo(destination[i..]);
                expert += step;
            }
        }

        // The rest (all of it without 512-bit vectors): the draws in place, with the narrower vectors
        // where there are some, then each one's peer.
        var randoms = MemoryMarshal.Cast<long, ulong>(peers[i..]);
        Next(roundKey, firstExpert + i, draw, randoms);
        for (var j = 0; j < randoms.Length; j++)
        {
            var expert = firstExpert + i + j;
            var other = Below(randoms[j], (long)bound);
            peers[i + j] = other >= expert ? other + 1 : other;
        }
    }

    /// <summary>A uniform integer in [0, bound) (Lemire's multiply-shift; the bias for bound ≤ 2^32 is below 2^-32).</summary>
    public static int Below(ulong random, int bound) => (int)((random >> 32) * (ulong)bound >> 32);

    /// <summary>
    /// A uniform integer in [0, bound) for 64-bit bounds: the same value as <see cref="Below(ulong, int)"/> up to
    /// 2^32, and beyond that the high word of the full 128-bit product (every value reachable).
    /// </summary>
    public static long Below(ulong random, long bound) => (ulong)bound <= 1UL << 32
        ? (long)((random >> 32) * (ulong)bound >> 32)
        : (long)Math.BigMul(random, (ulong)bound, out _);

    /// <summary>A uniform double in [0, 1) from the top 53 bits.</summary>
    public static double Unit(ulong random) => (random >> 11) * (1.0 / (1UL << 53));

    private static Vector512<ulong> Mix(Vector512<ulong> z)
    {
        z += Vector512.Create(0x9E3779B97F4A7C15UL);
        z = (z ^ Vector512.ShiftRightLogical(z, 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ Vector512.ShiftRightLogical(z, 27)) * 0x94D049BB133111EBUL;
        return z ^ Vector512.ShiftRightLogical(z, 31);
    }

    private static Vector256<ulong> Mix(Vector256<ulong> z)
    {
        z += Vector256.Create(0x9E3779B97F4A7C15UL);
        z = (z ^ Vector256.ShiftRightLogical(z, 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ Vector256.ShiftRightLogical(z, 27)) * 0x94D049BB133111EBUL;
        return z ^ Vector256.ShiftRightLogical(z, 31);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
