using System.Text;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Domain.Tokenization.Bert;
using Xunit;

namespace GlobalBrain.Domain.Tests.Tokenization;

/// <summary>HuggingFace's BERT rules on a small vocabulary the test builds (ids are line numbers).</summary>
public sealed class BertEncoderTests
{
    private static readonly string[] CasedTokens =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", // 0-4
        "Hello", "world", "un", "##aff", "##able", // 5-9
        ",", "!", "=", "_", "a", // 10-14
        "b", "½", "™", "中", "文", // 15-19
        "foo", "##bar", "𝔘", "##𝔘", "x", // 20-24
    ];

    private static readonly BertEncoder Cased = Encoder(CasedTokens);

    [Theory]
    [InlineData("Hello, world!", new[] { 5, 10, 6, 11 })]
    [InlineData("unaffable", new[] { 7, 8, 9 })]
    [InlineData("a=b", new[] { 14, 12, 15 })] // ASCII symbols are punctuation to HF: split off
    [InlineData("a_b", new[] { 14, 13, 15 })] // '_' too (ML.Tokenizers keeps it inside the word)
    [InlineData("½", new[] { 16 })] // not punctuation: kept, looked up as a word (ML.Tokenizers drops it)
    [InlineData("a½", new[] { 1 })] // … so it belongs to its word, and "a½" is not in the vocabulary
    [InlineData("™", new[] { 17 })]
    [InlineData("中文", new[] { 18, 19 })] // CJK ideographs are words of their own
    [InlineData("a中b", new[] { 14, 18, 15 })]
    [InlineData("foobar", new[] { 20, 21 })]
    [InlineData("foobaz", new[] { 1 })] // an unmatched rest makes the whole word [UNK]
    [InlineData("𝔘𝔘", new[] { 22, 23 })] // surrogate pairs are one character
    public void Encode_FollowsHuggingFaceRules(string text, int[] expected)
    {
        Assert.Equal(expected, Cased.Encode(text));
    }

    [Theory]
    [InlineData("Hello\tworld", new[] { 5, 6 })] // \t \n \r are spaces, not deleted
    [InlineData("Hello\nworld", new[] { 5, 6 })]
    [InlineData("Hello\r\nworld", new[] { 5, 6 })]
    [InlineData("Hel\u0000lo", new[] { 5 })] // NUL and other controls vanish inside the word
    [InlineData("Hel\u0007lo", new[] { 5 })]
    [InlineData("Hel\u000Blo", new[] { 5 })] // VT is a control to clean_text before it is whitespace
    [InlineData("Hel\uFFFDlo", new[] { 5 })]
    [InlineData("Hel\u200Blo", new[] { 5 })] // format characters (Cf) too
    [InlineData("Hello\u00A0world", new[] { 5, 6 })] // NBSP is whitespace
    [InlineData("", new int[0])]
    [InlineData(" \t\n ", new int[0])]
    [InlineData("\u0000\u0001", new int[0])]
    public void Encode_CleansTextLikeBertNormalizer(string text, int[] expected)
    {
        Assert.Equal(expected, Cased.Encode(text));
    }

    [Theory]
    [InlineData("Hel\u0378lo", new[] { 1 })] // unassigned (Cn) is kept, as HF keeps it: the word is [UNK]
    [InlineData("Hel\u0890lo", new[] { 1 })] // a format character assigned after Unicode 8 is unassigned to HF: kept
    [InlineData("Hel\uE001lo", new[] { 5 })] // private use (Co) is deleted
    [InlineData("a\u2E43b", new[] { 1 })] // punctuation assigned after Unicode 8 is a letter to HF
    [InlineData("a\u166Db", new[] { 14, 1, 15 })] // Po in Unicode 8 (So since): split off
    [InlineData("a\uFA6Eb", new[] { 14, 1, 15 })] // unassigned inside HF's CJK ranges: isolated like an ideograph
    public void Encode_ClassifiesCharactersWithUnicode8TablesLikeHuggingFace(string text, int[] expected)
    {
        Assert.Equal(expected, Cased.Encode(text));
    }

    [Fact]
    public void Encode_LoneSurrogates_AreDeletedLikeReplacementCharacters()
    {
        // Not InlineData: xunit serializes both strings alike (lone surrogates cannot round-trip), so one would be skipped.
        Assert.Equal([5], Cased.Encode("Hel\uD800lo"));
        Assert.Equal([5], Cased.Encode("Hel\uDC00lo"));
        Assert.Equal([5, 6], Cased.Encode("Hello \uDC00\uD800 world"));
        Assert.Equal([22], Cased.Encode("\uD800𝔘"));
    }

    [Fact]
    public void Encode_AddedTokensInTheText_AreMatchedBeforeNormalization()
    {
        Assert.Equal([5, 4, 6], Cased.Encode("Hello [MASK] world"));
        Assert.Equal([5, 4, 6], Cased.Encode("Hello[MASK]world"));
        Assert.Equal([2, 3], Cased.Encode("[CLS][SEP]"));
        Assert.Equal([1, 1, 1], Cased.Encode("[mask]")); // case matters: "[", "mask" (unknown), "]"
    }

    [Fact]
    public void Encode_WordsOverOneHundredCharacters_AreUnknown()
    {
        Assert.Equal([1], Cased.Encode(new string('x', 101)));
        Assert.Equal([24], Cased.Encode("x"));
        Assert.Equal([1, 5], Cased.Encode(new string('x', 5000) + " Hello"));

        // 100 characters that WordPiece cannot split: [UNK] by the piece rule, not the length rule.
        Assert.Equal([1], Cased.Encode(new string('x', 100)));
    }

    [Fact]
    public void Encode_IntoASpan_StopsWhenFull_AndCutsInsideAWordLikeHuggingFace()
    {
        Span<int> two = stackalloc int[2];
        Assert.Equal(2, Cased.Encode("unaffable world", two));
        Assert.Equal([7, 8], two.ToArray());

        Span<int> many = stackalloc int[10];
        Assert.Equal(4, Cased.Encode("unaffable world", many));
    }

    [Fact]
    public void Encode_SplitWords_AreTheSameFromTheWordCache_AfterItFillsAndWhenTheVocabularyChanges()
    {
        // "foo" + up to 8 continuation pieces, and each of those with an unmatched "q" ([UNK]): about 20,000
        // distinct split words, more than this thread's word cache keeps, some longer than it keeps at all.
        string[] pieces = ["bar", "aff", "able"];
        int[] pieceIds = [21, 8, 9];
        var words = new List<(string Word, int[] Ids)>();
        var level = new List<(string Word, int[] Ids)> { ("foo", [20]) };
        for (var depth = 0; depth < 8; depth++)
        {
            level = [.. level.SelectMany(w => pieces.Select((p, i) => (w.Word + p, (int[])[.. w.Ids, pieceIds[i]])))];
            words.AddRange(level);
        }

        int[] unknown = [1];
        words.AddRange([.. words.Select(w => (w.Word + "q", unknown))]);
        Assert.True(words.Count > 16_384);

        // Twice over, the second time in the other order: each word once cold, then from the cache or after it emptied.
        foreach (var (word, ids) in words.Concat(Enumerable.Reverse(words)))
        {
            Assert.Equal([.. ids, .. ids, 10, .. ids], Cased.Encode($"{word} {word}, {word}"));
        }

        // Another vocabulary on the same thread: its own ids, and the first one's again afterwards.
        var swapped = Encoder([.. CasedTokens.Select(t => t switch { "##bar" => "##aff", "##aff" => "##bar", _ => t })]);
        Assert.Equal([20, 21, 8], Cased.Encode("foobaraff"));
        Assert.Equal([20, 8, 21], swapped.Encode("foobaraff"));
        Assert.Equal([20, 21, 8], Cased.Encode("foobaraff"));
    }

    [Fact]
    public void Encode_TenMegabyteSingleLine_IsEncodedWithoutFailing()
    {
        var text = new StringBuilder(10_000_000);
        while (text.Length < 10_000_000)
        {
            text.Append("Hello, world! unaffable ");
        }

        var ids = Cased.Encode(text.ToString());

        Assert.Equal(text.Length / 24 * 7, ids.Length);
        var fixedLength = new List<FramedRecord>();
        RecordFramer.Encode(Cased, text.ToString(), 128, OverflowMode.Truncate, fixedLength);
        Assert.Equal(128, Assert.Single(fixedLength).InputIds.Length);
    }

    [Fact]
    public void Encode_UncasedVocabulary_LowercasesAndStripsAccents()
    {
        var uncased = Encoder(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "cafe"]);

        Assert.True(uncased.Vocabulary.Normalization.Lowercase);
        Assert.True(uncased.Vocabulary.Normalization.StripAccents);
        Assert.Equal([5, 6], uncased.Encode("HELLO Café"));
        Assert.Equal([5], uncased.Encode("HEL\uD800LO"));

        // Added tokens are found in the raw text before it is lowercased, as HF does (found by the random-string property).
        Assert.Equal([5, 3, 6], uncased.Encode("HELLO [SEP] Café"));
        Assert.Equal([1, 1, 1], uncased.Encode("[sep]"));
        Assert.False(Cased.Vocabulary.Normalization.Lowercase);
    }

    [Fact]
    public void Framer_FullLength_AddsClsAndSep_WithAFullMask()
    {
        var records = new List<FramedRecord>();

        var content = RecordFramer.Encode(Cased, "Hello world", null, OverflowMode.Truncate, records);

        Assert.Equal([5, 6], content);
        var record = Assert.Single(records);
        Assert.Equal([2, 5, 6, 3], record.InputIds);
        Assert.Equal([1, 1, 1, 1], record.AttentionMask);
    }

    [Fact]
    public void Framer_FixedLength_TruncatesAndPads_LikeHuggingFace()
    {
        var records = new List<FramedRecord>();

        RecordFramer.Encode(Cased, "Hello world", 6, OverflowMode.Truncate, records);
        RecordFramer.Encode(Cased, "unaffable world", 4, OverflowMode.Truncate, records);
        RecordFramer.Encode(Cased, string.Empty, 4, OverflowMode.Truncate, records);

        Assert.Equal([2, 5, 6, 3, 0, 0], records[0].InputIds);
        Assert.Equal([1, 1, 1, 1, 0, 0], records[0].AttentionMask);
        Assert.Equal([2, 7, 8, 3], records[1].InputIds); // cut inside "unaffable", as HF does
        Assert.Equal([2, 3, 0, 0], records[2].InputIds);
        Assert.Equal([1, 1, 0, 0], records[2].AttentionMask);
    }

    [Fact]
    public void Framer_Chunk_CutsConsecutiveWindows_LosingNoToken()
    {
        var records = new List<FramedRecord>();

        var content = RecordFramer.Encode(Cased, "unaffable world , Hello !", 5, OverflowMode.Chunk, records);

        Assert.Equal([7, 8, 9, 6, 10, 5, 11], content);
        Assert.Equal([0, 1, 2], records.Select(r => r.Chunk));
        Assert.Equal([2, 7, 8, 9, 3], records[0].InputIds);
        Assert.Equal([2, 6, 10, 5, 3], records[1].InputIds);
        Assert.Equal([2, 11, 3, 0, 0], records[2].InputIds);
        Assert.Equal([1, 1, 1, 0, 0], records[2].AttentionMask);
        Assert.Equal(content, records.SelectMany(r => r.InputIds.Skip(1).Take(r.AttentionMask.Count(m => m == 1) - 2)));
    }

    [Fact]
    public void Framer_Tiktoken_PadsWithoutSpecialTokens()
    {
        var encoder = TextEncoders.Get("cl100k_base");
        var records = new List<FramedRecord>();

        var content = RecordFramer.Encode(encoder, "hello world", 4, OverflowMode.Truncate, records);

        Assert.Equal([15339, 1917], content);
        Assert.Equal([15339, 1917, 0, 0], records[0].InputIds);
        Assert.Equal([1, 1, 0, 0], records[0].AttentionMask);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    [InlineData(-1)]
    public void Framer_LengthTooShortForClsAndSep_IsRefused(int length)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RecordFramer.Encode(Cased, "Hello", length, OverflowMode.Truncate, null));
        Assert.Contains("from 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vocabulary_FromTokenizerJson_ReadsModelNormalizerAndAddedTokens()
    {
        var json = """
        {"added_tokens":[{"id":4,"content":"[MASK]"}],
         "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":false},
         "pre_tokenizer":{"type":"BertPreTokenizer"},
         "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,
                  "vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"[MASK]":4,"Hello":5,"wor":6,"##ld":7}}}
        """;

        var vocabulary = WordPieceVocabulary.Parse(Encoding.UTF8.GetBytes(json), "tokenizer.json");
        var encoder = new BertEncoder(vocabulary);

        Assert.Equal(8, vocabulary.Count);
        Assert.False(vocabulary.Normalization.Lowercase);
        Assert.Equal([5, 6, 7, 4], encoder.Encode("Hello world[MASK]"));
        Assert.Equal(64, vocabulary.Sha256.Length);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("alpha\nbeta\n", "no [UNK] token")]
    [InlineData("{\"model\": ", "not valid JSON")]
    [InlineData("{\"model\":{\"type\":\"BPE\",\"vocab\":{}}}", "BPE model")]
    [InlineData("{\"version\":\"1.0\"}", "has no \"model\"")]
    [InlineData("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0}},\"pre_tokenizer\":{\"type\":\"Whitespace\"}}", "pre-tokenizer Whitespace")]
    [InlineData("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":\"x\"}}}", "is not a token id")]
    public void Vocabulary_Unusable_IsRefusedWithTheReason(string content, string reason)
    {
        var error = Assert.Throws<VocabularyException>(() => WordPieceVocabulary.Parse(Encoding.UTF8.GetBytes(content), "v"));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("'v'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vocabulary_InvalidUtf8OrMissingFile_IsRefusedWithTheReason()
    {
        var utf8 = Assert.Throws<VocabularyException>(() => WordPieceVocabulary.Parse([0x5B, 0x55, 0x4E, 0x4B, 0x5D, 0x0A, 0xFF, 0x0A], "v.txt"));
        Assert.Contains("not valid UTF-8", utf8.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<VocabularyException>(() => WordPieceVocabulary.Load("/nonexistent/vocab.txt"));
        Assert.Contains("cannot read the vocabulary '/nonexistent/vocab.txt'", missing.Message, StringComparison.Ordinal);
    }

    private static BertEncoder Encoder(string[] tokens) =>
        new(WordPieceVocabulary.Parse(Encoding.UTF8.GetBytes(string.Join('\n', tokens) + "\n"), "test-vocab.txt"));
}
