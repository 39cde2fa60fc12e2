using System.Text;
using GlobalBrain.Grains;

namespace GlobalBrain.Distributed.Tests;

/// <summary>
/// Three silo processes on one Redis (membership and grain state), fed by the globalbrain CLI:
/// knowledge and exact counts survive stopping and restarting every silo, and a silo killed with
/// SIGKILL is declared dead while its experts come back on the survivors with their knowledge.
/// </summary>
public sealed class RedisClusterTests : IDisposable
{
    private const int Experts = 24;

    private readonly string _work = Directory.CreateTempSubdirectory("globalbrain-distributed-").FullName;
    private RedisCluster? _cluster;

    [SkippableFact]
    public async Task Knowledge_and_counts_survive_a_full_restart_and_a_killed_silo()
    {
        Skip.If(ClusterProcesses.RedisServerPath is null, ClusterProcesses.MissingRedis);
        var first = WriteCorpus("first", files: 6, paragraphsPerFile: 40, seed: 1);
        var second = WriteCorpus("second", files: 3, paragraphsPerFile: 40, seed: 2);

        // The exact reference: the same documents through an embedded single-process cluster.
        var expectedFirst = await Totals.EmbeddedAsync(Experts, first, "--split", "paragraphs");
        var expectedBoth = await Totals.EmbeddedAsync(Experts, first, second, "--split", "paragraphs");

        _cluster = await RedisCluster.StartAsync(silos: 3, Experts);
        var cluster = _cluster;

        // 1. Ingestion through the client, which finds the gateways in Redis.
        var ingest = await cluster.IngestAsync(first, "--split", "paragraphs");
        Assert.Equal(expectedFirst.Documents, ingest.GetProperty("ingested").GetProperty("documents").GetInt64());
        var before = await cluster.ReadAsync();
        expectedFirst.AssertMatches(before.Metrics, "after the first ingestion");
        Assert.Equal(3, before.Metrics.Silos);
        Assert.Equal(3, before.Reports.Select(r => r.Silo).Distinct().Count());
        Assert.True(await cluster.Redis.CountKeysAsync("*expert*") >= Experts, "expert state is kept in Redis");

        // 2. Every silo stops (SIGTERM); a new set of silos starts on the same Redis.
        foreach (var silo in cluster.Silos)
        {
            Assert.Equal(0, await silo.StopGracefullyAsync());
        }

        cluster.Forget(cluster.Silos);
        await cluster.AddSilosAsync(3);
        var restarted = await cluster.ReadAsync();
        expectedFirst.AssertMatches(restarted.Metrics, "after stopping and restarting all silos");
        AssertSameKnowledge(before.Reports, restarted.Reports);

        // 3. The silo holding the most experts dies without warning.
        var victimAddress = restarted.Reports.GroupBy(r => r.Silo).MaxBy(g => g.Count())!.Key;
        var victimExperts = restarted.Reports.Where(r => r.Silo == victimAddress).Select(r => r.Expert).ToHashSet();
        cluster.SiloAt(victimAddress).KillAbruptly();
        await cluster.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(90));
        var survived = await cluster.ReadAsync();
        Assert.DoesNotContain(survived.Reports, r => r.Silo == victimAddress);
        Assert.All(survived.Reports.Where(r => victimExperts.Contains(r.Expert)), r => Assert.NotEqual(victimAddress, r.Silo));
        expectedFirst.AssertMatches(survived.Metrics, "after a silo was killed");
        AssertSameKnowledge(restarted.Reports, survived.Reports);
        Assert.Equal(2, survived.Metrics.Silos);

        // 4. Ingestion goes on with two silos; the totals stay exact.
        await cluster.IngestAsync(second, "--split", "paragraphs");
        var after = await cluster.ReadAsync();
        expectedBoth.AssertMatches(after.Metrics, "after ingesting more on the surviving silos");
    }

    public void Dispose()
    {
        _cluster?.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }

    /// <summary>Each expert's own exact counts are what they were: nothing learned was lost by the move.</summary>
    private static void AssertSameKnowledge(IReadOnlyList<ExpertReport> before, IReadOnlyList<ExpertReport> after)
    {
        Assert.Equal(before.Count, after.Count);
        foreach (var (was, now) in before.OrderBy(r => r.Expert).Zip(after.OrderBy(r => r.Expert)))
        {
            Assert.True(was.OwnDocuments == now.OwnDocuments && was.OwnTokens == now.OwnTokens,
                $"expert {was.Expert}: {was.OwnDocuments} documents / {was.OwnTokens} tokens on {was.Silo}, now {now.OwnDocuments} / {now.OwnTokens} on {now.Silo}");
            Assert.True(now.Knowledge >= was.Knowledge - 1e-9, $"expert {was.Expert} knew {was.Knowledge}, now {now.Knowledge}");
        }
    }

    private string WriteCorpus(string name, int files, int paragraphsPerFile, int seed)
    {
        // Made-up words from a fixed seed: the same documents every run, many distinct shingles.
        var random = new Random(seed);
        var words = Enumerable.Range(0, 3000).Select(_ => new string(Enumerable.Range(0, random.Next(2, 9)).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToArray();
        var directory = Path.Combine(_work, name);
        Directory.CreateDirectory(directory);
        for (var f = 0; f < files; f++)
        {
            var text = new StringBuilder();
            for (var p = 0; p < paragraphsPerFile; p++)
            {
                var length = random.Next(20, 120);
                for (var w = 0; w < length; w++)
                {
                    text.Append(words[random.Next(words.Length)]).Append(w % 17 == 16 ? ".\n" : " ");
                }

                text.Append("\n\n");
            }

            File.WriteAllText(Path.Combine(directory, $"{name}-{f:D2}.txt"), text.ToString());
        }

        return directory;
    }
}
