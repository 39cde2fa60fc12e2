using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Domain.Simulation;
using Xunit;

namespace GlobalBrain.Domain.Tests.Simulation;

public sealed class ItemAssignmentTests
{
    private static readonly (string Id, int[] Tokens)[] Documents =
    [
        ("a", [1, 2, 3, 4]), // items (1,2,3), (2,3,4)
        ("b", [2, 3, 4, 5]), // (2,3,4) again, (3,4,5)
        ("c", [9]), // shorter than w: one item of all its tokens
        ("d", [1, 2, 3, 4]), // the same items as "a"
    ];

    [Fact]
    public void FromDocuments_RoutesLikeIngest_AndNumbersDistinctItemsDensely()
    {
        var assignment = ItemAssignment.FromDocuments(Documents, 3);

        Assert.Equal(4, assignment.DistinctItems);
        Assert.Equal(3, assignment.Experts);
        var expected = new HashSet<int>[3];
        var ids = new Dictionary<ulong, int>();
        foreach (var (id, tokens) in Documents)
        {
            var set = expected[ExpertRouting.ExpertFor(id, 3)] ??= [];
            foreach (var hash in KnowledgeItems.Hash(tokens))
            {
                set.Add(ids.TryGetValue(hash, out var item) ? item : ids[hash] = ids.Count);
            }
        }

        for (var e = 0; e < 3; e++)
        {
            var held = assignment.Items[assignment.Offsets[e]..assignment.Offsets[e + 1]];
            Assert.Equal((expected[e] ?? []).Order(), held);
        }
    }

    [Fact]
    public void Slice_RebasesTheRows()
    {
        var assignment = ItemAssignment.FromDocuments(Documents, 5);

        var slice = assignment.Slice(2, 5);

        Assert.Equal(3, slice.Experts);
        Assert.Equal(assignment.DistinctItems, slice.DistinctItems);
        Assert.Equal(0, slice.Offsets[0]);
        Assert.Equal(assignment.Items[assignment.Offsets[2]..assignment.Offsets[5]], slice.Items);
    }

    [Fact]
    public void CorpusScenario_StartsFromTheDocuments_SpreadsToEveryone_AndIsTheSameInAnyBlocks()
    {
        var random = new Random(3);
        var documents = Enumerable.Range(0, 200).Select(i => ($"doc{i}", Enumerable.Range(0, random.Next(1, 30)).Select(_ => random.Next(50)).ToArray())).ToList();
        var assignment = ItemAssignment.FromDocuments(documents, 300);
        var spec = new SimulationSpec(300, 1, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Corpus, 9, MaxRounds: 200, UntilConverged: true, ExchangeCap: 100);

        var one = GossipSimulation.Run(spec, 1, null, assignment, default);
        var many = GossipSimulation.Run(spec, 7, null, assignment, default);

        Assert.Equal(one.Rounds, many.Rounds);
        Assert.Equal(assignment.DistinctItems, one.DistinctItems);
        Assert.Equal(assignment.Items.Length, one.Rounds[0].CollectiveIntelligence);
        Assert.NotNull(one.RoundsToFullCoverage);
        Assert.Equal(300.0 * assignment.DistinctItems, one.Rounds[^1].CollectiveIntelligence);
    }

    [Fact]
    public void CorpusScenario_WithoutDocuments_IsRefused()
    {
        var spec = new SimulationSpec(10, 1, ExchangeMode.Push, TopologySpec.Complete, ScenarioKind.Corpus, 1, MaxRounds: 5);

        var error = Assert.Throws<ArgumentException>(() => GossipSimulation.Run(spec));

        Assert.Contains("--docs PATH", error.Message, StringComparison.Ordinal);
    }
}
