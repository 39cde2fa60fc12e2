namespace GlobalBrain.Client.Cli;

/// <summary>Where a CLI run reads and writes; tests pass their own.</summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public Func<Stream> OpenStdin { get; init; } = Console.OpenStandardInput;

    /// <summary>stdout as bytes, for commands that write UTF-8 themselves (tokenize); null: they write through <see cref="Out"/>.</summary>
    public Func<Stream>? OpenStdout { get; init; }

    /// <summary>stderr is a terminal: show progress.</summary>
    public bool Interactive { get; init; }
}
