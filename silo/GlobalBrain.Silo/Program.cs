using GlobalBrain.Silo.Api;
using GlobalBrain.Silo.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

WebApplication app;
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddGlobalBrainSilo();
    app = builder.Build();
}
catch (InvalidSettingsException e)
{
    Console.Error.WriteLine($"globalbrain-silo: {e.Message}");
    return 2;
}

app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
app.MapDocumentsApi();
app.MapPrometheusScrapingEndpoint();

try
{
    await app.RunAsync();
    return 0;
}
catch (Microsoft.Extensions.Options.OptionsValidationException e)
{
    Console.Error.WriteLine($"globalbrain-silo: invalid settings:\n  {string.Join("\n  ", e.Failures)}");
    return 2;
}
catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.GetType().Name == "AddressInUseException")
{
    Console.Error.WriteLine($"globalbrain-silo: cannot listen: {e.Message} (change --urls / ASPNETCORE_URLS or GlobalBrain:Cluster:SiloPort / GatewayPort)");
    return 1;
}
