#!/usr/bin/env node
// Validates rendered Kubernetes manifests (multi-document YAML, e.g. `kubectl kustomize` output)
// against the schemas that kubernetes-models and @kubernetes-models/prometheus-operator generate
// from the Kubernetes OpenAPI and the Prometheus Operator CRDs.
//
//   kubectl kustomize ../overlays/prod | node validate.mjs --label prod -
//   node validate.mjs [--json] [--label NAME] FILE|- ...
//
// Prints one line per problem, "<label>: <Kind>/<name>: <path>: <message>", and exits 1 when there
// is any (2 on bad usage). With --json it prints one JSON object instead:
// {"objects": [{"label", "object"}...], "problems": [{"label", "kind", "name", "path", "message"}...]}.
//
// Unknown fields: the generated validators are compiled ajv code without
// "additionalProperties: false", so on their own they accept `metadata.lables` or
// `imagePullPolicyy`. The API server would drop such a field silently (or, with
// --validate=strict, refuse it). So every object is validated through a proxy that records which
// properties the validator reads: it reads every property its schema declares (to type-check it)
// and every key of a map (labels, annotations, data), and nothing else. A property it never read
// is not in the schema, and is reported as unknown. (Free-form objects — a schema of type object
// with neither properties nor additionalProperties — would be reported too; none of our kinds
// has one where we set fields.)
//
// An apiVersion/kind that neither package knows is a problem, never skipped.

import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const packages = ["kubernetes-models", "@kubernetes-models/prometheus-operator"];

function usage(message) {
  process.stderr.write(`validate.mjs: ${message}\nusage: node validate.mjs [--json] [--label NAME] FILE|- ...\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { json: false, label: null, inputs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") {
      options.json = true;
    } else if (arg === "--label") {
      if (i + 1 >= argv.length) usage("--label needs a value");
      options.label = argv[++i];
    } else if (arg === "-" || !arg.startsWith("-")) {
      options.inputs.push(arg);
    } else {
      usage(`unknown option ${arg}`);
    }
  }
  if (options.inputs.length === 0) usage("no input");
  return options;
}

/** The model class for apiVersion/kind, or null when no package has one. */
const modules = new Map();
async function modelFor(apiVersion, kind) {
  for (const pkg of packages) {
    const specifier = `${pkg}/${apiVersion}`;
    if (!modules.has(specifier)) {
      modules.set(specifier, await import(specifier).catch(() => null));
    }
    const module = modules.get(specifier);
    if (!module) continue;
    for (const exported of Object.values(module)) {
      if (typeof exported === "function" && exported.kind === kind && exported.apiVersion === apiVersion) {
        return exported;
      }
    }
  }
  return null;
}

/** Wraps value so that every property read on it or below is recorded in reads (object → Set of keys). */
function tracked(value, reads, proxies) {
  if (value === null || typeof value !== "object") return value;
  if (proxies.has(value)) return proxies.get(value);
  const read = new Set();
  reads.set(value, read);
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") read.add(key);
      return tracked(Reflect.get(target, key, receiver), reads, proxies);
    },
    has(target, key) {
      if (typeof key === "string") read.add(key);
      return Reflect.has(target, key);
    },
  });
  proxies.set(value, proxy);
  return proxy;
}

/** JSON pointer segments → spec.template.spec.containers[0].name */
function displayPath(segments) {
  let path = "";
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) path += path === "" ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path === "" ? "(object)" : path;
}

function pointerSegments(pointer) {
  return pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function valueAt(object, segments) {
  return segments.reduce((value, segment) => (value == null ? undefined : value[segment]), object);
}

/**
 * kustomize wraps long base64 values (secretGenerator) over several lines. The API server decodes
 * them with Go's base64 decoder, which skips line breaks, so such a value is valid there.
 */
function isWrappedBase64(error, value) {
  return error.keyword === "format" && error.params?.format === "byte" && typeof value === "string"
    && /^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/[\r\n]/g, "")) && value.replace(/[\r\n]/g, "").length % 4 === 0;
}

/** Problems of one object: schema errors, then fields the schema does not declare. */
async function validateObject(object) {
  const problems = [];
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return [{ path: "(object)", message: "apiVersion and kind must be strings" }];
  }
  if (typeof object.metadata?.name !== "string" || object.metadata.name === "") {
    problems.push({ path: "metadata.name", message: "missing: every object needs a name" });
  }
  const model = await modelFor(apiVersion, kind);
  if (!model) {
    problems.push({ path: "(object)", message: `unknown kind: no schema for apiVersion ${apiVersion}, kind ${kind}` });
    return problems;
  }

  const reads = new Map();
  const errorPaths = [];
  try {
    model.prototype.validate.call(tracked(object, reads, new WeakMap()));
  } catch (error) {
    if (!Array.isArray(error?.errors)) throw error;
    for (const e of error.errors) {
      const segments = pointerSegments(e.instancePath);
      if (isWrappedBase64(e, valueAt(object, segments))) continue;
      errorPaths.push(segments);
      const params = e.params?.allowedValues ? ` (${e.params.allowedValues.join(", ")})` : "";
      problems.push({ path: displayPath(segments), message: `${e.message}${params}` });
    }
  }

  // Under a value with a schema error (an object where a string belongs) the validator reads
  // nothing; its fields are not reported a second time as unknown.
  const underError = (segments) =>
    errorPaths.some((p) => p.length <= segments.length && p.every((s, i) => s === segments[i]));

  const walk = (value, segments) => {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...segments, String(i)]));
      return;
    }
    const read = reads.get(value);
    if (!read) return; // never reached: below an unknown field or a schema error, reported there
    for (const key of Object.keys(value)) {
      const child = [...segments, key];
      if (!read.has(key)) {
        if (!underError(segments)) problems.push({ path: displayPath(child), message: `unknown field "${key}"` });
      } else {
        walk(value[key], child);
      }
    }
  };
  walk(object, []);
  return problems;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const objects = [];
  const problems = [];
  for (const input of options.inputs) {
    const label = options.label ?? (input === "-" ? "stdin" : input);
    const before = objects.length;
    const text = readFileSync(input === "-" ? 0 : input, "utf8");
    // YAML 1.1, as the API server's parser reads it ("yes", "on" are booleans there).
    const documents = parseAllDocuments(text, { version: "1.1", prettyErrors: false });
    if (!Array.isArray(documents)) {
      problems.push({ label, kind: "-", name: "-", path: "(file)", message: "not a YAML stream" });
      continue;
    }
    for (const [index, document] of documents.entries()) {
      if (document.errors.length > 0) {
        for (const error of document.errors) {
          problems.push({ label, kind: "-", name: `document ${index + 1}`, path: "(yaml)", message: error.message.split("\n")[0] });
        }
        continue;
      }
      const object = document.toJS();
      if (object === null || object === undefined) continue; // an empty document between "---"
      if (typeof object !== "object" || Array.isArray(object)) {
        problems.push({ label, kind: "-", name: `document ${index + 1}`, path: "(object)", message: "not a mapping" });
        continue;
      }
      objects.push({ label, object });
      const kind = typeof object.kind === "string" ? object.kind : "-";
      const name = typeof object.metadata?.name === "string" ? object.metadata.name : `document ${index + 1}`;
      for (const problem of await validateObject(object)) {
        problems.push({ label, kind, name, ...problem });
      }
    }
    if (objects.length === before) {
      // An empty render (a failed kubectl upstream of a pipe) must not pass as "no problems".
      problems.push({ label, kind: "-", name: "-", path: "(file)", message: "no objects in the input" });
    }
  }

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ objects, problems })}\n`);
  } else {
    for (const p of problems) {
      process.stdout.write(`${p.label}: ${p.kind}/${p.name}: ${p.path}: ${p.message}\n`);
    }
    process.stderr.write(`${objects.length} objects, ${problems.length} problems\n`);
  }
  process.exitCode = problems.length > 0 ? 1 : 0;
}

await main();
