namespace GlobalBrain.Grains.Hosting;

/// <summary>
/// Where grains and clients draw chance from (a timer's phase, a peer, a silo, a retry's jitter): one
/// injected service instead of <see cref="Random.Shared"/> at each call site, so a test can seed it.
/// Thread-safe whatever the <see cref="Random"/> it wraps.
/// </summary>
public sealed class RandomSource(Random random)
{
    private readonly Lock _gate = new();

    /// <summary>The process-wide generator: what a silo registers unless a test registers a seeded one.</summary>
#pragma warning disable RS0030 // the one place the ambient generator is allowed: it becomes the injected default
    public static RandomSource Shared { get; } = new(Random.Shared);
#pragma warning restore RS0030

    public double NextDouble()
    {
        lock (_gate)
        {
            return random.NextDouble();
        }
    }

    public long NextInt64(long minValue, long maxValue)
    {
        lock (_gate)
        {
            return random.NextInt64(minValue, maxValue);
        }
    }

    public int Next(int maxValue)
    {
        lock (_gate)
        {
            return random.Next(maxValue);
        }
    }
}
