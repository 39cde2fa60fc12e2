namespace GlobalBrain.Grains.Hosting;

/// <summary>N and v: how many experts there are and how often each starts an exchange.</summary>
public sealed class ExpertsOptions
{
    public const string SectionName = "GlobalBrain:Experts";

    /// <summary>Largest N a live cluster accepts (one grain per expert; simulations go further).</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>Largest v, in exchanges per expert per second.</summary>
    public const double MaxFlowRate = 1000;

    /// <summary>N, the number of expert grains (keys 0..N-1).</summary>
    public int Count { get; set; } = 16;

    /// <summary>v, exchanges each expert starts per second; 0 switches exchange off.</summary>
    public double FlowRate { get; set; } = 1.0;

    /// <summary>What an exchange does: push (send the shard), pull (fetch the peer's), push-pull (both).</summary>
    public string Mode { get; set; } = "push-pull";

    /// <summary>Who may exchange with whom: complete, ring, small-world or scale-free (as in simulations).</summary>
    public string Topology { get; set; } = "complete";

    /// <summary>ring and small-world: neighbours on each side.</summary>
    public int K { get; set; } = 2;

    /// <summary>small-world: rewiring probability β.</summary>
    public double Beta { get; set; } = 0.1;

    /// <summary>scale-free: edges each new expert attaches with.</summary>
    public int M { get; set; } = 3;

    /// <summary>Seed the topology is built from (every silo builds the same graph).</summary>
    public ulong TopologySeed { get; set; } = 1;

    /// <summary>
    /// Exchanges one silo's experts may have under way at once; a tick that finds them all taken is skipped (the rate
    /// gauges show it). Each holds a shard in flight, so this bounds the memory of a silo that cannot keep up with N·v.
    /// </summary>
    public int MaxExchangesInFlight { get; set; } = 4096;

    /// <summary>The topology as the simulation engine describes it (the validator has checked its name).</summary>
    public Domain.Simulation.TopologySpec TopologySpec() => new(Domain.Simulation.SimulationNames.Topologies.Parse(Topology, "topology"), K, Beta, M);

    /// <summary>The exchange mode as the simulation engine names it (the validator has checked its name).</summary>
    public Domain.Simulation.ExchangeMode ExchangeMode() => Domain.Simulation.SimulationNames.Modes.Parse(Mode, "mode");
}

/// <summary>
/// Fault injection for the experts' gossip (off by default): what can happen to an exchange's
/// message, and whether the expert that started it deactivates afterwards.
/// </summary>
public sealed class FaultsOptions
{
    public const string SectionName = "GlobalBrain:Faults";

    /// <summary>Largest <see cref="MaxDelay"/>: a delayed message holds a copy of a shard until it lands.</summary>
    public static readonly TimeSpan LongestDelay = TimeSpan.FromMinutes(1);

    /// <summary>Probability that an exchange's message is lost.</summary>
    public double DropProbability { get; set; }

    /// <summary>Probability that a message that is delivered is delivered twice.</summary>
    public double DuplicateProbability { get; set; }

    /// <summary>Probability that a message lands after a random wait of up to <see cref="MaxDelay"/>.</summary>
    public double DelayProbability { get; set; }

    /// <summary>The longest wait of a delayed message.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Probability that a message is held back and delivered after the sender's next exchange.</summary>
    public double ReorderProbability { get; set; }

    /// <summary>Probability that an expert deactivates itself after an exchange it started.</summary>
    public double DeactivateProbability { get; set; }

    /// <summary>Seed of the fault draws (each expert's k-th exchange draws the same faults for the same seed).</summary>
    public ulong Seed { get; set; } = 1;

    /// <summary>The probabilities as the fault plan takes them.</summary>
    public Domain.Faults.FaultRates Rates() => new(DropProbability, DuplicateProbability, DelayProbability, ReorderProbability, DeactivateProbability);
}

/// <summary>How knowledge is sketched.</summary>
public sealed class KnowledgeOptions
{
    public const string SectionName = "GlobalBrain:Knowledge";

    /// <summary>HyperLogLog precision p (m = 2^p registers, standard error 1.04/√m).</summary>
    public int Precision { get; set; } = 14;

    /// <summary>Tokens per knowledge item (the w of the w-shingles).</summary>
    public int ShingleWidth { get; set; } = 3;

    /// <summary>How often an expert stores knowledge it gained by exchange (ingested knowledge is stored before it is acknowledged).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Writes of knowledge gained by exchange that one silo's experts may start per second (0: no limit). An expert
    /// whose flush finds the second's writes spent stores at a later tick, everything at once; ingested batches are
    /// not limited (each is stored before it is acknowledged). Bounds the storage load while knowledge spreads:
    /// without it a silo of N experts writes up to N / FlushInterval states a second.
    /// </summary>
    public double FlushRate { get; set; } = 1000;

    /// <summary>
    /// Group commit: how long an expert asked to store an ingested batch waits before it writes when the sending
    /// ingest front has other batches in flight, so that their deltas share one write (0: no wait). A batch sent
    /// alone is written at once.
    /// </summary>
    public TimeSpan GroupCommit { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Longest <see cref="GroupCommit"/>: every acknowledgement of an ingested batch may wait this long.</summary>
    public static readonly TimeSpan LongestGroupCommit = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an expert remembers the batch ids it counted: a batch (or an HTTP request under the same
    /// Idempotency-Key) sent again within it counts nothing. Costs 16 bytes per batch per expert, in
    /// memory and in storage, for as long as the window.
    /// </summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>Builds the message of a failed setting: what was wrong, which key, which environment variable.</summary>
public static class SettingErrors
{
    public static string Describe(string section, string key, string problem) =>
        $"{section}:{key} {problem}; set it in appsettings.json or with the environment variable {section.Replace(":", "__", StringComparison.Ordinal)}__{key}.";

    /// <summary>Adds a problem when a time span lies outside [min, max].</summary>
    public static void CheckSpan(List<string> errors, string section, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value < min || value > max)
        {
            // TimeSpan reads a bare number as days ("5" = 5.00:00:00): say so when that is the likely slip.
            var days = value.Ticks != 0 && value.Ticks % TimeSpan.TicksPerDay == 0 ? " — a bare number is read as days: write 00:00:05 for 5 seconds" : string.Empty;
            errors.Add(Describe(section, key, $"must be a time span from {Span(min)} to {Span(max)} (got {Span(value)}{days})"));
        }
    }

    /// <summary>Adds a problem when a TCP port lies outside 1–65535.</summary>
    public static void CheckPort(List<string> errors, string section, string key, int port)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (port is < 1 or > 65535)
        {
            errors.Add(Describe(section, key, $"must be a TCP port from 1 to 65535 (got {port})"));
        }
    }

    private static string Span(TimeSpan value) => value.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
}
