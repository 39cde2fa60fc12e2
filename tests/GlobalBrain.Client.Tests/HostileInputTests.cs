using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Client.Tests;

/// <summary>
/// Hostile input through the CLI, one table: every numeric option of every command given negative, NaN,
/// infinite, huge and non-numeric values, and hostile documents (invalid UTF-8, lone surrogates, NUL bytes,
/// a 100 MB line, binary files, deep or huge JSON, malformed JSON Lines, the wrong format). Each is refused
/// or handled with a clear one-line message and exit code 2 (or 0 when it is text like any other), no stack
/// trace, and the valid documents next to it still go in.
/// </summary>
/// <remarks>
/// A bad option is refused before any input is read or a cluster starts (milliseconds); a hostile
/// document runs an embedded cluster. The 100 MB line is written to a temp file in blocks and is invalid
/// at its very end, so it goes through reading, decoding and the report without being tokenized: a
/// valid line that long is ingested in full (measured: 13 s and 1 GB resident for 100 MB), which is
/// what <see cref="OddTextTests"/> checks at 10 MB.
/// </remarks>
[Collection(EmbeddedClusterRuns.Name)]
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const string Good = "The experts share what they know, and knowledge spreads at the flow rate.\n";
    private const string ValidLine = "{\"id\":\"valid\",\"text\":\"a valid line next to the hostile one\"}";

    /// <summary>Name, how to make the arguments (files in a temp folder), stdin, exit code, a fragment of stderr, documents ingested (null: refused before reading anything).</summary>
    private static readonly HostileInput[] Table =
    [
        // Numeric options: refused before anything is read.
        Usage("ingest --experts negative", ["ingest", "-", "--experts", "-1"], "--experts must be from 1 to 1000000 (got -1)"),
        Usage("ingest --experts NaN", ["ingest", "-", "--experts", "NaN"], "--experts must be a whole number from 1 to 1000000 (got 'NaN')"),
        Usage("ingest --experts infinite", ["ingest", "-", "--experts", "1e309"], "(got '1e309')"),
        Usage("ingest --experts beyond int", ["ingest", "-", "--experts", "99999999999"], "(got '99999999999')"),
        Usage("ingest --experts a fraction", ["ingest", "-", "--experts", "1.5"], "(got '1.5')"),
        Usage("ingest --experts hex", ["ingest", "-", "--experts", "0x10"], "(got '0x10')"),
        Usage("ingest --experts empty", ["ingest", "-", "--experts", ""], "(got '')"),
        Usage("ingest --flow-rate negative", ["ingest", "-", "--flow-rate", "-1"], "--flow-rate must be a number from 0 to 1000 (got -1)"),
        Usage("ingest --flow-rate NaN", ["ingest", "-", "--flow-rate", "NaN"], "--flow-rate must be a number from 0 to 1000 (got 'NaN')"),
        Usage("ingest --flow-rate infinite", ["ingest", "-", "--flow-rate", "Infinity"], "(got 'Infinity')"),
        Usage("ingest --flow-rate overflowing", ["ingest", "-", "--flow-rate", "1e309"], "(got '1e309')"),
        Usage("ingest --flow-rate huge", ["ingest", "-", "--flow-rate", "1e20"], "(got 1e20)"),
        Usage("ingest --flow-rate not a number", ["ingest", "-", "--flow-rate", "fast"], "(got 'fast')"),
        Usage("ingest --flow-rate with a decimal comma", ["ingest", "-", "--flow-rate", "1,5"], "(got '1,5')"),
        Usage("ingest --wait-timeout negative", ["ingest", "-", "--wait-timeout", "-1"], "--wait-timeout must be a number from 0 to 86400 (got -1)"),
        Usage("ingest --wait-timeout NaN", ["ingest", "-", "--wait-timeout", "NaN"], "--wait-timeout must be a number from 0 to 86400 (got 'NaN')"),
        Usage("ingest --wait-timeout huge", ["ingest", "-", "--wait-timeout", "1e12"], "(got 1e12)"),
        Usage("ingest --target-reach above 1", ["ingest", "-", "--target-reach", "2"], "--target-reach must be a number from 0 to 1 (got 2)"),
        Usage("ingest --target-reach NaN", ["ingest", "-", "--target-reach", "NaN"], "(got 'NaN')"),
        Usage("ingest --target-reach negative", ["ingest", "-", "--target-reach", "-0.5"], "(got -0.5)"),
        Usage("ingest --max-len zero", ["ingest", "-", "--max-len", "0"], "--max-len must be from 1 to 1048576 (got 0)"),
        Usage("ingest --max-len negative", ["ingest", "-", "--max-len", "-5"], "(got -5)"),
        Usage("ingest --max-len NaN", ["ingest", "-", "--max-len", "NaN"], "--max-len must be a whole number from 1 to 1048576 (got 'NaN')"),
        Usage("ingest --max-len huge", ["ingest", "-", "--max-len", "99999999999"], "(got '99999999999')"),
        Usage("ingest --max-len below bert's minimum", ["ingest", "-", "--max-len", "2", "--tokenizer", "bert", "--vocab", "{vocab}"], "--max-len must be from 3"),
        Usage("ingest --export-splits NaN", ["ingest", "-", "--export", "{dir}/out", "--export-splits", "NaN,0.5,0.5"], "--export-splits: the train split fraction is NaN"),
        Usage("ingest --export-splits negative", ["ingest", "-", "--export", "{dir}/out", "--export-splits", "-1,1,1"], "the train split fraction is -1"),
        Usage("ingest --export-splits infinite", ["ingest", "-", "--export", "{dir}/out", "--export-splits", "1e309,0,0"], "Infinity"),
        Usage("ingest --export-splits two parts", ["ingest", "-", "--export", "{dir}/out", "--export-splits", "0.5,0.5"], "have 2 part(s)"),
        Usage("ingest --export-splits not numbers", ["ingest", "-", "--export", "{dir}/out", "--export-splits", "a,b,c"], "'a' is not a number"),
        Usage("ingest --export-splits without --export", ["ingest", "-", "--export-splits", "0.8,0.1,0.1"], "give --export DIR too"),
        Usage("tokenize --max-len NaN", ["tokenize", "--max-len", "NaN"], "--max-len must be a whole number from 1 to 1048576 (got 'NaN')"),
        Usage("tokenize --max-len negative", ["tokenize", "--max-len", "-1"], "(got -1)"),
        Usage("tokenize --format unknown", ["tokenize", "--format", "csv"], "--format: unknown format 'csv'; choose one of: jsonl, npy, parquet"),
        Usage("tokenize --format npy without --output", ["tokenize", "--format", "npy", "--max-len", "8"], "give --output DIR"),
        Usage("tokenize --format npy into a non-empty directory", ["tokenize", "--format", "npy", "--max-len", "8", "--output", "{dir}"], "is not empty; give a new or empty directory"),
        Usage("tokenize --format npy into a file", ["tokenize", "--format", "npy", "--max-len", "8", "--output", "{vocab}"], "is a file; give a new or empty directory"),
        Usage("tokenize --format parquet without --output", ["tokenize", "--format", "parquet"], "--format parquet writes a file: give --output FILE.parquet"),
        Usage("tokenize --output an existing file", ["tokenize", "--output", "{vocab}"], "already exists; remove it or give a new path"),
        Usage("tokenize --output empty", ["tokenize", "--output", ""], "--output: cannot create ''"),
        Usage("tokenize --format parquet --output empty", ["tokenize", "--format", "parquet", "--output", ""], "--output: cannot create ''"),
        Usage("tokenize --output in a missing directory", ["tokenize", "--output", "{dir}/missing/out.jsonl"], "--output: cannot create '"),
        Usage("simulate --experts zero", ["simulate", "--experts", "0"], "--experts must be from 1 to 16,000,000,000 (got 0)"),
        Usage("simulate --experts NaN", ["simulate", "--experts", "NaN"], "--experts: 'NaN' is not a whole number"),
        Usage("simulate --experts beyond the compact engine", ["simulate", "--experts", "99999999999"], "--experts must be from 1 to 16,000,000,000 (got 99999999999)"),
        Usage("simulate --experts above 10^8 in a scenario the compact engine does not run", ["simulate", "--experts", "200000000", "--scenario", "items"], "--experts above 100,000,000 needs --scenario rumor and --topology complete"),
        Usage("simulate --experts negative in a list", ["simulate", "--experts", "10,-5"], "--experts must be from 1 to 16,000,000,000 (got -5)"),
        Usage("simulate --flow-rate NaN", ["simulate", "--flow-rate", "NaN"], "--flow-rate: 'NaN' is not a number"),
        Usage("simulate --flow-rate infinite", ["simulate", "--flow-rate", "1e309"], "--flow-rate: '1e309' is not a number"),
        Usage("simulate --flow-rate negative", ["simulate", "--flow-rate", "-1"], "--flow-rate must be a number from 0 to 1000 (got -1)"),
        Usage("simulate --rounds zero", ["simulate", "--rounds", "0"], "--rounds must be at least 1 (got 0)"),
        Usage("simulate --rounds negative", ["simulate", "--rounds", "-1"], "--rounds must be at least 1 (got -1)"),
        Usage("simulate --rounds NaN", ["simulate", "--rounds", "NaN"], "--rounds must be a whole number of at least 1 (got 'NaN')"),
        Usage("simulate --rounds huge", ["simulate", "--rounds", "1e309"], "(got '1e309')"),
        Usage("simulate --k negative", ["simulate", "--k", "-1"], "--k must be at least 1 (got -1)"),
        Usage("simulate --k NaN", ["simulate", "--k", "NaN"], "--k must be a whole number of at least 1 (got 'NaN')"),
        Usage("simulate --beta negative", ["simulate", "--beta", "-0.1"], "--beta is a rewiring probability, from 0 to 1 (got -0.1)"),
        Usage("simulate --beta NaN", ["simulate", "--beta", "NaN"], "--beta must be a number from 0 to 1 (got 'NaN')"),
        Usage("simulate --beta infinite", ["simulate", "--beta", "1e309"], "(got '1e309')"),
        Usage("simulate --m zero", ["simulate", "--m", "0"], "--m must be at least 1 (got 0)"),
        Usage("simulate --m not a number", ["simulate", "--m", "three"], "(got 'three')"),
        Usage("simulate --items-per-expert negative", ["simulate", "--items-per-expert", "-1"], "--items-per-expert must be at least 1 (got -1)"),
        Usage("simulate --items-per-expert beyond int", ["simulate", "--items-per-expert", "99999999999"], "(got '99999999999')"),
        Usage("simulate --exchange-cap zero", ["simulate", "--exchange-cap", "0"], "--exchange-cap must be at least 1 (got 0)"),
        Usage("simulate --exchange-cap NaN", ["simulate", "--exchange-cap", "NaN"], "(got 'NaN')"),
        Usage("simulate --seed negative", ["simulate", "--seed", "-1"], "--seed must be a whole number from 0 to 18446744073709551615 (got '-1')"),
        Usage("simulate --seed NaN", ["simulate", "--seed", "NaN"], "(got 'NaN')"),
        Usage("simulate --seed beyond 64 bits", ["simulate", "--seed", "99999999999999999999999"], "(got '99999999999999999999999')"),
        Usage("simulate --seed in exponent form", ["simulate", "--seed", "1e3"], "(got '1e3')"),
        Usage("simulate --epsilon NaN", ["simulate", "--epsilon", "NaN"], "--epsilon must be a finite number (got 'NaN')"),
        Usage("simulate --epsilon negative", ["simulate", "--epsilon", "-1"], "--epsilon must be from 0 (everyone holds everything) up to, not including, 1 (got -1)"),
        Usage("simulate --epsilon one", ["simulate", "--epsilon", "1"], "(got 1)"),
        Usage("simulate --seeds zero", ["simulate", "--seeds", "0"], "--seeds must be from 1 to 10000 (got 0)"),
        Usage("simulate --seeds negative", ["simulate", "--seeds", "-1"], "--seeds must be from 1 to 10000 (got -1)"),
        Usage("simulate --seeds above 10,000", ["simulate", "--seeds", "10001"], "--seeds must be from 1 to 10000 (got 10001)"),
        Usage("simulate --seeds not a number", ["simulate", "--seeds", "x"], "--seeds must be a whole number from 1 to 10000 (got 'x')"),
        Usage("simulate --seeds a fraction", ["simulate", "--seeds", "2.5"], "--seeds must be a whole number from 1 to 10000 (got '2.5')"),
        Usage("simulate --seeds past the last seed", ["simulate", "--seed", "18446744073709551615", "--seeds", "2"], "--seed 18446744073709551615 with --seeds 2 would run seeds past 18446744073709551615"),

        // Hostile documents, next to a valid one: reported with their file and line, the rest ingested.
        Input("invalid UTF-8", t => [t.Write("bad.txt", [.. "valid first line\nthen a bad byte "u8, 0xC3, 0x28, .. "\n"u8])], 2, "rejected bad.txt:2: invalid UTF-8 at byte", 1),
        Input("a lone surrogate, escaped in JSON", t => [t.Write("lone.jsonl", "{\"text\":\"half \\ud800 a pair\"}\n" + ValidLine + "\n")], 2, "rejected lone.jsonl:1: \"text\" contains an escaped lone surrogate", 2),
        Input("a lone surrogate, as raw bytes (CESU-8)", t => [t.Write("cesu.txt", [.. "half "u8, 0xED, 0xA0, 0x80, .. " a pair\n"u8])], 2, "rejected cesu.txt:1: invalid UTF-8 at byte 5", 1),
        Input("NUL bytes in a text file (text like any other)", t => [t.Write("nul.txt", [.. "the\0experts\0know "u8, 0, 0, .. "\n"u8])], 0, null, 2),
        Input("a NUL escaped in JSON (text like any other)", t => [t.Write("nul.jsonl", "{\"text\":\"nul \\u0000 inside\"}\n")], 0, null, 2),
        Input("a raw NUL byte inside a JSON string", t => [t.Write("rawnul.jsonl", [.. "{\"text\":\"nul "u8, 0, .. " inside\"}\n"u8, .. Encoding.UTF8.GetBytes(ValidLine + "\n")])], 2, "rejected rawnul.jsonl:1: not valid JSON", 2),
        Input("a binary file named .txt", t => [t.Write("binary.txt", Binary(65_536))], 2, "rejected binary.txt:1: invalid UTF-8 at byte 0", 1),
        Input("a PNG named .jsonl", t => [t.Write("image.jsonl", [0x89, .. "PNG\r\n"u8, 0x1A, 0x0A, .. Binary(1024)])], 2, "rejected image.jsonl:1: invalid UTF-8", 1),
        Input("binary stdin", _ => ["-"], 2, "rejected stdin:1: invalid UTF-8 at byte 0", 1, Stdin: Binary(4096)),
        Input("a 100 MB line", t => [HundredMegabyteLine(t)], 2, "rejected huge.txt:1: invalid UTF-8 at byte 100000000", 1),
        Input("JSON nested 10,000 deep", t => [t.Write("deep.jsonl", "{\"text\":" + new string('[', 10_000) + new string(']', 10_000) + "}\n" + ValidLine + "\n")], 2, "rejected deep.jsonl:1: not valid JSON (The maximum configured depth of 64 has been exceeded", 2),
        Input("a JSON line with 100,000 fields", t => [t.Write("wide.jsonl", "{" + string.Concat(Enumerable.Range(0, 100_000).Select(i => $"\"k{i}\":{i},")) + "\"text\":\"the text after all the fields\"}\n")], 0, null, 2),
        Input("malformed JSON Lines", t => [t.Write("malformed.jsonl", "{\"text\":\"unterminated}\n{\"text\":\"trailing comma\",}\n\"a bare string\"\n{\"text\":42}\n{\"id\":[],\"text\":\"an array as id\"}\n{\"id\":1e999,\"text\":\"a huge number as id\"}\n" + ValidLine + "\n")], 2, "rejected malformed.jsonl:2: not valid JSON", 3),
        Input("plain text in a .jsonl file", t => [t.Write("notjson.jsonl", "just a sentence, not JSON\n")], 2, "rejected notjson.jsonl:1: not valid JSON", 1),
        Input("plain text on stdin read as JSON Lines", _ => ["-", "--stdin-format", "jsonl"], 2, "rejected stdin:1: not valid JSON", 1, Stdin: Encoding.UTF8.GetBytes("plain text, not JSON\n")),
        Input("an empty .jsonl file", t => [t.Write("empty.jsonl", [])], 2, "rejected empty.jsonl: the file holds no JSON lines", 1),
    ];

    public static TheoryData<string> Cases => [.. Table.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostileInput_IsRefusedOrHandled_WithAClearLineAndTheRightExitCode(string name)
    {
        var hostile = Table.Single(c => c.Name == name);
        using var temp = new TempDirectory();
        var vocab = temp.Write("vocab.txt", string.Join('\n', TokenizeCommandTests.TinyVocabulary) + "\n");
        var args = hostile.Arguments(temp).Select(a => a.Replace("{dir}", temp.Path, StringComparison.Ordinal).Replace("{vocab}", vocab, StringComparison.Ordinal)).ToList();
        if (hostile.Documents is not null)
        {
            // The valid document next to the hostile input; a small, quiet cluster that does not wait for reach.
            args = ["ingest", .. args, temp.Write("good/good.txt", Good), "--experts", "2", "--wait-timeout", "0", "--json"];
        }

        var result = await CliRunner.RunAsync(output, hostile.Stdin, [.. args]);

        result.AssertNoStackTrace();
        Assert.True(hostile.ExitCode == result.ExitCode, $"{name}: exit code {result.ExitCode}, expected {hostile.ExitCode}\n{result.Stderr}");
        Assert.All(result.StderrLines, line => Assert.True(
            line.StartsWith("globalbrain: ", StringComparison.Ordinal) || line.StartsWith("Run 'globalbrain ", StringComparison.Ordinal),
            $"not a one-line message: {line}"));
        if (hostile.Fragment is { } fragment)
        {
            Assert.Contains(result.StderrLines, line => line.Contains(fragment, StringComparison.Ordinal));
        }
        else
        {
            Assert.Empty(result.StderrLines);
        }

        if (hostile.Documents is { } documents)
        {
            Assert.Equal(documents, result.SingleJsonObject().GetProperty("ingested").GetProperty("documents").GetInt64());
        }
        else
        {
            Assert.Equal(string.Empty, result.Stdout);
            Assert.False(result.StdinOpened, "the input was read although the command line was bad");
        }
    }

    private static HostileInput Usage(string name, string[] args, string fragment) => new(name, _ => args, null, 2, fragment, null);

    private static HostileInput Input(string name, Func<TempDirectory, string[]> arguments, int exitCode, string? fragment, long documents, byte[]? Stdin = null) =>
        new(name, arguments, Stdin, exitCode, fragment, documents);

    /// <summary>Bytes no text encoder writes: NUL, 0xFF, lone continuation bytes, random.</summary>
    private static byte[] Binary(int length)
    {
        var bytes = new byte[length];
        new Random(11).NextBytes(bytes);
        bytes[0] = 0xFF;
        bytes[1] = 0x00;
        bytes[2] = 0x80;
        return bytes;
    }

    /// <summary>huge.txt: one line of 100,000,000 ASCII bytes and then one invalid byte, written in 1 MB blocks.</summary>
    private static string HundredMegabyteLine(TempDirectory temp)
    {
        var path = Path.Combine(temp.Path, "huge.txt");
        var block = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("the experts know, knowledge flowing fast. ", 25_000)))[..1_000_000];
        using (var file = File.Create(path))
        {
            for (var i = 0; i < 100; i++)
            {
                file.Write(block);
            }

            file.Write([0xC3, 0x28, (byte)'\n']);
        }

        return path;
    }

    private sealed record HostileInput(string Name, Func<TempDirectory, string[]> Arguments, byte[]? Stdin, int ExitCode, string? Fragment, long? Documents);
}
