using System.Globalization;
using GlobalBrain.Client.Cli;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <summary>How <c>simulate</c>'s table and plot name a topology and the values of a grid point.</summary>
internal static class SimulationLabels
{
    /// <summary>The topology with the parameters it uses: "ring (k = 2)", "complete".</summary>
    public static string Topology(TopologySpec topology) => topology.Kind switch
    {
        TopologyKind.Ring => $"ring (k = {topology.K})",
        TopologyKind.SmallWorld => string.Create(CultureInfo.InvariantCulture, $"small-world (k = {topology.K}, β = {topology.Beta:G})"),
        TopologyKind.ScaleFree => $"scale-free (m = {topology.M})",
        _ => "complete",
    };

    /// <summary>
    /// ", clock async (…)" with the loss and the faults for an asynchronous clock, then the churn; empty for synchronous
    /// rounds without churn.
    /// </summary>
    public static string Clock(SimulationSpec spec) => spec.Clock switch
    {
        SimulationClock.Rounds => Churn(spec),
        SimulationClock.Async => $", clock async (each expert ticks every 1/v s from a random phase){Loss(spec)}{Faults(spec)}{Churn(spec)}",
        _ => $", clock poisson (each expert ticks at the events of a Poisson process of rate v){Loss(spec)}{Faults(spec)}{Churn(spec)}",
    };

    /// <summary>", churn R per round (…)", or empty without churn.</summary>
    private static string Churn(SimulationSpec spec) => spec.Churn > 0
        ? string.Create(CultureInfo.InvariantCulture, $", churn {spec.Churn:G} per {(spec.Clock == SimulationClock.Rounds ? "round" : "period")} (experts replaced by uninformed joiners)")
        : string.Empty;

    /// <summary>", faults: drop 0.1, delay 0.2 (up to 0.5 s), …", the nonzero ones, or empty without faults.</summary>
    private static string Faults(SimulationSpec spec)
    {
        if (spec.Faults is not { } faults)
        {
            return string.Empty;
        }

        var rates = faults.Rates;
        var parts = new List<string>();
        foreach (var (name, rate) in new[] { ("drop", rates.Drop), ("duplicate", rates.Duplicate), ("delay", rates.Delay), ("reorder", rates.Reorder), ("deactivate", rates.Deactivate) })
        {
            if (rate > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {rate:G}{(name == "delay" ? $" (up to {faults.MaxDelaySeconds:G} s)" : string.Empty)}"));
            }
        }

        return $", faults: {(parts.Count > 0 ? string.Join(", ", parts) : "none")}";
    }

    /// <summary>The time of the sample that an asynchronous run reports as round <paramref name="round"/>: round/v seconds.</summary>
    public static double Time(SimulationSpec spec, int round) => round / spec.FlowRate;

    /// <summary>The x axis of reach by round: "round", or for an asynchronous clock the samples' t·v.</summary>
    public static string StepAxis(SimulationSpec spec) => spec.Clock == SimulationClock.Rounds ? "round" : "t·v (periods of 1/v s)";

    /// <summary>"at t = 6.12 s (t·v = 6.12)", or null for no time.</summary>
    public static string? At(SimulationSpec spec, double? seconds) => seconds is { } t
        ? string.Create(CultureInfo.InvariantCulture, $"at t = {t:G6} s (t·v = {t * spec.FlowRate:G6})")
        : null;

    private static string Loss(SimulationSpec spec) => spec.Loss > 0 ? string.Create(CultureInfo.InvariantCulture, $", each message lost with probability {spec.Loss:G}") : string.Empty;

    /// <summary>The swept values of one grid point, for a legend: only the lists with more than one value.</summary>
    public static string Varied(SimulationGrid grid, SimulationSpec spec, bool withFlowRate)
    {
        var parts = new List<string>();
        if (grid.Experts.Count > 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"N = {spec.Experts:N0}"));
        }

        if (withFlowRate && grid.FlowRates.Count > 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"v = {spec.FlowRate:G}"));
        }

        if (grid.Modes.Count > 1)
        {
            parts.Add(spec.Mode.Name());
        }

        if (grid.Topologies.Count > 1)
        {
            parts.Add(Topology(spec.Topology));
        }

        return string.Join(", ", parts);
    }

    /// <summary>The values every grid point shares, for a title.</summary>
    /// <param name="seeds">K of --seeds: "seeds S–S+K−1" in place of "seed S".</param>
    public static string Fixed(SimulationGrid grid, SimulationSpec spec, bool withFlowRate, int seeds = 1)
    {
        var parts = new List<string>();
        if (grid.Experts.Count == 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"N = {spec.Experts:N0}"));
        }

        if (withFlowRate && grid.FlowRates.Count == 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"v = {spec.FlowRate:G}"));
        }

        if (grid.Modes.Count == 1)
        {
            parts.Add(spec.Mode.Name());
        }

        if (grid.Topologies.Count == 1)
        {
            parts.Add(Topology(spec.Topology));
        }

        parts.Add(spec.Scenario.Name());
        if (spec.Clock != SimulationClock.Rounds)
        {
            parts.Add($"clock {spec.Clock.Name()}");
        }

        parts.Add(seeds > 1
            ? string.Create(CultureInfo.InvariantCulture, $"seeds {spec.Seed}–{spec.Seed + (ulong)(seeds - 1)}")
            : string.Create(CultureInfo.InvariantCulture, $"seed {spec.Seed}"));
        return string.Join(", ", parts);
    }
}
