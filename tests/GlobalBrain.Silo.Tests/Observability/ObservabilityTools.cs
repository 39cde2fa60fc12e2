namespace GlobalBrain.Silo.Tests.Observability;

/// <summary>Where Prometheus' configuration is, and whether its tools are installed.</summary>
internal static class ObservabilityTools
{
    public const string MissingPrometheus =
        "promtool and prometheus are not on PATH: run `bash .ci/setup` (or apt-get install prometheus) to run the observability tests";

    public static string PrometheusDir => Path.Combine(Repository.Root, "deploy", "prometheus");

    public static bool PrometheusMissing => ProcessRunner.FindOnPath("promtool") is null || ProcessRunner.FindOnPath("prometheus") is null;
}
