using System.Text;
using System.Text.Json.Nodes;

namespace GlobalBrain.Testing;

/// <summary>
/// Temporary copies of a HuggingFace tokenizer.json with settings changed, for HF's own tokenizer
/// (through Tokenizers.DotNet) to use as a reference. Used by the parity tests and the benchmarks.
/// </summary>
public static class HfTokenizerFiles
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

    /// <summary>
    /// A small cased BERT vocabulary written by the test itself, as a <c>vocab.txt</c> and the matching
    /// HF <c>tokenizer.json</c> (BertNormalizer, BertPreTokenizer, WordPiece, [CLS] … [SEP]), in a new temp
    /// folder that the caller deletes; ids are positions in <paramref name="tokens"/>, which must start
    /// with [PAD] [UNK] [CLS] [SEP] [MASK]. Lets the parity tests run without the shared data.
    /// </summary>
    public static (string Folder, string VocabTxt, string TokenizerJson) BuildBert(IReadOnlyList<string> tokens)
    {
        string[] specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
        for (var i = 0; i < specials.Length; i++)
        {
            if (tokens[i] != specials[i])
            {
                throw new ArgumentException($"token {i} must be {specials[i]}", nameof(tokens));
            }
        }

        var folder = Path.Combine(Path.GetTempPath(), $"globalbrain-bert-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var vocabTxt = Path.Combine(folder, "vocab.txt");
        File.WriteAllText(vocabTxt, string.Join('\n', tokens) + "\n", new UTF8Encoding(false));

        var vocab = new JsonObject();
        for (var i = 0; i < tokens.Count; i++)
        {
            vocab[tokens[i]] = i;
        }

        var added = new JsonArray();
        for (var i = 0; i < specials.Length; i++)
        {
            added.Add(new JsonObject
            {
                ["id"] = i, ["content"] = specials[i], ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        }

        JsonObject Special(string token) => new() { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = 0 } };
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true, ["strip_accents"] = null, ["lowercase"] = false,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special("[CLS]"), new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }, Special("[SEP]")),
                ["pair"] = new JsonArray(
                    Special("[CLS]"),
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    Special("[SEP]"),
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "B", ["type_id"] = 1 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "[SEP]", ["type_id"] = 1 } }),
                ["special_tokens"] = new JsonObject
                {
                    ["[CLS]"] = new JsonObject { ["id"] = "[CLS]", ["ids"] = new JsonArray(2), ["tokens"] = new JsonArray("[CLS]") },
                    ["[SEP]"] = new JsonObject { ["id"] = "[SEP]", ["ids"] = new JsonArray(3), ["tokens"] = new JsonArray("[SEP]") },
                },
            },
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100,
                ["vocab"] = vocab,
            },
        };
        var tokenizerJson = Path.Combine(folder, "tokenizer.json");
        File.WriteAllText(tokenizerJson, json.ToJsonString(), new UTF8Encoding(false));
        return (folder, vocabTxt, tokenizerJson);
    }

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
