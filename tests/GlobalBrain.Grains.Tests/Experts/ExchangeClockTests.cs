using System.Collections.Concurrent;
using GlobalBrain.Grains.Experts;
using Microsoft.Extensions.Time.Testing;

namespace GlobalBrain.Grains.Tests.Experts;

/// <summary>The silo's exchange clock: every expert once per period, at its own phase, from one timer.</summary>
public sealed class ExchangeClockTests
{
    [Fact]
    public void EveryExpert_TicksOncePerPeriod_AtItsPhase()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var ticks = new List<(int Expert, TimeSpan At)>();
        var start = time.GetTimestamp();
        ExchangeClock? clock = null;
        using var _ = clock = new ExchangeClock(TimeSpan.FromSeconds(1), time, e =>
        {
            ticks.Add((e, time.GetElapsedTime(start)));
            clock!.Done(e);
        }, experts: 100);
        for (var e = 0; e < 100; e++)
        {
            clock.Join(e, e / 100.0);
        }

        for (var step = 0; step < 500; step++)
        {
            time.Advance(ExchangeClock.Resolution);
        }

        // Five seconds: five ticks each, one period apart, the first within its phase of the period.
        Assert.Equal(100, clock.Count);
        foreach (var group in ticks.GroupBy(t => t.Expert))
        {
            var at = group.Select(t => t.At).ToArray();
            Assert.InRange(at.Length, 4, 5);
            Assert.InRange(at[0].TotalSeconds, (group.Key / 100.0) - 0.001, (group.Key / 100.0) + 0.03);
            Assert.All(at.Zip(at.Skip(1)), pair => Assert.Equal(1.0, (pair.Second - pair.First).TotalSeconds, 3));
        }

        Assert.InRange(ticks.Count, 450, 500);
    }

    [Fact]
    public void AnExpertThatLeft_TicksNoMore_AndAClockBehindByPeriods_TicksEachExpertOnce()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var ticks = new Dictionary<int, int>();
        ExchangeClock? clock = null;
        using var _ = clock = new ExchangeClock(TimeSpan.FromMilliseconds(200), time, e =>
        {
            ticks[e] = ticks.GetValueOrDefault(e) + 1;
            clock!.Done(e);
        }, experts: 3);
        clock.Join(1, 0.5);
        clock.Join(2, 0.1);
        clock.Leave(2);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, ticks.GetValueOrDefault(1));

        // The timer fired once for a whole second (five periods): expert 1 ticks once, not five times.
        Assert.False(ticks.ContainsKey(2));
        Assert.Equal(0, clock.Count - 1);
    }

    [Fact]
    public void AnExpertWhoseTickHasNotFinished_GetsNoOther_UntilItIsDone()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var ticks = 0;
        using var clock = new ExchangeClock(TimeSpan.FromMilliseconds(100), time, _ => ticks++, experts: 8);
        clock.Join(7, 0);

        for (var step = 0; step < 100; step++)
        {
            time.Advance(ExchangeClock.Resolution);
        }

        // One tick in a second of ten periods: the other nine were skipped, and counted.
        Assert.Equal(1, ticks);
        Assert.Equal(9, clock.Skipped);

        clock.Done(7);
        for (var step = 0; step < 10; step++)
        {
            time.Advance(ExchangeClock.Resolution);
        }

        Assert.Equal(2, ticks);
    }

    [Fact]
    public void TicksUnderWay_StayWithinTheBound_AndEveryExpertGetsItsTurn()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var ticks = new Dictionary<int, int>();
        var underWay = new Queue<int>();
        var most = 0;
        using var clock = new ExchangeClock(TimeSpan.FromMilliseconds(100), time, e =>
        {
            ticks[e] = ticks.GetValueOrDefault(e) + 1;
            underWay.Enqueue(e);
        }, experts: 100, maxInFlight: 8);

        // 100 experts in the same slot, all due at once; the silo finishes 8 ticks per period (a silo that does not keep up).
        for (var e = 0; e < 100; e++)
        {
            clock.Join(e, 0);
        }

        for (var step = 0; step < 2000; step++)
        {
            time.Advance(ExchangeClock.Resolution);
            most = Math.Max(most, clock.InFlight);
            if (step % 10 == 9)
            {
                while (underWay.TryDequeue(out var e))
                {
                    clock.Done(e);
                }
            }
        }

        // 200 periods of 8 ticks: never more than 8 under way, the rest skipped and counted, and the turns go round
        // (a walk that always started at the same place would tick the same 8 experts every period).
        Assert.Equal(8, most);
        Assert.Equal(1600, ticks.Values.Sum());
        Assert.Equal(100, ticks.Count);
        Assert.InRange(ticks.Values.Min(), 8, 24);
        Assert.Equal((200 * 100) - 1600, clock.Skipped);
    }

    [Fact]
    public void AStoppedClock_TicksNobody_AndExpertsJoiningLaterDoNotRestartIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var ticks = 0;
        ExchangeClock? clock = null;
        using var _ = clock = new ExchangeClock(TimeSpan.FromMilliseconds(100), time, e =>
        {
            ticks++;
            clock!.Done(e);
        }, experts: 3);
        clock.Join(1, 0);
        time.Advance(TimeSpan.FromMilliseconds(200));
        var before = ticks;
        Assert.True(before >= 1);

        // The silo is stopping (its lifecycle's Active stage stops first): nobody exchanges any more.
        clock.Stop();
        clock.Join(2, 0);
        time.Advance(TimeSpan.FromSeconds(1));
        clock.Fire();

        Assert.Equal(before, ticks);
    }
    [Fact]
    public async Task TicksEndingOnManyThreadsAtOnce_KeepTheCountUnderWayExact_AndEveryDueTickIsSentOrCounted()
    {
        // The wheel fires on this thread while four others end ticks as fast as they come (Done takes no lock).
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var underWay = new ConcurrentQueue<int>();
        var sent = 0;
        using var clock = new ExchangeClock(TimeSpan.FromMilliseconds(100), time, e =>
        {
            Interlocked.Increment(ref sent);
            underWay.Enqueue(e);
        }, experts: 1000, maxInFlight: 300);
        for (var e = 0; e < 1000; e++)
        {
            clock.Join(e, e / 1000.0);
        }

        var stop = false;
        var enders = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                if (underWay.TryDequeue(out var e))
                {
                    clock.Done(e);
                }
            }
        })).ToArray();
        var most = 0;
        for (var step = 0; step < 1000; step++)
        {
            time.Advance(ExchangeClock.Resolution);
            most = Math.Max(most, clock.InFlight);
        }

        Volatile.Write(ref stop, true);
        await Task.WhenAll(enders).WaitAsync(TimeSpan.FromSeconds(30));
        while (underWay.TryDequeue(out var e))
        {
            clock.Done(e);
        }

        // 100 periods of 1,000 experts: each due tick sent or skipped (the first period is partly before the joins),
        // never more than the bound under way, and nothing left counted once every tick has ended.
        Assert.InRange(sent + clock.Skipped, 99_000, 100_000);
        Assert.InRange(sent, 1, 100_000);
        Assert.InRange(most, 1, 300);
        Assert.Equal(0, clock.InFlight);
    }

    [Fact]
    public void AnExpertOutsideZeroToN_CannotJoin()
    {
        using var clock = new ExchangeClock(TimeSpan.FromMilliseconds(100), TimeProvider.System, _ => { }, experts: 10);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => clock.Join(10, 0));
        Assert.Equal("expert", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Join(-1, 0));
        Assert.Equal(0, clock.Count);
    }
}
