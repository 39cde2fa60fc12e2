using GlobalBrain.Grains.Hosting;

namespace GlobalBrain.Grains.Tests;

public sealed class FaultsOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid_AndInjectNothing()
    {
        var options = new FaultsOptions();

        Assert.True(new FaultsOptionsValidator().Validate(null, options).Succeeded);
        Assert.False(options.Rates().Any);
    }

    [Theory]
    [InlineData(nameof(FaultsOptions.DropProbability), 1.5)]
    [InlineData(nameof(FaultsOptions.DuplicateProbability), -0.1)]
    [InlineData(nameof(FaultsOptions.DelayProbability), double.NaN)]
    [InlineData(nameof(FaultsOptions.ReorderProbability), double.PositiveInfinity)]
    [InlineData(nameof(FaultsOptions.DeactivateProbability), 2)]
    public void ProbabilityOutsideZeroToOne_NamesTheKeyAndTheVariable(string key, double value)
    {
        var options = new FaultsOptions();
        typeof(FaultsOptions).GetProperty(key)!.SetValue(options, value);

        var failure = Assert.Single(Failures(options));

        Assert.StartsWith($"GlobalBrain:Faults:{key} is a probability, from 0 to 1 (got ", failure, StringComparison.Ordinal);
        Assert.EndsWith($"GlobalBrain__Faults__{key}.", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void FatesAddingUpToMoreThanOne_NameAllThreeKeysAndVariables()
    {
        var failure = Assert.Single(Failures(new FaultsOptions { DropProbability = 0.5, DelayProbability = 0.4, ReorderProbability = 0.3 }));

        Assert.StartsWith("GlobalBrain:Faults:DropProbability + DelayProbability + ReorderProbability must be at most 1", failure, StringComparison.Ordinal);
        Assert.Contains("(got 1.2", failure, StringComparison.Ordinal);
        foreach (var key in new[] { "DropProbability", "DelayProbability", "ReorderProbability" })
        {
            Assert.Contains($"GlobalBrain__Faults__{key}", failure, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryFaultAtOnce_AtSubstantialRates_IsValid()
    {
        var options = new FaultsOptions { DropProbability = 0.3, DuplicateProbability = 0.3, DelayProbability = 0.3, ReorderProbability = 0.3, DeactivateProbability = 0.3 };

        Assert.Empty(Failures(options));
        Assert.True(options.Rates().Any);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("00:01:00.001")]
    public void MaxDelay_MustBePositiveAndAtMostAMinute(string value)
    {
        var failure = Assert.Single(Failures(new FaultsOptions { MaxDelay = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) }));

        Assert.StartsWith("GlobalBrain:Faults:MaxDelay must be more than 0 and at most 00:01:00 (got ", failure, StringComparison.Ordinal);
        Assert.EndsWith("GlobalBrain__Faults__MaxDelay.", failure, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Failures(FaultsOptions options) =>
        new FaultsOptionsValidator().Validate(null, options).Failures ?? [];
}
