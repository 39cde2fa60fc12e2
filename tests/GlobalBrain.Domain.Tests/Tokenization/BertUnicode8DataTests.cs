using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GlobalBrain.Domain.Tokenization.Bert;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Tokenization;

/// <summary>
/// The generated Unicode 8.0 tables (Bert/gen/generate-bert-unicode8.mjs) are well formed, unedited
/// and agree with .NET's own (newer) Unicode data on every code point both versions have assigned, but
/// for the few whose category Unicode changed since 8.0; and the per-setting class tables follow the rules.
/// </summary>
public sealed class BertUnicode8DataTests(ITestOutputHelper output)
{
    /// <summary>Code points assigned in Unicode 8.0 whose category (as far as BERT cares: other, punctuation, nonspacing mark or none) changed since.</summary>
    private static readonly Dictionary<int, string> ChangedSince8 = new()
    {
        [0x166D] = "CANADIAN SYLLABICS CHI SIGN: Po in 8.0, So later",
        [0x111C9] = "SHARADA SANDHI MARK: Po in 8.0, Mn later",
        [0x1734] = "HANUNOO SIGN PAMUDPOD: Mn in 8.0, Mc later",
        [0x1885] = "MONGOLIAN LETTER ALI GALI BALUDA: not Mn in 8.0, Mn later",
        [0x1886] = "MONGOLIAN LETTER ALI GALI THREE BALUDA: not Mn in 8.0, Mn later",
        [0xA9BD] = "JAVANESE CONSONANT SIGN KERET: not Mn in 8.0, Mn later",
        [0x1171E] = "AHOM CONSONANT SIGN MEDIAL RA: Mn in 8.0, Mc later",
    };

    [Fact]
    public void Tables_AreSortedDisjointRangesOfScalarValues()
    {
        foreach (var (name, ranges) in Tables())
        {
            Assert.True(ranges.Length % 2 == 0, $"{name}: odd length");
            var previousEnd = -2;
            for (var i = 0; i < ranges.Length; i += 2)
            {
                Assert.True(ranges[i] <= ranges[i + 1] && ranges[i + 1] <= 0x10FFFF, $"{name}: bad range {ranges[i]:X}-{ranges[i + 1]:X}");
                Assert.True(ranges[i] > previousEnd + 1, $"{name}: range {ranges[i]:X} overlaps or touches the one before");
                previousEnd = ranges[i + 1];
            }
        }
    }

    [Fact]
    public void Tables_MatchTheChecksumTheGeneratorWrote()
    {
        // The generator hashes the same canonical text; a hand edit of the ranges without the generator fails here.
        var canonical = string.Join(';', Tables().Select(t =>
        {
            var parts = new List<string>();
            for (var i = 0; i < t.Ranges.Length; i += 2)
            {
                parts.Add($"{t.Ranges[i]:x}-{t.Ranges[i + 1]:x}");
            }

            return $"{t.Name}:{string.Join(',', parts)}";
        }));
        Assert.Equal(BertUnicode8Data.Checksum, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
    }

    [Fact]
    public void Tables_AgreeWithDotNetUnicode_OnEveryCodePointAssignedInUnicode8_ButKnownChanges()
    {
        var differing = new List<string>();
        var assigned = 0;
        for (var codePoint = 0; codePoint <= 0x10FFFF; codePoint++)
        {
            if (!BertCharClasses.InRanges(BertUnicode8Data.Assigned, codePoint))
            {
                Assert.False(BertCharClasses.InRanges(BertUnicode8Data.Other, codePoint), $"U+{codePoint:X4} is unassigned in 8.0 but in Other");
                Assert.False(BertCharClasses.InRanges(BertUnicode8Data.Punctuation, codePoint), $"U+{codePoint:X4} is unassigned in 8.0 but in Punctuation");
                Assert.False(BertCharClasses.InRanges(BertUnicode8Data.NonspacingMark, codePoint), $"U+{codePoint:X4} is unassigned in 8.0 but in NonspacingMark");
                continue;
            }

            assigned++;
            if (codePoint is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            var category = CharUnicodeInfo.GetUnicodeCategory(codePoint);
            Assert.True(category != UnicodeCategory.OtherNotAssigned, $"U+{codePoint:X4} is assigned in 8.0 but not in .NET's newer Unicode (Unicode never unassigns)");
            var dotNetOther = category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse;
            var dotNetPunctuation = category is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
                or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
            if (dotNetOther != BertCharClasses.InRanges(BertUnicode8Data.Other, codePoint)
                || dotNetPunctuation != BertCharClasses.InRanges(BertUnicode8Data.Punctuation, codePoint)
                || (category == UnicodeCategory.NonSpacingMark) != BertCharClasses.InRanges(BertUnicode8Data.NonspacingMark, codePoint)
                || (codePoint <= char.MaxValue && char.IsWhiteSpace((char)codePoint))
                    != BertCharClasses.InRanges(BertUnicode8Data.WhiteSpace, codePoint))
            {
                differing.Add($"U+{codePoint:X4} ({category} in .NET)");
            }
        }

        output.WriteLine($"{assigned} code points assigned in Unicode 8.0 (including surrogates); differing from .NET: {string.Join(", ", differing)}");
        var known = ChangedSince8.Keys.Select(k => $"U+{k:X4} ").ToList();
        var unexpected = differing.Where(d => !known.Any(k => d.StartsWith(k, StringComparison.Ordinal))).ToList();
        Assert.True(unexpected.Count == 0, $"differ from .NET's tables with no known Unicode change: {string.Join(", ", unexpected)}");
        Assert.Equal(known.Count, differing.Count);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void Table_EqualsTheRuleByRuleClass_ForEveryCodePoint(bool cleanText, bool handleChineseChars)
    {
        var table = BertCharClasses.Table(cleanText, handleChineseChars);
        Assert.Equal(0x110000, table.Length);
        for (var codePoint = 0; codePoint <= 0x10FFFF; codePoint++)
        {
            var expected = codePoint switch
            {
                >= 0xD800 and <= 0xDBFF => BertCharClass.HighSurrogate,
                >= 0xDC00 and <= 0xDFFF => BertCharClass.LowSurrogate,
                _ => BertCharClasses.OfCodePoint(codePoint, cleanText, handleChineseChars),
            };
            if (table[codePoint] != expected)
            {
                Assert.Fail($"U+{codePoint:X4}: table {table[codePoint]}, rules {expected}");
            }
        }
    }

    private static (string Name, int[] Ranges)[] Tables() =>
    [
        ("Other", BertUnicode8Data.Other.ToArray()),
        ("Punctuation", BertUnicode8Data.Punctuation.ToArray()),
        ("NonspacingMark", BertUnicode8Data.NonspacingMark.ToArray()),
        ("WhiteSpace", BertUnicode8Data.WhiteSpace.ToArray()),
        ("Assigned", BertUnicode8Data.Assigned.ToArray()),
    ];
}
