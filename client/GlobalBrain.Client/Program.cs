using System.Text;
using GlobalBrain.Client.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// Console.Out flushes on every write; tokenize writes a line per input line, so buffer stdout.
await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
try
{
    return await GlobalBrainCli.RunAsync(args, new CliContext
    {
        Out = stdout,
        Error = Console.Error,
        Interactive = !Console.IsErrorRedirected,
    }, cancel.Token);
}
finally
{
    await stdout.FlushAsync(CancellationToken.None);
}
