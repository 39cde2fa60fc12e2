#!/usr/bin/env python3
"""The compose file's silos run with the Kubernetes manifests' settings.

Usage: compare_settings.py RENDERED_K8S.yaml RESOLVED_COMPOSE.yaml
  RENDERED_K8S.yaml      `kubectl kustomize deploy/k8s/overlays/dev`
  RESOLVED_COMPOSE.yaml  `docker-compose -f deploy/compose/docker-compose.yml config` (variables resolved)

Every setting of the silo container in the manifests (literal env, the experts ConfigMap) must have the
same value on every compose silo, but for the few that differ by design (listed in BY_DESIGN with the
reason); settings from Secrets and the Downward API must have a compose counterpart; a compose setting
the manifests do not have is an error; the security settings must match. Prints one line per check and
exits 1 when any fails.
"""
import re
import sys

import yaml

# Settings whose values differ by design between a pod and a compose silo on a shared host network.
BY_DESIGN = {
    "ASPNETCORE_URLS": "a pod listens on 0.0.0.0:8080 behind its own IP; compose silos share the host's loopback, one port each",
    "GlobalBrain__Metrics__Port": "one port per silo on the shared host network",
    "GlobalBrain__Cluster__SiloPort": "one port per silo on the shared host network",
    "GlobalBrain__Cluster__GatewayPort": "one port per silo on the shared host network",
    "GlobalBrain__Cluster__Provider": "kubernetes = the same Redis membership plus the pod's identity, which only a pod has; compose uses redis",
}
# What stands in for the manifests' Secrets and Downward API variables in compose.
COUNTERPARTS = {
    "GlobalBrain__Cluster__Redis": "GlobalBrain__Cluster__Redis",
    "GlobalBrain__Api__Key": "GlobalBrain__Api__Key",
    "POD_IP": "GlobalBrain__Cluster__AdvertisedAddress",
    "POD_NAME": None,  # Orleans names a silo after its address and generation without it
    "POD_NAMESPACE": None,  # only the Kubernetes agent reads it
    "ORLEANS_SERVICE_ID": "GlobalBrain__Cluster__ServiceId",
    "ORLEANS_CLUSTER_ID": "GlobalBrain__Cluster__ClusterId",
}

failures = []
checks = 0
silo = ""


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        print(f"  FAIL {silo}: {what}")
        failures.append(what)


def seconds(value):
    match = re.fullmatch(r"(\d+)(s?)", str(value).strip())
    if not match:
        raise SystemExit(f"compare_settings: cannot read the duration {value!r} (expected e.g. 45s)")
    return int(match.group(1))


def main():
    global silo
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        objects = [o for o in yaml.safe_load_all(f) if o]
    with open(sys.argv[2], encoding="utf-8") as f:
        compose = yaml.safe_load(f)

    deployments = [o for o in objects if o.get("kind") == "Deployment" and o["metadata"]["name"] == "globalbrain-silo"]
    if len(deployments) != 1:
        raise SystemExit(f"compare_settings: expected one Deployment globalbrain-silo in {sys.argv[1]}, found {len(deployments)}")
    pod = deployments[0]["spec"]["template"]
    container = next(c for c in pod["spec"]["containers"] if c["name"] == "silo")
    config_maps = {o["metadata"]["name"]: o.get("data", {}) for o in objects if o.get("kind") == "ConfigMap"}

    literal, from_elsewhere = {}, {}
    for env in container.get("env", []):
        if "value" in env:
            literal[env["name"]] = str(env["value"])
        else:
            from_elsewhere[env["name"]] = env["valueFrom"]
    for source in container.get("envFrom", []):
        literal.update({k: str(v) for k, v in config_maps[source["configMapRef"]["name"]].items()})

    silos = {name: s for name, s in compose["services"].items() if re.fullmatch(r"silo\d+", name)}
    check(len(silos) == 3, f"compose has three silos ({', '.join(sorted(silos))})")
    accounted = set(literal) | {v for v in COUNTERPARTS.values() if v}

    for name, service in sorted(silos.items()):
        env = {k: str(v) for k, v in (service.get("environment") or {}).items()}
        silo = name
        for key, value in sorted(literal.items()):
            if key in BY_DESIGN:
                check(key in env, f"{key} is set ({env.get(key)!r}; the pod has {value!r}: {BY_DESIGN[key]})")
            else:
                check(env.get(key) == value, f"{key} = {value!r} as in the manifests (compose: {env.get(key)!r})")
        for key in sorted(from_elsewhere):
            counterpart = COUNTERPARTS.get(key, "?")
            if counterpart == "?":
                check(False, f"{key} comes from {from_elsewhere[key]} in the manifests and has no known compose counterpart")
            elif counterpart:
                check(bool(env.get(counterpart)), f"{key} (manifests) -> {counterpart} is set")
        extra = sorted(set(env) - accounted)
        check(not extra, f"no compose setting the manifests lack ({', '.join(extra) or 'none'})")
        check(env.get("GlobalBrain__Cluster__Provider") == "redis", "GlobalBrain__Cluster__Provider = 'redis' (Redis membership, as kubernetes uses)")
        check(env.get("GlobalBrain__Cluster__ServiceId") == pod["metadata"]["labels"].get("orleans/serviceId"),
              f"GlobalBrain__Cluster__ServiceId = the pods' orleans/serviceId label ({pod['metadata']['labels'].get('orleans/serviceId')!r})")

        security = pod["spec"].get("securityContext", {})
        container_security = container.get("securityContext", {})
        user = f"{security.get('runAsUser')}:{security.get('runAsGroup')}"
        check(str(service.get("user")) == user, f"user {user} (runAsUser:runAsGroup; compose: {service.get('user')!r})")
        check(bool(service.get("read_only")) == bool(container_security.get("readOnlyRootFilesystem")), "read-only root filesystem")
        tmp_in_pod = any(m["mountPath"] == "/tmp" for m in container.get("volumeMounts", []))
        tmpfs = service.get("tmpfs") or []
        tmpfs = [tmpfs] if isinstance(tmpfs, str) else tmpfs
        check(tmp_in_pod and any(str(t).split(":")[0] == "/tmp" for t in tmpfs), "/tmp is writable (emptyDir in the pod, tmpfs in compose)")
        check(("ALL" in container_security.get("capabilities", {}).get("drop", [])) == ("ALL" in (service.get("cap_drop") or [])), "all capabilities dropped")
        no_new = any(str(o).replace("=", ":") in ("no-new-privileges:true", "no-new-privileges") for o in service.get("security_opt") or [])
        check((container_security.get("allowPrivilegeEscalation") is False) == no_new, "no privilege escalation (no-new-privileges)")
        grace = pod["spec"].get("terminationGracePeriodSeconds")
        check(seconds(service.get("stop_grace_period", "10s")) == grace, f"{grace} s to stop (terminationGracePeriodSeconds; compose: {service.get('stop_grace_period')!r})")

    ports = []
    for service in silos.values():
        env = service.get("environment") or {}
        url_port = str(env.get("ASPNETCORE_URLS", "")).rsplit(":", 1)[-1].rstrip("/")
        ports += [url_port, str(env.get("GlobalBrain__Metrics__Port")), str(env.get("GlobalBrain__Cluster__SiloPort")), str(env.get("GlobalBrain__Cluster__GatewayPort"))]
    check(len(set(ports)) == len(ports), f"every silo port on the host network is distinct ({' '.join(ports)})")

    if failures:
        print(f"compare_settings: {len(failures)} difference(s) between deploy/k8s and deploy/compose")
        sys.exit(1)
    print(f"compare_settings: the compose silos run with the manifests' settings ({checks} checks; by design only "
          f"{', '.join(sorted(BY_DESIGN))} differ)")


if __name__ == "__main__":
    main()
