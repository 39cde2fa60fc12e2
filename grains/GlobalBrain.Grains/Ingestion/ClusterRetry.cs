namespace GlobalBrain.Grains.Ingestion;

/// <summary>
/// Calls into a cluster that may be losing or gaining silos: a call that fails for a reason a later
/// attempt can get past is tried again, with exponential backoff and jitter, until a time budget runs
/// out. Used for every call a client makes (connecting, settings, vocabulary, batches, metrics), so a
/// silo that died and is not yet declared dead is ridden out the same way everywhere.
/// </summary>
public sealed class ClusterRetry(TimeSpan budget, TimeProvider? time = null, Func<double>? random = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Func<double> _random = random ?? Hosting.RandomSource.Shared.NextDouble;

    /// <summary>How long a call is tried before its last failure is thrown.</summary>
    public TimeSpan Budget { get; } = budget;

    /// <summary>First wait between attempts; it doubles up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider Time => _time;

    /// <summary>
    /// Failures a later attempt, maybe through another gateway or on another silo, can get past: all but
    /// a refusal of the request itself (<see cref="ArgumentException"/>) and the caller's cancellation.
    /// A server-side exception the client cannot even read (a type it does not know) is one of them.
    /// </summary>
    public static bool IsTransient(Exception e, CancellationToken cancellationToken = default) =>
        e is not (ArgumentException or OutOfMemoryException)
        && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    /// <summary>Runs <paramref name="call"/> until it succeeds or the budget is spent; <paramref name="retried"/> hears of each failure that is retried.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> call, Action<Exception>? retried = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var deadline = _time.GetUtcNow() + Budget;
        var delay = FirstDelay;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await call();
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                var wait = delay * (0.5 + _random());
                if (_time.GetUtcNow() + wait > deadline)
                {
                    throw;
                }

                retried?.Invoke(e);
                await Task.Delay(wait, _time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    public async Task RunAsync(Func<Task> call, Action<Exception>? retried = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        await RunAsync(async () =>
        {
            await call();
            return true;
        }, retried, cancellationToken);
    }
}
