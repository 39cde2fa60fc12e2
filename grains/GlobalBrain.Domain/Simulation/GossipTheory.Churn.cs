namespace GlobalBrain.Domain.Simulation;

// The rumor under churn: experts replaced by uninformed joiners at rate R, each message lost with probability q.
public static partial class GossipTheory
{
    /// <summary>
    /// The fraction u* of experts of the complete graph that do not know the rumor once spreading and churn balance
    /// (N → ∞, mean field), under churn R — the fraction of experts replaced by uninformed joiners per round, or per
    /// period of 1/v s with an asynchronous clock — with each message lost with probability <paramref name="loss"/>.
    /// Mean reach settles at 1 − u*.
    /// <list type="bullet">
    /// <item><see cref="SimulationClock.Poisson"/>: an uninformed expert learns at rate c(1 − q)(1 − u) (c = 2 for
    /// push-pull, 1 for push or pull), and u' = R(1 − u) − c(1 − q)u(1 − u) vanishes at u* = R / (c(1 − q)).</item>
    /// <item><see cref="SimulationClock.Async"/> (periodic ticks): by Little's law u* = R·W, W the mean time a joiner stays
    /// uninformed — until its first successful pull (its ticks at U, U + 1, …, U uniform, each succeeding with
    /// probability p = (1 − q)(1 − u)), a push (rate a = (1 − q)(1 − u)) or its own departure (rate R):
    /// W = ∫₀¹(1 − ps)e^(−bs) ds / (1 − (1 − p)e^(−b)), b = a + R; solved for u.</item>
    /// <item><see cref="SimulationClock.Rounds"/> (state read after the round's churn): an uninformed expert stays so
    /// through a round with probability s(u) = E[(1 − (1 − q)(1 − u))^X]·e^(−v(1 − q)(1 − u)) (its X ∈ {⌊v⌋, ⌊v⌋ + 1}
    /// pulls fail, no push reaches it), then anyone leaves with probability R: u = us + R(1 − us).</item>
    /// </list>
    /// Returns 1 when churn outruns spreading (the rumor dies out).
    /// </summary>
    public static double ChurnSteadyUninformed(SimulationClock clock, ExchangeMode mode, double churn, double loss = 0, double flowRate = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(churn);
        var push = mode != ExchangeMode.Pull;
        var pull = mode != ExchangeMode.Push;
        if (clock == SimulationClock.Poisson)
        {
            return Math.Min(1, churn / ((mode == ExchangeMode.PushPull ? 2 : 1) * (1 - loss)));
        }

        // f(u) = (what churn adds) − u at the fixed point; f(0) > 0 and u = 1 (no one informed) is always a root:
        // the first sign change from below is the informed equilibrium.
        Func<double, double> f = clock == SimulationClock.Async
            ? u => (churn * PeriodicUninformedTime(push ? (1 - loss) * (1 - u) : 0, pull ? (1 - loss) * (1 - u) : 0, churn)) - u
            : u =>
            {
                var whole = Math.Floor(flowRate);
                var fail = 1 - ((1 - loss) * (1 - u));
                var pullsFail = pull ? ((1 - (flowRate - whole)) * Math.Pow(fail, whole)) + ((flowRate - whole) * Math.Pow(fail, whole + 1)) : 1;
                var stays = u * pullsFail * (push ? Math.Exp(-flowRate * (1 - loss) * (1 - u)) : 1);
                return stays + (churn * (1 - stays)) - u;
            };
        const int Steps = 10_000;
        for (var i = 1; i < Steps; i++)
        {
            double low = (i - 1) / (double)Steps, high = i / (double)Steps;
            if (f(high) <= 0)
            {
                for (var k = 0; k < 60; k++)
                {
                    var middle = (low + high) / 2;
                    (low, high) = f(middle) > 0 ? (middle, high) : (low, middle);
                }

                return (low + high) / 2;
            }
        }

        return 1;
    }

    /// <summary>
    /// The mean time (periods) a joiner stays uninformed under a periodic clock: pulls succeeding with probability
    /// <paramref name="pull"/> at its ticks U, U + 1, …, pushes at rate <paramref name="push"/>, departure at rate
    /// <paramref name="churn"/>. Its survival is (1 − p)^k (1 − ps)e^(−b(k + s)) at t = k + s.
    /// </summary>
    private static double PeriodicUninformedTime(double push, double pull, double churn)
    {
        var b = push + churn;
        var e = Math.Exp(-b);
        var plain = (1 - e) / b; // ∫₀¹ e^(−bs) ds
        var weighted = (1 - (e * (1 + b))) / (b * b); // ∫₀¹ s e^(−bs) ds
        return (plain - (pull * weighted)) / (1 - ((1 - pull) * e));
    }
}
