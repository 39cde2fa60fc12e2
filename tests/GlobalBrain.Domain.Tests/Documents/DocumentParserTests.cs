using System.Text;
using GlobalBrain.Domain.Documents;
using Xunit;

namespace GlobalBrain.Domain.Tests.Documents;

public sealed class DocumentParserTests
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    [Fact]
    public void ParseText_Whole_IsOneDocumentNamedByItsSource()
    {
        var (documents, rejections) = ParseText("first line\n\nsecond line\n", TextSplit.None);

        Assert.Empty(rejections);
        var document = Assert.Single(documents);
        Assert.Equal(new Document("notes.txt", "first line\n\nsecond line\n"), document);
    }

    [Fact]
    public void ParseText_Paragraphs_AreSplitOnBlankLinesAndNumberedFromOne()
    {
        var (documents, rejections) = ParseText("\n\nalpha one\nalpha two\n\n\n  \t\nbeta\r\n\r\ngamma one\r\ngamma two", TextSplit.Paragraphs);

        Assert.Empty(rejections);
        Assert.Equal(
            [
                new Document("notes.txt#1", "alpha one\nalpha two"),
                new Document("notes.txt#2", "beta"),
                new Document("notes.txt#3", "gamma one\ngamma two"),
            ],
            documents);
    }

    [Fact]
    public void ParseText_Lines_AreNumberedByLineAndBlankLinesAreSkipped()
    {
        var (documents, rejections) = ParseText("alpha\n\nbeta\r\n   \ngamma\n", TextSplit.Lines);

        Assert.Empty(rejections);
        Assert.Equal(
            [
                new Document("notes.txt#1", "alpha"),
                new Document("notes.txt#3", "beta"),
                new Document("notes.txt#5", "gamma"),
            ],
            documents);
    }

    [Theory]
    [InlineData(TextSplit.None)]
    [InlineData(TextSplit.Paragraphs)]
    [InlineData(TextSplit.Lines)]
    public void ParseText_StripsTheByteOrderMark(TextSplit split)
    {
        var (documents, rejections) = ParseText([.. Bom, .. "hello"u8], split);

        Assert.Empty(rejections);
        var document = Assert.Single(documents);
        Assert.Equal("hello", document.Text);
    }

    [Theory]
    [InlineData(TextSplit.None, "")]
    [InlineData(TextSplit.None, " \n\t\r\n ")]
    [InlineData(TextSplit.Paragraphs, "")]
    [InlineData(TextSplit.Paragraphs, "\n\n   \n")]
    [InlineData(TextSplit.Lines, "")]
    [InlineData(TextSplit.Lines, " \n \n")]
    public void ParseText_EmptyOrWhitespaceOnly_IsRejectedAsEmpty(TextSplit split, string text)
    {
        var (documents, rejections) = ParseText(text, split);

        Assert.Empty(documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.Empty, rejection.Reason);
        Assert.Equal("notes.txt", rejection.Source);
        Assert.Null(rejection.Line);
    }

    [Fact]
    public void ParseText_ByteOrderMarkOnly_IsRejectedAsEmpty()
    {
        var (documents, rejections) = ParseText(Bom, TextSplit.None);

        Assert.Empty(documents);
        Assert.Equal(RejectionReason.Empty, Assert.Single(rejections).Reason);
    }

    [Theory]
    [InlineData(TextSplit.None)]
    [InlineData(TextSplit.Paragraphs)]
    [InlineData(TextSplit.Lines)]
    public void ParseText_InvalidUtf8_IsRejectedWithItsLineNumber(TextSplit split)
    {
        byte[] bytes = [.. "ok\r\nstill ok\n\nbad "u8, 0xFF, .. " here\nlater\n"u8];

        var (documents, rejections) = ParseText(bytes, split);

        Assert.Empty(documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.InvalidUtf8, rejection.Reason);
        Assert.Equal(4, rejection.Line);
        Assert.Equal("notes.txt:4: invalid UTF-8 at byte 18", rejection.ToString());
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]             // a lead byte followed by a non-continuation
    [InlineData(new byte[] { 0xC0, 0xAF })]             // an overlong encoding of '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]       // an encoded UTF-16 surrogate
    [InlineData(new byte[] { 0xE2, 0x82 })]             // truncated at the end of the file
    public void ParseText_InvalidUtf8Sequences_AreRejected(byte[] invalid)
    {
        byte[] bytes = [.. Bom, .. "one\ntwo\n"u8, .. invalid];

        var (documents, rejections) = ParseText(bytes, TextSplit.Lines);

        Assert.Empty(documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.InvalidUtf8, rejection.Reason);
        Assert.Equal(3, rejection.Line);
    }

    [Fact]
    public void ParseJsonLines_AcceptsValidLines()
    {
        var (documents, rejections) = ParseJsonLines(
            """
            {"id": "a", "text": "alpha"}
            {"text": "beta", "id": "b", "extra": [1, 2, 3]}
            """);

        Assert.Empty(rejections);
        Assert.Equal([new Document("a", "alpha"), new Document("b", "beta")], documents);
    }

    [Fact]
    public void ParseJsonLines_MalformedLine_IsRejectedWithItsLineNumberAndTheOthersAreKept()
    {
        var (documents, rejections) = ParseJsonLines(
            "{\"id\": \"a\", \"text\": \"alpha\"}\r\n" +
            "\n" +
            "{\"id\": \"b\", \"text\": \n" +
            "{\"id\": \"c\", \"text\": \"gamma\"}\n");

        Assert.Equal([new Document("a", "alpha"), new Document("c", "gamma")], documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.MalformedJson, rejection.Reason);
        Assert.Equal(3, rejection.Line);
        Assert.StartsWith("data.jsonl:3: not valid JSON (", rejection.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"just a string\"")]
    [InlineData("42")]
    [InlineData("{\"text\": \"a\"} trailing")]
    public void ParseJsonLines_LineThatIsNotAnObject_IsMalformed(string line)
    {
        var (documents, rejections) = ParseJsonLines($"{{\"text\": \"first\"}}\n{line}\n");

        Assert.Single(documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.MalformedJson, rejection.Reason);
        Assert.Equal(2, rejection.Line);
    }

    [Theory]
    [InlineData("{\"id\": \"x\"}")]
    [InlineData("{\"id\": \"x\", \"text\": 42}")]
    [InlineData("{\"id\": \"x\", \"text\": null}")]
    [InlineData("{\"id\": \"x\", \"text\": [\"a\"]}")]
    [InlineData("{\"id\": \"x\", \"Text\": \"wrong case\"}")]
    public void ParseJsonLines_LineWithoutStringText_IsMissingText(string line)
    {
        var (documents, rejections) = ParseJsonLines($"{line}\n{{\"text\": \"kept\"}}");

        Assert.Equal([new Document("data.jsonl#2", "kept")], documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.MissingText, rejection.Reason);
        Assert.Equal(1, rejection.Line);
    }

    [Fact]
    public void ParseJsonLines_MissingOrNullId_DefaultsToSourceAndLine()
    {
        var (documents, rejections) = ParseJsonLines("\n{\"text\": \"alpha\"}\n{\"id\": null, \"text\": \"beta\"}\n");

        Assert.Empty(rejections);
        Assert.Equal([new Document("data.jsonl#2", "alpha"), new Document("data.jsonl#3", "beta")], documents);
    }

    [Fact]
    public void ParseJsonLines_NumericId_IsAcceptedAsWritten()
    {
        var (documents, rejections) = ParseJsonLines("{\"id\": 42, \"text\": \"a\"}\n{\"id\": -1.5e3, \"text\": \"b\"}");

        Assert.Empty(rejections);
        Assert.Equal([new Document("42", "a"), new Document("-1.5e3", "b")], documents);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("[1]")]
    public void ParseJsonLines_IdThatIsNotANonEmptyStringOrNumber_IsInvalidId(string id)
    {
        var (documents, rejections) = ParseJsonLines($"{{\"id\": {id}, \"text\": \"a\"}}");

        Assert.Empty(documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.InvalidId, rejection.Reason);
        Assert.Equal(1, rejection.Line);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\" \\n\\t \"")]
    public void ParseJsonLines_BlankText_IsRejectedAsEmpty(string text)
    {
        var (documents, rejections) = ParseJsonLines($"{{\"text\": \"a\"}}\n{{\"text\": {text}}}");

        Assert.Single(documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.Empty, rejection.Reason);
        Assert.Equal(2, rejection.Line);
    }

    [Fact]
    public void ParseJsonLines_EscapedLoneSurrogate_IsRejectedAsInvalidUtf8()
    {
        var (documents, rejections) = ParseJsonLines("{\"text\": \"bad \\ud800 text\"}\n{\"text\": \"fine \\ud83d\\ude00\"}");

        Assert.Equal([new Document("data.jsonl#2", "fine \U0001F600")], documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.InvalidUtf8, rejection.Reason);
        Assert.Equal(1, rejection.Line);
    }

    [Fact]
    public void ParseJsonLines_InvalidUtf8InOneLine_RejectsJustThatLine()
    {
        byte[] bytes = [.. "{\"text\": \"one\"}\n{\"text\": \"t"u8, 0xC3, 0x28, .. "wo\"}\n{\"text\": \"three\"}\n"u8];

        var (documents, rejections) = ParseJsonLines(bytes);

        Assert.Equal([new Document("data.jsonl#1", "one"), new Document("data.jsonl#3", "three")], documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.InvalidUtf8, rejection.Reason);
        Assert.Equal(2, rejection.Line);
    }

    [Fact]
    public void ParseJsonLines_StripsTheByteOrderMark()
    {
        var (documents, rejections) = ParseJsonLines([.. Bom, .. "{\"id\": \"a\", \"text\": \"alpha\"}"u8]);

        Assert.Empty(rejections);
        Assert.Equal([new Document("a", "alpha")], documents);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("  \r\n\t\n")]
    public void ParseJsonLines_EmptyFile_IsRejectedAsEmpty(string text)
    {
        var (documents, rejections) = ParseJsonLines(text);

        Assert.Empty(documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.Empty, rejection.Reason);
        Assert.Null(rejection.Line);
        Assert.Equal("data.jsonl", rejection.Source);
    }

    [Fact]
    public void ParseJsonLines_EmptyFile_IsRejectedEvenWhenTheCollectionsAlreadyHoldEntries()
    {
        var documents = new List<Document> { new("earlier", "from another file") };
        var rejections = new List<Rejection> { new("other.jsonl", 1, RejectionReason.MalformedJson, "earlier") };

        DocumentParser.ParseJsonLines([], "data.jsonl", documents, rejections);

        Assert.Single(documents);
        Assert.Equal(2, rejections.Count);
        Assert.Equal(RejectionReason.Empty, rejections[1].Reason);
    }

    [Fact]
    public void ParseJsonLines_FileOfOnlyRejectedLines_IsNotAlsoReportedEmpty()
    {
        var (documents, rejections) = ParseJsonLines("not json\n");

        Assert.Empty(documents);
        Assert.Equal(RejectionReason.MalformedJson, Assert.Single(rejections).Reason);
    }

    [Fact]
    public void ParseJsonArray_AcceptsValidElementsAndRejectsInvalidOnesByIndex()
    {
        var (documents, rejections) = ParseJsonArray(
            """
            [
              {"id": "a", "text": "alpha"},
              5,
              {"text": "gamma"},
              {"id": "d"},
              {"id": 7, "text": "epsilon"}
            ]
            """);

        Assert.Equal(
            [new Document("a", "alpha"), new Document("batch.json#3", "gamma"), new Document("7", "epsilon")],
            documents);
        Assert.Equal(2, rejections.Count);
        Assert.Equal((2L, RejectionReason.MalformedJson), (rejections[0].Line, rejections[0].Reason));
        Assert.Equal((4L, RejectionReason.MissingText), (rejections[1].Line, rejections[1].Reason));
        Assert.Equal("batch.json:4: \"text\" must be a string (it is missing)", rejections[1].ToString());
    }

    [Fact]
    public void ParseJsonArray_RejectedDocument_KeepsTheIdItWasSentWith()
    {
        var (documents, rejections) = ParseJsonArray(
            """
            [
              {"id": "has-no-text"},
              {"id": 42, "text": "   "},
              {"id": "lone", "text": "\ud800"},
              {"text": 5},
              {"id": "", "text": 5},
              {"id": ["x"], "text": "fine"},
              {"id": "kept", "text": "ok"}
            ]
            """);

        Assert.Equal([new Document("kept", "ok")], documents);
        Assert.Equal(
            [
                (RejectionReason.MissingText, "has-no-text"), (RejectionReason.Empty, "42"), (RejectionReason.InvalidUtf8, "lone"),
                (RejectionReason.MissingText, null), (RejectionReason.MissingText, null), (RejectionReason.InvalidId, null),
            ],
            rejections.Select(r => (r.Reason, r.DocumentId)));
    }

    [Theory]
    [InlineData("{\"id\": \"a\", \"text\": \"alpha\"}")]
    [InlineData("\"text\"")]
    [InlineData("[{\"id\": \"a\", \"text\": \"alpha\"},")]
    [InlineData("[{\"id\": \"a\", \"text\": \"alpha\"}] [")]
    [InlineData("")]
    public void ParseJsonArray_BodyThatIsNotAJsonArray_IsOneMalformedJsonRejection(string body)
    {
        var (documents, rejections) = ParseJsonArray(body);

        Assert.Empty(documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.MalformedJson, rejection.Reason);
        Assert.Null(rejection.Line);
        Assert.StartsWith("batch.json: ", rejection.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ParseJsonArray_EmptyArray_IsRejectedAsEmpty()
    {
        var (documents, rejections) = ParseJsonArray(" [ ] ");

        Assert.Empty(documents);
        Assert.Equal(RejectionReason.Empty, Assert.Single(rejections).Reason);
    }

    [Fact]
    public void ParseJsonArray_InvalidUtf8_IsRejectedWithItsLineNumber()
    {
        byte[] bytes = [.. Bom, .. "[\n{\"text\": \"a\"},\n{\"text\": \""u8, 0xFF, .. "\"}\n]"u8];

        var (documents, rejections) = ParseJsonArray(bytes);

        Assert.Empty(documents);
        var rejection = Assert.Single(rejections);
        Assert.Equal(RejectionReason.InvalidUtf8, rejection.Reason);
        Assert.Equal(3, rejection.Line);
    }

    [Fact]
    public void ParseJsonArray_StripsTheByteOrderMark()
    {
        var (documents, rejections) = ParseJsonArray([.. Bom, .. "[{\"id\": \"a\", \"text\": \"alpha\"}]"u8]);

        Assert.Empty(rejections);
        Assert.Equal([new Document("a", "alpha")], documents);
    }

    [Fact]
    public void Rejection_ToString_FormatsSourceLineAndMessage()
    {
        Assert.Equal("data.jsonl:7: not valid JSON", new Rejection("data.jsonl", 7, RejectionReason.MalformedJson, "not valid JSON").ToString());
        Assert.Equal("notes.txt: the file is empty", new Rejection("notes.txt", null, RejectionReason.Empty, "the file is empty").ToString());
        Assert.Equal("data.jsonl:7", new Rejection("data.jsonl", 7, RejectionReason.MalformedJson, "x").Location);
    }

    [Fact]
    public void RejectionReason_EveryReasonHasASnakeCaseCode()
    {
        var codes = Enum.GetValues<RejectionReason>().Select(r => r.Code()).ToList();

        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, code => Assert.Matches("^[a-z0-9]+(_[a-z0-9]+)*$", code));
        Assert.Equal("invalid_utf8", RejectionReason.InvalidUtf8.Code());
        Assert.Equal("malformed_json", RejectionReason.MalformedJson.Code());
    }

    private static (List<Document> Documents, List<Rejection> Rejections) ParseText(string text, TextSplit split) =>
        ParseText(Encoding.UTF8.GetBytes(text), split);

    private static (List<Document> Documents, List<Rejection> Rejections) ParseText(byte[] bytes, TextSplit split)
    {
        var documents = new List<Document>();
        var rejections = new List<Rejection>();
        DocumentParser.ParseText(bytes, "notes.txt", split, documents, rejections);
        return (documents, rejections);
    }

    private static (List<Document> Documents, List<Rejection> Rejections) ParseJsonLines(string text) =>
        ParseJsonLines(Encoding.UTF8.GetBytes(text));

    private static (List<Document> Documents, List<Rejection> Rejections) ParseJsonLines(byte[] bytes)
    {
        var documents = new List<Document>();
        var rejections = new List<Rejection>();
        DocumentParser.ParseJsonLines(bytes, "data.jsonl", documents, rejections);
        return (documents, rejections);
    }

    private static (List<Document> Documents, List<Rejection> Rejections) ParseJsonArray(string text) =>
        ParseJsonArray(Encoding.UTF8.GetBytes(text));

    private static (List<Document> Documents, List<Rejection> Rejections) ParseJsonArray(byte[] bytes)
    {
        var documents = new List<Document>();
        var rejections = new List<Rejection>();
        DocumentParser.ParseJsonArray(bytes, "batch.json", documents, rejections);
        return (documents, rejections);
    }
}
