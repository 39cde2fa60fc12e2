using System.CommandLine;
using GlobalBrain.Client.Input;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Grains.Hosting;

namespace GlobalBrain.Client.Cli;

public sealed partial class IngestCommand
{
    /// <summary>The <c>ingest</c> command, its options and its action.</summary>
    internal static Command Define(CliContext context)
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Files, directories (searched recursively for *.txt and *.jsonl) or - for stdin.",
            Arity = ArgumentArity.OneOrMore,
        };

        // The parser hands a token it does not know as an option (a typo like --expert) to PATH;
        // say so up front instead of starting a cluster to report it as a missing file.
        paths.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (token.Value.Length > 1 && token.Value[0] == '-')
                {
                    r.AddError($"unknown option '{token.Value}' (a path that starts with '-' can be written ./{token.Value})");
                }
            }
        });
        var experts = new Option<int>("--experts")
        {
            Description = "N, the number of experts (embedded cluster; a running cluster's N is set on its silos).",
            DefaultValueFactory = _ => new ExpertsOptions().Count,
            HelpName = "N",
            CustomParser = OptionParsers.Whole("--experts", 1, ExpertsOptions.MaxCount),
        };
        var flowRate = new Option<double>("--flow-rate")
        {
            Description = "v, exchanges each expert starts per second (0 = none).",
            DefaultValueFactory = _ => new ExpertsOptions().FlowRate,
            HelpName = "V",
            CustomParser = OptionParsers.Number("--flow-rate", 0, ExpertsOptions.MaxFlowRate),
        };
        var tokenizer = new TokenizerChoice.Options();
        // Strings, not the enums: help shows a default as its ToString(), and the choices are lower-case.
        var split = new Option<string>("--split")
        {
            Description = "Make each paragraph or line of a text file its own document (id = path#n).",
            DefaultValueFactory = _ => "none",
            HelpName = "none|paragraphs|lines",
        };
        split.AcceptOnlyFromAmong("none", "paragraphs", "lines");
        var stdinFormat = new Option<string>("--stdin-format")
        {
            Description = "How '-' is read: auto (JSON Lines if it starts with '{'), text or jsonl.",
            DefaultValueFactory = _ => "auto",
            HelpName = "auto|text|jsonl",
        };
        stdinFormat.AcceptOnlyFromAmong("auto", "text", "jsonl");
        var cluster = SharedOptions.Cluster();
        var json = SharedOptions.Json();
        var waitTimeout = new Option<double>("--wait-timeout")
        {
            Description = "Seconds to wait for the exchanges to spread the new knowledge (mean reach ≥ --target-reach); 0 = do not wait.",
            DefaultValueFactory = _ => 60,
            CustomParser = OptionParsers.Number("--wait-timeout", 0, 86_400),
            HelpName = "SECONDS",
        };
        var targetReach = new Option<double>("--target-reach")
        {
            Description = "Mean reach to wait for after ingesting.",
            DefaultValueFactory = _ => Grains.Telemetry.ClusterMetricsCache.ConvergedReach,
            CustomParser = OptionParsers.Number("--target-reach", 0, 1),
            HelpName = "R",
        };

        var export = new Option<string?>("--export")
        {
            Description = "Also write the encoded records (id, chunk, input_ids, attention_mask) as a train/dev/test dataset into this new or empty directory.",
            HelpName = "DIR",
        };
        var exportFormat = new Option<string>("--export-format")
        {
            Description = "Dataset files: parquet or jsonl.",
            DefaultValueFactory = _ => "parquet",
            HelpName = "parquet|jsonl",
        };
        exportFormat.AcceptOnlyFromAmong("parquet", "jsonl");
        var exportSplits = new Option<string>("--export-splits")
        {
            Description = "Train, dev and test fractions (a document's split is a stable hash of its id).",
            DefaultValueFactory = _ => "0.8,0.1,0.1",
            HelpName = "TRAIN,DEV,TEST",
        };

        var filters = new FilterOptions();
        var command = new Command("ingest", "Ingest documents, wait until the experts have spread the new knowledge, and print the metrics.")
        {
            paths, experts, flowRate, split, stdinFormat, cluster, json, waitTimeout, targetReach, export, exportFormat, exportSplits,
        };
        command.Validators.Add(r =>
        {
            // Said rather than silently ignored: the user meant to export.
            if (r.GetResult(export) is null && (r.GetResult(exportSplits) is { Implicit: false } || r.GetResult(exportFormat) is { Implicit: false }))
            {
                r.AddError("--export-format and --export-splits describe the dataset of --export DIR; give --export DIR too");
            }
        });
        tokenizer.AddTo(command);
        filters.AddTo(command);

        command.SetAction((parse, cancellationToken) => new IngestCommand(context).RunAsync(
            new IngestArguments(
                parse.GetValue(paths) ?? [],
                parse.GetResult(experts) is { Implicit: false } ? parse.GetValue(experts) : null,
                parse.GetResult(flowRate) is { Implicit: false } ? parse.GetValue(flowRate) : null,
                tokenizer.Read(parse),
                Enum.Parse<TextSplit>(parse.GetValue(split)!, ignoreCase: true),
                Enum.Parse<StdinFormat>(parse.GetValue(stdinFormat)!, ignoreCase: true),
                parse.GetValue(cluster),
                parse.GetValue(json),
                TimeSpan.FromSeconds(parse.GetValue(waitTimeout)),
                parse.GetValue(targetReach),
                parse.GetValue(export) is { } directory ? new ExportArguments(directory, parse.GetValue(exportFormat)!, parse.GetValue(exportSplits)!) : null,
                filters.Read(parse)),
            cancellationToken));
        return command;
    }
}
