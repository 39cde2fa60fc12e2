using GlobalBrain.Grains.Ingestion;

namespace GlobalBrain.Grains.Tests.Ingestion;

public sealed class DocumentBatchesTests
{
    [Fact]
    public void Cut_ClosesABatchAtTheDocumentLimit_AndTheLastHoldsTheRest()
    {
        var batches = DocumentBatches.Cut(Documents(7, length: 1), maxCharacters: 1_000, maxDocuments: 3).ToList();

        Assert.Equal([3, 3, 1], batches.Select(b => b.Length));
        Assert.Equal(Documents(7, length: 1).Select(d => d.Id), batches.SelectMany(b => b).Select(d => d.Id));
    }

    [Fact]
    public void Cut_ClosesABatchOnceItsTextReachesTheCharacterLimit()
    {
        var batches = DocumentBatches.Cut(Documents(5, length: 40), maxCharacters: 100, maxDocuments: 512).ToList();

        Assert.Equal([3, 2], batches.Select(b => b.Length));
    }

    [Fact]
    public void Cut_OfNoDocuments_IsNoBatch() =>
        Assert.Empty(DocumentBatches.Cut([], maxCharacters: 100, maxDocuments: 3));

    [Fact]
    public void Cut_ReadsNoFurtherThanTheDocumentThatClosesABatch()
    {
        var read = 0;

        using var batches = DocumentBatches.Cut(Counted(), maxCharacters: 1_000, maxDocuments: 2).GetEnumerator();
        Assert.True(batches.MoveNext());

        Assert.Equal(2, read);

        IEnumerable<DocumentInput> Counted()
        {
            foreach (var document in Documents(10, length: 1))
            {
                read++;
                yield return document;
            }
        }
    }

    [Fact]
    public void Id_IsTheSameForTheSameKeyAndPosition_AndDiffersOtherwise()
    {
        Assert.Equal(IngestDispatcher.BatchId("key", 3), IngestDispatcher.BatchId("key", 3));
        Assert.NotEqual(IngestDispatcher.BatchId("key", 3), IngestDispatcher.BatchId("key", 4));
        Assert.NotEqual(IngestDispatcher.BatchId("key", 3), IngestDispatcher.BatchId("other", 3));
    }

    private static IEnumerable<DocumentInput> Documents(int count, int length) =>
        Enumerable.Range(0, count).Select(i => new DocumentInput($"doc-{i}", new string('x', length)));
}
