using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary>The --json object of one <c>simulate</c> run: its keys and their order are a contract for scripts and for byte-for-byte reproducibility.</summary>
public sealed class SimulationJsonTests(ITestOutputHelper output)
{
    // simulate --experts 1000 --rounds 5 --json, recorded from the build before SimulateCommand's formatting moved to Output/ (issue 15).
    private const string RecordedRun = "{\"experts\":1000,\"flowRate\":1,\"mode\":\"push-pull\",\"topology\":\"complete\",\"k\":null,\"beta\":null,\"m\":null,\"scenario\":\"rumor\",\"itemsPerExpert\":null,\"exchangeCap\":null,\"seed\":1,\"maxRounds\":5,\"untilConverged\":false,\"epsilon\":0,\"distinctItems\":1,\"topologyEdges\":499500,\"rounds\":[{\"round\":0,\"meanReach\":0.001,\"minReach\":0,\"p50Reach\":0,\"stdReach\":0.03160696125855822,\"collectiveIntelligence\":1,\"exchanges\":0,\"bytesExchanged\":0},{\"round\":1,\"meanReach\":0.004,\"minReach\":0,\"p50Reach\":0,\"stdReach\":0.063118935352238,\"collectiveIntelligence\":4,\"exchanges\":1000,\"bytesExchanged\":24},{\"round\":2,\"meanReach\":0.015,\"minReach\":0,\"p50Reach\":0,\"stdReach\":0.12155245781143217,\"collectiveIntelligence\":15,\"exchanges\":1000,\"bytesExchanged\":88},{\"round\":3,\"meanReach\":0.048,\"minReach\":0,\"p50Reach\":0,\"stdReach\":0.2137662274541982,\"collectiveIntelligence\":48,\"exchanges\":1000,\"bytesExchanged\":272},{\"round\":4,\"meanReach\":0.135,\"minReach\":0,\"p50Reach\":0,\"stdReach\":0.34172357249683555,\"collectiveIntelligence\":135,\"exchanges\":1000,\"bytesExchanged\":720},{\"round\":5,\"meanReach\":0.367,\"minReach\":0,\"p50Reach\":0,\"stdReach\":0.48198651433416684,\"collectiveIntelligence\":367,\"exchanges\":1000,\"bytesExchanged\":2360}],\"roundsToFullCoverage\":null}";

    private static readonly string[] RunKeys =
    [
        "experts", "flowRate", "mode", "topology", "k", "beta", "m", "scenario", "itemsPerExpert", "exchangeCap", "seed", "maxRounds", "untilConverged", "epsilon",
        "distinctItems", "topologyEdges", "rounds", "roundsToFullCoverage",
    ];

    [Fact]
    public async Task Run_HasTheParametersFirst_ThenRoundsAndCoverage_InThisOrder()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "1000", "--rounds", "5", "--json");

        Assert.Equal(0, result.ExitCode);
        var json = result.SingleJsonObject();
        Assert.Equal(RunKeys, json.EnumerateObject().Select(property => property.Name));
    }

    [Fact]
    public async Task Run_IsTheSameBytes_AsBeforeTheOutputMovedToOutputSimulationJson()
    {
        var result = await CliRunner.RunAsync(output, "simulate", "--experts", "1000", "--rounds", "5", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(RecordedRun + "\n", result.Stdout.ReplaceLineEndings("\n"));
    }
}
