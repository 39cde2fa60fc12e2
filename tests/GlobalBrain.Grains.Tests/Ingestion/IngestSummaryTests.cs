using GlobalBrain.Grains.Ingestion;

namespace GlobalBrain.Grains.Tests.Ingestion;

public sealed class IngestSummaryTests
{
    [Fact]
    public void Of_AddsUpTheBatches_InTheOrderOfTheBatchesWhateverTheOrderTheyFinished()
    {
        var first = BatchOutcome.Taken(0, new IngestBatchResult(2, 20, 200, [new DocumentRejection("a", "empty", "no text")], "silo-b", []), retries: 0);
        var second = BatchOutcome.Taken(1, new IngestBatchResult(3, 30, 300, [new DocumentRejection("b", "empty", "no text")], "silo-a", []), retries: 2);
        var third = BatchOutcome.Taken(2, new IngestBatchResult(1, 10, 100, [], "silo-b", []), retries: 1);

        var summary = IngestSummary.Of([third, first, second]);

        Assert.Equal(6, summary.Accepted);
        Assert.Equal(60, summary.Tokens);
        Assert.Equal(600, summary.Bytes);
        Assert.Equal(3, summary.Batches);
        Assert.Equal(0, summary.FailedBatches);
        Assert.Equal(3, summary.Retries);
        Assert.Equal(["a", "b"], summary.Rejections.Select(r => r.DocumentId));
        Assert.Equal(new Dictionary<string, int> { ["silo-a"] = 1, ["silo-b"] = 2 }, summary.BatchesBySilo);
    }

    [Fact]
    public void Of_ListsTheDocumentsOfAFailedBatchAsIngestFailed_AndCountsNoSiloForIt()
    {
        var failed = BatchOutcome.NotTaken(0, [new DocumentInput("x", "text"), new DocumentInput("y", "text")], retries: 5, TimeSpan.FromSeconds(20));

        var summary = IngestSummary.Of([failed]);

        Assert.Equal(0, summary.Accepted);
        Assert.Equal(1, summary.Batches);
        Assert.Equal(1, summary.FailedBatches);
        Assert.Equal(5, summary.Retries);
        Assert.Empty(summary.BatchesBySilo);
        Assert.All(summary.Rejections, r =>
        {
            Assert.Equal("ingest_failed", r.Reason);
            Assert.Equal("the cluster did not take it within 20 s of retries", r.Message);
        });
        Assert.Equal(["x", "y"], summary.Rejections.Select(r => r.DocumentId));
    }

    [Fact]
    public void Of_NoBatches_IsAllZero()
    {
        var summary = IngestSummary.Of([]);

        Assert.Equal((0L, 0L, 0L, 0, 0, 0), (summary.Accepted, summary.Tokens, summary.Bytes, summary.Batches, summary.FailedBatches, summary.Retries));
        Assert.Empty(summary.Rejections);
        Assert.Empty(summary.BatchesBySilo);
    }

    [Fact]
    public void Progress_AddsABatch_CountingItsRejections()
    {
        var progress = new IngestProgress(1, 1, 10, 5).Add(BatchOutcome.NotTaken(0, [new DocumentInput("x", "text")], retries: 0, TimeSpan.FromSeconds(1)));

        Assert.Equal(new IngestProgress(1, 2, 10, 5), progress);
    }
}
