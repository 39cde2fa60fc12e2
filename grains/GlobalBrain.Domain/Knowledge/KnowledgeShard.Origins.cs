using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Knowledge;

/// <summary>Joining and changing the per-origin totals (sorted arrays, shared when unchanged).</summary>
public sealed partial class KnowledgeShard
{
    /// <summary>The joined origins: this shard's array when nothing rises, the other's when the join equals it.</summary>
    private OriginEntry[] JoinOrigins(KnowledgeShard other, int? except)
    {
        var mine = _origins;
        var theirs = other._origins;
        if (!Lacks(mine, theirs, except))
        {
            return mine;
        }

        var joined = new List<OriginEntry>(mine.Length + theirs.Length);
        int i = 0, j = 0;
        while (i < mine.Length || j < theirs.Length)
        {
            if (j < theirs.Length && theirs[j].Origin == except)
            {
                j++;
                continue;
            }

            if (j == theirs.Length || (i < mine.Length && mine[i].Origin < theirs[j].Origin))
            {
                joined.Add(mine[i++]);
            }
            else if (i == mine.Length || theirs[j].Origin < mine[i].Origin)
            {
                joined.Add(theirs[j++]);
            }
            else
            {
                joined.Add(new OriginEntry(mine[i].Origin, OriginTotals.Max(mine[i].Totals, theirs[j].Totals)));
                i++;
                j++;
            }
        }

        return CollectionsMarshal.AsSpan(joined).SequenceEqual(theirs) ? theirs : [.. joined];
    }

    /// <summary>True when <paramref name="theirs"/> holds an origin (other than <paramref name="except"/>) above what <paramref name="mine"/> holds.</summary>
    private static bool Lacks(OriginEntry[] mine, OriginEntry[] theirs, int? except)
    {
        var i = 0;
        foreach (var t in theirs)
        {
            if (t.Origin == except)
            {
                continue;
            }

            while (i < mine.Length && mine[i].Origin < t.Origin)
            {
                i++;
            }

            if (i == mine.Length || mine[i].Origin != t.Origin)
            {
                return true;
            }

            var m = mine[i].Totals;
            if (t.Totals.Documents > m.Documents || t.Totals.Tokens > m.Tokens)
            {
                return true;
            }
        }

        return false;
    }

    private static OriginEntry[] WithTotals(OriginEntry[] origins, int origin, OriginTotals totals, bool removeDefault)
    {
        var i = IndexOf(origins, origin);
        if (i >= 0)
        {
            if (totals == default && removeDefault)
            {
                return [.. origins.AsSpan(0, i), .. origins.AsSpan(i + 1)];
            }

            var copy = (OriginEntry[])origins.Clone();
            copy[i] = new OriginEntry(origin, totals);
            return copy;
        }

        if (totals == default && removeDefault)
        {
            return origins;
        }

        var at = ~i;
        return [.. origins.AsSpan(0, at), new OriginEntry(origin, totals), .. origins.AsSpan(at)];
    }
}
