using Xunit;

namespace GlobalBrain.Client.Tests;

/// <summary>
/// Tests that run the CLI without --cluster each start an in-process silo; they run one after the
/// other so that a small machine stays responsive and the silos do not compete for cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EmbeddedClusterRuns
{
    public const string Name = "Embedded cluster";
}
