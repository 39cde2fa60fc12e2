using System.CommandLine;
using System.Globalization;
using System.CommandLine.Parsing;
using GlobalBrain.Client.Input;
using GlobalBrain.Client.Output;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Simulation;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Grains.Hosting;

namespace GlobalBrain.Client.Cli;

/// <summary>Where a CLI run reads and writes; tests pass their own.</summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public Func<Stream> OpenStdin { get; init; } = Console.OpenStandardInput;

    /// <summary>stdout as bytes, for commands that write UTF-8 themselves (tokenize); null: they write through <see cref="Out"/>.</summary>
    public Func<Stream>? OpenStdout { get; init; }

    /// <summary>stderr is a terminal: show progress.</summary>
    public bool Interactive { get; init; }
}

/// <summary>The <c>globalbrain</c> command line (DESIGN.md, "Command-line contract").</summary>
public static class GlobalBrainCli
{
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // "Required command was not provided" only repeats what an unrecognized command already says.
            var errors = parse.Errors.Select(e => e.Message).ToList();
            if (errors.Count > 1)
            {
                errors.RemoveAll(m => m.StartsWith("Required command", StringComparison.Ordinal));
            }

            foreach (var error in errors)
            {
                await context.Error.WriteLineAsync($"globalbrain: {error}");
            }

            var command = parse.CommandResult.Command is RootCommand ? string.Empty : parse.CommandResult.Command.Name + " ";
            await context.Error.WriteLineAsync($"Run 'globalbrain {command}--help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (CliException e)
        {
            await context.Error.WriteLineAsync($"globalbrain: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync("globalbrain: cancelled");
            return ExitCodes.RuntimeFailure;
        }
        catch (OrleansException e)
        {
            await context.Error.WriteLineAsync($"globalbrain: the cluster failed: {e.Message.Split('\n')[0]}");
            return ExitCodes.RuntimeFailure;
        }
        catch (TimeoutException e)
        {
            await context.Error.WriteLineAsync($"globalbrain: the cluster did not answer in time: {e.Message.Split('\n')[0]}");
            return ExitCodes.RuntimeFailure;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Never a crash: a failure the cluster sent that this client cannot even read (a type it does not know), or a bug.
            await context.Error.WriteLineAsync($"globalbrain: the command failed ({e.GetType().Name}): {e.Message.Split('\n')[0]}");
            return ExitCodes.RuntimeFailure;
        }
    }

    private static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("GlobalBrain.Cluster: ingest text into a network of expert grains that exchange knowledge at flow rate v, and read the collective-intelligence metrics.");
        root.Add(BuildIngest(context));
        root.Add(BuildTokenize(context));
        root.Add(BuildSimulate(context));
        root.Add(BuildMetrics(context));
        return root;
    }

    private static Command BuildIngest(CliContext context)
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
        var experts = ExpertsOption();
        var flowRate = FlowRateOption();
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
        var cluster = ClusterOption();
        var json = JsonOption();
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
        foreach (var option in tokenizer.All)
        {
            command.Add(option);
        }

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
                parse.GetValue(export) is { } directory ? new ExportArguments(directory, parse.GetValue(exportFormat)!, parse.GetValue(exportSplits)!) : null),
            cancellationToken));
        return command;
    }

    private static Command BuildTokenize(CliContext context)
    {
        var tokenizer = new TokenizerChoice.Options();
        var format = new Option<string>("--format")
        {
            Description = "jsonl: one {\"input_ids\":[…],\"attention_mask\":[…]} per line (stdout, or --output FILE); npy: --output DIR/input_ids.npy (int32) and attention_mask.npy (int8), [records, L], needs --max-len; parquet: --output FILE with the columns of ingest --export.",
            DefaultValueFactory = _ => TokenizeOutputArguments.Jsonl,
            HelpName = "jsonl|npy|parquet",
        };
        format.Validators.Add(r =>
        {
            // One line, unlike AcceptOnlyFromAmong's list.
            var name = r.GetValueOrDefault<string>();
            if (!TokenizeOutputArguments.Formats.Contains(name, StringComparer.Ordinal))
            {
                r.AddError($"--format: unknown format '{name}'; choose one of: {string.Join(", ", TokenizeOutputArguments.Formats)}");
            }
        });
        var outputPath = new Option<string?>("--output")
        {
            Description = "Write to this new file (jsonl, parquet) or new or empty directory (npy) instead of stdout.",
            HelpName = "PATH",
        };
        var command = new Command("tokenize", "Encode each stdin line to a record: input_ids and attention_mask, in input order (JSON Lines on stdout by default).")
        {
            format, outputPath,
        };
        foreach (var option in tokenizer.All)
        {
            command.Add(option);
        }

        command.SetAction((parse, cancellationToken) => new TokenizeCommand(context).RunAsync(
            tokenizer.Read(parse), new TokenizeOutputArguments(parse.GetValue(format)!, parse.GetValue(outputPath)), cancellationToken));
        return command;
    }

    private static Command BuildSimulate(CliContext context)
    {
        // N, v, mode and topology take comma lists: the product of the lists is a grid that is swept, every point with the same seed.
        var experts = new Option<IReadOnlyList<long>>("--experts")
        {
            Description = "N, the number of experts (up to 16,000,000,000 for the rumor on the complete graph, 100,000,000 otherwise); a comma list (1000,10000) sweeps.",
            DefaultValueFactory = _ => [1_000],
            CustomParser = r => OptionParsers.List(r, "--experts", OptionParsers.Long, item => System.Numerics.BigInteger.TryParse(item, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                ? string.Create(CultureInfo.InvariantCulture, $"'{item}' is out of range: N is from 1 to {SimulationSpec.MaxCompactExperts:N0}")
                : $"'{item}' is not a whole number"),
            HelpName = "N[,N…]",
            Arity = ArgumentArity.ExactlyOne,
        };
        var flowRate = new Option<IReadOnlyList<double>>("--flow-rate")
        {
            Description = "v, exchanges each expert starts per round (a fraction is the probability of one more); a comma list sweeps.",
            DefaultValueFactory = _ => [1],
            CustomParser = r => OptionParsers.List(r, "--flow-rate", OptionParsers.Double, item => $"'{item}' is not a number"),
            HelpName = "V[,V…]",
            Arity = ArgumentArity.ExactlyOne,
        };
        var rounds = new Option<int?>("--rounds") { Description = "Rounds to run (default 100; with --until-converged, the most to run: default 1,000,000).", HelpName = "R", CustomParser = OptionParsers.OptionalWhole("--rounds", 1) };
        var mode = new Option<IReadOnlyList<ExchangeMode>>("--mode")
        {
            Description = "Who sends in an exchange (default push-pull); a comma list sweeps.",
            CustomParser = r => OptionParsers.List(r, "--mode", OptionParsers.Mode, item => $"Argument '{item}' not recognized; must be {SimulationNames.Modes.Or()}"),
            HelpName = "push|pull|push-pull[,…]",
            Arity = ArgumentArity.ExactlyOne,
        };
        var topology = new Option<IReadOnlyList<TopologyKind>>("--topology")
        {
            Description = "Who can exchange with whom (default complete); a comma list sweeps.",
            CustomParser = r => OptionParsers.List(r, "--topology", OptionParsers.Topology, item => $"Argument '{item}' not recognized; must be {SimulationNames.Topologies.Or()}"),
            HelpName = "complete|ring|small-world|scale-free[,…]",
            Arity = ArgumentArity.ExactlyOne,
        };
        // Checked whatever the topology: a bad value for a topology not run is still a mistake (a typo, a sweep half edited).
        var k = new Option<int>("--k") { Description = "ring and small-world: neighbours on each side.", DefaultValueFactory = _ => 2, CustomParser = OptionParsers.Whole("--k", 1) };
        var beta = new Option<double>("--beta")
        {
            Description = "small-world: rewiring probability β.",
            DefaultValueFactory = _ => 0.1,
            CustomParser = OptionParsers.Number("--beta", 0, 1, "is a rewiring probability, from 0 to 1"),
        };
        var m = new Option<int>("--m") { Description = "scale-free: edges each new expert attaches with.", DefaultValueFactory = _ => 3, CustomParser = OptionParsers.Whole("--m", 1) };
        var scenario = new Option<string>("--scenario") { Description = "What the experts know at round 0: one item at expert 0 (rumor), k items each (items), or documents (corpus).", DefaultValueFactory = _ => "rumor", HelpName = "rumor|items|corpus" };
        scenario.AcceptOnlyFromAmong([.. SimulationNames.Scenarios.Names]);
        var itemsPerExpert = new Option<int>("--items-per-expert") { Description = "items: distinct items each expert starts with.", DefaultValueFactory = _ => 1, HelpName = "K", CustomParser = OptionParsers.Whole("--items-per-expert", 1) };
        var cap = new Option<int?>("--exchange-cap") { Description = "Items one exchange may carry (a delta of what the receiver lacks); default: the whole shard.", HelpName = "C", CustomParser = OptionParsers.OptionalWhole("--exchange-cap", 1) };
        var docs = new Option<string?>("--docs") { Description = "corpus: files or directories of documents (.txt, .jsonl), tokenized with cl100k_base into 3-shingle items as ingest does.", HelpName = "PATH" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of every random choice: the same seed and parameters give the same output.", DefaultValueFactory = _ => 1, HelpName = "S", CustomParser = OptionParsers.Unsigned("--seed") };
        var untilConverged = new Option<bool>("--until-converged") { Description = "Stop once min reach ≥ 1 − ε." };
        var epsilon = new Option<double>("--epsilon")
        {
            Description = "ε for --until-converged (0: everyone holds everything).",
            DefaultValueFactory = _ => 0,
            // The range, [0, 1), is the simulation's to say (SimulationSpec.Validate); here only that it is a number.
            CustomParser = OptionParsers.Number("--epsilon", double.NegativeInfinity, double.PositiveInfinity),
        };
        var csv = new Option<string?>("--csv") { Description = "Also write every round to this CSV file (a sweep: one row per grid point and round, the grid columns first).", HelpName = "FILE" };
        var plot = new Option<string?>("--plot")
        {
            Description = "Also draw the reach curves into this PNG (800×500). A name not ending in .png is a usage error (exit 2); a file that cannot be written, exit 1.",
            HelpName = "FILE.png",
        };
        var plotX = new Option<PlotAxis>("--plot-x")
        {
            Description = "x axis of --plot: round (mean reach by round, one curve per grid point) or flow-rate (final mean reach against v, one line per other grid value); default flow-rate when --flow-rate is a list.",
            HelpName = "round|flow-rate",
            CustomParser = r => r.Tokens.Single().Value switch
            {
                "round" => PlotAxis.Round,
                "flow-rate" => PlotAxis.FlowRate,
                var other => Refuse(r, $"--plot-x: '{other}' is not round or flow-rate"),
            },
        };
        var engine = new Option<SimulationEngine>("--engine")
        {
            Description = "auto (default): the compact engine for the rumor on the complete graph without --cluster, block grains otherwise; compact; blocks. Both give the same rounds.",
            HelpName = "auto|compact|blocks",
            CustomParser = r => r.Tokens.Single().Value switch
            {
                "auto" => SimulationEngine.Auto,
                "compact" => SimulationEngine.Compact,
                "blocks" => SimulationEngine.Blocks,
                var other => RefuseEngine(r, $"--engine: '{other}' is not auto, compact or blocks"),
            },
        };
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Compact engine: save the state here after every round, and resume from it when it exists (the same options give the same output as an uninterrupted run).",
            HelpName = "FILE",
        };
        var json = JsonOption();
        var simulateCluster = ClusterOption();
        var command = new Command("simulate", "Simulate gossip among N experts in synchronous rounds and print how knowledge spreads; comma lists for --experts, --flow-rate, --mode and --topology sweep their grid.")
        {
            experts, flowRate, rounds, mode, topology, k, beta, m, scenario, itemsPerExpert, cap, docs, seed, untilConverged, epsilon, csv, plot, plotX, engine, checkpoint, json, simulateCluster,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var scenarioName = parse.GetValue(scenario)!;
            var docsPath = parse.GetValue(docs);
            if (scenarioName == "corpus" && docsPath is null)
            {
                throw new CliException("--scenario corpus needs --docs PATH (files or directories of documents, as for ingest)", ExitCodes.Usage);
            }

            var grid = new SimulationGrid(parse.GetValue(experts)!, parse.GetValue(flowRate)!, parse.GetValue(mode) ?? [ExchangeMode.PushPull], parse.GetValue(topology) ?? [TopologyKind.Complete]);
            var until = parse.GetValue(untilConverged);
            var template = new SimulationSpec(
                grid.Experts[0],
                grid.FlowRates[0],
                grid.Modes[0],
                new TopologySpec(grid.Topologies[0], parse.GetValue(k), parse.GetValue(beta), parse.GetValue(m)),
                SimulationNames.Scenarios.Parse(scenarioName, "scenario"),
                parse.GetValue(seed),
                parse.GetValue(rounds) ?? (until ? 1_000_000 : 100),
                until,
                parse.GetValue(epsilon),
                parse.GetValue(itemsPerExpert),
                parse.GetValue(cap));
            var arguments = new SimulateArguments(template, docsPath, parse.GetValue(csv), parse.GetValue(json), grid, parse.GetValue(plot), parse.GetValue(plotX), parse.GetValue(simulateCluster), parse.GetValue(engine), parse.GetValue(checkpoint));
            return new SimulateCommand(context).RunAsync(arguments, cancellationToken);
        });
        return command;

        static PlotAxis Refuse(ArgumentResult result, string message)
        {
            result.AddError(message);
            return PlotAxis.Auto;
        }

        static SimulationEngine RefuseEngine(ArgumentResult result, string message)
        {
            result.AddError(message);
            return SimulationEngine.Auto;
        }
    }

    private static Command BuildMetrics(CliContext context)
    {
        var cluster = ClusterOption();
        var json = JsonOption();
        var command = new Command("metrics", "Print the cluster's collective-intelligence metrics.") { cluster, json };
        command.SetAction((parse, cancellationToken) => new MetricsCommand(context).RunAsync(parse.GetValue(cluster), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static Option<int> ExpertsOption()
    {
        var option = new Option<int>("--experts")
        {
            Description = "N, the number of experts (embedded cluster; a running cluster's N is set on its silos).",
            DefaultValueFactory = _ => new ExpertsOptions().Count,
            HelpName = "N",
            CustomParser = OptionParsers.Whole("--experts", 1, ExpertsOptions.MaxCount),
        };
        return option;
    }

    private static Option<double> FlowRateOption()
    {
        var option = new Option<double>("--flow-rate")
        {
            Description = "v, exchanges each expert starts per second (0 = none).",
            DefaultValueFactory = _ => new ExpertsOptions().FlowRate,
            HelpName = "V",
            CustomParser = OptionParsers.Number("--flow-rate", 0, ExpertsOptions.MaxFlowRate),
        };
        return option;
    }

    private static Option<string?> ClusterOption() => new("--cluster")
    {
        Description = "A running cluster: its gateways HOST:PORT[,HOST:PORT…], or redis://HOST:PORT for its Redis membership (redis:// alone reads GlobalBrain__Cluster__Redis); without it an embedded in-process silo is started.",
        HelpName = "HOST:PORT|redis://HOST:PORT",
    };

    private static Option<bool> JsonOption() => new("--json")
    {
        Description = "Print one JSON object on stdout (progress and messages go to stderr).",
    };
}
