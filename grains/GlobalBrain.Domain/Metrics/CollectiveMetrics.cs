namespace GlobalBrain.Domain.Metrics;

/// <summary>Reach statistics and collective intelligence over a set of experts (DESIGN.md, "Metrics").</summary>
/// <param name="Experts">N.</param>
/// <param name="DistinctItems">I = |U|, estimated distinct items cluster-wide.</param>
/// <param name="MeanReach">C̄, the mean of c_i = |K_i| / |U|.</param>
/// <param name="MinReach">Minimum c_i.</param>
/// <param name="MedianReach">Median (p50) c_i.</param>
/// <param name="StdReach">Population standard deviation of c_i.</param>
/// <param name="CollectiveIntelligence">C = Σ_i |K_i| = N · C̄ · I.</param>
public sealed record ReachSummary(
    int Experts,
    double DistinctItems,
    double MeanReach,
    double MinReach,
    double MedianReach,
    double StdReach,
    double CollectiveIntelligence)
{
    /// <summary>
    /// Computes the summary from each expert's |K_i| and the union |U|. Each |K_i| is clamped to
    /// |U| (a sketch of a subset cannot hold more than the union; estimates can disagree by a hair).
    /// With nothing known anywhere (|U| = 0) every reach is 0.
    /// </summary>
    public static ReachSummary Compute(ReadOnlySpan<double> knowledge, double union)
    {
        if (knowledge.IsEmpty)
        {
            throw new ArgumentException("At least one expert is needed.", nameof(knowledge));
        }

        var n = knowledge.Length;

        // The reaches are sorted for the median in an array from the pool: the aggregator computes this for all
        // N experts every metrics interval, and at 10^6 a new one would be 8 MB on the large-object heap each time.
        var rented = System.Buffers.ArrayPool<double>.Shared.Rent(n);
        try
        {
            return Compute(knowledge, union, rented.AsSpan(0, n));
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(rented);
        }
    }

    private static ReachSummary Compute(ReadOnlySpan<double> knowledge, double union, Span<double> reach)
    {
        var n = knowledge.Length;
        double sum = 0, c = 0;
        for (var i = 0; i < n; i++)
        {
            var k = Math.Clamp(knowledge[i], 0, Math.Max(union, 0));
            c += k;
            reach[i] = union > 0 ? k / union : 0;
            sum += reach[i];
        }

        // Each term is at most I, so C is at most N·I; their rounded sum can pass the rounded N·I by an ulp, and C ≤ N·I is
        // what a dashboard dividing by N·I relies on.
        c = Math.Min(c, n * Math.Max(union, 0));
        var mean = sum / n;
        double squares = 0;
        foreach (var r in reach)
        {
            squares += (r - mean) * (r - mean);
        }

        reach.Sort();
        var median = n % 2 == 1 ? reach[n / 2] : (reach[(n / 2) - 1] + reach[n / 2]) / 2;
        return new ReachSummary(n, Math.Max(union, 0), mean, reach[0], median, Math.Sqrt(squares / n), c);
    }
}
