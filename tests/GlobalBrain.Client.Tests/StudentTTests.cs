using GlobalBrain.Client.Statistics;
using Xunit;

namespace GlobalBrain.Client.Tests;

/// <summary>The t quantiles and the seed statistics of <c>simulate --seeds</c>, against closed forms and published tables.</summary>
public sealed class StudentTTests
{
    [Theory]
    [InlineData(3, 3.182446305)]
    [InlineData(4, 2.776445105)]
    [InlineData(5, 2.570581836)]
    [InlineData(9, 2.262157163)]
    [InlineData(10, 2.228138852)]
    [InlineData(20, 2.085963447)]
    [InlineData(30, 2.042272456)]
    [InlineData(100, 1.983971519)]
    [InlineData(1000, 1.962339081)]
    public void Quantile975_MatchesTheTables(int degreesOfFreedom, double expected) =>
        Assert.Equal(expected, StudentT.Quantile975(degreesOfFreedom), 1e-8);

    [Fact]
    public void Quantile975_OfOneAndTwoDegrees_IsTheClosedForm()
    {
        // ν = 1 is the Cauchy distribution: tan(π(p − ½)); ν = 2: (2p − 1) / √(2p(1 − p)).
        Assert.Equal(Math.Tan(Math.PI * 0.475), StudentT.Quantile975(1), 1e-8);
        Assert.Equal(0.95 / Math.Sqrt(2 * 0.975 * 0.025), StudentT.Quantile975(2), 1e-10);
    }

    [Fact]
    public void Quantile975_ApproachesTheNormal_AndFallsWithTheDegrees()
    {
        Assert.Equal(1.959963985, StudentT.Quantile975(1_000_000), 1e-5);
        var previous = double.PositiveInfinity;
        foreach (var nu in Enumerable.Range(1, 200))
        {
            var t = StudentT.Quantile975(nu);
            Assert.True(t < previous, $"t(0.975, {nu}) = {t} is not below t(0.975, {nu - 1}) = {previous}");
            previous = t;
        }
    }

    [Fact]
    public void Quantile_IsTheInverseOfTheCdf()
    {
        foreach (var p in new[] { 0.5, 0.6, 0.9, 0.975, 0.995 })
        {
            foreach (var nu in new[] { 1, 2, 7, 50 })
            {
                Assert.Equal(p, StudentT.Cdf(StudentT.Quantile(p, nu), nu), 1e-10);
            }
        }

        Assert.Equal(0, StudentT.Quantile(0.5, 3), 1e-12);
        Assert.Equal(0.025, StudentT.Cdf(-StudentT.Quantile975(6), 6), 1e-10);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Quantile_RefusesLessThanOneDegree(int degreesOfFreedom) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile975(degreesOfFreedom));

    [Fact]
    public void SampleSummary_OfFiveValues_IsTheHandComputedMeanSdAndInterval()
    {
        var summary = SampleSummary.Of([2, 4, 4, 5, 10]);

        // mean 25 / 5 = 5; squares 9 + 1 + 1 + 0 + 25 = 36, sd = √(36 / 4) = 3; h = t(0.975, 4) · 3 / √5.
        var h = 2.776445105 * 3 / Math.Sqrt(5);
        Assert.Equal(5, summary.N);
        Assert.Equal(5, summary.Mean!.Value, 1e-12);
        Assert.Equal(3, summary.Sd!.Value, 1e-12);
        Assert.Equal(5 - h, summary.Ci95Low!.Value, 1e-8);
        Assert.Equal(5 + h, summary.Ci95High!.Value, 1e-8);
        Assert.Equal(h, summary.HalfWidth!.Value, 1e-8);
    }

    [Fact]
    public void SampleSummary_OfOneValue_HasNoSpread_AndOfNoneNothing()
    {
        Assert.Equal(new SampleSummary(0.5, null, null, null, 1), SampleSummary.Of([0.5]));
        Assert.Equal(new SampleSummary(null, null, null, null, 0), SampleSummary.Of([]));
        Assert.Equal(new SampleSummary(7, 0, 7, 7, 3), SampleSummary.Of([7, 7, 7]));
    }
}
