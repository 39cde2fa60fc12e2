namespace GlobalBrain.Grains.Hosting;

/// <summary>What a silo service does when its silo starts to stop.</summary>
internal static class SiloStop
{
    /// <summary>
    /// Calls <paramref name="stop"/> as the silo leaves its Active stage, the first of its stages to stop: before
    /// grains deactivate and before the silo leaves the cluster, so that work it would start meanwhile (ticks,
    /// metrics passes) does not address experts that are going away.
    /// </summary>
    public static void OnSiloStop(this ISiloLifecycle lifecycle, string name, Action stop)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(name, ServiceLifecycleStage.Active, _ => Task.CompletedTask, _ =>
        {
            stop();
            return Task.CompletedTask;
        });
    }
}
