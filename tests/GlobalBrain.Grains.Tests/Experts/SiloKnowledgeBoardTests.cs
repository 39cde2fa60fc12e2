using GlobalBrain.Grains.Experts;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Tests.Experts;

/// <summary>The silo's board of what its experts know: joins, leaves and snapshots from many threads at once, without a lock.</summary>
public sealed class SiloKnowledgeBoardTests
{
    [Fact]
    public async Task ActivationsJoiningAndLeavingOnManyThreads_WhileSnapshotsAreTaken_LeaveTheBoardExact()
    {
        var board = new SiloKnowledgeBoard(Options.Create(new ExpertsOptions { Count = 10_000 }), TimeProvider.System);

        // Four threads: each activates its quarter of the experts twice (the second activation takes the first's
        // place), and deactivates every other expert's first activation late (which must not remove the second).
        var snapshots = 0;
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            var first = new List<SiloKnowledgeBoard.Slot>();
            for (var e = w; e < 10_000; e += 4)
            {
                first.Add(board.Join(e));
                board.Join(e);
                if (e % 100 == 0)
                {
                    Assert.All(board.Snapshot(), s => Assert.InRange(s.Expert, 0, 9_999));
                    Interlocked.Increment(ref snapshots);
                }
            }

            foreach (var slot in first.Where(s => s.Expert % 2 == 0))
            {
                board.Leave(slot);
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(100, snapshots);
        Assert.Equal(10_000, board.Active);
        var all = board.Snapshot();
        Assert.Equal(Enumerable.Range(0, 10_000), all.Select(s => s.Expert));

        // The current activations leave: the board is empty, and the count agrees.
        foreach (var slot in all)
        {
            board.Leave(slot);
            board.Leave(slot);
        }

        Assert.Equal(0, board.Active);
        Assert.Empty(board.Snapshot());
    }
}
