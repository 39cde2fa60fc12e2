namespace GlobalBrain.Domain.Quality;

/// <summary>
/// How the language filter chooses: Lingua picks the closest of its candidates, so a detector built only
/// from the languages to keep labels a French text "en" when en and es are the candidates (measured). The
/// candidates are therefore the languages to keep plus <see cref="DefaultOthers"/>, so a text in another
/// widely written language is recognised as such and dropped.
/// </summary>
public static class LanguageScreen
{
    /// <summary>
    /// The other candidates: the languages with the most web text (Common Crawl's largest after English) —
    /// Latin-script ones cost ~20 MB of models each, those with a script of their own little (the script decides).
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultOthers = ["en", "de", "fr", "es", "it", "pt", "nl", "ru", "zh", "ja", "ar", "ko"];

    /// <summary>Characters of a document Lingua reads: all of a shorter one, else <see cref="SampleWindows"/> windows spread over it.</summary>
    public const int SampleCharacters = 1024;

    private const int SampleWindows = 4;

    /// <summary>The candidates for <paramref name="keep"/>: those languages and the others, sorted.</summary>
    public static string[] Candidates(IEnumerable<string> keep, IEnumerable<string>? others = null) =>
        [.. keep.Concat(others ?? DefaultOthers).Select(c => c.Trim().ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>
    /// The text Lingua reads: a long document's language is told from a few windows spread over it (its start
    /// alone may be a licence or a header in another language), so the cost per document is bounded.
    /// </summary>
    public static string Sample(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= SampleCharacters)
        {
            return text;
        }

        var window = SampleCharacters / SampleWindows;
        var step = (text.Length - window) / (SampleWindows - 1);
        var parts = new string[SampleWindows];
        for (var i = 0; i < SampleWindows; i++)
        {
            var start = i * step;
            // Start and end at whitespace where there is some near, so no window begins or ends inside a word.
            var space = text.IndexOf(' ', start, Math.Min(64, text.Length - start));
            start = i > 0 && space >= 0 ? space + 1 : start;
            var length = Math.Min(window, text.Length - start);
            var end = text.LastIndexOf(' ', start + length - 1, Math.Min(64, length));
            parts[i] = text.Substring(start, end > start ? end - start : length);
        }

        return string.Join(' ', parts);
    }

    /// <summary>True when every code is one Lingua knows; otherwise the first that is not.</summary>
    public static string? Unknown(IEnumerable<string> codes) => codes.FirstOrDefault(c => !LanguageDetector.IsSupported(c));
}
