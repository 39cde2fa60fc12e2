using GlobalBrain.Domain.Simulation;
using Xunit;

namespace GlobalBrain.Domain.Tests.Simulation;

public sealed class SimulationNamesTests
{
    [Fact]
    public void EveryValue_HasOneName_ThatParsesBack()
    {
        AssertRoundTrip(SimulationNames.Modes);
        AssertRoundTrip(SimulationNames.Topologies);
        AssertRoundTrip(SimulationNames.Scenarios);
    }

    [Fact]
    public void Names_AreTheOnesTheCommandLineAndTheSettingsUse()
    {
        Assert.Equal(["push", "pull", "push-pull"], SimulationNames.Modes.Names);
        Assert.Equal(["complete", "ring", "small-world", "scale-free"], SimulationNames.Topologies.Names);
        Assert.Equal(["rumor", "items", "corpus"], SimulationNames.Scenarios.Names);
        Assert.Equal("push-pull", ExchangeMode.PushPull.Name());
        Assert.Equal("small-world", TopologyKind.SmallWorld.Name());
        Assert.Equal("corpus", ScenarioKind.Corpus.Name());
    }

    [Fact]
    public void AnUnknownValueOrName_IsRefused_NeverASilentDefault()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((ExchangeMode)42).Name());
        Assert.False(SimulationNames.Modes.TryParse("Push-Pull", out _)); // names are case-sensitive, as on the command line
        Assert.False(SimulationNames.Topologies.TryParse(null, out _));

        var error = Assert.Throws<ArgumentException>(() => SimulationNames.Topologies.Parse("torus", "topology"));

        Assert.StartsWith("unknown topology 'torus': must be complete, ring, small-world or scale-free", error.Message, StringComparison.Ordinal);
    }

    private static void AssertRoundTrip<T>(NameTable<T> table)
        where T : struct, Enum
    {
        Assert.Equal(Enum.GetValues<T>().Length, table.Names.Count);
        Assert.Equal(table.Names.Count, table.Names.Distinct(StringComparer.Ordinal).Count());
        foreach (var value in Enum.GetValues<T>())
        {
            Assert.True(table.TryParse(table.Name(value), out var parsed));
            Assert.Equal(value, parsed);
        }
    }
}
