using System.CommandLine;

namespace GlobalBrain.Client.Cli;

/// <summary>
/// The <c>globalbrain</c> command line (DESIGN.md, "Command-line contract"): the commands, each of which defines
/// its own options (<c>XxxCommand.Define</c>), and how parse errors and failures are reported and mapped to exit codes.
/// </summary>
public static class GlobalBrainCli
{
    /// <summary>Every command by the name it is defined with, in the order help lists them.</summary>
    internal static readonly (string Name, Func<CliContext, Command> Define)[] Commands =
    [
        ("ingest", IngestCommand.Define),
        ("tokenize", TokenizeCommand.Define),
        ("simulate", SimulateCommand.Define),
        ("metrics", MetricsCommand.Define),
    ];

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context, args);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // "Required command was not provided" only repeats what an unrecognized command already says.
            var errors = parse.Errors.Select(e => e.Message).ToList();
            if (errors.Count > 1)
            {
                errors.RemoveAll(m => m.StartsWith("Required command", StringComparison.Ordinal));
            }

            foreach (var error in errors)
            {
                await context.Error.WriteLineAsync($"globalbrain: {error}");
            }

            var command = parse.CommandResult.Command is RootCommand ? string.Empty : parse.CommandResult.Command.Name + " ";
            await context.Error.WriteLineAsync($"Run 'globalbrain {command}--help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (CliException e)
        {
            await context.Error.WriteLineAsync($"globalbrain: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync("globalbrain: cancelled");
            return ExitCodes.RuntimeFailure;
        }
        catch (OrleansException e)
        {
            await context.Error.WriteLineAsync($"globalbrain: the cluster failed: {e.Message.Split('\n')[0]}");
            return ExitCodes.RuntimeFailure;
        }
        catch (TimeoutException e)
        {
            await context.Error.WriteLineAsync($"globalbrain: the cluster did not answer in time: {e.Message.Split('\n')[0]}");
            return ExitCodes.RuntimeFailure;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Never a crash: a failure the cluster sent that this client cannot even read (a type it does not know), or a bug.
            await context.Error.WriteLineAsync($"globalbrain: the command failed ({e.GetType().Name}): {e.Message.Split('\n')[0]}");
            return ExitCodes.RuntimeFailure;
        }
    }

    /// <summary>
    /// The root command with the command <paramref name="args"/> names first, or with every command when the first
    /// word names none (help, --version, a typo: what is printed lists them all). Defining a command's options is
    /// not free (about 15 ms of a 0.1 s <c>tokenize</c> start-up went to the other three commands' options, mostly
    /// JIT-compiling their generic option types), and a command's parse never looks at its siblings.
    /// </summary>
    internal static RootCommand Build(CliContext context, IReadOnlyList<string> args)
    {
        var root = new RootCommand("GlobalBrain.Cluster: ingest text into a network of expert grains that exchange knowledge at flow rate v, and read the collective-intelligence metrics.");
        var named = false;
        foreach (var (name, define) in Commands)
        {
            if (args.Count > 0 && name == args[0])
            {
                root.Add(define(context));
                named = true;
            }
        }

        // A plain loop, not Array.FindIndex: generic code over a value tuple would be JIT-compiled, at start-up.
        if (!named)
        {
            foreach (var (_, define) in Commands)
            {
                root.Add(define(context));
            }
        }

        return root;
    }
}
