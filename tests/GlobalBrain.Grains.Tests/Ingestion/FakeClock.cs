using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace GlobalBrain.Grains.Tests.Ingestion;

internal static class FakeClock
{
    /// <summary>Moves <paramref name="time"/> on in small steps until <paramref name="task"/> is done; fails after 30 s of real time.</summary>
    public static async Task<T> AdvanceUntilDoneAsync<T>(this FakeTimeProvider time, Task<T> task)
    {
        var clock = Stopwatch.StartNew();
        while (!task.IsCompleted)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the task did not finish within 30 s of real time");
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(5)));
        }

        return await task;
    }

    /// <summary>Waits (polling, up to 30 s) until <paramref name="condition"/> holds.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{what} did not happen within 30 s");
            await Task.Delay(TimeSpan.FromMilliseconds(5));
        }
    }
}
