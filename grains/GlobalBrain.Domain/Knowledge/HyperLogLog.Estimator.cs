using System.Numerics;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>The estimator.</summary>
public sealed partial class HyperLogLog
{
    /// <summary>Ertl's improved raw estimator from the register histogram (Algorithm 6).</summary>
    private static double Estimate(ReadOnlySpan<int> histogram, int m)
    {
        var p = BitOperations.Log2((uint)m);
        var q = 64 - p;
        double z = m * Tau(1.0 - (double)histogram[q + 1] / m);
        for (var k = q; k >= 1; k--)
        {
            z = 0.5 * (z + histogram[k]);
        }

        z += m * Sigma((double)histogram[0] / m);
        if (double.IsPositiveInfinity(z))
        {
            return 0; // every register is empty
        }

        const double alphaInfinity = 0.72134752044448170368; // 1 / (2 ln 2)
        return alphaInfinity * m * (double)m / z;
    }

    private static double Sigma(double x)
    {
        if (x == 1.0)
        {
            return double.PositiveInfinity;
        }

        double y = 1.0, z = x, previous;
        do
        {
            x *= x;
            previous = z;
            z += x * y;
            y += y;
        }
        while (z != previous);
        return z;
    }

    private static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0)
        {
            return 0.0;
        }

        double y = 1.0, z = 1.0 - x, previous;
        do
        {
            x = Math.Sqrt(x);
            previous = z;
            y *= 0.5;
            z -= Math.Pow(1.0 - x, 2) * y;
        }
        while (z != previous);
        return z / 3.0;
    }
}
