using Microsoft.Extensions.Configuration;
using GlobalBrain.Silo.Hosting;

namespace GlobalBrain.Silo.Tests.Hosting;

/// <summary>Which URLs Kestrel binds beyond loopback (and so need an API key), read as Kestrel reads them.</summary>
public sealed class ListenAddressesTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", false)]
    [InlineData("http://127.0.0.2:8080", false)]
    [InlineData("http://localhost:8080", false)]
    [InlineData("http://LOCALHOST:8080", false)]
    [InlineData("http://[::1]:8080", false)]
    [InlineData("http://unix:/run/globalbrain.sock", false)]
    [InlineData("http://0.0.0.0:8080", true)]
    [InlineData("http://[::]:8080", true)]
    [InlineData("http://*:8080", true)]
    [InlineData("http://+:8080", true)]
    [InlineData("https://10.0.0.5:443", true)]
    [InlineData("http://silo-1.internal:8080", true)]
    [InlineData("http://localhost.example.com:8080", true)]
    [InlineData("not a url", true)]
    public void IsBeyondLoopback(string url, bool beyond) => Assert.Equal(beyond, ListenAddresses.IsBeyondLoopback(url));

    [Theory]
    [InlineData("http://127.0.0.1:8080", 8080)]
    [InlineData("http://*:9464", 9464)]
    [InlineData("http://localhost", 80)]
    [InlineData("https://localhost", 443)]
    [InlineData("http://unix:/run/globalbrain.sock", null)]
    public void Port(string url, int? port) => Assert.Equal(port, ListenAddresses.Port(url));

    [Fact]
    public void Of_ReadsUrlsAndKestrelEndpoints_WithTheDefaultWhenNoneIsSet()
    {
        var none = new ConfigurationBuilder().Build();
        var both = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:1; http://0.0.0.0:2",
            ["Kestrel:Endpoints:Extra:Url"] = "http://10.0.0.1:3",
        }).Build();

        Assert.Equal([SiloHostingExtensions.DefaultUrl], ListenAddresses.Of(none));
        Assert.Equal(["http://127.0.0.1:1", "http://0.0.0.0:2", "http://10.0.0.1:3"], ListenAddresses.Of(both));
    }
}
