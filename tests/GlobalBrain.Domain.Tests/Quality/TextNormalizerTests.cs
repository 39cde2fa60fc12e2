using GlobalBrain.Domain.Quality;
using Xunit;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// The fast (table) path of the normalisation gives what the reference (rune by rune) path gives: for every code
/// point alone and in contexts, and for random mixed-script texts.
/// </summary>
public sealed class TextNormalizerTests
{
    [Fact]
    public void AsciiText_NormalizesAsTheRunePathDoes()
    {
        var random = new Random(5);
        const string alphabet = "aZ09 \t\n\r.,;:!?-_'\"()[]{}<>@#$%^&*+=/\\|~`\u0001\u001c\u007f";
        for (var i = 0; i < 20_000; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 40)).Select(_ => random.Next(4) == 0 ? (char)random.Next(0, 128) : alphabet[random.Next(alphabet.Length)])]);

            Assert.Equal(TextNormalizer.NormalizeRunes(text), TextNormalizer.Normalize(text));
        }
    }

    [Theory]
    [InlineData("Hello, World! 1.5 and 2,000", "hello world 0 and 0")]
    [InlineData("  Tabs\tand\nlines  ", "tabs and lines")]
    [InlineData("Ünïcödé stays on the rune path", "unicode stays on the rune path")]
    public void Normalize_Examples(string text, string expected) => Assert.Equal(expected, TextNormalizer.Normalize(text));

    /// <summary>Each character between letters, after and before spaces, between digits, after a combining mark, twice, beside accented and CJK text.</summary>
    private static readonly string[] Contexts = ["{0}", "a{0}b", " {0}", "{0} ", "x {0} y", "1{0}2", "e\u0301{0}", "{0}\u0301", "{0}{0}", "é{0}ñ", "字{0}", "\ud800{0}", "{0}\udc00"];

    [Fact]
    public void EveryBmpCharacter_AloneAndInContexts_NormalizesAsTheRunePathDoes()
    {
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var character = ((char)c).ToString();
            foreach (var context in Contexts)
            {
                var text = context.Replace("{0}", character, StringComparison.Ordinal);
                var expected = TextNormalizer.NormalizeRunes(text);
                var actual = TextNormalizer.Normalize(text);
                if (expected != actual)
                {
                    Assert.Fail($"U+{c:X4} in \"{context}\": \"{actual}\", the rune path gives \"{expected}\"");
                }
            }
        }
    }

    [Fact]
    public void EverySupplementaryCodePoint_AloneAndInContexts_NormalizesAsTheRunePathDoes()
    {
        string[] contexts = ["{0}", "a{0}b", " {0}1", "1{0} ", "{0}{0}"];
        for (var c = 0x10000; c <= 0x10FFFF; c++)
        {
            var character = char.ConvertFromUtf32(c);
            foreach (var context in contexts)
            {
                var text = context.Replace("{0}", character, StringComparison.Ordinal);
                var expected = TextNormalizer.NormalizeRunes(text);
                var actual = TextNormalizer.Normalize(text);
                if (expected != actual)
                {
                    Assert.Fail($"U+{c:X5} in \"{context}\": \"{actual}\", the rune path gives \"{expected}\"");
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomMixedScriptTexts_NormalizeAsTheRunePathDoes(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 10_000; i++)
        {
            var text = DuplicateKeysPinnedTests.RandomText(random, random.Next(0, 80));

            Assert.Equal(TextNormalizer.NormalizeRunes(text), TextNormalizer.Normalize(text));
        }
    }

    [Fact]
    public void LetterAndSpaceRuns_ThroughEightAtATimeAndBack_NormalizeAsTheRunePathDoes()
    {
        // Runs of ASCII letters and spaces (taken eight at a time) broken at every offset by double spaces,
        // punctuation, digits, accents, tabs, CJK, Hangul and surrogates, with pending spaces on either side.
        var random = new Random(11);
        const string alphabet = "aaaaazzzzzQQQ          .,1\t\né字한\u00a0\u0301\ud83d\ude00\ud800";
        for (var i = 0; i < 50_000; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 48)).Select(_ => alphabet[random.Next(alphabet.Length)])]);

            Assert.Equal(TextNormalizer.NormalizeRunes(text), TextNormalizer.Normalize(text));
        }
    }

    [Fact]
    public void TextThatGrowsWhenDecomposed_NormalizesAsTheRunePathDoes()
    {
        // Each Hangul syllable is two or three jamo: the output is longer than the input.
        var text = string.Concat(Enumerable.Repeat("한국어", 700)) + " 1 " + string.Concat(Enumerable.Repeat("각\ud801\udc00", 300));

        Assert.Equal(TextNormalizer.NormalizeRunes(text), TextNormalizer.Normalize(text));
        Assert.True(TextNormalizer.Normalize(text).Length > text.Length);
    }
}
