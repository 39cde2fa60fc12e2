using System.Text;
using GlobalBrain.Client.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// Console.Out flushes on every write; tokenize writes a line per input line, so buffer stdout.
var rawStdout = Console.OpenStandardOutput();
await using var stdout = new StreamWriter(rawStdout, new UTF8Encoding(false), 1 << 16);
try
{
    return await GlobalBrainCli.RunAsync(args, new CliContext
    {
        Out = stdout,
        OpenStdout = () =>
        {
            // What was written as text goes first; the command then writes bytes.
            stdout.Flush();
            return rawStdout;
        },
        Error = Console.Error,
        Interactive = !Console.IsErrorRedirected,
    }, cancel.Token);
}
finally
{
    await stdout.FlushAsync(CancellationToken.None);
}
