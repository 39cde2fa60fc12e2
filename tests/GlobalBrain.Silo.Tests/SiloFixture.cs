using GlobalBrain.Silo.Hosting;
using Microsoft.AspNetCore.Builder;

namespace GlobalBrain.Silo.Tests;

/// <summary>A real silo (Kestrel and Orleans) on free loopback ports, shared by the API tests.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    private WebApplication _app = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var http = FreePorts.Next();
        _app = SiloApp.Build(
        [
            .. SiloCommandLine.OnLoopback(http),
            "--GlobalBrain:Experts:Count", "8",
            "--GlobalBrain:Experts:FlowRate", "5",
            "--GlobalBrain:Api:MaxBodyBytes", "65536",
            "--GlobalBrain:Metrics:Interval", "00:00:00.2",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

}
