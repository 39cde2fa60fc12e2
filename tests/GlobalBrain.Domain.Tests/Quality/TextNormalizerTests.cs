using GlobalBrain.Domain.Quality;
using Xunit;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>The ASCII fast path of the normalisation gives what the general (rune by rune) path gives.</summary>
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
}
