using GlobalBrain.Domain.Tokenization;
using Microsoft.ML.Tokenizers;
using Xunit;

namespace GlobalBrain.Domain.Tests.Tokenization;

public sealed class TextEncodersTests
{
    [Fact]
    public void Cl100kBase_EncodesLikeTheReferenceTiktokenTokenizer()
    {
        var reference = TiktokenTokenizer.CreateForEncoding("cl100k_base");

        var ids = TextEncoders.Get("cl100k_base").Encode("hello world");

        Assert.Equal(reference.EncodeToIds("hello world"), ids);
        Assert.Equal([15339, 1917], ids);
    }

    [Theory]
    [InlineData("cl100k_base")]
    [InlineData("o200k_base")]
    public void Get_ReturnsAnEncoderNamedAsAsked(string name)
    {
        var encoder = TextEncoders.Get(name);

        Assert.Equal(name, encoder.Name);
        Assert.True(TextEncoders.IsKnown(name));
        Assert.NotEmpty(encoder.Encode("The quick brown fox jumps over the lazy dog."));
        Assert.Empty(encoder.Encode(string.Empty));
    }

    [Fact]
    public void Get_CachesOneInstancePerName()
    {
        Assert.Same(TextEncoders.Get("cl100k_base"), TextEncoders.Get("cl100k_base"));
        Assert.Same(TextEncoders.Get(TextEncoders.Default), TextEncoders.Get("cl100k_base"));
        Assert.NotSame(TextEncoders.Get("cl100k_base"), TextEncoders.Get("o200k_base"));
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("CL100K_BASE")]
    [InlineData("")]
    public void Get_OfAnUnknownName_ThrowsListingTheKnownNames(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => TextEncoders.Get(name));

        Assert.Equal("name", error.ParamName);
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.All(TextEncoders.Names, known => Assert.Contains(known, error.Message, StringComparison.Ordinal));
        Assert.False(TextEncoders.IsKnown(name));
    }

    [Fact]
    public void Names_ListsBothTiktokenEncodingsAndBert()
    {
        Assert.Equal(["cl100k_base", "o200k_base", "bert"], TextEncoders.Names);
        Assert.Contains(TextEncoders.Default, TextEncoders.Names);
        Assert.True(TextEncoders.NeedsVocabulary("bert"));
        Assert.False(TextEncoders.NeedsVocabulary("cl100k_base"));
    }

    [Fact]
    public void Get_Bert_WithoutAVocabulary_SaysWhatItNeeds()
    {
        var error = Assert.Throws<ArgumentException>(() => TextEncoders.Get("bert"));

        Assert.Contains("needs a vocabulary", error.Message, StringComparison.Ordinal);
    }
}
