using System.Diagnostics;
using System.Globalization;
using GlobalBrain.Client.Export;
using GlobalBrain.Client.Input;
using GlobalBrain.Client.Output;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Grains;
using GlobalBrain.Grains.Ingestion;
using Microsoft.Extensions.Configuration;

namespace GlobalBrain.Client.Cli;

public sealed record IngestArguments(
    IReadOnlyList<string> Paths,
    int? Experts,
    double? FlowRate,
    TokenizerArguments Tokenizer,
    TextSplit Split,
    StdinFormat StdinFormat,
    string? Cluster,
    bool Json,
    TimeSpan WaitTimeout,
    double TargetReach,
    ExportArguments? Export = null,
    FilterArguments? Filters = null);

/// <summary>--export DIR, --export-format and --export-splits.</summary>
public sealed record ExportArguments(string Directory, string Format, string Splits);

/// <summary><c>globalbrain ingest</c>: read, ingest, wait for the knowledge to spread, report.</summary>
public sealed partial class IngestCommand(CliContext context)
{
    private const int MaxPrintedRejections = 20;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public async Task<int> RunAsync(IngestArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var tokenizer = TokenizerChoice.Load(arguments.Tokenizer);
        var filters = (arguments.Filters ?? new FilterArguments()).Resolve(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        var source = new DocumentSource(arguments.Paths, arguments.Split, arguments.StdinFormat, context.OpenStdin);
        await using var export = arguments.Export is null ? null : CreateExport(arguments.Export, tokenizer, filters);
        await using var cluster = arguments.Cluster is null
            ? await ClusterConnection.StartEmbeddedAsync(arguments.Experts, arguments.FlowRate, cancellationToken)
            : await ClusterConnection.ConnectAsync(arguments.Cluster, cancellationToken);
        var aggregator = cluster.Client.GetGrain<IAggregatorGrain>(0);
        var settings = await cluster.Retry.RunAsync(aggregator.GetSettingsAsync, cancellationToken: cancellationToken);
        if (!cluster.Embedded)
        {
            RequireSameSetting("--experts", arguments.Experts, settings.Experts, "GlobalBrain__Experts__Count");
            RequireSameSetting("--flow-rate", arguments.FlowRate, settings.FlowRate, "GlobalBrain__Experts__FlowRate");
        }

        try
        {
            await cluster.Retry.RunAsync(() => tokenizer.RegisterAsync(cluster.Client), cancellationToken: cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"the cluster refused the vocabulary: {e.Message}", ExitCodes.Usage);
        }

        var dispatcher = await IngestDispatcher.ConnectAsync(cluster.Client, cancellationToken: cancellationToken);
        var progress = context.Interactive ? new ProgressLine(context.Error, source.TotalBytes) : null;
        var clock = Stopwatch.StartNew();
        IngestSummary summary;
        DatasetManifest? manifest = null;
        try
        {
            summary = await dispatcher.IngestAsync(
                source.ReadDocuments(),
                tokenizer.Spec,
                progress,
                export is null ? null : (records, token) => WriteExportAsync(export, records, token),
                filters: filters,
                cancellationToken: cancellationToken);
            manifest = export is null ? null : await export.CompleteAsync(summary.Filtered, summary.Redacted);
        }
        catch (ArgumentException e)
        {
            // A silo that cannot use the tokenizer spec (e.g. a cluster of an older build): nothing more can be sent.
            throw new CliException($"the cluster refused the batches: {e.Message}", ExitCodes.RuntimeFailure);
        }
        catch (DatasetExportException e)
        {
            throw new CliException($"--export: {e.Message}; the dataset in {arguments.Export!.Directory} is incomplete (it has no {DatasetManifest.FileName})", ExitCodes.RuntimeFailure);
        }

        var ingestSeconds = clock.Elapsed.TotalSeconds;
        progress?.Clear();

        var rejections = source.Rejections
            .Select(r => new RejectionEntry(r.Source, r.Line, r.Reason.Code(), r.Message))
            .Concat(summary.Rejections.Select(r => new RejectionEntry(r.DocumentId, null, r.Reason, r.Message)))
            .ToList();
        await ReportRejectionsAsync(rejections);

        ClusterMetrics metrics;
        bool? converged;
        double? convergenceSeconds;
        try
        {
            (metrics, converged, convergenceSeconds) = summary.Accepted > 0 && arguments.WaitTimeout > TimeSpan.Zero
                ? await WaitForReachAsync(aggregator, cluster.Retry, arguments.TargetReach, arguments.WaitTimeout, progress, cancellationToken)
                : (await cluster.Retry.RunAsync(aggregator.GetMetricsAsync, cancellationToken: cancellationToken), (bool?)null, (double?)null);
        }
        catch (Exception e) when (ClusterRetry.IsTransient(e, cancellationToken))
        {
            // What was acknowledged is in the cluster; only its figures could not be read.
            throw new CliException(string.Create(CultureInfo.InvariantCulture,
                $"the cluster acknowledged {summary.Accepted} documents ({summary.Tokens} tokens; {summary.FailedBatches} batch(es) failed) but its metrics could not be read within {cluster.Retry.Budget.TotalSeconds:F0} s: {e.Message.Split('\n')[0]}"),
                ExitCodes.RuntimeFailure);
        }

        progress?.Clear();
        if (converged == false)
        {
            await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"globalbrain: knowledge had not spread after {arguments.WaitTimeout.TotalSeconds:G} s (mean reach {metrics.MeanReach:F4} < {arguments.TargetReach:G}); raise --flow-rate or --wait-timeout"));
        }

        var report = MetricsReport.From(metrics, rejections) with
        {
            Converged = converged,
            ConvergenceSeconds = convergenceSeconds is { } s ? Math.Round(s, 3) : null,
            Ingested = new IngestRun(
                summary.Accepted,
                summary.Tokens,
                summary.Bytes,
                Math.Round(ingestSeconds, 3),
                Math.Round(summary.Bytes / 1e6 / Math.Max(ingestSeconds, 1e-9), 3),
                Math.Round(summary.Tokens / Math.Max(ingestSeconds, 1e-9)),
                summary.Batches,
                summary.BatchesBySilo,
                summary.Retries),
            Exported = manifest is null ? null : new ExportRun(
                export!.OutputDirectory,
                arguments.Export!.Format,
                manifest.Splits.Train.Records,
                manifest.Splits.Dev.Records,
                manifest.Splits.Test.Records,
                manifest.Splits.Train.Files.Count + manifest.Splits.Dev.Files.Count + manifest.Splits.Test.Files.Count),
            Filters = FiltersRun.From(summary.Filters),
            Filtered = FilteredReport.From(summary.Filtered),
            Redacted = summary.Redacted.Count == 0 ? null : summary.Redacted.ToDictionary(r => r.Kind, r => r.Count, StringComparer.Ordinal),
        };
        await context.Out.WriteLineAsync(arguments.Json ? report.ToJson() : report.ToTable(cluster.Description));

        if (summary.FailedBatches > 0)
        {
            await context.Error.WriteLineAsync($"globalbrain: {summary.FailedBatches} batch(es) failed on the cluster; their documents were not ingested");
            return ExitCodes.RuntimeFailure;
        }

        return rejections.Count > 0 ? ExitCodes.Usage : ExitCodes.Success;
    }

    private static DatasetWriter CreateExport(ExportArguments arguments, TokenizerChoice tokenizer, GlobalBrain.Grains.IngestFilters filters)
    {
        SplitFractions fractions;
        try
        {
            fractions = SplitFractions.Parse(arguments.Splits);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CliException($"--export-splits: {e.Message}", ExitCodes.Usage);
        }

        var info = new DatasetTokenizerInfo(
            tokenizer.Spec.Name,
            tokenizer.Vocabulary?.Source,
            tokenizer.Vocabulary?.Sha256,
            tokenizer.Spec.MaxLength,
            tokenizer.Spec.MaxLength is null ? "none" : tokenizer.Spec.Overflow,
            tokenizer.Vocabulary?.Normalization.Lowercase);
        try
        {
            return DatasetWriter.Create(arguments.Directory, arguments.Format == "jsonl" ? DatasetFormat.Jsonl : DatasetFormat.Parquet, fractions, info, filters: DatasetFilters.From(filters));
        }
        catch (Exception e) when (e is ArgumentException or DatasetExportException)
        {
            // Refused here, before any cluster: a path that is blank or not a path, or a directory that is not new or empty.
            throw new CliException($"--export: {e.Message}", ExitCodes.Usage);
        }
    }

    private static async Task<(ClusterMetrics Metrics, bool? Converged, double? Seconds)> WaitForReachAsync(
        IAggregatorGrain aggregator, ClusterRetry retry, double target, TimeSpan timeout, ProgressLine? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var metrics = await retry.RunAsync(aggregator.GetMetricsAsync, cancellationToken: cancellationToken);
            if (metrics.MeanReach >= target)
            {
                return (metrics, true, clock.Elapsed.TotalSeconds);
            }

            if (clock.Elapsed >= timeout)
            {
                return (metrics, false, null);
            }

            progress?.Status(string.Create(CultureInfo.InvariantCulture,
                $"spreading knowledge: mean reach {metrics.MeanReach:F3}, min {metrics.MinReach:F3} (target {target:G}), {clock.Elapsed.TotalSeconds:F1} s"));
            await Task.Delay(PollInterval, TimeProvider.System, cancellationToken);
        }
    }

    private async Task ReportRejectionsAsync(List<RejectionEntry> rejections)
    {
        foreach (var r in rejections.Take(MaxPrintedRejections))
        {
            var where = r.Line is { } line ? $"{r.Source}:{line}" : r.Source;
            await context.Error.WriteLineAsync($"globalbrain: rejected {where}: {r.Message}");
        }

        if (rejections.Count > MaxPrintedRejections)
        {
            await context.Error.WriteLineAsync($"globalbrain: … and {rejections.Count - MaxPrintedRejections} more rejected (see --json for the first {MetricsReport.MaxListedRejections})");
        }

        if (rejections.Count > 0)
        {
            var reasons = string.Join(", ", rejections.GroupBy(r => r.Reason).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
            await context.Error.WriteLineAsync($"globalbrain: {rejections.Count} input(s) rejected ({reasons}); the valid documents were ingested");
        }
    }

    private static void RequireSameSetting(string flag, double? given, double actual, string variable)
    {
        if (given is { } value && value != actual)
        {
            throw new CliException(
                string.Create(CultureInfo.InvariantCulture, $"{flag} {value:G} does not match the running cluster, which has {actual:G}; N and v of a running cluster are set on its silos ({variable})"),
                ExitCodes.Usage);
        }
    }

    /// <summary>
    /// The local dataset writer's own refusals (a malformed record) are export failures, not the cluster's:
    /// without this an <see cref="ArgumentException"/> from here would read as "the cluster refused the batches".
    /// </summary>
    private static async ValueTask WriteExportAsync(DatasetWriter export, EncodedRecord[] records, CancellationToken cancellationToken)
    {
        try
        {
            await export.WriteAsync(records, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new DatasetExportException($"a record could not be written ({e.Message})", e);
        }
    }
}
