namespace GlobalBrain.Grains.Tests.Quality;

/// <summary>Texts for the duplicate tests: made of random pseudo-words, so two of them share no word 5-gram unless made to.</summary>
internal static class QualityTexts
{
    /// <summary><paramref name="count"/> distinct texts of <paramref name="words"/> words, the same for the same seed.</summary>
    public static List<string> Distinct(int count, int seed, int words = 60)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => string.Join(' ', Enumerable.Range(0, words).Select(_ => Word(random))))];
    }

    /// <summary>An exact duplicate after normalisation: other case, punctuation and spacing.</summary>
    public static string ExactVariant(string text) => "  " + text.ToUpperInvariant().Replace(" ", ",  ", StringComparison.Ordinal) + "!";

    /// <summary>A near duplicate: the last word changed (one 5-gram of 56 differs: Jaccard ≈ 0.97, caught with probability ≈ 1).</summary>
    public static string NearVariant(string text) => text[..text.LastIndexOf(' ')] + " zzzzzz";

    private static string Word(Random random)
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        return new string([.. Enumerable.Range(0, random.Next(4, 9)).Select(_ => letters[random.Next(letters.Length)])]);
    }
}
