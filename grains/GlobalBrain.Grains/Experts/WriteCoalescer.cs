namespace GlobalBrain.Grains.Experts;

/// <summary>
/// Serializes an expert's writes: they never overlap; a caller gets a write that starts after its
/// call, and callers that arrive while one is still waiting to start share it. A failed write is its
/// own callers' failure only: the next one runs anyway (it stores everything).
/// <para>
/// Group commit: a caller that knows more work is on its way (<c>linger: true</c>) lets the write it
/// starts wait <paramref name="groupCommit"/> first, so that the callers arriving meanwhile share it; a caller
/// alone gets its write at once.
/// </para>
/// </summary>
/// <remarks>Not thread-safe: a grain calls it from its own turns only.</remarks>
internal sealed class WriteCoalescer(Func<Task> write, TimeSpan groupCommit = default, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private Task _last = Task.CompletedTask;
    private Pending? _pending;

    /// <summary>Completes when a write that started after this call has finished; faults with that write's exception.</summary>
    /// <param name="linger">More callers are expected soon: a write this call starts waits the coalescer's group-commit time before it starts.</param>
    public Task WriteAsync(bool linger = false)
    {
        if (_pending is { Started: false } waiting)
        {
            return waiting.Completion;
        }

        var pending = new Pending();
        pending.Completion = RunAfterAsync(_last, pending, linger && groupCommit > TimeSpan.Zero ? groupCommit : TimeSpan.Zero);
        _pending = pending;
        _last = pending.Completion;
        return pending.Completion;
    }

    private async Task RunAfterAsync(Task previous, Pending pending, TimeSpan wait)
    {
        try
        {
            await previous;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // That write's own callers saw its failure; this write stores everything anyway.
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time);
        }

        pending.Started = true;
        await write();
    }

    private sealed class Pending
    {
        public bool Started { get; set; }

        public Task Completion { get; set; } = Task.CompletedTask;
    }
}
