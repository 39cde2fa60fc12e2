namespace GlobalBrain.Domain.Quality;

/// <summary>
/// Thresholds of <see cref="QualityFilter"/>; null (or false) switches a rule off. The defaults are the
/// published ones: Gopher = Rae et al. 2021, "Scaling Language Models: Methods, Analysis &amp; Insights from
/// Training Gopher", appendix A.1.1 and table A1, with datatrove's GopherQualityFilter and
/// GopherRepetitionFilter defaults; C4 = Raffel et al. 2020, "Exploring the Limits of Transfer Learning
/// with a Unified Text-to-Text Transformer", §2.2, with datatrove's C4QualityFilter. Where a value is not
/// theirs the property says so.
/// </summary>
public sealed record QualityOptions
{
    /// <summary>Every rule with its published default.</summary>
    public static QualityOptions Default { get; } = new();

    /// <summary>No rule: every document is kept.</summary>
    public static QualityOptions Off { get; } = new()
    {
        MinWords = null, MaxWords = null, MinMeanWordLength = null, MaxMeanWordLength = null,
        MaxHashWordRatio = null, MaxEllipsisWordRatio = null, MaxBulletLineFraction = null,
        MaxEllipsisLineFraction = null, MinAlphabeticWordFraction = null, MinStopWords = null,
        MaxDuplicateLineFraction = null, MaxDuplicateLineCharFraction = null,
        MaxDuplicateParagraphFraction = null, MaxDuplicateParagraphCharFraction = null,
        TopNGramCharFractions = [], DuplicateNGramCharFractions = [],
        RejectLoremIpsum = false, RejectCurlyBracket = false, MinTerminalPunctuationFraction = null,
        MaxBoilerplateLineFraction = null, MinSentences = null,
    };

    /// <summary>Gopher: 50 to 100,000 words (punctuation-only tokens not counted; each Han/kana character is a word).</summary>
    public int? MinWords { get; init; } = 50;

    public int? MaxWords { get; init; } = 100_000;

    /// <summary>Gopher: mean word length 3 to 10 characters. Skipped when most words are Han/kana characters.</summary>
    public double? MinMeanWordLength { get; init; } = 3;

    public double? MaxMeanWordLength { get; init; } = 10;

    /// <summary>Gopher: at most 0.1 '#' per word.</summary>
    public double? MaxHashWordRatio { get; init; } = 0.1;

    /// <summary>Gopher: at most 0.1 ellipses ("..." or "…") per word.</summary>
    public double? MaxEllipsisWordRatio { get; init; } = 0.1;

    /// <summary>Gopher: at most 90 % of lines start with a bullet (• ● ◦ ‣ ▪ ■ - *; datatrove checks • only).</summary>
    public double? MaxBulletLineFraction { get; init; } = 0.9;

    /// <summary>Gopher: at most 30 % of lines end with an ellipsis.</summary>
    public double? MaxEllipsisLineFraction { get; init; } = 0.3;

    /// <summary>Gopher: at least 80 % of words contain an alphabetic character.</summary>
    public double? MinAlphabeticWordFraction { get; init; } = 0.8;

    /// <summary>Gopher: at least 2 of the, be, to, of, and, that, have, with — applied to English (language "en") only.</summary>
    public int? MinStopWords { get; init; } = 2;

    /// <summary>Gopher table A1: duplicate lines ≤ 30 % of lines (blank lines not counted — datatrove counts them).</summary>
    public double? MaxDuplicateLineFraction { get; init; } = 0.30;

    /// <summary>Gopher table A1: characters in duplicate lines ≤ 20 % of the text.</summary>
    public double? MaxDuplicateLineCharFraction { get; init; } = 0.20;

    /// <summary>Gopher table A1: duplicate paragraphs (blank-line separated) ≤ 30 %.</summary>
    public double? MaxDuplicateParagraphFraction { get; init; } = 0.30;

    /// <summary>Gopher table A1: characters in duplicate paragraphs ≤ 20 % of the text.</summary>
    public double? MaxDuplicateParagraphCharFraction { get; init; } = 0.20;

    /// <summary>Gopher table A1: characters of the most frequent n-gram ≤ fraction of the text, by n.</summary>
    public IReadOnlyList<(int N, double MaxFraction)> TopNGramCharFractions { get; init; } = [(2, 0.20), (3, 0.18), (4, 0.16)];

    /// <summary>Gopher table A1: characters in repeated n-grams (each counted once, non-overlapping) ≤ fraction, by n.</summary>
    public IReadOnlyList<(int N, double MaxFraction)> DuplicateNGramCharFractions { get; init; } =
        [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)];

    /// <summary>C4: a document containing "lorem ipsum" is dropped.</summary>
    public bool RejectLoremIpsum { get; init; } = true;

    /// <summary>C4: a document containing '{' (code, templates) is dropped.</summary>
    public bool RejectCurlyBracket { get; init; } = true;

    /// <summary>
    /// C4 keeps only lines ending in terminal punctuation; a document is kept whole or dropped here, and
    /// book and mail text is hard-wrapped, so the rule is applied to paragraphs (blank-line separated, line
    /// breaks inside taken as wrapping): at least this fraction must end in . ! ? " ' ” ’ » 」 』 ） ) 。 ！ ？ ．
    /// or a colon, and not an ellipsis. C4's set is . ! ? " '; the closing quotes and CJK stops are the same marks
    /// in other typography, and the colon is added because a book paragraph ending in one introduces the
    /// quotation in the next (148 of Huckleberry Finn's 731 long paragraphs). 0.5 is this project's choice.
    /// </summary>
    public double? MinTerminalPunctuationFraction { get; init; } = 0.5;

    /// <summary>
    /// C4 removes lines mentioning javascript or a cookie/terms policy; here a document is dropped when more
    /// than this fraction of its non-blank lines do. 0.1 is this project's choice, not C4's.
    /// </summary>
    public double? MaxBoilerplateLineFraction { get; init; } = 0.1;

    /// <summary>C4 drops pages with fewer than 5 sentences; off by default because ingestion documents are often single paragraphs.</summary>
    public int? MinSentences { get; init; }
}
