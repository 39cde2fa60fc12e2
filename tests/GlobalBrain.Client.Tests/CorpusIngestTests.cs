using System.Text;
using Microsoft.ML.Tokenizers;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary>Acceptance: the English corpus through the whole pipeline, checked against an independent count.</summary>
[Collection(EmbeddedClusterRuns.Name)]
public sealed class CorpusIngestTests(ITestOutputHelper output)
{
    private static readonly string[] RequiredKeys =
    [
        "experts", "flowRate", "documents", "rejected", "tokens", "distinctItems", "meanReach", "minReach", "collectiveIntelligence",
    ];

    [SkippableFact]
    public async Task Ingest_EnglishCorpus_CountsEveryTokenAndItem_AndSpreadsTheKnowledge()
    {
        var english = Path.Combine(RealData.Require("corpus/en"), "corpus", "en");

        var files = Directory.GetFiles(english, "*.txt").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(4, files.Length);
        var (expectedTokens, expectedItems) = CountTokensAndItems(files);
        output.WriteLine($"expected: {expectedTokens} tokens, {expectedItems} distinct 3-shingles");

        // The oracle tokenizes the raw text: personal data (the licence's addresses and phone number) is not redacted here.
        var result = await CliRunner.RunAsync(output, "ingest", english, "--experts", "16", "--flow-rate", "2", "--pii", "off", "--json");

        Assert.Equal(0, result.ExitCode);
        result.AssertNoStackTrace();
        var json = result.SingleJsonObject();
        Assert.All(RequiredKeys, key => Assert.True(json.TryGetProperty(key, out _), $"the JSON has no '{key}'"));
        Assert.Equal(16, json.GetProperty("experts").GetInt32());
        Assert.Equal(2, json.GetProperty("flowRate").GetDouble());
        Assert.Equal(4, json.GetProperty("documents").GetInt64());
        Assert.Equal(0, json.GetProperty("rejected").GetInt64());
        Assert.Equal(expectedTokens, json.GetProperty("tokens").GetInt64());

        var distinctItems = json.GetProperty("distinctItems").GetDouble();
        var relativeError = Math.Abs(distinctItems - expectedItems) / expectedItems;
        Assert.True(relativeError <= 0.02, $"distinctItems {distinctItems} is {relativeError:P2} off the exact {expectedItems} (allowed 2%)");

        var meanReach = json.GetProperty("meanReach").GetDouble();
        Assert.True(meanReach >= 0.99, $"meanReach {meanReach} < 0.99");
        Assert.InRange(json.GetProperty("minReach").GetDouble(), 0, meanReach);
        Assert.True(json.GetProperty("collectiveIntelligence").GetDouble() > 0);
    }

    /// <summary>
    /// The oracle, independent of the cluster: the tokenizer called directly, and exact sets of
    /// token triples (union over documents; a document of fewer than 3 tokens is one item).
    /// </summary>
    private static (long Tokens, long DistinctItems) CountTokensAndItems(IEnumerable<string> files)
    {
        var tokenizer = TiktokenTokenizer.CreateForEncoding("cl100k_base");
        var strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var items = new HashSet<(int, int, int, int Length)>();
        long tokens = 0;
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file).AsSpan();
            if (bytes is [0xEF, 0xBB, 0xBF, ..])
            {
                bytes = bytes[3..];
            }

            var ids = tokenizer.EncodeToIds(strictUtf8.GetString(bytes));
            tokens += ids.Count;
            if (ids.Count is > 0 and < 3)
            {
                items.Add((ids[0], ids.Count > 1 ? ids[1] : -1, -1, ids.Count));
            }

            for (var i = 0; i + 2 < ids.Count; i++)
            {
                items.Add((ids[i], ids[i + 1], ids[i + 2], 3));
            }
        }

        return (tokens, items.Count);
    }
}
