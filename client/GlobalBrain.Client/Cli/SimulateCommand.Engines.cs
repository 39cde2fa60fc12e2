using System.Globalization;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Cli;

/// <summary>Which engine runs a grid point: in this process (compact, asynchronous, or blocks for churn), or block grains on a cluster.</summary>
public sealed partial class SimulateCommand
{
    /// <summary>
    /// A run in this process: synchronous rounds on the compact engine (or, for churn off the complete graph or with
    /// --engine blocks, the block engine's blocks on all cores), an asynchronous clock on its own.
    /// </summary>
    private static SimulationResult RunInProcess(SimulateArguments arguments, SimulationSpec spec, IProgress<RoundStats>? progress, CompactCheckpoint? checkpoint, CancellationToken cancellationToken) =>
        spec.Clock != SimulationClock.Rounds ? AsyncRumorSimulation.Run(spec, progress, cancellationToken)
        : spec.IsCompact && arguments.Engine != SimulationEngine.Blocks ? CompactRumorSimulation.Run(spec, progress, checkpoint, cancellationToken)
        : GossipSimulation.Run(spec, progress, cancellationToken: cancellationToken);

    /// <summary>
    /// Whether <paramref name="spec"/> runs in this process (the compact engine, or the asynchronous one for --clock
    /// async and poisson); throws a usage error when --engine or --cluster asks for one that cannot run it.
    /// </summary>
    private static bool UsesCompactEngine(SimulateArguments arguments, SimulationSpec spec)
    {
        if (spec.Clock != SimulationClock.Rounds)
        {
            var clock = $"--clock {spec.Clock.Name()}";
            return arguments switch
            {
                { Cluster: not null } => throw new CliException($"{clock} runs in this process, one exchange at a time (block grains run synchronous rounds): leave out --cluster, or use --clock rounds", ExitCodes.Usage),
                { Engine: SimulationEngine.Blocks } => throw new CliException($"{clock} has its own engine in this process (block grains run synchronous rounds): leave out --engine blocks, or use --clock rounds", ExitCodes.Usage),
                { Engine: SimulationEngine.Compact } => throw new CliException($"{clock} has its own engine (the compact engine runs synchronous rounds): leave out --engine compact, or use --clock rounds", ExitCodes.Usage),
                _ => true,
            };
        }

        if (spec.Churn > 0)
        {
            // Block grains take their spec over the wire, which does not carry churn: churn runs in this process.
            return arguments switch
            {
                { Cluster: not null } => throw new CliException("--churn runs in this process (the compact engine, or the block engine on all cores): leave out --cluster", ExitCodes.Usage),
                { Engine: SimulationEngine.Compact } when !spec.IsCompact => throw new CliException($"--engine compact runs --scenario rumor on --topology complete only (got {spec.Scenario.Name()} on {spec.Topology.Kind.Name()})", ExitCodes.Usage),
                { Engine: SimulationEngine.Blocks } when spec.Experts > SimulationSpec.MaxExperts => throw new CliException(string.Create(CultureInfo.InvariantCulture,
                    $"--experts {spec.Experts:N0}: the block engine holds at most {SimulationSpec.MaxExperts:N0} experts; more run on the compact engine (leave out --engine blocks)"), ExitCodes.Usage),
                _ => true,
            };
        }

        switch (arguments.Engine)
        {
            case SimulationEngine.Compact when !spec.IsCompact:
                throw new CliException($"--engine compact runs --scenario rumor on --topology complete only (got {spec.Scenario.Name()} on {spec.Topology.Kind.Name()})", ExitCodes.Usage);
            case SimulationEngine.Compact when arguments.Cluster is not null:
                throw new CliException("--engine compact runs in this process: leave out --cluster", ExitCodes.Usage);
            case SimulationEngine.Blocks or SimulationEngine.Auto when spec.Experts > SimulationSpec.MaxExperts && (arguments.Engine == SimulationEngine.Blocks || arguments.Cluster is not null):
                throw new CliException(string.Create(CultureInfo.InvariantCulture,
                    $"--experts {spec.Experts:N0}: block grains{(arguments.Cluster is null ? string.Empty : " on --cluster")} hold at most {SimulationSpec.MaxExperts:N0} experts; more run in this process (leave out {(arguments.Cluster is null ? "--engine blocks" : "--cluster")})"), ExitCodes.Usage);
            case SimulationEngine.Compact:
                return true;
            case SimulationEngine.Blocks:
                return false;
            default:
                return spec.IsCompact && arguments.Cluster is null;
        }
    }
}
