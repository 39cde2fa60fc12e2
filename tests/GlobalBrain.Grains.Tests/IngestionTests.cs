using System.Text;
using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Grains.Ingestion;

namespace GlobalBrain.Grains.Tests;

/// <summary>Ingestion through a real three-silo cluster: where work runs, and exact totals.</summary>
[Collection(ThreeSiloCluster.Name)]
public sealed class IngestionTests(ClusterFixture fixture)
{
    private static readonly string[] Words =
        ["knowledge", "flows", "between", "experts", "at", "rate", "v", "and", "the", "network", "learns", "what", "anyone", "knows", "gossip", "spreads", "every", "rumor", "quickly"];

    [Fact]
    public async Task Ingest_TokenizesOnEverySilo_SpreadsExperts_AndCountsExactly()
    {
        var before = await fixture.Client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        var documents = MakeDocuments("spread", 300, seed: 1);
        var dispatcher = await IngestDispatcher.ConnectAsync(fixture.Client, new IngestDispatcherOptions { MaxBatchDocuments = 5 });
        Assert.Equal(ClusterFixture.Silos, dispatcher.Fronts.Count);

        var summary = await dispatcher.IngestAsync(documents, TokenizerSpec.Default);

        var encoder = TextEncoders.Get("cl100k_base");
        var exactTokens = documents.Sum(d => (long)encoder.Encode(d.Text).Length);
        Assert.Equal(documents.Count, summary.Accepted);
        Assert.Equal(exactTokens, summary.Tokens);
        Assert.Empty(summary.Rejections);
        Assert.Equal(ClusterFixture.Silos, summary.BatchesBySilo.Count);
        Assert.All(summary.BatchesBySilo.Values, batches => Assert.True(batches >= 5, $"a silo tokenized only {batches} of {summary.Batches} batches"));

        var after = await fixture.Client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        Assert.Equal(before.Documents + documents.Count, after.Documents);
        Assert.Equal(before.Tokens + exactTokens, after.Tokens);
        Assert.Equal(ClusterFixture.Experts, after.Experts);

        var reports = await Task.WhenAll(Enumerable.Range(0, ClusterFixture.Experts).Select(i => fixture.Client.GetGrain<IExpertGrain>(i).GetReportAsync()));
        Assert.Equal(ClusterFixture.Silos, reports.Select(r => r.Silo).Distinct().Count());
    }

    [Fact]
    public async Task Exchanges_SpreadKnowledgeToEveryExpert()
    {
        var dispatcher = await IngestDispatcher.ConnectAsync(fixture.Client);
        await dispatcher.IngestAsync(MakeDocuments("reach", 40, seed: 2), TokenizerSpec.Default);

        var aggregator = fixture.Client.GetGrain<IAggregatorGrain>(0);
        var metrics = await Poll.UntilAsync(aggregator.GetMetricsAsync, m => m.MinReach >= 1, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

        Assert.Equal(1.0, metrics.MinReach);
        Assert.Equal(1.0, metrics.MeanReach);
        Assert.True(metrics.Exchanges > 0);
        Assert.Equal(ClusterFixture.Experts * metrics.DistinctItems, metrics.CollectiveIntelligence, 6);
    }

    [Fact]
    public async Task RetriedBatch_IsCountedOnce()
    {
        var aggregator = fixture.Client.GetGrain<IAggregatorGrain>(0);
        var before = await aggregator.GetMetricsAsync();
        var documents = MakeDocuments("retry", 12, seed: 3).ToArray();
        var batch = new IngestBatch(Guid.NewGuid(), TokenizerSpec.Default, documents);
        var front = fixture.Client.GetGrain<IIngestGrain>("any-silo");

        var first = await front.IngestAsync(batch);
        var second = await front.IngestAsync(batch);

        Assert.Equal(first.Tokens, second.Tokens);
        var after = await aggregator.GetMetricsAsync();
        Assert.Equal(before.Documents + documents.Length, after.Documents);
        Assert.Equal(before.Tokens + first.Tokens, after.Tokens);
    }

    [Fact]
    public async Task Tokenizer_RejectsEmptyDocument_AndKeepsTheRest()
    {
        var batch = await fixture.Client.GetGrain<ITokenizerGrain>(0).EncodeAsync(new IngestBatch(
            Guid.NewGuid(),
            TokenizerSpec.Default,
            [new DocumentInput("ok", "hello world"), new DocumentInput("blank", "   ")],
            ReturnRecords: true));

        var record = Assert.Single(batch.Records);
        Assert.Equal("ok", record.DocumentId);
        Assert.Equal(TextEncoders.Get("cl100k_base").Encode("hello world"), record.InputIds);
        Assert.Equal((1, 2L, 14L), (batch.Accepted, batch.Tokens, batch.Bytes));
        var delta = Assert.Single(batch.Deltas);
        Assert.Equal(ExpertRouting.ExpertFor("ok", ClusterFixture.Experts), delta.Expert);
        Assert.Equal(KnowledgeItems.Hash(record.InputIds, 3), delta.Delta.ItemHashes);
        var rejected = Assert.Single(batch.Rejected);
        Assert.Equal(("blank", "empty"), (rejected.DocumentId, rejected.Reason));
    }

    [Fact]
    public async Task Tokenizer_CountsTheBytesAnExpertLearns_AsTokenized()
    {
        // The batch counts the bytes that came in; an expert, the bytes of the text it learned: the same text unless
        // redaction rewrote it. One document per expert, so that each delta's bytes are one document's.
        const string Plain = "hello wörld, nothing personal here";
        const string Personal = "write to jane.doe@example.com today";
        var ids = Enumerable.Range(0, 1000).Select(i => $"bytes/{i}").ToArray();
        var plainId = ids[0];
        var personalId = ids.First(id => ExpertRouting.ExpertFor(id, ClusterFixture.Experts) != ExpertRouting.ExpertFor(plainId, ClusterFixture.Experts));
        var filters = new IngestFilters(DedupMode.Off, PiiMode.Redact, [], QualityMode.Off);

        var batch = await fixture.Client.GetGrain<ITokenizerGrain>(0).EncodeAsync(new IngestBatch(
            Guid.NewGuid(),
            TokenizerSpec.Default,
            [new DocumentInput(plainId, Plain), new DocumentInput(personalId, Personal)]) { Filters = filters });

        Assert.Equal(2, batch.Accepted);
        Assert.Equal(Encoding.UTF8.GetByteCount(Plain) + Encoding.UTF8.GetByteCount(Personal), batch.Bytes);
        var bytes = batch.Deltas.ToDictionary(d => d.Expert, d => d.Delta.Bytes);
        Assert.Equal(Encoding.UTF8.GetByteCount(Plain), bytes[ExpertRouting.ExpertFor(plainId, ClusterFixture.Experts)]);
        Assert.Equal(Encoding.UTF8.GetByteCount("write to [EMAIL] today"), bytes[ExpertRouting.ExpertFor(personalId, ClusterFixture.Experts)]);
    }

    [Fact]
    public async Task Tokenizer_GivesEachExpertTheItemsOfItsDocuments_InOrder()
    {
        // Many documents per expert, long ones (more items than a first buffer would hold) and a one-token one
        // (fewer tokens than the shingle width: one item).
        var documents = MakeDocuments("items", 60, seed: 11);
        documents.Add(new DocumentInput("items/long", string.Join(' ', Enumerable.Repeat(string.Join(' ', Words), 40))));
        documents.Add(new DocumentInput("items/one", "hello"));
        var batch = await fixture.Client.GetGrain<ITokenizerGrain>(0).EncodeAsync(new IngestBatch(Guid.NewGuid(), TokenizerSpec.Default, [.. documents]));

        var encoder = TextEncoders.Get("cl100k_base");
        var expected = documents
            .GroupBy(d => ExpertRouting.ExpertFor(d.Id, ClusterFixture.Experts))
            .ToDictionary(g => g.Key, g => g.Select(d => encoder.Encode(d.Text)).ToList());
        Assert.Equal(expected.Keys.Order(), batch.Deltas.Select(d => d.Expert).Order());
        Assert.True(batch.Deltas.Length > 1, "the documents reach several experts");
        foreach (var (expert, delta) in batch.Deltas)
        {
            var tokens = expected[expert];
            Assert.Equal(tokens.SelectMany(t => KnowledgeItems.Hash(t, 3)), delta.ItemHashes);
            Assert.Equal((tokens.Count, tokens.Sum(t => (long)t.Length)), (delta.Documents, delta.Tokens));
        }

        Assert.Contains(batch.Deltas, d => d.Delta.ItemHashes.Length > 256);
    }

    [Fact]
    public async Task Ingest_WithUnknownTokenizer_FailsWithAClearMessage()
    {
        var front = fixture.Client.GetGrain<IIngestGrain>("any-silo");
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            front.IngestAsync(new IngestBatch(Guid.NewGuid(), new TokenizerSpec("nope"), [new DocumentInput("a", "text")])));
        Assert.Contains("unknown tokenizer 'nope'", error.Message, StringComparison.Ordinal);
    }

    private static List<DocumentInput> MakeDocuments(string prefix, int count, int seed)
    {
        var random = new Random(seed);
        var documents = new List<DocumentInput>(count);
        for (var i = 0; i < count; i++)
        {
            var words = Enumerable.Range(0, random.Next(5, 60)).Select(_ => Words[random.Next(Words.Length)]);
            documents.Add(new DocumentInput($"{prefix}/{i}", string.Join(' ', words) + $" {prefix}{i}."));
        }

        return documents;
    }
}
