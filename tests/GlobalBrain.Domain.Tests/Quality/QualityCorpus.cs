using GlobalBrain.Domain.Documents;
using Xunit;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>The shared corpus (en, es, zh) as the quality tests read it; skips the test when GLOBALBRAIN_DATA is unset.</summary>
internal static class QualityCorpus
{
    private const string DataVariable = "GLOBALBRAIN_DATA";

    /// <summary>The corpus folder, or a skip with the reason.</summary>
    public static string Folder()
    {
        var data = Environment.GetEnvironmentVariable(DataVariable);
        Skip.If(string.IsNullOrEmpty(data), $"{DataVariable} is not set; point it at the shared data folder (absolute path of shared/data) to run this corpus test");
        var corpus = Path.Combine(data!, "corpus");
        Assert.True(Directory.Exists(corpus), $"{DataVariable}={data} has no corpus/ directory");
        return corpus;
    }

    /// <summary>Each file as one document, with its language (the folder it is in).</summary>
    public static List<(string Language, string Id, string Text)> Files(string corpus) =>
        [.. Directory.GetFiles(corpus, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (LanguageOf(corpus, f), Path.GetRelativePath(corpus, f), File.ReadAllText(f)))];

    /// <summary>Each paragraph as one document, as <c>--split paragraphs</c> cuts them.</summary>
    public static List<(string Language, string Id, string Text)> Paragraphs(string corpus)
    {
        var units = new List<(string, string, string)>();
        foreach (var file in Directory.GetFiles(corpus, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var documents = new List<Document>();
            DocumentParser.ParseText(File.ReadAllBytes(file), Path.GetRelativePath(corpus, file), TextSplit.Paragraphs, documents, new List<Rejection>());
            units.AddRange(documents.Select(d => (LanguageOf(corpus, file), d.Id, d.Text)));
        }

        return units;
    }

    private static string LanguageOf(string corpus, string file) => Path.GetRelativePath(corpus, file).Split(Path.DirectorySeparatorChar)[0];
}
