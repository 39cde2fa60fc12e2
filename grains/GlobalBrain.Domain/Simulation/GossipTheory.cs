namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// The leading terms of the rounds a rumor needs to reach all N experts of the complete graph at v = 1:
/// push log₂N + ln N (Frieze &amp; Grimmett 1985, Pittel 1987), pull log₂N + log₂ln N, push-pull
/// log₃N + ln ln N (Karp et al. 2000). The O(1) term is not in it (measured: about +1 round).
/// </summary>
public static class GossipTheory
{
    /// <summary>The leading terms for <paramref name="experts"/> ≥ 3 experts.</summary>
    public static double RumorRounds(ExchangeMode mode, long experts) => mode switch
    {
        ExchangeMode.Push => Math.Log2(experts) + Math.Log(experts),
        ExchangeMode.Pull => Math.Log2(experts) + Math.Log2(Math.Log(experts)),
        _ => Math.Log(experts, 3) + Math.Log(Math.Log(experts)),
    };
}
