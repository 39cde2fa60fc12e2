namespace GlobalBrain.Client.Cli;

/// <summary>A file a command writes besides stdout (<c>simulate --csv</c>, <c>--plot</c>, <c>--checkpoint</c>); a failure names the option.</summary>
internal static class OutputFile
{
    /// <summary>
    /// Refuses a path that cannot be written (a directory, a missing parent), so that a long run does not
    /// end only to find it cannot write its output; null passes.
    /// </summary>
    public static void RequireWritable(string option, string? path)
    {
        if (path is null)
        {
            return;
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliException($"{option}: cannot write '{path}': {e.Message}", ExitCodes.RuntimeFailure);
        }

        if (Directory.Exists(full))
        {
            throw new CliException($"{option}: cannot write '{path}': it is a directory", ExitCodes.RuntimeFailure);
        }

        if (Path.GetDirectoryName(full) is { } directory && !Directory.Exists(directory))
        {
            throw new CliException(File.Exists(directory)
                ? $"{option}: cannot write '{path}': '{directory}' is a file, not a directory"
                : $"{option}: cannot write '{path}': the directory '{directory}' does not exist", ExitCodes.RuntimeFailure);
        }
    }

    /// <summary>Writes the file; a failure is a runtime error naming the option and the path.</summary>
    public static async Task WriteAsync(string option, string path, byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            await File.WriteAllBytesAsync(path, bytes, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliException($"{option}: cannot write '{path}': {e.Message}", ExitCodes.RuntimeFailure);
        }
    }
}
