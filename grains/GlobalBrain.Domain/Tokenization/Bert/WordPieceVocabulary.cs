using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>A vocabulary file that cannot be used, with the reason (and the line, when there is one).</summary>
public sealed class VocabularyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A WordPiece vocabulary with the HuggingFace settings that go with it: read from a BERT
/// <c>vocab.txt</c> (one token per line, id = line number) or a HuggingFace <c>tokenizer.json</c>
/// (model, normalizer, special tokens). Immutable and thread-safe once loaded.
/// </summary>
public sealed class WordPieceVocabulary
{
    /// <summary>HuggingFace's defaults for a BERT vocabulary.</summary>
    public const string DefaultUnknownToken = "[UNK]";

    private static readonly string[] BertSpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    private WordPieceVocabulary(
        string source,
        string sha256,
        TokenCollector tokens,
        string unknownToken,
        int maxInputCharsPerWord,
        BertNormalization normalization,
        IReadOnlyList<string> addedTokens,
        string clsToken,
        string sepToken,
        string padToken)
    {
        Source = source;
        Sha256 = sha256;
        ContinuingSubwordPrefix = tokens.ContinuingSubwordPrefix;
        MaxInputCharsPerWord = maxInputCharsPerWord;
        Normalization = normalization;
        Words = tokens.WordTable;
        Pieces = tokens.Pieces.Build();
        MaxWordLength = tokens.MaxWordLength;
        MaxPieceLength = tokens.MaxPieceLength;
        Count = tokens.Count;
        UnknownId = Require(tokens, unknownToken, "unknown token");
        ClsId = Require(tokens, clsToken, "classifier token");
        SepId = Require(tokens, sepToken, "separator token");
        PadId = TryGetId(tokens, padToken, out var pad) ? pad : 0;

        // Plain loops, not LINQ: generic code over a value tuple is not precompiled (ReadyToRun), and its JIT
        // was a few ms of the CLI's start-up.
        var added = new (string Token, int Id)[addedTokens.Count];
        var count = 0;
        foreach (var token in addedTokens)
        {
            if (token.Length > 0 && Words.TryGetValue(token, out var id) && !Contains(added.AsSpan(0, count), token))
            {
                added[count++] = (token, id);
            }
        }

        AddedTokenArray = added[..count];

        static bool Contains(ReadOnlySpan<(string Token, int Id)> added, string token)
        {
            foreach (var (known, _) in added)
            {
                if (known == token)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Where the vocabulary came from (a file name), for messages and manifests.</summary>
    public string Source { get; }

    /// <summary>SHA-256 of the file's bytes, lowercase hex: names the vocabulary in manifests and across silos.</summary>
    public string Sha256 { get; }

    public int Count { get; }

    public int UnknownId { get; }

    public int ClsId { get; }

    public int SepId { get; }

    public int PadId { get; }

    public string ContinuingSubwordPrefix { get; }

    /// <summary>Longer words (in Unicode scalar values) become [UNK], as in HuggingFace.</summary>
    public int MaxInputCharsPerWord { get; }

    public BertNormalization Normalization { get; }

    /// <summary>Tokens matched in the raw text before normalization (HF "added tokens": [CLS], [MASK] …).</summary>
    public IReadOnlyList<(string Token, int Id)> AddedTokens => AddedTokenArray;

    internal (string Token, int Id)[] AddedTokenArray { get; }

    /// <summary>Whole-word tokens (and every token, as HF looks the first piece up in the full vocabulary).</summary>
    internal TokenTable Words { get; }

    /// <summary>Continuation pieces, keyed without their "##" prefix.</summary>
    internal TokenTable Pieces { get; }

    internal int MaxWordLength { get; }

    internal int MaxPieceLength { get; }

    /// <summary>Loads a vocab.txt or a tokenizer.json (told apart by content, not by name).</summary>
    public static WordPieceVocabulary Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new VocabularyException($"cannot read the vocabulary '{path}': {e.Message}", e);
        }

        return Parse(content, Path.GetFileName(path));
    }

    /// <summary>Parses a vocabulary file's bytes; <paramref name="source"/> names it in errors.</summary>
    public static WordPieceVocabulary Parse(ReadOnlySpan<byte> content, string source)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var body = content.StartsWith("\uFEFF"u8) ? content[3..] : content;
        var firstNonSpace = body.TrimStart(" \t\r\n"u8);
        if (firstNonSpace.IsEmpty)
        {
            throw new VocabularyException($"the vocabulary '{source}' is empty; give a BERT vocab.txt or a HuggingFace tokenizer.json");
        }

        return firstNonSpace[0] == (byte)'{' ? FromTokenizerJson(body, source, sha) : FromVocabText(body, source, sha);
    }

    private static WordPieceVocabulary FromVocabText(ReadOnlySpan<byte> body, string source, string sha)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(body);
        }
        catch (DecoderFallbackException e)
        {
            throw new VocabularyException($"the vocabulary '{source}' is not valid UTF-8 (byte {e.Index}); give a BERT vocab.txt or a HuggingFace tokenizer.json", e);
        }

        var tokens = new TokenCollector("##", text.Length);
        var uncased = true;
        var rest = text.AsSpan();
        for (var id = 0; !rest.IsEmpty; id++)
        {
            var newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];

            // HF's load_vocab strips only "\n"; a "\r" left by a Windows editor would make the token unmatchable.
            var token = line.TrimEnd('\r');
            tokens.Add(token, id);
            if (uncased && HasUpper(token) && !IsBertSpecialToken(token))
            {
                uncased = false;
            }
        }

        RequireToken(tokens, DefaultUnknownToken, source);

        // A vocab.txt carries no settings: like HF's do_lower_case, lowercase (and strip accents)
        // exactly when the vocabulary has no upper-case letters (bert-base-uncased vs -cased).
        var normalization = new BertNormalization(CleanText: true, HandleChineseChars: true, StripAccents: uncased, Lowercase: uncased);
        return new WordPieceVocabulary(source, sha, tokens, DefaultUnknownToken, 100, normalization, BertSpecialTokens, "[CLS]", "[SEP]", "[PAD]");
    }

    private static bool HasUpper(ReadOnlySpan<char> token)
    {
        foreach (var c in token)
        {
            if (char.IsUpper(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsBertSpecialToken(ReadOnlySpan<char> token)
    {
        foreach (var special in BertSpecialTokens)
        {
            if (token.SequenceEqual(special))
            {
                return true;
            }
        }

        return false;
    }

    private static WordPieceVocabulary FromTokenizerJson(ReadOnlySpan<byte> body, string source, string sha)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            throw new VocabularyException($"the tokenizer file '{source}' is not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }

        using (json)
        {
            var root = json.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                throw new VocabularyException($"the tokenizer file '{source}' has no \"model\"; give a HuggingFace tokenizer.json of a WordPiece (BERT) tokenizer");
            }

            var type = StringOrNull(model, "type");
            if (type != "WordPiece")
            {
                throw new VocabularyException($"the tokenizer file '{source}' holds a {type ?? "untyped"} model; the bert tokenizer needs a WordPiece model");
            }

            var preTokenizer = root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind == JsonValueKind.Object ? StringOrNull(pre, "type") : null;
            if (preTokenizer is not null and not "BertPreTokenizer")
            {
                throw new VocabularyException($"the tokenizer file '{source}' uses the pre-tokenizer {preTokenizer}; the bert tokenizer reproduces BertPreTokenizer only");
            }

            if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
            {
                throw new VocabularyException($"the tokenizer file '{source}' has no model.vocab object");
            }

            var prefix = StringOrNull(model, "continuing_subword_prefix") ?? "##";
            var tokens = new TokenCollector(prefix, body.Length / 2);
            foreach (var entry in vocab.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
                {
                    throw new VocabularyException($"the tokenizer file '{source}': model.vocab[\"{entry.Name}\"] is not a token id");
                }

                tokens.Add(entry.Name, id);
            }

            var unknown = StringOrNull(model, "unk_token") ?? DefaultUnknownToken;
            RequireToken(tokens, unknown, source);
            var maxChars = model.TryGetProperty("max_input_chars_per_word", out var max) && max.TryGetInt32(out var m) ? m : 100;

            var normalization = new BertNormalization(true, true, false, false);
            if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind == JsonValueKind.Object)
            {
                var normalizerType = StringOrNull(normalizer, "type");
                if (normalizerType != "BertNormalizer")
                {
                    throw new VocabularyException($"the tokenizer file '{source}' uses the normalizer {normalizerType}; the bert tokenizer reproduces BertNormalizer only");
                }

                var lowercase = Flag(normalizer, "lowercase") ?? true;
                normalization = new BertNormalization(
                    Flag(normalizer, "clean_text") ?? true,
                    Flag(normalizer, "handle_chinese_chars") ?? true,
                    Flag(normalizer, "strip_accents") ?? lowercase,
                    lowercase);
            }

            var added = new List<string>();
            if (root.TryGetProperty("added_tokens", out var addedTokens) && addedTokens.ValueKind == JsonValueKind.Array)
            {
                foreach (var token in addedTokens.EnumerateArray())
                {
                    if (StringOrNull(token, "content") is { } content)
                    {
                        added.Add(content);
                    }
                }
            }

            var cls = "[CLS]";
            var sep = "[SEP]";
            if (root.TryGetProperty("post_processor", out var post) && post.ValueKind == JsonValueKind.Object && StringOrNull(post, "type") == "BertProcessing")
            {
                cls = post.GetProperty("cls")[0].GetString() ?? cls;
                sep = post.GetProperty("sep")[0].GetString() ?? sep;
            }

            var pad = root.TryGetProperty("padding", out var padding) && padding.ValueKind == JsonValueKind.Object ? StringOrNull(padding, "pad_token") ?? "[PAD]" : "[PAD]";
            return new WordPieceVocabulary(source, sha, tokens, unknown, maxChars, normalization, added, cls, sep, pad);
        }
    }

    private static string? StringOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool? Flag(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    private static void RequireToken(TokenCollector tokens, string token, string source)
    {
        if (tokens.Added == 0)
        {
            throw new VocabularyException($"the vocabulary '{source}' holds no tokens");
        }

        if (!tokens.Contains(token))
        {
            throw new VocabularyException($"the vocabulary '{source}' has no {token} token ({tokens.Count} tokens read); is it a BERT WordPiece vocabulary?");
        }
    }

    private static bool TryGetId(TokenCollector tokens, string token, out int id)
    {
        if (token.Length == 0)
        {
            id = tokens.EmptyId ?? 0;
            return tokens.EmptyId is not null;
        }

        return tokens.WordTable.TryGetValue(token, out id);
    }

    private int Require(TokenCollector tokens, string token, string what) =>
        TryGetId(tokens, token, out var id)
            ? id
            : throw new VocabularyException($"the vocabulary '{Source}' has no {what} {token}; is it a BERT WordPiece vocabulary?");

    /// <summary>
    /// A vocabulary's tokens in read order, straight into the tables (a repeated token keeps its last id, as in
    /// HF's dict): every token in <see cref="Words"/> (HF looks a word's first piece up in the full vocabulary),
    /// continuation pieces also in <see cref="Pieces"/> without their prefix.
    /// </summary>
    private sealed class TokenCollector(string continuingSubwordPrefix, int expectedChars)
    {
        public string ContinuingSubwordPrefix { get; } = continuingSubwordPrefix;

        private TokenTable? _wordTable;

        public TokenTable.Builder Words { get; } = new(expectedChars);

        public TokenTable.Builder Pieces { get; } = new(expectedChars / 4);

        public int MaxWordLength { get; private set; }

        public int MaxPieceLength { get; private set; }

        /// <summary>The id of an empty token (a blank vocab.txt line), which the tables never hold.</summary>
        public int? EmptyId { get; private set; }

        /// <summary>How many tokens were added, repeats included.</summary>
        public int Added { get; private set; }

        public void Add(ReadOnlySpan<char> token, int id)
        {
            Added++;
            if (token.IsEmpty)
            {
                EmptyId = id;
                return;
            }

            if (ContinuingSubwordPrefix.Length > 0 && token.StartsWith(ContinuingSubwordPrefix, StringComparison.Ordinal))
            {
                var piece = token[ContinuingSubwordPrefix.Length..];
                Pieces.Add(piece, id);
                MaxPieceLength = Math.Max(MaxPieceLength, piece.Length);
            }

            Words.Add(token, id);
            MaxWordLength = Math.Max(MaxWordLength, token.Length);
        }

        /// <summary>The table of every token, built once all are added.</summary>
        public TokenTable WordTable => _wordTable ??= Words.Build();

        /// <summary>How many different tokens were read.</summary>
        public int Count => WordTable.Count + (EmptyId is null ? 0 : 1);

        public bool Contains(string token) => token.Length == 0 ? EmptyId is not null : WordTable.TryGetValue(token, out _);
    }
}

/// <summary>HuggingFace BertNormalizer settings.</summary>
public sealed record BertNormalization(bool CleanText, bool HandleChineseChars, bool StripAccents, bool Lowercase);
