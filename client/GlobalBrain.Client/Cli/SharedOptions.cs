using System.CommandLine;

namespace GlobalBrain.Client.Cli;

/// <summary>The options several commands take, said the same way in each.</summary>
internal static class SharedOptions
{
    /// <summary>--cluster: the running cluster to use; without it an embedded silo.</summary>
    public static Option<string?> Cluster() => new("--cluster")
    {
        Description = "A running cluster: its gateways HOST:PORT[,HOST:PORT…], or redis://HOST:PORT for its Redis membership (redis:// alone reads GlobalBrain__Cluster__Redis); without it an embedded in-process silo is started.",
        HelpName = "HOST:PORT|redis://HOST:PORT",
    };

    /// <summary>--json: one JSON object on stdout.</summary>
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print one JSON object on stdout (progress and messages go to stderr).",
    };
}
