using GlobalBrain.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Silo.Api;

/// <summary>
/// Bounds the ingest work of a silo: at most <see cref="GlobalBrainApiOptions.MaxConcurrentRequests"/>
/// requests being processed (their bodies in memory) and at most <see cref="GlobalBrainApiOptions.MaxQueuedRequests"/>
/// waiting for a turn, each for at most <see cref="GlobalBrainApiOptions.QueueTimeout"/>. A request that
/// finds the queue full, or waits too long, gets no turn: the caller answers 429 without reading its body.
/// </summary>
public sealed class RequestGate : IDisposable
{
    private readonly SemaphoreSlim _turns;
    private readonly int _capacity;
    private readonly int _maxQueued;
    private readonly TimeSpan _maxWait;
    private readonly TimeProvider _time;
    private int _queued;

    public RequestGate(IOptions<GlobalBrainApiOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var api = options.Value;
        _capacity = api.ConcurrentRequests;
        _turns = new SemaphoreSlim(_capacity, _capacity);
        _maxQueued = api.QueuedRequests;
        _maxWait = api.QueueTimeout;
        _time = time;
    }

    /// <summary>Requests waiting for a turn now.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Requests being processed now.</summary>
    public int Busy => _capacity - _turns.CurrentCount;

    /// <summary>A turn (dispose it when the request is done), or null when there is none to have: answer 429.</summary>
    public async ValueTask<IDisposable?> TryEnterAsync(CancellationToken cancellationToken)
    {
        if (_turns.Wait(0, CancellationToken.None))
        {
            return new Turn(_turns);
        }

        if (Interlocked.Increment(ref _queued) > _maxQueued)
        {
            Interlocked.Decrement(ref _queued);
            return null;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_maxWait, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            try
            {
                await _turns.WaitAsync(linked.Token);
                return new Turn(_turns);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    public void Dispose() => _turns.Dispose();

    private sealed class Turn(SemaphoreSlim turns) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                turns.Release();
            }
        }
    }
}
