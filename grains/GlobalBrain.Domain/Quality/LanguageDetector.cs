using System.Globalization;
using Lingua;
using LinguaDetector = Lingua.LanguageDetector;

namespace GlobalBrain.Domain.Quality;

/// <summary>A detected language: ISO 639-1 code (lower case), or <c>und</c> when none could be told.</summary>
public readonly record struct LanguageGuess(string Code, double Confidence)
{
    public const string Undetermined = "und";

    public bool IsDetermined => Code != Undetermined;
}

/// <summary>
/// Language identification with Lingua (SearchPioneer.Lingua 2.0.0, the .NET port of pemistahl/lingua:
/// rules on characters, then 1- to 5-gram models trained on the Leipzig Wortschatz corpora; 79 languages;
/// the models ship in the package and are copied next to the assembly under Lingua/LanguageModels).
/// </summary>
/// <remarks>
/// The detector is built on first use and loads each language's models the first time a text calls for
/// them. Cost, measured in one process per case on this machine (2 cores), detecting one English, one
/// Spanish and one Chinese sentence: restricted to en, es, zh — 4.3 s and +65 MB managed heap
/// (+160 MB working set); all 79 languages — 111 s and +1.2 GB heap (+1.7 GB working set), preloaded
/// 64 s and +1.9 GB. So restrict the candidates to the languages expected in the data (plus the likely
/// confusions when those matter): a text in a language outside the set is given the closest one of the set.
/// </remarks>
public sealed class LanguageDetector
{
    private readonly Lazy<LinguaDetector> _detector;
    private readonly Lazy<LanguageFirstStage?>? _firstStage;
    private readonly bool _chineseByScript;

    /// <param name="candidates">ISO 639-1 codes to choose among; null or empty for all of Lingua's languages.</param>
    public LanguageDetector(IEnumerable<string>? candidates = null)
        : this(candidates, firstStage: true)
    {
    }

    /// <param name="candidates">ISO 639-1 codes to choose among; null or empty for all of Lingua's languages.</param>
    /// <param name="firstStage">
    /// Whether <see cref="LanguageFirstStage"/> answers the texts it can before Lingua is asked (never with all
    /// languages as candidates: its tables would hold every Latin-script language's).
    /// </param>
    internal LanguageDetector(IEnumerable<string>? candidates, bool firstStage)
    {
        var languages = candidates?.Select(Parse).Distinct().ToArray() ?? [];
        if (languages.Length == 1)
        {
            throw new ArgumentException($"Language detection needs two candidate languages or more, not only '{languages[0].IsoCode6391().ToString().ToLowerInvariant()}'.", nameof(candidates));
        }

        Candidates = [.. languages.Select(Code)];
        _chineseByScript = languages.Contains(Language.Chinese);
        _detector = new Lazy<LinguaDetector>(() => languages.Length == 0
            ? LanguageDetectorBuilder.FromAllLanguages().Build()
            : LanguageDetectorBuilder.FromLanguages(languages).Build());
        _firstStage = firstStage && languages.Length > 0 ? new Lazy<LanguageFirstStage?>(() => LanguageFirstStage.Create(languages)) : null;
    }

    /// <summary>The candidate codes; empty when all languages are candidates.</summary>
    public IReadOnlyList<string> Candidates { get; }

    /// <summary>Every ISO 639-1 code Lingua knows.</summary>
    public static IReadOnlyList<string> SupportedCodes { get; } = [.. LanguageInfo.All().Select(Code).Order(StringComparer.Ordinal)];

    /// <summary>True when <paramref name="code"/> is an ISO 639-1 code Lingua knows.</summary>
    public static bool IsSupported(string code) => TryParse(code, out _);

    /// <summary>
    /// The most likely language and its confidence (Lingua's, in [0, 1]): Latin-script texts are first scored by
    /// <see cref="LanguageFirstStage"/>, which computes Lingua's own n-gram scores in one pass and answers when the lead
    /// is clear and Lingua's rules could not decide (same code as Lingua, confidence equal up to rounding; on the
    /// corpus paragraphs 27–38 times less CPU); the rest go to Lingua.
    /// </summary>
    public LanguageGuess Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_chineseByScript && IsHanOnly(text))
        {
            return new LanguageGuess("zh", 1);
        }

        if (_firstStage?.Value is { } first && first.TryDetect(text, out var guess))
        {
            return guess;
        }

        var best = Language.Unknown;
        var confidence = 0.0;
        foreach (var (language, value) in _detector.Value.ComputeLanguageConfidenceValues(text))
        {
            if (value > confidence)
            {
                best = language;
                confidence = value;
            }
        }

        return best == Language.Unknown ? new LanguageGuess(LanguageGuess.Undetermined, 0) : new LanguageGuess(Code(best), confidence);
    }

    /// <summary>
    /// True when every letter of <paramref name="text"/> is a Han ideograph of the BMP's unified blocks, and there is
    /// one: Lingua's rules then give Chinese with confidence 1 whatever the other candidates (each ideograph is a word
    /// of the Han script, which it counts for Chinese; only kana would make it Japanese), after cleaning that costs
    /// three regular expressions and a string and a dictionary per character. Punctuation, digits and whitespace are
    /// what that cleaning removes; anything else (kana, Latin, symbols, surrogates) leaves the text to Lingua.
    /// </summary>
    internal static bool IsHanOnly(ReadOnlySpan<char> text)
    {
        var han = false;
        foreach (var c in text)
        {
            if (c is (>= '\u4E00' and <= '\u9FFF') or (>= '\u3400' and <= '\u4DBF'))
            {
                han = true;
            }
            else if (!char.IsWhiteSpace(c) && char.GetUnicodeCategory(c) is not (UnicodeCategory.ConnectorPunctuation
                or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
                or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber))
            {
                return false;
            }
        }

        return han;
    }

    private static string Code(Language language) => language.IsoCode6391().ToString().ToLowerInvariant();

    private static Language Parse(string code) => TryParse(code, out var language)
        ? language
        : throw new ArgumentException($"'{code}' is not an ISO 639-1 code that language detection knows; known: {string.Join(",", SupportedCodes)}.", nameof(code));

    private static bool TryParse(string code, out Language language)
    {
        language = Language.Unknown;
        code = code?.Trim() ?? "";
        if (code.Length != 2 || !char.IsAsciiLetter(code[0]) || !char.IsAsciiLetter(code[1])
            || !Enum.TryParse<IsoCode6391>(code, ignoreCase: true, out var iso)
            || iso == IsoCode6391.None)
        {
            return false;
        }

        language = LanguageInfo.GetByIsoCode6391(iso);
        return language != Language.Unknown;
    }
}
