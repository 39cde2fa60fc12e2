namespace GlobalBrain.Client.Cli;

/// <summary>Exit codes of the CLI (DESIGN.md): 0 success, 1 runtime failure, 2 bad usage or bad input.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int RuntimeFailure = 1;
    public const int Usage = 2;
}

/// <summary>A failure to report as one line, without a stack trace, with its exit code.</summary>
public sealed class CliException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
