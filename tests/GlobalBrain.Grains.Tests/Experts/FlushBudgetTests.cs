using GlobalBrain.Grains.Experts;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace GlobalBrain.Grains.Tests.Experts;

public sealed class FlushBudgetTests
{
    [Fact]
    public void GivesRatePerSecond_HoldsAtMostOneSecondsWorth()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var budget = new FlushBudget(100, time);

        Assert.Equal(100, Takes(budget, 1000));

        // Half a second later: 50 more, and an idle minute banks no more than one second's worth.
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(50, Takes(budget, 1000));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(100, Takes(budget, 1000));

        // Over ten seconds of steady asking: 100 a second.
        var taken = 0;
        for (var step = 0; step < 1000; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            taken += Takes(budget, 10);
        }

        Assert.InRange(taken, 999, 1001);
    }

    [Fact]
    public void ZeroMeansNoLimit_AndALowRateStillGivesOneAtATime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        Assert.Equal(100_000, Takes(new FlushBudget(0, time), 100_000));

        var slow = new FlushBudget(0.5, time);
        Assert.Equal(1, Takes(slow, 10));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, Takes(slow, 10));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, Takes(slow, 10));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ABadRate_IsASettingsErrorNamingTheKey(double rate)
    {
        var result = new KnowledgeOptionsValidator().Validate(null, new KnowledgeOptions { FlushRate = rate });
        Assert.True(result.Failed);
        Assert.Contains("GlobalBrain:Knowledge:FlushRate", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("GlobalBrain__Knowledge__FlushRate", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new KnowledgeOptionsValidator().Validate(null, new KnowledgeOptions { FlushRate = 0 }).Succeeded);
    }

    private static int Takes(FlushBudget budget, int tries)
    {
        var taken = 0;
        for (var i = 0; i < tries; i++)
        {
            taken += budget.TryTake() ? 1 : 0;
        }

        return taken;
    }
}
