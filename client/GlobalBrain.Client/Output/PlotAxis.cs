namespace GlobalBrain.Client.Output;

/// <summary>What <c>simulate --plot</c> puts on the x axis.</summary>
public enum PlotAxis
{
    /// <summary>Against v when --flow-rate lists several values, else against the round.</summary>
    Auto,

    /// <summary>Reach against the round: one mean-reach curve per run (and min reach, dashed, for a single run).</summary>
    Round,

    /// <summary>Final mean reach against v: one line per combination of the other swept values.</summary>
    FlowRate,
}
