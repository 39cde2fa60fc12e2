using GlobalBrain.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Silo.Api;

/// <summary>
/// Bounds the ingest work of a silo: at most <see cref="GlobalBrainApiOptions.MaxConcurrentRequests"/>
/// requests being processed and at most <see cref="GlobalBrainApiOptions.MaxQueuedRequests"/> more being
/// received or waiting for a turn (<see cref="TryAdmit"/>: a request admitted reads its body before it
/// asks for a turn, so a slow sender holds no turn); a turn is waited for at most
/// <see cref="GlobalBrainApiOptions.QueueTimeout"/>. A request that finds no place, or waits too long,
/// is answered 429. Bodies in memory: at most (MaxConcurrentRequests + MaxQueuedRequests) × MaxBodyBytes.
/// </summary>
public sealed class RequestGate : IDisposable
{
    private readonly SemaphoreSlim _turns;
    private readonly int _capacity;
    private readonly int _maxQueued;
    private readonly TimeSpan _maxWait;
    private readonly TimeProvider _time;
    private int _queued;
    private int _admitted;

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

    /// <summary>Requests admitted now (being received, waiting for a turn, or processed).</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>A place for a request to be received and wait for a turn (dispose it when the request is done), or null at once when all are taken: answer 429.</summary>
    public IDisposable? TryAdmit()
    {
        if (Interlocked.Increment(ref _admitted) > _capacity + _maxQueued)
        {
            Interlocked.Decrement(ref _admitted);
            return null;
        }

        return new Admission(this);
    }

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

    private sealed class Admission(RequestGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref gate._admitted);
            }
        }
    }

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
