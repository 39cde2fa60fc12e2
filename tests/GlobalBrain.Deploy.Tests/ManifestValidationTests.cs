namespace GlobalBrain.Deploy.Tests;

/// <summary>The kustomize overlays render, and every object they render passes the Kubernetes schemas strictly.</summary>
public sealed class ManifestValidationTests(RenderedOverlays rendered) : IClassFixture<RenderedOverlays>, IDisposable
{
    // The structural tests below run once per overlay: a new overlay must be added to them.
    private static readonly string[] OverlayNames = ["dev", "prod", "prod-monitored"];

    public static TheoryData<string> Overlays => new(OverlayNames);

    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: probe
          labels:
            app: probe
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: probe
          template:
            metadata:
              labels:
                app: probe
            spec:
              containers:
                - name: probe
                  image: busybox
                  imagePullPolicy: IfNotPresent
        """;

    private readonly string _tempDir = Directory.CreateTempSubdirectory("globalbrain-kustomize-").FullName;

    [SkippableFact]
    public void OverlaysDirectory_HoldsExactlyTheTestedOverlays()
    {
        Skip.If(RenderedOverlays.KubectlMissing is not null, RenderedOverlays.KubectlMissing);

        Assert.Equal(OverlayNames.Order(StringComparer.Ordinal), rendered.Overlays.Keys.Order(StringComparer.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Overlay_RendersWithKubectlKustomize(string overlay)
    {
        Skip.If(RenderedOverlays.KubectlMissing is not null, RenderedOverlays.KubectlMissing);

        var result = rendered.Overlays[overlay].Render;

        Assert.True(result.ExitCode == 0, $"kubectl kustomize deploy/k8s/overlays/{overlay} failed ({RenderedOverlays.KustomizeVersionHint}):\n{result.Output}");
        Assert.Contains("kind: Deployment", result.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Base_RendersWithKubectlKustomize()
    {
        Skip.If(RenderedOverlays.KubectlMissing is not null, RenderedOverlays.KubectlMissing);

        var result = await RenderedOverlays.KustomizeAsync(Path.Combine(RenderedOverlays.K8sDir, "base"));

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Overlay_EveryObjectPassesTheStrictSchema(string overlay)
    {
        Skip.If(RenderedOverlays.ValidatorMissing is not null, RenderedOverlays.ValidatorMissing);

        var result = rendered.Get(overlay);

        Assert.True(result.Problems.Count == 0, "deploy/k8s/validate found problems:\n" + string.Join('\n', result.Problems));
        Assert.Equal(0, result.Validation!.ExitCode);
        Assert.NotEmpty(result.Objects!);
    }

    [SkippableFact]
    public async Task Validator_AcceptsAValidDeployment()
    {
        Skip.If(RenderedOverlays.ValidatorMissing is not null, RenderedOverlays.ValidatorMissing);

        var result = await RenderAndValidateAsync(Deployment);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [SkippableFact]
    public async Task Validator_ReportsUnknownFieldsAtTheirPath()
    {
        Skip.If(RenderedOverlays.ValidatorMissing is not null, RenderedOverlays.ValidatorMissing);
        var bad = Deployment
            .Replace("imagePullPolicy:", "imagePullPolicyy:", StringComparison.Ordinal)
            .Replace("  labels:\n    app: probe\nspec:", "  lables:\n    app: probe\nspec:", StringComparison.Ordinal);

        var result = await RenderAndValidateAsync(bad);

        Assert.Equal(1, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("probe: Deployment/probe: spec.template.spec.containers[0].imagePullPolicyy: unknown field \"imagePullPolicyy\"", lines);
        Assert.Contains("probe: Deployment/probe: metadata.lables: unknown field \"lables\"", lines);
        Assert.Equal(2, lines.Length);
    }

    [SkippableFact]
    public async Task Validator_ReportsWrongTypesAndValues()
    {
        Skip.If(RenderedOverlays.ValidatorMissing is not null, RenderedOverlays.ValidatorMissing);
        var bad = Deployment
            .Replace("replicas: 2", "replicas: two", StringComparison.Ordinal)
            .Replace("imagePullPolicy: IfNotPresent", "imagePullPolicy: Sometimes", StringComparison.Ordinal);

        var result = await RenderAndValidateAsync(bad);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("probe: Deployment/probe: spec.replicas: must be integer", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("probe: Deployment/probe: spec.template.spec.containers[0].imagePullPolicy: must be equal to one of the allowed values", result.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Validator_RejectsAKindItHasNoSchemaFor()
    {
        Skip.If(RenderedOverlays.ValidatorMissing is not null, RenderedOverlays.ValidatorMissing);
        const string widget = """
            apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: gadget
            """;

        var result = await RenderAndValidateAsync(widget);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("probe: Widget/gadget: (object): unknown kind", result.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Validator_RejectsAnEmptyRendering()
    {
        Skip.If(RenderedOverlays.ValidatorMissing is not null, RenderedOverlays.ValidatorMissing);

        var result = await RenderedOverlays.ValidateAsync("", "empty", json: false);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no objects in the input", result.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_tempDir, recursive: true);

    /// <summary>Through the same pipeline as the overlays: kubectl kustomize of a directory, then the validator.</summary>
    private async Task<ProcessResult> RenderAndValidateAsync(string manifest)
    {
        await File.WriteAllTextAsync(Path.Combine(_tempDir, "manifest.yaml"), manifest);
        await File.WriteAllTextAsync(Path.Combine(_tempDir, "kustomization.yaml"), "resources:\n  - manifest.yaml\n");
        var render = await RenderedOverlays.KustomizeAsync(_tempDir);
        Assert.True(render.ExitCode == 0, render.Output);
        return await RenderedOverlays.ValidateAsync(render.Stdout, "probe", json: false);
    }
}
