using System.CommandLine;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Domain.Tokenization.Bert;
using GlobalBrain.Grains;
using GlobalBrain.Grains.Ingestion;

namespace GlobalBrain.Client.Cli;

/// <summary>--tokenizer, --vocab, --max-len and --overflow as given on the command line.</summary>
public sealed record TokenizerArguments(string Name, string? Vocab, int? MaxLength, string Overflow);

/// <summary>
/// The tokenizer a command line asked for, checked before anything starts: its vocabulary read and
/// parsed here (so a bad file is a usage error naming the file), its spec for the cluster, and a
/// local encoder for commands that tokenize in-process.
/// </summary>
public sealed class TokenizerChoice
{
    private TokenizerChoice(TokenizerSpec spec, ITextEncoder encoder, OverflowMode overflow, VocabularyFile? file, WordPieceVocabulary? vocabulary)
    {
        Spec = spec;
        Encoder = encoder;
        Overflow = overflow;
        File = file;
        Vocabulary = vocabulary;
    }

    public TokenizerSpec Spec { get; }

    public ITextEncoder Encoder { get; }

    public OverflowMode Overflow { get; }

    /// <summary>The vocabulary file to register with the cluster (bert), or null.</summary>
    public VocabularyFile? File { get; }

    public WordPieceVocabulary? Vocabulary { get; }

    public static TokenizerChoice Load(TokenizerArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var needsVocabulary = TextEncoders.NeedsVocabulary(arguments.Name);
        if (needsVocabulary && string.IsNullOrEmpty(arguments.Vocab))
        {
            throw Usage($"--tokenizer {arguments.Name} needs --vocab FILE: a BERT vocab.txt or a HuggingFace tokenizer.json (e.g. bert-base-cased's)");
        }

        if (!needsVocabulary && arguments.Vocab is not null)
        {
            throw Usage($"--vocab is used by --tokenizer bert only; {arguments.Name} has its vocabulary built in");
        }

        if (arguments.Overflow == TokenizerSpec.Chunk && arguments.MaxLength is null)
        {
            throw Usage("--overflow chunk cuts documents into windows of --max-len tokens; give --max-len L too");
        }

        ITextEncoder encoder;
        VocabularyFile? file = null;
        WordPieceVocabulary? vocabulary = null;
        if (needsVocabulary)
        {
            var path = VocabularyPath(arguments.Vocab!);
            byte[] content;
            try
            {
                content = System.IO.File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw Usage($"--vocab: cannot read '{path}': {e.Message}");
            }

            try
            {
                vocabulary = WordPieceVocabulary.Parse(content, Path.GetFileName(path));
            }
            catch (VocabularyException e)
            {
                throw Usage($"--vocab: {e.Message}");
            }

            file = new VocabularyFile(vocabulary.Source, content);
            encoder = TextEncoders.Bert(vocabulary);
        }
        else
        {
            encoder = TextEncoders.Get(arguments.Name);
        }

        if (arguments.MaxLength is { } max && (max < RecordFramer.MinLength(encoder) || max > RecordFramer.MaxLength))
        {
            var why = encoder.Specials is null ? string.Empty : " ([CLS], [SEP] and at least one token)";
            throw Usage($"--max-len must be from {RecordFramer.MinLength(encoder)}{why} to {RecordFramer.MaxLength} for {arguments.Name} (got {max})");
        }

        var spec = new TokenizerSpec(arguments.Name, vocabulary?.Sha256, arguments.MaxLength, arguments.Overflow);
        try
        {
            return new TokenizerChoice(spec, encoder, EncoderResolver.Validate(spec), file, vocabulary);
        }
        catch (ArgumentException e)
        {
            throw Usage(e.Message);
        }
    }

    /// <summary>Registers the vocabulary (if any) with the cluster, so that every silo can load it.</summary>
    public async Task RegisterAsync(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (File is not null)
        {
            await grains.GetGrain<IVocabularyGrain>(Spec.Vocabulary!).RegisterAsync(File);
        }
    }

    /// <summary>The four options, shared by every command that tokenizes.</summary>
    internal sealed class Options
    {
        public Option<string> Tokenizer { get; } = new("--tokenizer")
        {
            Description = $"Tokenizer: {string.Join(", ", TextEncoders.Names)} (bert needs --vocab).",
            DefaultValueFactory = _ => TextEncoders.Default,
        };

        public Option<string?> Vocab { get; } = new("--vocab")
        {
            Description = "bert's vocabulary: a BERT vocab.txt or a HuggingFace tokenizer.json.",
            HelpName = "FILE",
        };

        public Option<int?> MaxLength { get; } = new("--max-len")
        {
            Description = "Fixed record length L: [CLS] … [SEP], truncated or chunked, padded to L, with an attention mask (HuggingFace semantics). Default: full length.",
            HelpName = "L",
            // A whole number here; Load checks the tokenizer's own minimum.
            CustomParser = OptionParsers.OptionalWhole("--max-len", 1, RecordFramer.MaxLength),
        };

        public Option<string> Overflow { get; } = new("--overflow")
        {
            Description = "Beyond --max-len: truncate (keep the first tokens) or chunk (consecutive windows, no text lost).",
            DefaultValueFactory = _ => TokenizerSpec.Truncate,
            HelpName = "truncate|chunk",
        };

        public Options()
        {
            Tokenizer.Validators.Add(r =>
            {
                var name = r.GetValueOrDefault<string>();
                if (!TextEncoders.IsKnown(name))
                {
                    r.AddError($"--tokenizer: unknown tokenizer '{name}'; choose one of: {string.Join(", ", TextEncoders.Names)}");
                }
            });
            Overflow.AcceptOnlyFromAmong(TokenizerSpec.Truncate, TokenizerSpec.Chunk);
        }

        /// <summary>Adds the four options to <paramref name="command"/>.</summary>
        public void AddTo(Command command)
        {
            command.Add(Tokenizer);
            command.Add(Vocab);
            command.Add(MaxLength);
            command.Add(Overflow);
        }

        public TokenizerArguments Read(ParseResult parse) =>
            new(parse.GetValue(Tokenizer)!, parse.GetValue(Vocab), parse.GetValue(MaxLength), parse.GetValue(Overflow)!);
    }

    /// <summary>
    /// The file <c>--vocab</c> names, or in a model directory (as HuggingFace's <c>from_pretrained</c> takes one)
    /// its tokenizer.json, else its vocab.txt.
    /// </summary>
    private static string VocabularyPath(string vocab)
    {
        if (!Directory.Exists(vocab))
        {
            return vocab;
        }

        foreach (var name in new[] { "tokenizer.json", "vocab.txt" })
        {
            var candidate = Path.Combine(vocab, name);
            if (System.IO.File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw Usage($"--vocab: '{vocab}' is a directory with neither tokenizer.json nor vocab.txt; give --vocab FILE (a BERT vocab.txt or a HuggingFace tokenizer.json) or a model directory that holds one");
    }

    private static CliException Usage(string message) => new(message, ExitCodes.Usage);
}
