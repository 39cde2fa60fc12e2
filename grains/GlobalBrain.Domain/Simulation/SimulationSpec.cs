namespace GlobalBrain.Domain.Simulation;

/// <summary>Who sends what in one exchange between an expert and the peer it picked.</summary>
public enum ExchangeMode
{
    /// <summary>The expert sends its knowledge to the peer.</summary>
    Push,

    /// <summary>The expert asks the peer for its knowledge.</summary>
    Pull,

    /// <summary>Both: each ends with the union of the two.</summary>
    PushPull,
}

/// <summary>How experts are connected; a peer is picked uniformly among an expert's neighbours.</summary>
public enum TopologyKind
{
    /// <summary>Everyone is everyone's neighbour.</summary>
    Complete,

    /// <summary>A ring lattice: k neighbours on each side.</summary>
    Ring,

    /// <summary>Watts–Strogatz: a ring lattice of k per side with each edge rewired with probability β.</summary>
    SmallWorld,

    /// <summary>Barabási–Albert: each new expert attaches to m existing ones, preferentially to well-connected ones.</summary>
    ScaleFree,
}

/// <summary>What the experts know at round 0.</summary>
public enum ScenarioKind
{
    /// <summary>One item, at expert 0.</summary>
    Rumor,

    /// <summary>k distinct items at every expert (I = N · k).</summary>
    Items,

    /// <summary>The knowledge items of documents, spread over the experts as ingest spreads them (<see cref="ItemAssignment"/>).</summary>
    Corpus,
}

/// <summary>When the experts exchange.</summary>
public enum SimulationClock
{
    /// <summary>Synchronous rounds: every exchange of a round reads the state at its start.</summary>
    Rounds,

    /// <summary>
    /// Continuous time, the live cluster's clock: each expert ticks every 1/v seconds from a random phase,
    /// and each tick's exchange takes effect at once.
    /// </summary>
    Async,

    /// <summary>Continuous time: each expert's ticks a Poisson process of rate v (the textbook asynchronous model).</summary>
    Poisson,
}

/// <summary>A topology and its parameters (k for ring and small-world, β for small-world, m for scale-free).</summary>
public sealed record TopologySpec(TopologyKind Kind, int K = 2, double Beta = 0.1, int M = 3)
{
    public static TopologySpec Complete { get; } = new(TopologyKind.Complete);
}

/// <summary>
/// One simulation run: N experts exchanging at flow rate v (exchanges each expert starts per round;
/// a fractional part is the probability of one more) in synchronous rounds, or, with an asynchronous
/// <see cref="Clock"/>, ticking v times a second with one exchange a tick, for <see cref="MaxRounds"/>
/// periods of 1/v seconds; there, each message is lost with probability <see cref="Loss"/>, and the live
/// cluster's fault injection may hit each exchange (<see cref="Faults"/>). With <see cref="Churn"/> R > 0
/// (the rumor), experts leave at rate R per round or period and are replaced at once by uninformed joiners
/// (<see cref="AsyncRumorSimulation"/>, <see cref="CompactRumorSimulation"/>, <see cref="SimulationBlock"/>).
/// </summary>
public sealed record SimulationSpec(
    long Experts,
    double FlowRate,
    ExchangeMode Mode,
    TopologySpec Topology,
    ScenarioKind Scenario,
    ulong Seed,
    int MaxRounds,
    bool UntilConverged = false,
    double Epsilon = 0,
    int ItemsPerExpert = 1,
    int? ExchangeCap = null,
    SimulationClock Clock = SimulationClock.Rounds,
    double Loss = 0,
    double Churn = 0,
    SimulationFaults? Faults = null)
{
    /// <summary>The largest N the block engine takes (<see cref="GossipSimulation"/>, block grains; expert ids are ints there).</summary>
    public const int MaxExperts = 100_000_000;

    /// <summary>
    /// The largest N of the rumor on the complete graph, which <see cref="CompactRumorSimulation"/> runs at two bits
    /// per expert with 64-bit ids: 1.6·10^10 is 4 GB of state, twice humanity.
    /// </summary>
    public const long MaxCompactExperts = 16_000_000_000;

    /// <summary>Whether <see cref="CompactRumorSimulation"/> can run this spec: the rumor on the complete graph (any mode, any v).</summary>
    public bool IsCompact => Scenario == ScenarioKind.Rumor && Topology.Kind == TopologyKind.Complete;

    /// <summary>The largest N for this scenario and topology.</summary>
    public long MaxExpertsForSpec => IsCompact ? MaxCompactExperts : MaxExperts;

    /// <summary>The most memory the items scenario may hold in exact sets (N · I bits, twice for the round's copy).</summary>
    public const long MaxItemBytes = 4L << 30;

    /// <summary>Every problem with the spec, each naming the option to change; empty when it can run.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Experts < 1 || Experts > MaxExpertsForSpec)
        {
            errors.Add(Experts > MaxExperts && Experts <= MaxCompactExperts
                ? $"--experts above {MaxExperts:N0} needs --scenario rumor and --topology complete, the scenario that runs at two bits per expert (got {Experts})"
                : $"--experts must be from 1 to {MaxExpertsForSpec:N0} (got {Experts})");
        }

        if (!double.IsFinite(FlowRate) || FlowRate < 0 || FlowRate > 1000)
        {
            errors.Add($"--flow-rate must be a number from 0 to 1000 (got {FlowRate})");
        }

        if (MaxRounds < 1)
        {
            errors.Add($"--rounds must be at least 1 (got {MaxRounds})");
        }

        if (!double.IsFinite(Epsilon) || Epsilon is < 0 or >= 1)
        {
            errors.Add($"--epsilon must be from 0 (everyone holds everything) up to, not including, 1 (got {Epsilon})");
        }

        if (Clock != SimulationClock.Rounds)
        {
            var clock = SimulationNames.Clocks.Name(Clock);
            if (Scenario != ScenarioKind.Rumor)
            {
                errors.Add($"--clock {clock} runs --scenario rumor only (got {Scenario.Name()}): use --clock rounds for the items and corpus scenarios");
            }

            if (Experts > MaxExperts)
            {
                errors.Add($"--clock {clock} runs at most {MaxExperts:N0} experts, one exchange at a time (got {Experts}): lower --experts, or use --clock rounds");
            }

            if (FlowRate <= 0)
            {
                errors.Add($"--clock {clock} needs --flow-rate above 0: v is each expert's ticks per second (got {FlowRate})");
            }
        }

        if (!double.IsFinite(Loss) || Loss is < 0 or >= 1)
        {
            errors.Add($"--loss is the probability that a message is lost, from 0 up to, not including, 1 (got {Loss})");
        }
        else if (Loss > 0 && Clock == SimulationClock.Rounds)
        {
            errors.Add("--loss runs with --clock async or poisson only: add --clock async");
        }

        ValidateChurnAndFaults(errors);
        if (ExchangeCap is < 1)
        {
            errors.Add($"--exchange-cap must be at least 1 item (got {ExchangeCap})");
        }

        switch (Topology.Kind)
        {
            case TopologyKind.Ring or TopologyKind.SmallWorld when Topology.K < 1 || (Experts > 1 && 2L * Topology.K >= Experts):
                errors.Add($"--k must be from 1 to {Math.Max(1, (Experts - 1) / 2)} for N = {Experts}: each expert has k neighbours on each side, 2k < N (got {Topology.K})");
                break;
            case TopologyKind.SmallWorld when !(Topology.Beta is >= 0 and <= 1):
                errors.Add($"--beta is a rewiring probability, from 0 to 1 (got {Topology.Beta})");
                break;
            case TopologyKind.ScaleFree when Topology.M < 1 || (Experts > 1 && Topology.M >= Experts):
                errors.Add($"--m must be from 1 to N − 1 = {Experts - 1}: each new expert attaches to m existing ones (got {Topology.M})");
                break;
            default:
                break;
        }

        if (Scenario == ScenarioKind.Items)
        {
            if (ItemsPerExpert < 1)
            {
                errors.Add($"--items-per-expert must be at least 1 (got {ItemsPerExpert})");
            }
            else if (Experts is >= 1 and <= MaxExperts && ItemBytes(Experts, (long)Experts * ItemsPerExpert) > MaxItemBytes)
            {
                errors.Add($"the items scenario keeps exact sets, N · I bits twice: {ItemBytes(Experts, (long)Experts * ItemsPerExpert) / 1e9:F1} GB for N = {Experts:N0} and {ItemsPerExpert} item(s) each; the limit is {MaxItemBytes / 1e9:F1} GB — lower --experts or --items-per-expert, or use --scenario rumor");
            }
        }

        return errors;
    }

    private void ValidateChurnAndFaults(List<string> errors)
    {
        if (!double.IsFinite(Churn) || Churn is < 0 or >= 1)
        {
            errors.Add($"--churn is the fraction of experts replaced per round (per period of 1/v s with --clock async or poisson), from 0 up to, not including, 1 (got {Churn})");
        }
        else if (Churn > 0)
        {
            if (Scenario != ScenarioKind.Rumor)
            {
                errors.Add($"--churn runs --scenario rumor only (got {Scenario.Name()}): a joiner starts uninformed");
            }

            if (UntilConverged)
            {
                errors.Add("--churn with --until-converged: experts keep leaving, so everyone seldom holds everything at once — leave out --until-converged and give --rounds R (the time to 99% is still reported with an asynchronous clock)");
            }
        }

        if (Faults is { } faults)
        {
            if (Clock == SimulationClock.Rounds)
            {
                errors.Add("--faults runs with --clock async or poisson only (the live cluster's experts tick on their own clocks): add --clock async");
            }

            errors.AddRange(faults.Validate());
        }
    }

    /// <summary>Memory of exact item sets: N experts × I items, bits, current and next round.</summary>
    public static long ItemBytes(long experts, long items) => 2L * experts * ((items + 63) / 64) * 8;

    /// <summary>The problem with holding <paramref name="items"/> items in exact sets for every expert, or null.</summary>
    public string? CheckItemMemory(long items) => ItemBytes(Experts, items) > MaxItemBytes
        ? $"the {Scenario.ToString().ToLowerInvariant()} scenario keeps exact sets, N · I bits twice: {ItemBytes(Experts, items) / 1e9:F1} GB for N = {Experts:N0} and I = {items:N0} items; the limit is {MaxItemBytes / 1e9:F1} GB — lower --experts or use fewer documents"
        : null;
}
