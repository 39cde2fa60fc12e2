namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// The leading terms of the rounds a rumor needs to reach all N experts of the complete graph at v = 1:
/// push log₂N + ln N (Frieze &amp; Grimmett 1985, Pittel 1987), pull log₂N + log₂ln N, push-pull
/// log₃N + log₂ln N (Karp et al. 2000 prove log₃N + O(log log N); the end game is log₂ln N because once most
/// experts know, the uninformed fraction u becomes about u²/e a round — its pull fails with probability u and
/// no push reaches it with probability 1/e — so it squares, as pull's does). The O(1) term is not in it.
/// </summary>
public static partial class GossipTheory
{
    /// <summary>Euler's constant γ.</summary>
    public const double EulerGamma = 0.57721566490153286;

    /// <summary>The leading terms for <paramref name="experts"/> ≥ 3 experts.</summary>
    public static double RumorRounds(ExchangeMode mode, long experts) => mode switch
    {
        ExchangeMode.Push => Math.Log2(experts) + Math.Log(experts),
        ExchangeMode.Pull => Math.Log2(experts) + Math.Log2(Math.Log(experts)),
        _ => Math.Log(experts, 3) + Math.Log2(Math.Log(experts)),
    };

    /// <summary>
    /// The expected time × v until <paramref name="informed"/> of N experts of the complete graph know the rumor under
    /// <see cref="SimulationClock.Poisson"/> with each message lost with probability <paramref name="loss"/>, exactly:
    /// with k informed, the next one comes at rate c(1 − q)·k(N − k)/(N − 1) (c = 2 for push-pull, whose pushes and
    /// pulls both inform; 1 for push or pull alone), so the informed count is a pure birth chain and the mean time is
    /// the sum of its mean waits. To everyone it is (N − 1)/N · H(N − 1)/(c(1 − q)) ≈ (ln N + γ)/(c(1 − q)) — for
    /// push-pull Janson's first-passage percolation (1999) with the two Gumbel terms of mean γ each, halved.
    /// </summary>
    public static double PoissonRumorTime(ExchangeMode mode, long experts, long informed, double loss = 0)
    {
        var rate = (mode == ExchangeMode.PushPull ? 2.0 : 1.0) * (1 - loss);
        var sum = 0.0;
        for (var k = informed - 1; k >= 1; k--)
        {
            sum += (double)(experts - 1) / ((double)k * (experts - k));
        }

        return sum / rate;
    }

    /// <summary>
    /// The early exponential growth rate λ (per 1/v seconds) of the informed count for push-pull under
    /// <see cref="SimulationClock.Async"/>, where each expert ticks every 1/v seconds from a random phase: ≈ 1.630,
    /// below the Poisson clock's 2. From the renewal (Euler–Lotka) equation of the two-type branching process of
    /// the early phase: an expert informed by a push has a phase independent of when it learned (its ticks at
    /// U, U + 1, …, U uniform: transform 1/λ), one informed by its own pull ticks next a whole period later (at 1, 2, …:
    /// transform b = 1/(e^λ − 1)), and every informed expert is pulled from at rate 1 (transform a = 1/λ); the
    /// mean matrix [[a, a], [b, a]] (rows: informed by push, by pull; columns: children by push, by pull) has
    /// Perron root a + √(ab), which is 1 at λ. So the time to reach a fixed fraction grows by ln N / λ.
    /// </summary>
    public static double PeriodicPushPullGrowthRate()
    {
        double low = 1, high = 2;
        for (var i = 0; i < 60; i++)
        {
            var lambda = (low + high) / 2;
            var a = 1 / lambda;
            var b = 1 / (Math.Exp(lambda) - 1);
            (low, high) = a + Math.Sqrt(a * b) > 1 ? (lambda, high) : (low, lambda);
        }

        return (low + high) / 2;
    }
}
