using System.Diagnostics;

namespace GlobalBrain.Testing;

/// <summary>
/// Waiting for something that happens in its own time (a server starting, a gauge refreshing, gossip
/// spreading): look, and look again after <c>interval</c>, until it shows or a deadline passes. Never a
/// fixed sleep: a fast machine does not wait longer than it must, and a loaded one gets until the deadline.
/// </summary>
public static class Poll
{
    /// <summary>
    /// Probes until <paramref name="done"/> holds for the value seen or <paramref name="timeout"/> has passed
    /// (one look when it is zero), and returns the last value either way: the caller asserts on it, so a
    /// failure shows what was last seen. A probe that throws ends the wait with its exception.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value) || clock.Elapsed >= timeout)
            {
                return value;
            }

            await PauseAsync(interval);
        }
    }

    /// <summary>Checks <paramref name="condition"/> until it holds (true) or <paramref name="timeout"/> has passed (false).</summary>
    public static Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan interval) =>
        UntilAsync(condition, held => held, timeout, interval);

    /// <summary>Checks <paramref name="condition"/> until it holds (true) or <paramref name="timeout"/> has passed (false).</summary>
    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), held => held, timeout, interval);
    }

    /// <summary>
    /// Checks <paramref name="condition"/> until it holds; past <paramref name="timeout"/> throws a
    /// <see cref="TimeoutException"/> that names <paramref name="what"/> was awaited and adds
    /// <paramref name="detail"/> (a server's output, the last answer), read at that moment.
    /// </summary>
    public static async Task WaitForAsync(string what, Func<Task<bool>> condition, TimeSpan timeout, TimeSpan interval, Func<string>? detail = null)
    {
        if (!await UntilAsync(condition, timeout, interval))
        {
            throw new TimeoutException(TimedOut(what, timeout, detail?.Invoke()));
        }
    }

    /// <inheritdoc cref="WaitForAsync(string, Func{Task{bool}}, TimeSpan, TimeSpan, Func{string}?)"/>
    public static Task WaitForAsync(string what, Func<bool> condition, TimeSpan timeout, TimeSpan interval, Func<string>? detail = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitForAsync(what, () => Task.FromResult(condition()), timeout, interval, detail);
    }

    /// <summary>The message of a wait that ran out of time: what was awaited, for how long, and what was seen.</summary>
    public static string TimedOut(string what, TimeSpan timeout, string? detail = null) =>
        $"timed out after {timeout.TotalSeconds:0.###} s waiting for {what}" + (string.IsNullOrEmpty(detail) ? "" : ":\n" + detail);

    // A zero interval still lets other work run (the condition may wait on a continuation of this thread).
    private static Task PauseAsync(TimeSpan interval) => interval > TimeSpan.Zero ? Task.Delay(interval) : YieldAsync();

    private static async Task YieldAsync() => await Task.Yield();
}
