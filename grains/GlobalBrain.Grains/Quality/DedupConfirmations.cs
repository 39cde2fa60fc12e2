using System.Runtime.ExceptionServices;
using GlobalBrain.Grains.Ingestion;

namespace GlobalBrain.Grains.Quality;

/// <summary>
/// Confirms the duplicate claims of one run's learned batches in groups (group commit): a batch's claims wait up to
/// <c>linger</c> for those of the batches learned after it, then all go in one call per partition, so a partition
/// stores one segment for several batches instead of one per batch (each confirmation is a storage write of a segment
/// and of the partition's head, and every other one merges segments). A group starts only when the one before it has
/// ended. The run calls <see cref="CompleteAsync"/> before it returns, which sends what is pending at once, so by the
/// time a run reports, every batch it learned has been confirmed (or its claims run out with their lease, as before).
/// </summary>
/// <remarks>
/// Waiting costs nothing the run relies on: a batch is acknowledged when it is learned, not when its keys are
/// confirmed, and until they are the run's <see cref="RunClaims"/> answer for them within the run, while other runs
/// find them held tentatively (they wait, or yield and ask again) — a little longer than without the group. Measured
/// with <c>quality-ingest</c>: see the README, *Data quality and privacy*.
/// </remarks>
internal sealed class DedupConfirmations(TimeSpan linger, ClusterRetry retry, TimeProvider time, CancellationToken cancellationToken)
{
    private readonly Lock _gate = new();
    private List<HeldClaims> _pending = [];
    private Task _sending = Task.CompletedTask;
    private bool _lingering;
    private Exception? _failure;

    /// <summary>Confirms <paramref name="claim"/>'s claims with the next group (a batch that holds no key adds no call).</summary>
    public void Add(DedupClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        lock (_gate)
        {
            _pending.Add(claim.Held);
            if (_lingering)
            {
                return;
            }

            _lingering = true;
        }

        _ = LingerAsync();
    }

    /// <summary>Sends what is pending now and waits for every group (never throws: see <see cref="ThrowIfFailed"/>).</summary>
    public Task CompleteAsync() => Flush();

    /// <summary>
    /// After <see cref="CompleteAsync"/>: throws what a confirmation met that is not transient (the run's cancellation, a
    /// refused request), as the batch's own confirmation did before groups; transient failures leave the claims to their lease.
    /// </summary>
    public void ThrowIfFailed()
    {
        lock (_gate)
        {
            if (_failure is { } failure)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }
    }

    private async Task LingerAsync()
    {
        try
        {
            await Task.Delay(linger, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The run was cancelled: what is pending still goes (and meets the cancellation itself).
        }

        await Flush();
    }

    // The pending claims as the next group, after the group under way; the task ends when it has been sent.
    private Task Flush()
    {
        lock (_gate)
        {
            _lingering = false;
            var group = _pending;
            _pending = [];
            var before = _sending;
            _sending = group.Count == 0 ? before : SendAfterAsync(before, group);
            return _sending;
        }
    }

    private async Task SendAfterAsync(Task before, List<HeldClaims> group)
    {
        await before;
        try
        {
            await group[0].ConfirmAllAsync(group, retry, cancellationToken);
        }
        catch (Exception e) when (ClusterRetry.IsTransient(e, cancellationToken))
        {
            // Learned and acknowledged all the same: claims the partitions could not store within the budget stay
            // tentative and run out with their lease (a later copy may then be kept too).
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            lock (_gate)
            {
                _failure ??= e;
            }
        }
    }
}
