namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// The names of exchange modes, topologies and scenarios, one table each: what the command line, the
/// settings (GlobalBrain:Experts:Mode/Topology), the grains' wire records and every report use.
/// </summary>
public static class SimulationNames
{
    public static readonly NameTable<ExchangeMode> Modes = new(
        (ExchangeMode.Push, "push"),
        (ExchangeMode.Pull, "pull"),
        (ExchangeMode.PushPull, "push-pull"));

    public static readonly NameTable<TopologyKind> Topologies = new(
        (TopologyKind.Complete, "complete"),
        (TopologyKind.Ring, "ring"),
        (TopologyKind.SmallWorld, "small-world"),
        (TopologyKind.ScaleFree, "scale-free"));

    public static readonly NameTable<ScenarioKind> Scenarios = new(
        (ScenarioKind.Rumor, "rumor"),
        (ScenarioKind.Items, "items"),
        (ScenarioKind.Corpus, "corpus"));

    public static readonly NameTable<SimulationClock> Clocks = new(
        (SimulationClock.Rounds, "rounds"),
        (SimulationClock.Async, "async"),
        (SimulationClock.Poisson, "poisson"));

    public static string Name(this ExchangeMode mode) => Modes.Name(mode);

    public static string Name(this TopologyKind kind) => Topologies.Name(kind);

    public static string Name(this ScenarioKind scenario) => Scenarios.Name(scenario);

    public static string Name(this SimulationClock clock) => Clocks.Name(clock);
}

/// <summary>A fixed, two-way table between the values of an enum and their names (ordinal, case-sensitive).</summary>
public sealed class NameTable<T>
    where T : struct, Enum
{
    private readonly (T Value, string Name)[] _entries;

    public NameTable(params (T Value, string Name)[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = entries;
        Names = [.. entries.Select(e => e.Name)];
    }

    /// <summary>Every name, in table order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <exception cref="ArgumentOutOfRangeException">A value the table does not hold: never a silent default.</exception>
    public string Name(T value)
    {
        foreach (var (v, name) in _entries)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"no name for this {typeof(T).Name}");
    }

    public bool TryParse(string? name, out T value)
    {
        foreach (var (v, n) in _entries)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <exception cref="ArgumentException">A name the table does not hold; the message lists the known ones.</exception>
    public T Parse(string? name, string what) => TryParse(name, out var value)
        ? value
        : throw new ArgumentException($"unknown {what} '{name}': must be {Or()}", nameof(name));

    /// <summary>"a, b or c".</summary>
    public string Or() => Names.Count == 1 ? Names[0] : $"{string.Join(", ", Names.Take(Names.Count - 1))} or {Names[^1]}";
}
