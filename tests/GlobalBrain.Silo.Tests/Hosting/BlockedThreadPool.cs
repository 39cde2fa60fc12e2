namespace GlobalBrain.Silo.Tests.Hosting;

/// <summary>
/// The silo's situation at 10^5–10^6 spreading experts, made on purpose: every thread of the pool busy and its queue
/// long. Dispose releases the work items and checks that they finished.
/// </summary>
internal sealed class BlockedThreadPool : IDisposable
{
    private readonly ManualResetEventSlim _gate = new();
    private readonly CountdownEvent _released;
    private readonly Task _probe;

    public BlockedThreadPool(int workItems = 256)
    {
        _released = new CountdownEvent(workItems);
        for (var i = 0; i < workItems; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                _gate.Wait();
                _released.Signal();
            }, null);
        }

        _probe = Task.Run(() => { });
    }

    /// <summary>Whether a task queued after the blocked items is still waiting (else the pool was not saturated, and a test proves nothing).</summary>
    public bool Saturated => !_probe.IsCompleted;

    public void Dispose()
    {
        _gate.Set();
        var finished = _released.Wait(TimeSpan.FromSeconds(60));
        _gate.Dispose();
        _released.Dispose();
        Assert.True(finished, "the blocked work items did not finish");
    }
}
