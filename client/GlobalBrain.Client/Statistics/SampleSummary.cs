namespace GlobalBrain.Client.Statistics;

/// <summary>
/// A metric over the seeds of a grid point: the mean, the sample standard deviation (n − 1) and the 95%
/// confidence interval of the mean, mean ± t(0.975, n − 1) · sd / √n. With one value sd and the interval
/// are null (nothing to estimate them from); with none, everything is.
/// </summary>
internal sealed record SampleSummary(double? Mean, double? Sd, double? Ci95Low, double? Ci95High, int N)
{
    /// <summary>Half the width of the 95% interval, or null.</summary>
    public double? HalfWidth => Ci95High - Mean;

    /// <summary>The summary of the values times <paramref name="factor"/> &gt; 0 (e.g. seconds as t·v).</summary>
    public SampleSummary Scale(double factor) => new(Mean * factor, Sd * factor, Ci95Low * factor, Ci95High * factor, N);

    /// <summary>The summary of <paramref name="values"/> (in any order: the sums run in the given order, so pass them in seed order for the same bytes).</summary>
    public static SampleSummary Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        if (n == 0)
        {
            return new(null, null, null, null, 0);
        }

        var mean = 0.0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= n;
        if (n == 1)
        {
            return new(mean, null, null, null, 1);
        }

        var squares = 0.0;
        foreach (var v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        var sd = Math.Sqrt(squares / (n - 1));
        var half = StudentT.Quantile975(n - 1) * sd / Math.Sqrt(n);
        return new(mean, sd, mean - half, mean + half, n);
    }
}
