using System.CommandLine;

namespace GlobalBrain.Client.Cli;

/// <summary>
/// The <c>globalbrain</c> command line (DESIGN.md, "Command-line contract"): the commands, each of which defines
/// its own options (<c>XxxCommand.Define</c>), and how parse errors and failures are reported and mapped to exit codes.
/// </summary>
public static class GlobalBrainCli
{
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context);
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

    private static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("GlobalBrain.Cluster: ingest text into a network of expert grains that exchange knowledge at flow rate v, and read the collective-intelligence metrics.");
        root.Add(IngestCommand.Define(context));
        root.Add(TokenizeCommand.Define(context));
        root.Add(SimulateCommand.Define(context));
        root.Add(MetricsCommand.Define(context));
        return root;
    }
}
