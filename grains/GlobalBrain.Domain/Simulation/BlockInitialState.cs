namespace GlobalBrain.Domain.Simulation;

/// <summary>The knowledge of a block's experts at round 0, one row of bits per expert.</summary>
internal static class BlockInitialState
{
    /// <summary>The rows of experts [<paramref name="start"/>, <paramref name="end"/>); <paramref name="words"/> per expert (0 for the rumor: one bit per expert).</summary>
    /// <param name="initial">The corpus scenario: the experts' items (rows [0, end − start)).</param>
    public static ulong[] Rows(SimulationSpec spec, int start, int end, ItemAssignment? initial, out int words)
    {
        ulong[] rows;
        var experts = end - start;
        if (spec.Scenario == ScenarioKind.Rumor)
        {
            words = 0;
            rows = new ulong[(experts + 63) / 64];
            if (start == 0 && experts > 0)
            {
                rows[0] = 1;
            }
        }
        else if (spec.Scenario == ScenarioKind.Corpus)
        {
            if (initial is null || initial.Experts != experts)
            {
                throw new ArgumentException($"the corpus scenario needs the items of experts {start}..{end - 1}", nameof(initial));
            }

            words = checked((int)((initial.DistinctItems + 63) / 64));
            rows = new ulong[checked((long)experts * words)];
            for (var e = 0; e < experts; e++)
            {
                for (var k = initial.Offsets[e]; k < initial.Offsets[e + 1]; k++)
                {
                    var item = initial.Items[k];
                    rows[((long)e * words) + (item >> 6)] |= 1UL << (item & 63);
                }
            }
        }
        else
        {
            var items = (long)spec.Experts * spec.ItemsPerExpert;
            words = checked((int)((items + 63) / 64));
            rows = new ulong[checked((long)experts * words)];
            for (var e = start; e < end; e++)
            {
                for (var t = 0; t < spec.ItemsPerExpert; t++)
                {
                    var item = ((long)e * spec.ItemsPerExpert) + t;
                    rows[((long)(e - start) * words) + (item >> 6)] |= 1UL << (int)(item & 63);
                }
            }
        }

        return rows;
    }
}
