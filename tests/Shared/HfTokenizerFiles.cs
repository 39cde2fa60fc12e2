using System.Text;
using System.Text.Json.Nodes;

namespace GlobalBrain.Tests.Shared;

/// <summary>
/// Temporary copies of a HuggingFace tokenizer.json with settings changed, for HF's own tokenizer
/// (through Tokenizers.DotNet) to use as a reference. Compiled into the parity tests and the benchmarks.
/// </summary>
internal static class HfTokenizerFiles
{
    /// <summary>A copy with HF truncation and padding to <paramref name="length"/>, as <c>tokenizer(text, max_length=L, padding='max_length', truncation=True)</c> sets them.</summary>
    public static string FixedLengthCopy(string tokenizerJson, int length) => Copy(tokenizerJson, json =>
    {
        json["truncation"] = new JsonObject
        {
            ["direction"] = "Right", ["max_length"] = length, ["strategy"] = "LongestFirst", ["stride"] = 0,
        };
        json["padding"] = new JsonObject
        {
            ["strategy"] = new JsonObject { ["Fixed"] = length }, ["direction"] = "Right", ["pad_to_multiple_of"] = null,
            ["pad_id"] = 0, ["pad_type_id"] = 0, ["pad_token"] = "[PAD]",
        };
    });

    /// <summary>A copy changed by <paramref name="edit"/>, in the temp folder; the caller deletes it.</summary>
    public static string Copy(string tokenizerJson, Action<JsonNode> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(tokenizerJson, Encoding.UTF8))!;
        edit(json);
        var path = Path.Combine(Path.GetTempPath(), $"globalbrain-tokenizer-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }
}
