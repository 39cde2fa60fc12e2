using GlobalBrain.Client.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return await GlobalBrainCli.RunAsync(args, new CliContext
{
    Out = Console.Out,
    Error = Console.Error,
    Interactive = !Console.IsErrorRedirected,
}, cancel.Token);
