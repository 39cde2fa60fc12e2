using Xunit;

// Silos hosted in one process share the process's meter listeners (OpenTelemetry subscribes to
// meters by name), so two in-process silos at once can mix or lose each other's /metrics series:
// the classes here, which each start a silo, run one after the other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
