using CsCheck;
using GlobalBrain.Domain.Faults;
using Xunit;

namespace GlobalBrain.Domain.Tests.Faults;

public sealed class FaultPlanTests
{
    private static readonly Gen<FaultRates> Rates =
        Gen.Select(Gen.Double[0, 0.33], Gen.Double[0, 1], Gen.Double[0, 0.33], Gen.Double[0, 0.33], Gen.Double[0, 1])
            .Select((drop, duplicate, delay, reorder, deactivate) => new FaultRates(drop, duplicate, delay, reorder, deactivate));

    [Fact]
    public void Draw_IsAPureFunctionOfSeedExpertAndOrdinal()
    {
        Gen.Select(Rates, Gen.ULong, Gen.Long[0, 1_000_000], Gen.Long[0, long.MaxValue]).Sample((rates, seed, expert, ordinal) =>
        {
            Assert.Equal(FaultPlan.Draw(rates, seed, expert, ordinal), FaultPlan.Draw(rates with { }, seed, expert, ordinal));
        }, iter: 1_000);
    }

    [Fact]
    public void Draw_DependsOnTheSeed()
    {
        var rates = new FaultRates(0.3, 0.3, 0.3, 0.3, 0.3);

        var one = Enumerable.Range(0, 64).Select(k => FaultPlan.Draw(rates, 1, 5, k)).ToList();
        var two = Enumerable.Range(0, 64).Select(k => FaultPlan.Draw(rates, 2, 5, k)).ToList();

        Assert.NotEqual(one, two);
    }

    [Fact]
    public void Draw_WithoutRates_IsNoFault()
    {
        Gen.Select(Gen.ULong, Gen.Long, Gen.Long).Sample((seed, expert, ordinal) =>
        {
            Assert.True(FaultPlan.Draw(FaultRates.None, seed, expert, ordinal).IsNone);
        }, iter: 1_000);
    }

    [Fact]
    public void Draw_NeverDuplicatesADroppedMessage_AndDelaysOnlyDelayedOnes()
    {
        Gen.Select(Rates, Gen.ULong, Gen.Long[0, 1000], Gen.Long[0, 1_000_000]).Sample((rates, seed, expert, ordinal) =>
        {
            var draw = FaultPlan.Draw(rates, seed, expert, ordinal);

            Assert.False(draw.Fate == MessageFate.Dropped && draw.Duplicated);
            if (draw.Fate == MessageFate.Delayed)
            {
                Assert.InRange(draw.DelayFraction, double.Epsilon, 1);
            }
            else
            {
                Assert.Equal(0, draw.DelayFraction);
            }
        }, iter: 2_000);
    }

    [Theory]
    [InlineData(0.3, 0.3, 0.3, 0.3, 0.3)]
    [InlineData(0.7, 0, 0, 0, 0.25)]
    [InlineData(0, 0.5, 0.45, 0.5, 0)]
    [InlineData(1, 1, 0, 0, 1)]
    [InlineData(0.05, 0.9, 0.9, 0.05, 0.01)]
    public void Draw_HitsEachFaultAtItsRate(double drop, double duplicate, double delay, double reorder, double deactivate)
    {
        const int Draws = 200_000;
        var rates = new FaultRates(drop, duplicate, delay, reorder, deactivate);
        var fates = new int[4];
        int duplicated = 0, deactivated = 0;
        var delaySum = 0.0;
        for (var i = 0; i < Draws; i++)
        {
            var draw = FaultPlan.Draw(rates, seed: 42, expert: i % 16, ordinal: i / 16);
            fates[(int)draw.Fate]++;
            duplicated += draw.Duplicated ? 1 : 0;
            deactivated += draw.Deactivate ? 1 : 0;
            delaySum += draw.DelayFraction;
        }

        // Five standard errors at most (σ ≤ 0.0012 for 200,000 draws).
        const double Tolerance = 0.006;
        Assert.Equal(drop, fates[(int)MessageFate.Dropped] / (double)Draws, Tolerance);
        Assert.Equal(delay, fates[(int)MessageFate.Delayed] / (double)Draws, Tolerance);
        Assert.Equal(reorder, fates[(int)MessageFate.Reordered] / (double)Draws, Tolerance);
        Assert.Equal(1 - drop - delay - reorder, fates[(int)MessageFate.OnTime] / (double)Draws, Tolerance);
        Assert.Equal(duplicate * (1 - drop), duplicated / (double)Draws, Tolerance);
        Assert.Equal(deactivate, deactivated / (double)Draws, Tolerance);
        if (delay > 0)
        {
            // Uniform over (0, 1]: the mean delay is half the largest.
            Assert.Equal(0.5, delaySum / fates[(int)MessageFate.Delayed], 0.02);
        }
    }
}
