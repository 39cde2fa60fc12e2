namespace GlobalBrain.Silo.Tests.Hosting;

/// <summary>
/// Every numeric setting of the silo, and the API key, given hostile values (negative, NaN, infinite,
/// huge, not a number, a bare number where a time span belongs): the silo process stops before it
/// starts, with exit code 2 and one line naming the setting and its environment variable — no stack
/// trace, and never the key itself. One table.
/// </summary>
public sealed class HostileSettingsTests
{
    private const string ShortKey = "s3cr3t-but-short";

    /// <summary>Name, settings (command-line form), fragments the output must hold.</summary>
    private static readonly (string Name, string[] Settings, string[] Mentions)[] Table =
    [
        ("experts count negative", ["--GlobalBrain:Experts:Count", "-1"], ["GlobalBrain__Experts__Count", "between 1 and 1000000", "got -1"]),
        ("experts count NaN", ["--GlobalBrain:Experts:Count", "NaN"], ["GlobalBrain__Experts__Count", "whole number from 1 to 1000000", "'NaN'"]),
        ("experts count beyond int", ["--GlobalBrain:Experts:Count", "99999999999"], ["GlobalBrain__Experts__Count", "'99999999999'"]),
        ("experts count 1e309", ["--GlobalBrain:Experts:Count", "1e309"], ["GlobalBrain__Experts__Count", "'1e309'"]),
        ("flow rate NaN", ["--GlobalBrain:Experts:FlowRate", "NaN"], ["GlobalBrain__Experts__FlowRate", "got NaN"]),
        ("flow rate negative", ["--GlobalBrain:Experts:FlowRate", "-1"], ["GlobalBrain__Experts__FlowRate", "between 0 and 1000"]),
        ("flow rate infinite", ["--GlobalBrain:Experts:FlowRate", "1e309"], ["GlobalBrain__Experts__FlowRate", "got Infinity"]),
        ("flow rate not a number", ["--GlobalBrain:Experts:FlowRate", "fast"], ["GlobalBrain__Experts__FlowRate", "must be a number", "'fast'"]),
        ("k negative on another topology", ["--GlobalBrain:Experts:K", "-3"], ["GlobalBrain__Experts__K", "at least 1"]),
        ("beta NaN on another topology", ["--GlobalBrain:Experts:Beta", "NaN"], ["GlobalBrain__Experts__Beta", "from 0 to 1"]),
        ("beta too large for small-world", ["--GlobalBrain:Experts:Topology", "small-world", "--GlobalBrain:Experts:Beta", "1.5"], ["GlobalBrain__Experts__Beta", "from 0 to 1"]),
        ("m zero", ["--GlobalBrain:Experts:M", "0"], ["GlobalBrain__Experts__M", "at least 1"]),
        ("topology seed negative", ["--GlobalBrain:Experts:TopologySeed", "-1"], ["GlobalBrain__Experts__TopologySeed", "from 0 to 18446744073709551615"]),
        ("exchanges in flight zero", ["--GlobalBrain:Experts:MaxExchangesInFlight", "0"], ["GlobalBrain__Experts__MaxExchangesInFlight", "at least 1", "got 0"]),
        ("exchanges in flight not a number", ["--GlobalBrain:Experts:MaxExchangesInFlight", "many"], ["GlobalBrain__Experts__MaxExchangesInFlight", "'many'"]),
        ("precision too small", ["--GlobalBrain:Knowledge:Precision", "3"], ["GlobalBrain__Knowledge__Precision", "between 4 and 18"]),
        ("precision not a number", ["--GlobalBrain:Knowledge:Precision", "high"], ["GlobalBrain__Knowledge__Precision", "from 4 to 18", "'high'"]),
        ("shingle width zero", ["--GlobalBrain:Knowledge:ShingleWidth", "0"], ["GlobalBrain__Knowledge__ShingleWidth"]),
        ("flush interval negative", ["--GlobalBrain:Knowledge:FlushInterval", "-00:00:01"], ["GlobalBrain__Knowledge__FlushInterval", "positive"]),
        ("flush interval 100 days", ["--GlobalBrain:Knowledge:FlushInterval", "100"], ["GlobalBrain__Knowledge__FlushInterval", "a bare number is read as days"]),
        ("flush rate negative", ["--GlobalBrain:Knowledge:FlushRate", "-1"], ["GlobalBrain__Knowledge__FlushRate", "0 or more", "got -1"]),
        ("flush rate not a number", ["--GlobalBrain:Knowledge:FlushRate", "fast"], ["GlobalBrain__Knowledge__FlushRate", "'fast'"]),
        ("group commit negative", ["--GlobalBrain:Knowledge:GroupCommit", "-00:00:00.001"], ["GlobalBrain__Knowledge__GroupCommit", "from 00:00:00 to 00:00:01"]),
        ("group commit as a bare number", ["--GlobalBrain:Knowledge:GroupCommit", "1"], ["GlobalBrain__Knowledge__GroupCommit", "a bare number is read as days"]),
        ("max body bytes negative", ["--GlobalBrain:Api:MaxBodyBytes", "-5"], ["GlobalBrain__Api__MaxBodyBytes", "from 1024 to 1073741824", "got -5"]),
        ("max body bytes 1e20", ["--GlobalBrain:Api:MaxBodyBytes", "1e20"], ["GlobalBrain__Api__MaxBodyBytes", "'1e20'"]),
        ("max body bytes 2 GiB", ["--GlobalBrain:Api:MaxBodyBytes", "2147483648"], ["GlobalBrain__Api__MaxBodyBytes", "1 GiB"]),
        ("max documents zero", ["--GlobalBrain:Api:MaxDocuments", "0"], ["GlobalBrain__Api__MaxDocuments", "from 1 to 10000000"]),
        ("max documents NaN", ["--GlobalBrain:Api:MaxDocuments", "NaN"], ["GlobalBrain__Api__MaxDocuments", "'NaN'"]),
        ("max concurrent requests zero", ["--GlobalBrain:Api:MaxConcurrentRequests", "0"], ["GlobalBrain__Api__MaxConcurrentRequests", "from 1 to 10000"]),
        ("max queued requests negative", ["--GlobalBrain:Api:MaxQueuedRequests", "-1"], ["GlobalBrain__Api__MaxQueuedRequests", "from 0"]),
        ("queue timeout as a bare number", ["--GlobalBrain:Api:QueueTimeout", "5"], ["GlobalBrain__Api__QueueTimeout", "a bare number is read as days"]),
        ("queue timeout negative", ["--GlobalBrain:Api:QueueTimeout", "-00:00:01"], ["GlobalBrain__Api__QueueTimeout", "from 00:00:00 to 00:01:00"]),
        ("retry for not a time span", ["--GlobalBrain:Api:RetryFor", "soon"], ["GlobalBrain__Api__RetryFor", "time span", "'soon'"]),
        ("retry for an hour", ["--GlobalBrain:Api:RetryFor", "01:00:00"], ["GlobalBrain__Api__RetryFor", "to 00:10:00"]),
        ("api key too short", ["--GlobalBrain:Api:Key", ShortKey[..10]], ["GlobalBrain__Api__Key", "shorter than 16"]),
        ("api key with a line break", ["--GlobalBrain:Api:Key", ShortKey + "-0123\n"], ["GlobalBrain__Api__Key", "visible ASCII"]),
        ("no api key beyond loopback", ["--urls", "http://0.0.0.0:1"], ["GlobalBrain:Api:Key", "GlobalBrain__Api__Key", "beyond loopback", "Secret"]),
        ("metrics port negative", ["--GlobalBrain:Metrics:Port", "-1"], ["GlobalBrain__Metrics__Port", "from 1 to 65535"]),
        ("metrics port too large", ["--GlobalBrain:Metrics:Port", "70000"], ["GlobalBrain__Metrics__Port", "got 70000"]),
        ("metrics port not a number", ["--GlobalBrain:Metrics:Port", "metrics"], ["GlobalBrain__Metrics__Port", "'metrics'"]),
        ("metrics port = silo port", ["--GlobalBrain:Metrics:Port", "11111", "--GlobalBrain:Cluster:SiloPort", "11111"], ["GlobalBrain__Metrics__Port", "must differ"]),
        ("metrics interval negative", ["--GlobalBrain:Metrics:Interval", "-00:00:01"], ["GlobalBrain__Metrics__Interval", "got -00:00:01"]),
        ("metrics interval zero", ["--GlobalBrain:Metrics:Interval", "00:00:00"], ["GlobalBrain__Metrics__Interval"]),
        ("metrics interval not a time span", ["--GlobalBrain:Metrics:Interval", "often"], ["GlobalBrain__Metrics__Interval", "'often'"]),
        ("silo port zero", ["--GlobalBrain:Cluster:SiloPort", "0"], ["GlobalBrain__Cluster__SiloPort", "from 1 to 65535"]),
        ("silo port too large", ["--GlobalBrain:Cluster:SiloPort", "65536"], ["GlobalBrain__Cluster__SiloPort", "got 65536"]),
        ("gateway port not a number", ["--GlobalBrain:Cluster:GatewayPort", "gw"], ["GlobalBrain__Cluster__GatewayPort", "TCP port", "'gw'"]),
        ("gateway port = silo port", ["--GlobalBrain:Cluster:SiloPort", "40001", "--GlobalBrain:Cluster:GatewayPort", "40001"], ["GlobalBrain__Cluster__GatewayPort", "must differ"]),
        ("primary silo port negative", ["--GlobalBrain:Cluster:PrimarySiloPort", "-1"], ["GlobalBrain__Cluster__PrimarySiloPort"]),
        ("shutdown timeout zero", ["--GlobalBrain:Cluster:ShutdownTimeout", "00:00:00"], ["GlobalBrain__Cluster__ShutdownTimeout"]),
        ("shutdown timeout two hours", ["--GlobalBrain:Cluster:ShutdownTimeout", "02:00:00"], ["GlobalBrain__Cluster__ShutdownTimeout", "01:00:00"]),
        ("shutdown timeout not a time span", ["--GlobalBrain:Cluster:ShutdownTimeout", "NaN"], ["GlobalBrain__Cluster__ShutdownTimeout", "'NaN'"]),
    ];

    public static TheoryData<string> Cases => [.. Table.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostileSetting_StopsTheSiloWithExit2_AndALineNamingIt(string name)
    {
        var (_, settings, mentions) = Table.Single(c => c.Name == name);
        using var silo = SiloProcesses.StartSilo("silo with " + name, settings);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var output = silo.Log;
        Assert.True(exitCode == 2, $"{name}: exit code {exitCode}\n{output}");
        Assert.StartsWith("globalbrain-silo: ", output, StringComparison.Ordinal);
        Assert.All(mentions, m => Assert.Contains(m, output, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain(ShortKey[..10], output, StringComparison.Ordinal);
    }
}
