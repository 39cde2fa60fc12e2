namespace GlobalBrain.Testing.Tests;

public sealed class SiloCommandLineTests
{
    [Fact]
    public void OnLoopback_PutsTheApiOnLoopback_AndTheClusterOnTheGivenPorts()
    {
        Assert.Equal(
            ["--urls", "http://127.0.0.1:5000", "--GlobalBrain:Cluster:SiloPort", "11111", "--GlobalBrain:Cluster:GatewayPort", "30000"],
            SiloCommandLine.OnLoopback(5000, 11111, 30000));
    }

    [Fact]
    public void From_MakesEachSettingAnOption()
    {
        Assert.Equal(["--A:B", "1", "--C", "two"], SiloCommandLine.From([KeyValuePair.Create("A:B", "1"), KeyValuePair.Create("C", "two")]));
    }
}
