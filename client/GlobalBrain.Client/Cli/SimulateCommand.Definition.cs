using System.CommandLine;
using System.Globalization;
using GlobalBrain.Client.Output;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Cli;

public sealed partial class SimulateCommand
{
    private static readonly NameTable<PlotAxis> PlotAxes = new((PlotAxis.Round, "round"), (PlotAxis.FlowRate, "flow-rate"));

    private static readonly NameTable<SimulationEngine> Engines = new((SimulationEngine.Auto, "auto"), (SimulationEngine.Compact, "compact"), (SimulationEngine.Blocks, "blocks"));

    /// <summary>The <c>simulate</c> command, its options and its action.</summary>
    internal static Command Define(CliContext context)
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
        var seeds = new Option<int>("--seeds")
        {
            Description = "K: run every grid point with seeds S, S+1, …, S+K−1 (S = --seed) and report mean, standard deviation and 95% confidence interval over them (1 to 10,000; default 1, a single run).",
            DefaultValueFactory = _ => 1,
            HelpName = "K",
            CustomParser = OptionParsers.Whole("--seeds", 1, MaxSeeds),
        };
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
            CustomParser = OptionParsers.OneOf("--plot-x", PlotAxes),
        };
        var engine = new Option<SimulationEngine>("--engine")
        {
            Description = "auto (default): the compact engine for the rumor on the complete graph without --cluster, block grains otherwise; compact; blocks. Both give the same rounds.",
            HelpName = "auto|compact|blocks",
            CustomParser = OptionParsers.OneOf("--engine", Engines),
        };
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Compact engine: save the state here after every round, and resume from it when it exists (the same options give the same output as an uninterrupted run).",
            HelpName = "FILE",
        };
        var clock = new Option<SimulationClock>("--clock")
        {
            Description = "rounds (default): synchronous rounds; async: continuous time as on the live cluster, each expert ticking every 1/v s from a random phase, one exchange a tick that takes effect at once; poisson: each expert's ticks a Poisson process of rate v. Asynchronous runs sample the state every 1/v s (--rounds R: R of them) and report when mean reach hit 99% and everyone was informed.",
            HelpName = "rounds|async|poisson",
            CustomParser = OptionParsers.OneOf("--clock", SimulationNames.Clocks),
        };
        var loss = new Option<double>("--loss")
        {
            Description = "With --clock async or poisson: the probability q that a message (a push, or a pull's answer) is lost (default 0).",
            DefaultValueFactory = _ => 0,
            HelpName = "Q",
            // The range, [0, 1), is the simulation's to say (SimulationSpec.Validate); here only that it is a number.
            CustomParser = OptionParsers.Number("--loss", double.NegativeInfinity, double.PositiveInfinity),
        };
        var churn = new Option<double>("--churn")
        {
            Description = "R: experts leave at rate R per round (each with probability R at its end), or per period of 1/v s with --clock async|poisson (a Poisson process), each replaced at once by an uninformed joiner (the rumor; default 0).",
            DefaultValueFactory = _ => 0,
            HelpName = "R",
            // The range, [0, 1), is the simulation's to say (SimulationSpec.Validate); here only that it is a number.
            CustomParser = OptionParsers.Number("--churn", double.NegativeInfinity, double.PositiveInfinity),
        };
        var faults = new Option<string?>("--faults")
        {
            Description = "With --clock async or poisson: the live cluster's fault injection, its GlobalBrain:Faults settings as KEY=VALUE[,…] (DropProbability=0.1,DelayProbability=0.2,MaxDelay=00:00:00.5,ReorderProbability, DuplicateProbability, DeactivateProbability, Seed) or a JSON file holding them as a silo's appsettings.json does.",
            HelpName = "KEY=VALUE[,…]|FILE.json",
        };
        var json = SharedOptions.Json();
        var simulateCluster = SharedOptions.Cluster();
        var command = new Command("simulate", "Simulate gossip among N experts in synchronous rounds (or, with --clock async, in continuous time) and print how knowledge spreads; comma lists for --experts, --flow-rate, --mode and --topology sweep their grid.")
        {
            experts, flowRate, rounds, mode, topology, k, beta, m, scenario, itemsPerExpert, cap, docs, seed, seeds, untilConverged, epsilon, csv, plot, plotX, engine, checkpoint, clock, loss, churn, faults, json, simulateCluster,
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
                parse.GetValue(cap),
                parse.GetValue(clock),
                parse.GetValue(loss),
                parse.GetValue(churn),
                SimulateFaults.Parse(parse.GetValue(faults)));
            var arguments = new SimulateArguments(template, docsPath, parse.GetValue(csv), parse.GetValue(json), grid, parse.GetValue(plot), parse.GetValue(plotX), parse.GetValue(simulateCluster), parse.GetValue(engine), parse.GetValue(checkpoint), parse.GetValue(seeds));
            return new SimulateCommand(context).RunAsync(arguments, cancellationToken);
        });
        return command;
    }
}
