namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// Rows of knowledge sent between blocks in one batch: for each entry, the receiver, the sender, the
/// exchange's draw, and the sender's row at the start of the round (<see cref="RowWords"/> words each;
/// 0 for the rumor, where a row is sent only by an expert that holds the one item).
/// </summary>
public sealed record RowBatch(int[] To, int[] From, int[] Draw, ulong[] Rows, int RowWords)
{
    public int Count => To.Length;
}

/// <summary>Pull requests sent to the block that holds the peers: whose row, for whom, and the draw.</summary>
public sealed record PullBatch(int[] Of, int[] For, int[] Draw)
{
    public int Count => Of.Length;
}

/// <summary>What a block sends after the first phase of a round, by target block.</summary>
public sealed record BlockOutbox(IReadOnlyDictionary<int, RowBatch> Deliveries, IReadOnlyDictionary<int, PullBatch> Requests);

/// <summary>A block's share of a round's figures: exchanges it started, bytes it received, and its experts' knowledge.</summary>
public sealed record BlockStats(long Exchanges, long Bytes, long Informed, double[]? Known);

/// <summary>Collects the rows addressed to one block.</summary>
internal sealed class RowBatchBuilder(int words)
{
    private readonly List<int> _to = [];
    private readonly List<int> _from = [];
    private readonly List<int> _draw = [];
    private readonly List<ulong> _rows = [];

    public void Add(int to, int from, int draw, ReadOnlySpan<ulong> row)
    {
        _to.Add(to);
        _from.Add(from);
        _draw.Add(draw);
        foreach (var word in row)
        {
            _rows.Add(word);
        }
    }

    public RowBatch Build() => new([.. _to], [.. _from], [.. _draw], [.. _rows], words);
}

/// <summary>Collects the pull requests addressed to one block.</summary>
internal sealed class PullBatchBuilder
{
    private readonly List<int> _of = [];
    private readonly List<int> _for = [];
    private readonly List<int> _draw = [];

    public void Add(int of, int @for, int draw)
    {
        _of.Add(of);
        _for.Add(@for);
        _draw.Add(draw);
    }

    public PullBatch Build() => new([.. _of], [.. _for], [.. _draw]);
}
