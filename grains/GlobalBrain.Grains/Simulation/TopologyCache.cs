using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Grains.Simulation;

/// <summary>
/// The topologies this silo's experts and simulation blocks pick peers from, built once per silo (a
/// 10^6-expert graph takes a second and tens of MB) and shared. Keeps the few most recent.
/// </summary>
public sealed class TopologyCache
{
    private const int Kept = 4;
    private readonly object _gate = new();
    private readonly LinkedList<(string Key, Lazy<Topology> Topology)> _recent = new();

    public Topology Get(SimulationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Get(spec.Topology, (int)spec.Experts, spec.Seed);
    }

    public Topology Get(TopologySpec spec, int experts, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var key = $"{spec}/{experts}/{seed}";
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
                node = new LinkedListNode<(string, Lazy<Topology>)>((key, new Lazy<Topology>(() => Topology.Build(spec, experts, seed))));
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
