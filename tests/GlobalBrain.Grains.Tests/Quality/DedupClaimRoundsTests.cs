using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Quality;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Grains.Tests.Quality;

/// <summary>
/// Claiming a batch's keys all at once and playing the stages on the answers decides exactly as claiming stage by stage:
/// the same verdicts (kept, "exact", "near") for every document, and the same keys held afterwards, tentatively or for
/// good — on batches full of exact copies, shared bands, chains (a copy that shares a band with a later document), documents
/// without bands, keys an earlier batch of the run still holds, and keys earlier runs confirmed.
/// </summary>
public sealed class DedupClaimRoundsTests : OwnCluster<DedupClaimRoundsTests.Silo>
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task AllAtOnce_DecidesAndHoldsAsTheStagesDo(int seed)
    {
        var documents = Documents(seed, count: 240);
        var staged = new DedupClaimer(Cluster.Client) { Staged = true };
        var rounds = new DedupClaimer(Cluster.Client);

        // The two claimers work on the same partitions, each on keys of its own (the same documents, salted apart).
        var (stagedVerdicts, stagedProbe) = await PlayAsync(staged, Salted(documents, 0x5A5A_0000_0000_0001));
        var (roundsVerdicts, roundsProbe) = await PlayAsync(rounds, Salted(documents, 0x0F0F_0000_0000_0002));

        Assert.Equal(stagedVerdicts, roundsVerdicts);
        Assert.Equal(stagedProbe, roundsProbe);

        // The documents were made to meet in every way the stages tell apart.
        Assert.Contains("exact", stagedVerdicts);
        Assert.Contains("near", stagedVerdicts);
        Assert.Contains(null, stagedVerdicts);
    }

    /// <summary>
    /// Two runs: the first in batches of 30, each claimed while the batch before still holds its keys tentatively (it
    /// confirms after the next one claimed, as the dispatcher's batches overlap), its last batch left unconfirmed; the
    /// second run after it. Then a probe run asks for every key: whose it is now.
    /// </summary>
    private async Task<(List<string?> Verdicts, List<DedupAnswer> Probe)> PlayAsync(DedupClaimer claimer, List<ScreenedDocument> documents)
    {
        var verdicts = new List<string?>();
        var half = documents.Count / 2;
        foreach (var (run, from, to) in new[] { (11UL, 0, half), (22UL, half, documents.Count) })
        {
            var runClaims = new RunClaims();
            DedupClaim? previous = null;
            for (var start = from; start < to; start += 30)
            {
                var batch = documents.Skip(start).Take(Math.Min(30, to - start)).Select((d, i) => d with { Index = i }).ToList();
                var claim = await claimer.ClaimAsync(batch, DedupMode.Near, run, start, runClaims);
                verdicts.AddRange(claim.Verdicts);
                if (previous is not null)
                {
                    await previous.ConfirmAsync();
                }

                previous = claim;
            }

            if (run == 11)
            {
                await previous!.ConfirmAsync();
            }
        }

        // A later run than both (it outranks neither): a key held tentatively answers Yield, a confirmed one Duplicate.
        var probe = new List<DedupAnswer>();
        foreach (var d in documents)
        {
            probe.Add((await Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.ExactKey(DedupPartitions.OfExact(d.ExactLow)))
                .ClaimAsync(new DedupClaims([d.ExactLow, d.ExactHigh], [ulong.MaxValue], Run: ulong.MaxValue)))[0]);
            foreach (var band in d.Bands ?? [])
            {
                probe.Add((await Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.NearKey(DedupPartitions.OfNear(band)))
                    .ClaimAsync(new DedupClaims([band], [ulong.MaxValue], Run: ulong.MaxValue)))[0]);
            }
        }

        return (verdicts, probe);
    }

    /// <summary>
    /// Documents whose exact keys and band values come from small pools, so that exact copies, documents sharing a
    /// band or several, and chains of them are common; one in ten has no bands (no words to shingle).
    /// </summary>
    private static List<ScreenedDocument> Documents(int seed, int count)
    {
        var random = new Random(seed);
        var documents = new List<ScreenedDocument>();
        for (var i = 0; i < count; i++)
        {
            var exact = (ulong)random.Next(count * 3 / 4);
            ulong[]? bands = random.Next(10) == 0 ? null : [.. Enumerable.Range(0, DocumentScreener.MinHashBands).Select(b => ((ulong)(uint)b << 32) | (uint)random.Next(count))];
            documents.Add(new ScreenedDocument(i, null, null, exact * 0x9E37_79B9_7F4A_7C15, exact, bands));
        }

        return documents;
    }

    private static List<ScreenedDocument> Salted(List<ScreenedDocument> documents, ulong salt) =>
        [.. documents.Select(d => d with
        {
            ExactLow = Mix(d.ExactLow ^ salt),
            ExactHigh = d.ExactHigh ^ salt,
            Bands = d.Bands is { } bands ? [.. bands.Select(b => Mix(b ^ salt))] : null,
        })];

    // Spreads the keys over the partitions (they are chosen by key modulo the partition count).
    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51_AFD7_ED55_8CCD;
        x ^= x >> 33;
        return x;
    }

    public sealed class Silo : Orleans.TestingHost.ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain();
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = 1;
                o.FlowRate = 0;
            });
        }
    }
}
