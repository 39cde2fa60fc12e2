using System.Globalization;
using System.Text.Json.Nodes;

namespace GlobalBrain.Deploy.Tests;

/// <summary>
/// What the rendered overlays must say for the silo to run on Kubernetes: Orleans' Kubernetes hosting, graceful
/// shutdown, probes, RBAC, security context, resources, Services, disruption budget and network policy.
/// </summary>
public sealed class KubernetesManifestTests(RenderedOverlays rendered) : IClassFixture<RenderedOverlays>
{
    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void Silo_GracePeriodOutlastsItsShutdownTimeout(string overlay)
    {
        var silo = Rendered(overlay).Silo;

        var timeout = TimeSpan.Parse(EnvValue(silo, "GlobalBrain__Cluster__ShutdownTimeout"), CultureInfo.InvariantCulture);
        var grace = (int)silo.PodSpec["terminationGracePeriodSeconds"]!;

        Assert.True(grace >= timeout.TotalSeconds + 5,
            $"terminationGracePeriodSeconds {grace} must exceed GlobalBrain__Cluster__ShutdownTimeout {timeout} by a margin, or Kubernetes kills the silo mid-shutdown");
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void Silo_RunsOrleansKubernetesHostingWithRedisFromASecret(string overlay)
    {
        var render = Rendered(overlay);
        var silo = render.Silo;

        Assert.Equal("kubernetes", EnvValue(silo, "GlobalBrain__Cluster__Provider"));
        Assert.Equal("redis", EnvValue(silo, "GlobalBrain__Storage__Provider"));
        var redis = Env(silo, "GlobalBrain__Cluster__Redis");
        Assert.Null(redis["value"]);
        Assert.Equal("connection-string", (string?)Nodes.At(redis, "valueFrom.secretKeyRef.key"));
        var secretName = (string)Nodes.At(redis, "valueFrom.secretKeyRef.name")!;
        if (overlay == "dev")
        {
            // Generated in dev (with its content hash in the name); prod expects the operator's Secret.
            var secret = render.Single("Secret", secretName);
            Assert.NotNull(secret.At("data.connection-string"));
        }
        else
        {
            Assert.Equal("globalbrain-redis", secretName);
            Assert.Empty(render.OfKind("Secret"));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void Silo_GetsItsApiKeyFromASecret(string overlay)
    {
        // The silo listens on 0.0.0.0, so it needs GlobalBrain__Api__Key to start at all.
        var render = Rendered(overlay);
        var key = Env(render.Silo, "GlobalBrain__Api__Key");
        Assert.Null(key["value"]);
        Assert.Equal("api-key", (string?)Nodes.At(key, "valueFrom.secretKeyRef.key"));
        var secretName = (string)Nodes.At(key, "valueFrom.secretKeyRef.name")!;
        if (overlay == "dev")
        {
            var apiKey = SecretValue(render.Single("Secret", secretName), "api-key");
            Assert.True(apiKey.Length >= 16, "the silo refuses API keys shorter than 16 characters");
            Assert.Contains("dev-only", apiKey, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("globalbrain-api", secretName);
        }
    }

    [SkippableTheory]
    [InlineData("dev", "dev")]
    [InlineData("prod", "prod")]
    [InlineData("prod-monitored", "prod")]
    public void Silo_GetsOrleansIdsAndPodIdentityFromTheDownwardApi(string overlay, string clusterId)
    {
        var silo = Rendered(overlay).Silo;

        Assert.Equal("globalbrain", silo.PodLabels["orleans/serviceId"]);
        Assert.Equal(clusterId, silo.PodLabels["orleans/clusterId"]);
        Assert.Equal("metadata.name", FieldRef(silo, "POD_NAME"));
        Assert.Equal("metadata.namespace", FieldRef(silo, "POD_NAMESPACE"));
        Assert.Equal("status.podIP", FieldRef(silo, "POD_IP"));
        Assert.Equal("metadata.labels['orleans/serviceId']", FieldRef(silo, "ORLEANS_SERVICE_ID"));
        Assert.Equal("metadata.labels['orleans/clusterId']", FieldRef(silo, "ORLEANS_CLUSTER_ID"));
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void Silo_ListensWhereItsSettingsSay(string overlay)
    {
        var render = Rendered(overlay);
        var silo = render.Silo;
        var ports = ContainerPorts(silo);

        Assert.Equal("http://0.0.0.0:8080", EnvValue(silo, "ASPNETCORE_URLS"));
        Assert.Equal(8080, ports["http"]);
        Assert.Equal(int.Parse(EnvValue(silo, "GlobalBrain__Metrics__Port"), CultureInfo.InvariantCulture), ports["metrics"]);
        Assert.Equal(int.Parse(EnvValue(silo, "GlobalBrain__Cluster__SiloPort"), CultureInfo.InvariantCulture), ports["silo"]);
        Assert.Equal(int.Parse(EnvValue(silo, "GlobalBrain__Cluster__GatewayPort"), CultureInfo.InvariantCulture), ports["gateway"]);
        Assert.Equal((9464, 11111, 30000), (ports["metrics"], ports["silo"], ports["gateway"]));

        // N and v come from a ConfigMap of the rendering.
        var configMapName = (string)Nodes.At(SiloContainer(silo)["envFrom"]!.AsArray().Single(), "configMapRef.name")!;
        var experts = Nodes.StringMap(render.Single("ConfigMap", configMapName).At("data"));
        Assert.Equal("16", experts["GlobalBrain__Experts__Count"]);
        Assert.Equal("1.0", experts["GlobalBrain__Experts__FlowRate"]);
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void Silo_HasStartupReadinessAndLivenessProbes(string overlay)
    {
        var silo = Rendered(overlay).Silo;
        var container = SiloContainer(silo);
        var ports = ContainerPorts(silo);

        (string Path, int Port) Probe(string name)
        {
            var get = Nodes.At(container, $"{name}.httpGet");
            Assert.True(get is not null, $"{name} must be an HTTP probe");
            var port = get["port"]!;
            return ((string)get["path"]!, port.GetValueKind() == System.Text.Json.JsonValueKind.Number ? (int)port : ports[(string)port!]);
        }

        Assert.Equal(("/healthz/live", 8080), Probe("startupProbe"));
        Assert.Equal(("/healthz/ready", 8080), Probe("readinessProbe"));
        Assert.Equal(("/healthz/live", 8080), Probe("livenessProbe"));
        // A silo joining the cluster takes ~30 s; give it at least twice that before liveness can restart it.
        var startup = container["startupProbe"]!;
        var startupSeconds = (int)(startup["periodSeconds"] ?? 10) * (int)(startup["failureThreshold"] ?? 3) + (int)(startup["initialDelaySeconds"] ?? 0);
        Assert.True(startupSeconds >= 60, $"the startup probe gives up after {startupSeconds} s");
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void EveryContainer_RunsAsNonRootOnAReadOnlyRootFilesystem(string overlay)
    {
        foreach (var workload in Rendered(overlay).OfKind("Deployment"))
        {
            var pod = workload.PodSpec["securityContext"];
            foreach (var container in workload.Containers)
            {
                var name = $"{workload}, container {container["name"]}";
                var own = container["securityContext"];
                Assert.True(Setting(own, pod, "runAsNonRoot") is JsonValue v && (bool)v, $"{name}: runAsNonRoot must be true");
                Assert.True(Setting(own, pod, "runAsUser") is JsonValue uid && (long)uid > 0, $"{name}: runAsUser must be a non-zero number");
                Assert.True((bool?)own?["readOnlyRootFilesystem"] == true, $"{name}: readOnlyRootFilesystem must be true");
                Assert.True((bool?)own?["allowPrivilegeEscalation"] == false, $"{name}: allowPrivilegeEscalation must be false");
                Assert.Contains("ALL", own?["capabilities"]?["drop"]?.AsArray().Select(c => (string?)c) ?? []);
                Assert.Equal("RuntimeDefault", (string?)Nodes.At(Setting(own, pod, "seccompProfile"), "type"));
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void Silo_RunsAsTheImageUserWithAWritableTmp(string overlay)
    {
        var silo = Rendered(overlay).Silo;

        Assert.Equal(DockerfileTests.ImageUid(), (long)silo.PodSpec["securityContext"]!["runAsUser"]!);
        var mount = SiloContainer(silo)["volumeMounts"]!.AsArray().Single(m => (string?)m!["mountPath"] == "/tmp")!;
        var volume = silo.PodSpec["volumes"]!.AsArray().Single(v => (string?)v!["name"] == (string?)mount["name"])!;
        Assert.NotNull(volume["emptyDir"]);
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void EveryContainer_HasCpuAndMemoryRequestsWithinLimits(string overlay)
    {
        foreach (var workload in Rendered(overlay).OfKind("Deployment"))
        {
            foreach (var container in workload.Containers)
            {
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    var name = $"{workload}, container {container["name"]}, {resource}";
                    var request = (string?)Nodes.At(container, $"resources.requests.{resource}");
                    var limit = (string?)Nodes.At(container, $"resources.limits.{resource}");
                    Assert.True(request is not null && limit is not null, $"{name}: requests and limits must both be set");
                    Assert.True(Quantity(request) <= Quantity(limit), $"{name}: request {request} exceeds limit {limit}");
                }
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void Rbac_LetsTheSiloGetListWatchAndPatchPodsOnly(string overlay)
    {
        var render = Rendered(overlay);
        var silo = render.Silo;
        var account = (string)silo.PodSpec["serviceAccountName"]!;
        render.Single("ServiceAccount", account);

        var binding = render.OfKind("RoleBinding").Single(b => b.At("subjects")!.AsArray().Any(s => (string?)s!["name"] == account));
        Assert.Equal("rbac.authorization.k8s.io", (string?)binding.At("roleRef.apiGroup"));
        Assert.Equal("Role", (string?)binding.At("roleRef.kind"));
        var subject = binding.At("subjects")!.AsArray().Single()!;
        Assert.Equal(("ServiceAccount", account, silo.Namespace), ((string?)subject["kind"], (string?)subject["name"], (string?)subject["namespace"]));

        var role = render.Single("Role", (string)binding.At("roleRef.name")!);
        var rule = Assert.Single(role.At("rules")!.AsArray())!;
        Assert.Equal([""], Strings(rule["apiGroups"]));
        Assert.Equal(["pods"], Strings(rule["resources"]));
        // No "delete": DeleteDefunctSiloPods stays false.
        Assert.Equal(["get", "list", "patch", "watch"], Strings(rule["verbs"]).Order(StringComparer.Ordinal));
        Assert.Empty(render.OfKind("ClusterRole"));
        Assert.Empty(render.OfKind("ClusterRoleBinding"));
    }

    [SkippableTheory]
    [InlineData("dev", 1, 2)]
    [InlineData("prod", 3, 3)]
    [InlineData("prod-monitored", 3, 3)]
    public void Silo_ReplicasAndDisruptionBudgetFitTheEnvironment(string overlay, int minReplicas, int maxReplicas)
    {
        var render = Rendered(overlay);
        var silo = render.Silo;
        var replicas = (int)silo.At("spec.replicas")!;
        Assert.InRange(replicas, minReplicas, maxReplicas);

        var pdb = Assert.Single(render.OfKind("PodDisruptionBudget"));
        Assert.True(Nodes.Selects(pdb.At("spec.selector.matchLabels"), silo.PodLabels), "the PodDisruptionBudget must select the silo pods");
        if (overlay.StartsWith("prod", StringComparison.Ordinal))
        {
            var minAvailable = (int)pdb.At("spec.minAvailable")!;
            Assert.InRange(minAvailable, 2, replicas - 1);
            var spread = silo.PodSpec["topologySpreadConstraints"]!.AsArray();
            Assert.Contains(spread, c => (string?)c!["topologyKey"] == "kubernetes.io/hostname" && Nodes.Selects(Nodes.At(c, "labelSelector.matchLabels"), silo.PodLabels));
        }
        else
        {
            // One silo may go at a time; a budget that needs every replica up would block node drains.
            Assert.Equal(1, (int)pdb.At("spec.maxUnavailable")!);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void Services_SelectPodsAndTargetTheirNamedPorts(string overlay)
    {
        var render = Rendered(overlay);
        var workloads = render.OfKind("Deployment").ToList();

        foreach (var service in render.OfKind("Service"))
        {
            var target = workloads.SingleOrDefault(w => Nodes.Selects(service.At("spec.selector"), w.PodLabels));
            Assert.True(target is not null, $"{service} selects no pods of the rendering");
            var ports = ContainerPorts(target);
            foreach (var port in service.At("spec.ports")!.AsArray())
            {
                Assert.True(ports.ContainsKey((string)port!["targetPort"]!), $"{service}: targetPort {port["targetPort"]} is not a port of {target}");
            }
        }

        Assert.Equal([30000], ServicePorts(render.Single("Service", "globalbrain-gateway")));
        Assert.Equal([8080, 9464], ServicePorts(render.Single("Service", "globalbrain-silo")));
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void NetworkPolicy_AdmitsSilosPrometheusAndClientsOnly(string overlay)
    {
        var render = Rendered(overlay);
        var silo = render.Silo;
        var policy = render.OfKind("NetworkPolicy").Single(p => Nodes.Selects(p.At("spec.podSelector.matchLabels"), silo.PodLabels));
        var rules = policy.At("spec.ingress")!.AsArray();

        // Ports that the silo pods themselves may reach on other silos.
        var fromSilos = rules
            .Where(r => r!["from"]!.AsArray().Any(f => f!["namespaceSelector"] is null && Nodes.Selects(Nodes.At(f, "podSelector.matchLabels"), silo.PodLabels)))
            .SelectMany(r => r!["ports"]!.AsArray().Select(p => (int)p!["port"]!))
            .ToHashSet();
        Assert.Superset(new HashSet<int> { 11111, 30000 }, fromSilos);

        // Metrics only from another namespace's Prometheus, and nothing else from there.
        var metricsRule = Assert.Single(rules, r => r!["ports"]!.AsArray().Any(p => (int)p!["port"]! == 9464))!;
        var metricsPeer = Assert.Single(metricsRule["from"]!.AsArray())!;
        Assert.NotNull(Nodes.At(metricsPeer, "namespaceSelector.matchLabels"));
        Assert.NotNull(Nodes.At(metricsPeer, "podSelector.matchLabels"));
        Assert.Equal([9464], metricsRule["ports"]!.AsArray().Select(p => (int)p!["port"]!));

        var redis = render.OfKind("Deployment").SingleOrDefault(d => d.Name == "globalbrain-redis");
        if (redis is not null)
        {
            var redisPolicy = render.OfKind("NetworkPolicy").Single(p => Nodes.Selects(p.At("spec.podSelector.matchLabels"), redis.PodLabels));
            var rule = Assert.Single(redisPolicy.At("spec.ingress")!.AsArray())!;
            var peer = Assert.Single(rule["from"]!.AsArray())!;
            Assert.True(Nodes.Selects(Nodes.At(peer, "podSelector.matchLabels"), silo.PodLabels) && peer["namespaceSelector"] is null, "only silo pods may reach Redis");
            Assert.Equal([6379], rule["ports"]!.AsArray().Select(p => (int)p!["port"]!));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(ManifestValidationTests.Overlays), MemberType = typeof(ManifestValidationTests))]
    public void Silo_PodsAreScrapedOnTheMetricsPort(string overlay)
    {
        var render = Rendered(overlay);
        var silo = render.Silo;
        var annotations = Nodes.StringMap(silo.At("spec.template.metadata.annotations"));

        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(ContainerPorts(silo)["metrics"].ToString(CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);

        var monitors = render.OfKind("PodMonitor").ToList();
        if (overlay == "prod-monitored")
        {
            var monitor = Assert.Single(monitors);
            Assert.Equal(silo.Namespace, monitor.Namespace);
            Assert.True(Nodes.Selects(monitor.At("spec.selector.matchLabels"), silo.PodLabels), "the PodMonitor must select the silo pods");
            var endpoint = Assert.Single(monitor.At("spec.podMetricsEndpoints")!.AsArray())!;
            Assert.Equal("metrics", (string?)endpoint["port"]);
            Assert.Equal("/metrics", (string?)endpoint["path"]);
        }
        else
        {
            // The PodMonitor kind exists only where the Prometheus Operator runs: opt-in.
            Assert.Empty(monitors);
        }
    }

    [SkippableFact]
    public void Dev_BundlesRedisAndProdDoesNot()
    {
        var dev = Rendered("dev");
        var redis = dev.Single("Deployment", "globalbrain-redis");
        var claim = (string)redis.PodSpec["volumes"]!.AsArray().Single()!["persistentVolumeClaim"]!["claimName"]!;
        dev.Single("PersistentVolumeClaim", claim);
        var service = dev.Single("Service", "globalbrain-redis");
        Assert.StartsWith("globalbrain-redis:6379,", ConnectionString(dev), StringComparison.Ordinal);
        Assert.Equal([6379], ServicePorts(service));

        Assert.DoesNotContain(Rendered("prod").OfKind("Deployment"), d => d.Name == "globalbrain-redis");
    }

    private RenderedOverlay Rendered(string overlay)
    {
        Skip.If(RenderedOverlays.ValidatorMissing is not null, RenderedOverlays.ValidatorMissing);
        return rendered.Get(overlay);
    }

    private static JsonObject SiloContainer(K8sObject silo) => silo.Containers.Single(c => (string?)c["name"] == "silo");

    private static JsonObject Env(K8sObject silo, string name)
    {
        var env = SiloContainer(silo)["env"]!.AsArray().Where(e => (string?)e!["name"] == name).ToList();
        Assert.True(env.Count == 1, $"{silo}: expected one env {name}, found {env.Count}");
        return env[0]!.AsObject();
    }

    private static string EnvValue(K8sObject silo, string name) =>
        (string?)Env(silo, name)["value"] ?? throw new Xunit.Sdk.XunitException($"{silo}: env {name} has no literal value");

    private static string? FieldRef(K8sObject silo, string name) => (string?)Nodes.At(Env(silo, name), "valueFrom.fieldRef.fieldPath");

    private static Dictionary<string, int> ContainerPorts(K8sObject workload) =>
        workload.Containers.SelectMany(c => c["ports"]?.AsArray() ?? [])
            .ToDictionary(p => (string)p!["name"]!, p => (int)p!["containerPort"]!, StringComparer.Ordinal);

    private static IEnumerable<int> ServicePorts(K8sObject service) => service.At("spec.ports")!.AsArray().Select(p => (int)p!["port"]!);

    private static JsonNode? Setting(JsonNode? container, JsonNode? pod, string name) => container?[name] ?? pod?[name];

    private static IEnumerable<string?> Strings(JsonNode? array) => array!.AsArray().Select(s => (string?)s);

    private static string ConnectionString(RenderedOverlay render) =>
        SecretValue(render.OfKind("Secret").Single(s => s.Name.StartsWith("globalbrain-redis", StringComparison.Ordinal)), "connection-string");

    private static string SecretValue(K8sObject secret, string key)
    {
        var base64 = ((string)secret.At($"data.{key}")!).Replace("\n", "", StringComparison.Ordinal);
        return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));
    }

    /// <summary>A Kubernetes quantity ("500m", "2", "512Mi", "1Gi") as a number of base units.</summary>
    private static decimal Quantity(string text)
    {
        (string Suffix, decimal Factor)[] suffixes =
        [
            ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
            ("m", 0.001m), ("k", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m),
        ];
        foreach (var (suffix, factor) in suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                return decimal.Parse(text[..^suffix.Length], CultureInfo.InvariantCulture) * factor;
            }
        }

        return decimal.Parse(text, CultureInfo.InvariantCulture);
    }
}
