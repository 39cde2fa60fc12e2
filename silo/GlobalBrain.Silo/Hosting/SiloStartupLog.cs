using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;

namespace GlobalBrain.Silo.Hosting;

/// <summary>
/// What an operator needs from a silo's start, in one line once it serves (addresses, ids, providers,
/// experts), and one when it stops. Libraries log at Warning and above only (appsettings.json), so
/// these are the silo's Information lines.
/// </summary>
internal sealed partial class SiloStartupLog(
    IHostApplicationLifetime lifetime,
    IServer server,
    ILocalSiloDetails silo,
    IOptions<ClusterOptions> ids,
    IOptions<GlobalBrainClusterOptions> clusterOptions,
    IOptions<GlobalBrainStorageOptions> storageOptions,
    IOptions<GlobalBrainApiOptions> api,
    IOptions<ExpertsOptions> experts,
    IOptions<MetricsOptions> metrics,
    ILogger<SiloStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // ApplicationStarted comes after every hosted service has started, Orleans' included: the silo is an active member then.
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var metricsPort = metrics.Value.Port;
            LogReady(
                logger,
                silo.SiloAddress.Endpoint.ToString(),
                silo.GatewayAddress?.Endpoint.ToString() ?? "none",
                string.Join(", ", addresses),
                metricsPort > 0 ? $"port {metricsPort}" : "the API port",
                ids.Value.ServiceId,
                ids.Value.ClusterId,
                clusterOptions.Value.Provider,
                storageOptions.Value.Provider,
                experts.Value.Count,
                experts.Value.FlowRate,
                api.Value.Tokenizer);
        });
        lifetime.ApplicationStopping.Register(() => LogStopping(logger, silo.SiloAddress.Endpoint.ToString(), clusterOptions.Value.ShutdownTimeout.TotalSeconds));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Log event ids 2000–2099: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(2000, LogLevel.Information,
        "Silo ready: silo {SiloEndpoint}, gateway {GatewayEndpoint}, HTTP API {ApiAddresses} (/metrics on {MetricsPort}); service {ServiceId}, cluster {ClusterId}; membership {MembershipProvider}, storage {StorageProvider}; {Experts} experts, flow rate {FlowRate}/s; API tokenizer {Tokenizer}")]
    private static partial void LogReady(
        ILogger logger, string siloEndpoint, string gatewayEndpoint, string apiAddresses, string metricsPort, string serviceId, string clusterId,
        string membershipProvider, string storageProvider, int experts, double flowRate, string tokenizer);

    [LoggerMessage(2001, LogLevel.Information, "Silo {SiloEndpoint} stopping: storing the experts' state and leaving the cluster (at most {ShutdownSeconds} s)")]
    private static partial void LogStopping(ILogger logger, string siloEndpoint, double shutdownSeconds);
}
