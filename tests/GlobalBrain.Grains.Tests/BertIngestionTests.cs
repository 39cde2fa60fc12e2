using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Domain.Tokenization.Bert;
using GlobalBrain.Grains.Ingestion;

namespace GlobalBrain.Grains.Tests;

/// <summary>The bert tokenizer through the three-silo cluster: a client's vocabulary reaches every silo, records come back exact.</summary>
[Collection(ThreeSiloCluster.Name)]
public sealed class BertIngestionTests(ClusterFixture fixture)
{
    private static readonly string[] Tokens =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "expert", "##s", "know", "##ledge", "flow", "##ing", "fast", ",", ".", "net", "##work"];

    private static readonly string[] Words = ["the", "experts", "knowledge", "flowing", "fast,", "network.", "unknown", "Network"];

    [Fact]
    public async Task Ingest_WithBertChunks_EncodesOnEverySilo_AndReturnsExactlyTheLocalRecords()
    {
        var file = Vocabulary();
        var hash = Convert.ToHexStringLower(SHA256.HashData(file.Content));
        await fixture.Client.GetGrain<IVocabularyGrain>(hash).RegisterAsync(file);
        var spec = new TokenizerSpec(BertEncoder.TokenizerName, hash, MaxLength: 8, Overflow: TokenizerSpec.Chunk);
        var random = new Random(7);
        var documents = Enumerable.Range(0, 120)
            .Select(i => new DocumentInput($"bert/{i}", string.Join(' ', Enumerable.Range(0, random.Next(1, 25)).Select(_ => Words[random.Next(Words.Length)]))))
            .ToList();
        var received = new ConcurrentBag<EncodedRecord>();
        var dispatcher = await IngestDispatcher.ConnectAsync(fixture.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4 });

        var summary = await dispatcher.IngestAsync(documents, spec, records: (batch, _) =>
        {
            foreach (var record in batch)
            {
                received.Add(record);
            }

            return ValueTask.CompletedTask;
        });

        Assert.Equal(documents.Count, summary.Accepted);
        Assert.Equal(ClusterFixture.Silos, summary.BatchesBySilo.Count);
        var local = new BertEncoder(WordPieceVocabulary.Parse(file.Content, file.Source));
        var expected = new List<(string, int, string, string)>();
        long contentTokens = 0;
        foreach (var document in documents)
        {
            var framed = new List<FramedRecord>();
            contentTokens += RecordFramer.Encode(local, document.Text, 8, OverflowMode.Chunk, framed).Length;
            expected.AddRange(framed.Select(r => (document.Id, r.Chunk, string.Join(",", r.InputIds), string.Join(",", r.AttentionMask))));
        }

        var actual = received.Select(r => (r.DocumentId, r.Chunk, string.Join(",", r.InputIds), string.Join(",", r.AttentionMask)));
        Assert.Equal(expected.Order(), actual.Order());
        Assert.Equal(contentTokens, summary.Tokens);
        Assert.Contains(received, r => r.Chunk > 0);
    }

    [Fact]
    public async Task RegisterVocabulary_UnderAnotherHash_OrUnusable_IsRefused()
    {
        var file = Vocabulary();
        var wrong = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.GetGrain<IVocabularyGrain>(new string('0', 64)).RegisterAsync(file));
        Assert.Contains("hashes to", wrong.Message, StringComparison.Ordinal);

        var unusable = new VocabularyFile("words.txt", Encoding.UTF8.GetBytes("alpha\nbeta\n"));
        var key = Convert.ToHexStringLower(SHA256.HashData(unusable.Content));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.GetGrain<IVocabularyGrain>(key).RegisterAsync(unusable));
        Assert.Contains("[UNK]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_WithAnUnregisteredVocabulary_FailsWithAClearMessage()
    {
        var front = fixture.Client.GetGrain<IIngestGrain>("any-silo");
        var spec = new TokenizerSpec(BertEncoder.TokenizerName, new string('a', 64));

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            front.IngestAsync(new IngestBatch(Guid.NewGuid(), spec, [new DocumentInput("a", "the experts")])));

        Assert.Contains("no vocabulary", error.Message, StringComparison.Ordinal);
    }

    private static VocabularyFile Vocabulary() => new("tiny-vocab.txt", Encoding.UTF8.GetBytes(string.Join('\n', Tokens) + "\n"));
}
