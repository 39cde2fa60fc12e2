namespace GlobalBrain.Grains.Experts;

/// <summary>
/// Serializes an expert's writes: they never overlap; a caller gets a write that starts after its
/// call, and callers that arrive while one is still waiting to start share it. A failed write is its
/// own callers' failure only: the next one runs anyway (it stores everything).
/// </summary>
/// <remarks>Not thread-safe: a grain calls it from its own turns only.</remarks>
internal sealed class WriteCoalescer(Func<Task> write)
{
    private Task _last = Task.CompletedTask;
    private Pending? _pending;

    /// <summary>Completes when a write that started after this call has finished; faults with that write's exception.</summary>
    public Task WriteAsync()
    {
        if (_pending is { Started: false } waiting)
        {
            return waiting.Completion;
        }

        var pending = new Pending();
        pending.Completion = RunAfterAsync(_last, pending);
        _pending = pending;
        _last = pending.Completion;
        return pending.Completion;
    }

    private async Task RunAfterAsync(Task previous, Pending pending)
    {
        try
        {
            await previous;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // That write's own callers saw its failure; this write stores everything anyway.
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
