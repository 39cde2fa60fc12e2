namespace GlobalBrain.Grains;

/// <summary>A simulation's parameters as they travel to block grains (names as on the command line).</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.SimulationParameters")]
public sealed record SimulationParameters(
    [property: Id(0)] int Experts,
    [property: Id(1)] double FlowRate,
    [property: Id(2)] string Mode,
    [property: Id(3)] string Topology,
    [property: Id(4)] int K,
    [property: Id(5)] double Beta,
    [property: Id(6)] int M,
    [property: Id(7)] string Scenario,
    [property: Id(8)] int ItemsPerExpert,
    [property: Id(9)] int? ExchangeCap,
    [property: Id(10)] ulong Seed,
    [property: Id(11)] int MaxRounds,
    [property: Id(12)] bool UntilConverged,
    [property: Id(13)] double Epsilon);

/// <summary>
/// Which experts a block grain holds ([Index · BlockSize, …) of the partition), every block's key, I, and
/// for the corpus scenario its experts' items at round 0 (compressed rows, dense item ids).
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.SimulationBlockSetup")]
public sealed record SimulationBlockSetup(
    [property: Id(0)] SimulationParameters Parameters,
    [property: Id(1)] int Index,
    [property: Id(2)] int BlockSize,
    [property: Id(3)] string[] BlockKeys,
    [property: Id(4)] long DistinctItems,
    [property: Id(5)] int[]? ItemOffsets,
    [property: Id(6)] int[]? Items);

/// <summary>Rows sent between blocks: receiver, sender, draw, and the sender's rows (RowWords words each).</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.SimulationRows")]
public sealed record SimulationRows(
    [property: Id(0)] int[] To,
    [property: Id(1)] int[] From,
    [property: Id(2)] int[] Draw,
    [property: Id(3)] ulong[] Rows,
    [property: Id(4)] int RowWords);

/// <summary>Pull requests: whose row, for whom, and the draw.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.SimulationPulls")]
public sealed record SimulationPulls(
    [property: Id(0)] int[] Of,
    [property: Id(1)] int[] For,
    [property: Id(2)] int[] Draw);

/// <summary>A block's share of a round: exchanges started, bytes received, informed experts (rumor) or each expert's item count (items).</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.SimulationBlockStats")]
public sealed record SimulationBlockStats(
    [property: Id(0)] long Exchanges,
    [property: Id(1)] long Bytes,
    [property: Id(2)] long Informed,
    [property: Id(3)] double[]? Known);

/// <summary>
/// A block of a simulation's experts (key: run id and block index). A round is three barriers driven by
/// the coordinator: <see cref="ExchangeAsync"/> (blocks send rows and pulls straight to each other),
/// <see cref="ServeAsync"/> (apply pushed rows, answer pulls), <see cref="FinishAsync"/> (apply answers, next round's state).
/// </summary>
[Alias("GlobalBrain.ISimulationBlockGrain")]
public interface ISimulationBlockGrain : IGrainWithStringKey
{
    [Alias("Initialize")]
    Task<SimulationBlockStats> InitializeAsync(SimulationBlockSetup setup);

    [Alias("Exchange")]
    Task ExchangeAsync(int round);

    /// <summary>Rows and pulls from another block for this round (buffered until <see cref="ServeAsync"/>).</summary>
    [Alias("Deliver")]
    Task DeliverAsync(int round, SimulationRows? rows, SimulationPulls? pulls);

    [Alias("Serve")]
    Task ServeAsync(int round);

    /// <summary>Answers to this block's pulls (buffered until <see cref="FinishAsync"/>).</summary>
    [Alias("Answer")]
    Task AnswerAsync(int round, SimulationRows rows);

    [Alias("Finish")]
    Task<SimulationBlockStats> FinishAsync(int round);

    /// <summary>Drops the block's state; the run is over.</summary>
    [Alias("Close")]
    Task CloseAsync();
}
