namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// Who may exchange with whom, built deterministically from the seed. Complete and ring are implicit
/// (no memory); small-world and scale-free are undirected graphs in compressed rows.
/// </summary>
public sealed class Topology
{
    private const ulong Stream = 0x70706F6C6F6779UL; // "topology": draws independent of the exchanges'
    private readonly int[]? _offsets;
    private readonly int[]? _neighbours;

    private Topology(TopologySpec spec, int experts, int[]? offsets, int[]? neighbours)
    {
        Spec = spec;
        Experts = experts;
        _offsets = offsets;
        _neighbours = neighbours;
    }

    public TopologySpec Spec { get; }

    public int Experts { get; }

    /// <summary>Edges of the graph (each undirected edge once); for complete, N(N−1)/2.</summary>
    public Int128 Edges => _neighbours is null ? CountEdges(Spec, Experts) : _neighbours.LongLength / 2;

    /// <summary>The edge count of a topology without building it (rewiring keeps N·k; Barabási–Albert adds m per expert after its clique).</summary>
    /// <remarks>128-bit: the complete graph on 8·10^9 experts has 3.2·10^19 edges, beyond a long.</remarks>
    public static Int128 CountEdges(TopologySpec spec, long experts)
    {
        ArgumentNullException.ThrowIfNull(spec);
        switch (spec.Kind)
        {
            case TopologyKind.Complete:
                return (Int128)experts * (experts - 1) / 2;
            case TopologyKind.Ring or TopologyKind.SmallWorld:
                return (Int128)experts * spec.K;
            default:
                var core = Math.Min(experts, spec.M + 1);
                return ((Int128)core * (core - 1) / 2) + ((Int128)spec.M * (experts - core));
        }
    }

    /// <summary>
    /// The complete graph's peer of <paramref name="expert"/> among <paramref name="experts"/> ≥ 2 for the random
    /// value <paramref name="random"/>: uniform over the others. For N ≤ 2^31 − 1 it is <see cref="Peer"/>'s choice.
    /// </summary>
    public static long CompletePeer(long expert, long experts, ulong random)
    {
        var other = CounterRandom.Below(random, experts - 1);
        return other >= expert ? other + 1 : other;
    }

    public static Topology Build(TopologySpec spec, int experts, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            TopologyKind.Complete or TopologyKind.Ring => new Topology(spec, experts, null, null),
            TopologyKind.SmallWorld => FromEdges(spec, experts, WattsStrogatz(experts, spec.K, spec.Beta, seed)),
            TopologyKind.ScaleFree => FromEdges(spec, experts, BarabasiAlbert(experts, spec.M, seed)),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown topology"),
        };
    }

    /// <summary>How many neighbours <paramref name="expert"/> has.</summary>
    public int Degree(int expert) => Spec.Kind switch
    {
        TopologyKind.Complete => Experts - 1,
        TopologyKind.Ring => 2 * Spec.K,
        _ => _offsets![expert + 1] - _offsets[expert],
    };

    /// <summary>A neighbour of <paramref name="expert"/> picked uniformly with the random value <paramref name="random"/>, or −1 if it has none.</summary>
    public int Peer(int expert, ulong random)
    {
        switch (Spec.Kind)
        {
            case TopologyKind.Complete:
                if (Experts < 2)
                {
                    return -1;
                }

                return (int)CompletePeer(expert, Experts, random);
            case TopologyKind.Ring:
                var step = CounterRandom.Below(random, 2 * Spec.K);
                var offset = step < Spec.K ? step + 1 : Spec.K - step - 1;
                return (int)(((long)expert + offset + Experts) % Experts);
            default:
                var start = _offsets![expert];
                var degree = _offsets[expert + 1] - start;
                return degree == 0 ? -1 : _neighbours![start + CounterRandom.Below(random, degree)];
        }
    }

    /// <summary>The neighbours of an expert (for tests and small graphs).</summary>
    public IEnumerable<int> Neighbours(int expert)
    {
        switch (Spec.Kind)
        {
            case TopologyKind.Complete:
                for (var i = 0; i < Experts; i++)
                {
                    if (i != expert)
                    {
                        yield return i;
                    }
                }

                break;
            case TopologyKind.Ring:
                for (var d = 1; d <= Spec.K; d++)
                {
                    yield return (expert + d) % Experts;
                    yield return (int)(((long)expert - d + Experts) % Experts);
                }

                break;
            default:
                for (var i = _offsets![expert]; i < _offsets[expert + 1]; i++)
                {
                    yield return _neighbours![i];
                }

                break;
        }
    }

    /// <summary>Watts–Strogatz: edges (i, i+d) for d = 1..k, each far end rewired with probability β to a uniform node (no loops, no duplicates).</summary>
    private static List<(int A, int B)> WattsStrogatz(int n, int k, double beta, ulong seed)
    {
        var edges = new List<(int, int)>(checked(n * k));
        var present = new HashSet<long>(n * k);
        for (var i = 0; i < n; i++)
        {
            for (var d = 1; d <= k; d++)
            {
                present.Add(Key(i, (i + d) % n, n));
            }
        }

        for (var d = 1; d <= k; d++)
        {
            for (var i = 0; i < n; i++)
            {
                var j = (i + d) % n;
                var random = CounterRandom.Next(seed, Stream, d, i, 0);
                if (CounterRandom.Unit(random) < beta && n > 2 * k + 1)
                {
                    // Try a few uniform targets; keep the lattice edge if all are taken (dense corner cases).
                    for (var attempt = 1; attempt <= 32; attempt++)
                    {
                        var target = CounterRandom.Below(CounterRandom.Next(seed, Stream, d, i, attempt), n);
                        if (target != i && !present.Contains(Key(i, target, n)))
                        {
                            present.Remove(Key(i, j, n));
                            present.Add(Key(i, target, n));
                            j = target;
                            break;
                        }
                    }
                }

                edges.Add((i, j));
            }
        }

        return edges;
    }

    /// <summary>Barabási–Albert: a clique of m + 1 experts, then each new expert attaches to m distinct existing ones with probability proportional to degree.</summary>
    private static List<(int A, int B)> BarabasiAlbert(int n, int m, ulong seed)
    {
        var edges = new List<(int, int)>(checked((n * m) + m));
        var ends = new List<int>(2 * ((n * m) + m)); // every edge end once: a uniform pick is degree-proportional
        var core = Math.Min(n, m + 1);
        for (var i = 0; i < core; i++)
        {
            for (var j = i + 1; j < core; j++)
            {
                edges.Add((i, j));
                ends.Add(i);
                ends.Add(j);
            }
        }

        var chosen = new HashSet<int>(m);
        for (var node = core; node < n; node++)
        {
            chosen.Clear();
            var count = ends.Count;
            for (var draw = 0; chosen.Count < m; draw++)
            {
                chosen.Add(ends[CounterRandom.Below(CounterRandom.Next(seed, Stream, node, 0, draw), count)]);
            }

            foreach (var target in chosen.Order())
            {
                edges.Add((node, target));
                ends.Add(node);
                ends.Add(target);
            }
        }

        return edges;
    }

    private static Topology FromEdges(TopologySpec spec, int n, List<(int A, int B)> edges)
    {
        var offsets = new int[n + 1];
        foreach (var (a, b) in edges)
        {
            offsets[a + 1]++;
            offsets[b + 1]++;
        }

        for (var i = 0; i < n; i++)
        {
            offsets[i + 1] += offsets[i];
        }

        var neighbours = new int[offsets[n]];
        var fill = offsets[..n];
        foreach (var (a, b) in edges)
        {
            neighbours[fill[a]++] = b;
            neighbours[fill[b]++] = a;
        }

        // Neighbour order must not depend on how the edge list was produced: sort each row.
        for (var i = 0; i < n; i++)
        {
            Array.Sort(neighbours, offsets[i], offsets[i + 1] - offsets[i]);
        }

        return new Topology(spec, n, offsets, neighbours);
    }

    private static long Key(int a, int b, int n) => a < b ? ((long)a * n) + b : ((long)b * n) + a;
}
