using System.CommandLine;
using GlobalBrain.Client.Output;
using GlobalBrain.Grains;

namespace GlobalBrain.Client.Cli;

/// <summary><c>globalbrain metrics</c>: the aggregator's figures, as a table or JSON.</summary>
public sealed class MetricsCommand(CliContext context)
{
    /// <summary>The <c>metrics</c> command, its options and its action.</summary>
    internal static Command Define(CliContext context)
    {
        var cluster = SharedOptions.Cluster();
        var json = SharedOptions.Json();
        var command = new Command("metrics", "Print the cluster's collective-intelligence metrics.") { cluster, json };
        command.SetAction((parse, cancellationToken) => new MetricsCommand(context).RunAsync(parse.GetValue(cluster), parse.GetValue(json), cancellationToken));
        return command;
    }

    public async Task<int> RunAsync(string? clusterAddress, bool json, CancellationToken cancellationToken)
    {
        await using var cluster = clusterAddress is null
            ? await ClusterConnection.StartEmbeddedAsync(null, null, cancellationToken)
            : await ClusterConnection.ConnectAsync(clusterAddress, cancellationToken);
        if (cluster.Embedded)
        {
            await context.Error.WriteLineAsync("globalbrain: no --cluster given: these are the metrics of a new, empty embedded cluster");
        }

        var aggregator = cluster.Client.GetGrain<IAggregatorGrain>(0);
        var metrics = await cluster.Retry.RunAsync(aggregator.GetMetricsAsync, cancellationToken: cancellationToken);
        var report = MetricsReport.From(metrics, []);
        await context.Out.WriteLineAsync(json ? report.ToJson() : report.ToTable(cluster.Description));
        return ExitCodes.Success;
    }
}
