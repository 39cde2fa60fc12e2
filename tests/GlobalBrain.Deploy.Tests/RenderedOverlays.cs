using System.Text.Json.Nodes;

namespace GlobalBrain.Deploy.Tests;

/// <summary>
/// Every overlay under deploy/k8s/overlays rendered once with <c>kubectl kustomize</c> and parsed by
/// deploy/k8s/validate (which also validates each object, unknown fields included).
/// </summary>
public sealed class RenderedOverlays : IAsyncLifetime
{
    public static string K8sDir => Path.Combine(Repository.Root, "deploy", "k8s");

    public static string ValidatorDir => Path.Combine(K8sDir, "validate");

    /// <summary>Why the rendering tests cannot run here, or null.</summary>
    public static string? KubectlMissing => ProcessRunner.FindOnPath("kubectl") is null
        ? "kubectl is not on PATH: the deploy tests render the kustomize overlays with `kubectl kustomize` (kubectl 1.27 or later, kustomize v5); `bash .ci/setup` installs it"
        : null;

    /// <summary>Why the validation tests cannot run here, or null.</summary>
    public static string? ValidatorMissing =>
        KubectlMissing
        ?? (ProcessRunner.FindOnPath("node") is null ? "node is not on PATH: the deploy tests validate the rendered manifests with deploy/k8s/validate (Node.js 20); `bash .ci/setup` installs it" : null)
        ?? (!Directory.Exists(Path.Combine(ValidatorDir, "node_modules"))
            ? "deploy/k8s/validate/node_modules is missing: run `bash .ci/setup` (or `npm ci --prefix deploy/k8s/validate`) to run the deploy validation tests"
            : null);

    /// <summary>Why an old kubectl fails: its kustomize knows neither components nor directories in resources.</summary>
    internal const string KustomizeVersionHint = "the overlays need kustomize v5, built into kubectl 1.27 or later; Debian's kubernetes-client 1.20 has kustomize v2";

    internal IReadOnlyDictionary<string, RenderedOverlay> Overlays { get; private set; } = new Dictionary<string, RenderedOverlay>();

    public async Task InitializeAsync()
    {
        if (KubectlMissing is not null)
        {
            return;
        }

        var overlays = new Dictionary<string, RenderedOverlay>(StringComparer.Ordinal);
        foreach (var dir in Directory.GetDirectories(Path.Combine(K8sDir, "overlays")).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            overlays[name] = await RenderAsync(name, dir);
        }

        Overlays = overlays;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The rendered overlay; fails the test when it did not render or did not parse.</summary>
    internal RenderedOverlay Get(string overlay)
    {
        Assert.True(Overlays.TryGetValue(overlay, out var rendered), $"no overlay deploy/k8s/overlays/{overlay}");
        Assert.True(rendered.Render.ExitCode == 0, $"kubectl kustomize {overlay} failed ({KustomizeVersionHint}):\n{rendered.Render.Output}");
        Assert.True(rendered.Objects is not null, $"deploy/k8s/validate could not read the {overlay} rendering:\n{rendered.Validation?.Output}");
        return rendered;
    }

    internal static Task<ProcessResult> KustomizeAsync(string dir) => ProcessRunner.RunAsync("kubectl", ["kustomize", dir]);

    /// <summary>Runs deploy/k8s/validate on YAML text: exit code 0 = valid, 1 = problems (one per line, or JSON with --json).</summary>
    internal static Task<ProcessResult> ValidateAsync(string yaml, string label, bool json) =>
        ProcessRunner.RunAsync(
            "node",
            json
                ? [Path.Combine(ValidatorDir, "validate.mjs"), "--json", "--label", label, "-"]
                : [Path.Combine(ValidatorDir, "validate.mjs"), "--label", label, "-"],
            stdin: yaml);

    private static async Task<RenderedOverlay> RenderAsync(string name, string dir)
    {
        var render = await KustomizeAsync(dir);
        if (render.ExitCode != 0 || ValidatorMissing is not null)
        {
            return new RenderedOverlay(name, render, null, null, []);
        }

        var validation = await ValidateAsync(render.Stdout, name, json: true);
        JsonNode? report = null;
        try
        {
            report = JsonNode.Parse(validation.Stdout);
        }
        catch (System.Text.Json.JsonException)
        {
            // Reported by Get: the validator crashed or printed something else.
        }

        var objects = report?["objects"]?.AsArray().Select(o => new K8sObject(o!["object"]!.AsObject())).ToList();
        var problems = report?["problems"]?.AsArray()
            .Select(p => $"{p!["label"]}: {p["kind"]}/{p["name"]}: {p["path"]}: {p["message"]}")
            .ToList() ?? [];
        return new RenderedOverlay(name, render, validation, objects, problems);
    }
}

/// <summary>One overlay's rendering: kubectl's result, the objects and the validator's problems.</summary>
internal sealed record RenderedOverlay(string Name, ProcessResult Render, ProcessResult? Validation, IReadOnlyList<K8sObject>? Objects, IReadOnlyList<string> Problems)
{
    public IEnumerable<K8sObject> OfKind(string kind) => Objects!.Where(o => o.Kind == kind);

    public K8sObject Single(string kind, string name)
    {
        var matches = OfKind(kind).Where(o => o.Name == name).ToList();
        Assert.True(matches.Count == 1, $"{Name}: expected one {kind}/{name}, found {matches.Count}");
        return matches[0];
    }

    /// <summary>The silo Deployment's pod template.</summary>
    public K8sObject Silo => Single("Deployment", "globalbrain-silo");
}

/// <summary>A rendered object, read through JSON nodes.</summary>
internal sealed class K8sObject(JsonObject json)
{
    public JsonObject Json { get; } = json;

    public string Kind => (string)Json["kind"]!;

    public string Name => (string)Json["metadata"]!["name"]!;

    public string? Namespace => (string?)Json["metadata"]!["namespace"];

    /// <summary>The node at a dotted path ("spec.template.spec"), or null.</summary>
    public JsonNode? At(string path) => Nodes.At(Json, path);

    public JsonObject PodSpec => At("spec.template.spec")!.AsObject();

    public IReadOnlyDictionary<string, string> PodLabels => Nodes.StringMap(At("spec.template.metadata.labels"));

    public IEnumerable<JsonObject> Containers =>
        (PodSpec["initContainers"]?.AsArray() ?? []).Concat(PodSpec["containers"]!.AsArray()).Select(c => c!.AsObject());

    public override string ToString() => $"{Kind}/{Name}";
}

internal static class Nodes
{
    public static JsonNode? At(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node;
    }

    public static IReadOnlyDictionary<string, string> StringMap(JsonNode? node) =>
        node is JsonObject o ? o.ToDictionary(p => p.Key, p => p.Value!.ToString(), StringComparer.Ordinal) : new Dictionary<string, string>();

    /// <summary>True when every label of the selector is on the pod (matchLabels only; our manifests use nothing else).</summary>
    public static bool Selects(JsonNode? matchLabels, IReadOnlyDictionary<string, string> podLabels)
    {
        var selector = StringMap(matchLabels);
        return selector.Count > 0 && selector.All(l => podLabels.TryGetValue(l.Key, out var v) && v == l.Value);
    }
}
