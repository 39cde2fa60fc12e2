using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Grains.Simulation;

/// <summary>
/// The topologies of the runs this silo's blocks take part in, built once per silo (a 10^6-expert graph
/// takes a second and tens of MB) and shared by its blocks. Keeps the few most recent.
/// </summary>
public sealed class SimulationTopologies
{
    private const int Kept = 4;
    private readonly object _gate = new();
    private readonly LinkedList<(string Key, Lazy<Topology> Topology)> _recent = new();

    public Topology Get(SimulationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var key = $"{spec.Topology}/{spec.Experts}/{spec.Seed}";
        Lazy<Topology> topology;
        lock (_gate)
        {
            var node = _recent.First;
            while (node is not null && node.Value.Key != key)
            {
                node = node.Next;
            }

            if (node is null)
            {
                node = new LinkedListNode<(string, Lazy<Topology>)>((key, new Lazy<Topology>(() => Topology.Build(spec.Topology, spec.Experts, spec.Seed))));
                if (_recent.Count == Kept)
                {
                    _recent.RemoveLast();
                }
            }
            else
            {
                _recent.Remove(node);
            }

            _recent.AddFirst(node);
            topology = node.Value.Topology;
        }

        return topology.Value;
    }
}
