#!/usr/bin/env node
// Checks Kubernetes, KEDA and Dapr manifests against the ecosystems' own schemas, as strictly as
// the API server's strict field validation (kubectl apply --validate=strict): types, enum values,
// required fields, and no field the schema does not declare.
//
//   node validate-manifests.mjs FILE...                        every YAML document in each file
//   kubectl kustomize k8s | node validate-manifests.mjs --name "k8s (rendered)" -
//
// Prints one line per error, "file: Kind/name: path: message", and a summary on stderr.
// Exit code 0 when everything is valid, 1 on any error, 64 on bad usage.
//
// Which schema checks a document:
// - Kubernetes kinds: kubernetes-models; KEDA kinds: @kubernetes-models/keda. Their validators
//   (ajv, generated from the Kubernetes OpenAPI and KEDA's CRDs) check types, enums and required
//   fields but let unknown fields through. So the validator runs on a view of the document that
//   records what it looks at: a field of an object it inspected but never looked up is not in
//   its schema. An object whose keys it lists is a map (additionalProperties); one it never
//   inspects is free-form.
// - Dapr kinds (group dapr.io): the openAPIV3Schema of Dapr's CRD for that kind and version
//   (../deployment-tests/schemas/dapr), read as the API server reads a structural schema: a field
//   an object does not declare is unknown unless x-kubernetes-preserve-unknown-fields says
//   otherwise. metadata is checked as Kubernetes' ObjectMeta, as the API server does.
// - Any other kind is an error: nothing is passed over.
// Every object needs metadata.name (kubectl apply does). YAML is read as Kubernetes reads it
// (YAML 1.1: unquoted yes/no/on/off are booleans), and a key twice in one map is an error.

import { readdirSync, readFileSync } from "node:fs";
import { ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parseAllDocuments } from "yaml";

const daprCrdFolder = new URL("../deployment-tests/schemas/dapr/", import.meta.url);
const modelPackages = { "kubernetes-models": "kubernetes-models", "@kubernetes-models/keda": "KEDA" };

const inputs = parseArguments(process.argv.slice(2));
const daprSchemas = loadDaprSchemas();
const checkedBy = {};
let errorCount = 0;

for (const { file, text } of inputs) {
  for (const [index, document] of parseAllDocuments(text, { version: "1.1" }).entries()) {
    for (const error of [...document.errors, ...document.warnings]) {
      report(file, `document ${index + 1}`, ".", error.message.split("\n")[0].replace(/:$/, ""));
    }
    const object = document.errors.length === 0 ? document.toJS() : null;
    if (object === null || object === undefined) {
      continue;
    }
    const { schema, errors } = await validate(object);
    checkedBy[schema] = (checkedBy[schema] ?? 0) + 1;
    for (const { path, message } of errors) {
      report(file, `${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`, path, message);
    }
  }
}

const counts = Object.entries(checkedBy).map(([schema, count]) => `${count} by ${schema}`).join(", ");
console.error(`${Object.values(checkedBy).reduce((sum, count) => sum + count, 0)} objects checked (${counts || "none"}), ${errorCount} errors`);
process.exitCode = errorCount > 0 ? 1 : 0;

function report(file, object, path, message) {
  errorCount++;
  console.log(`${file}: ${object}: ${path || "."}: ${message}`);
}

function parseArguments(args) {
  const usage = "usage: node validate-manifests.mjs [--name LABEL] FILE|- ...   (- reads standard input, shown as LABEL)";
  const inputs = [];
  let stdinName = "<stdin>";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--name" && i + 1 < args.length) {
      stdinName = args[++i];
    } else if (args[i] === "-") {
      inputs.push({ file: stdinName, text: readFileSync(0, "utf8") });
    } else if (args[i].startsWith("-")) {
      exitWithUsage(`unknown option ${args[i]}`, usage);
    } else {
      inputs.push({ file: args[i], text: readFileSync(args[i], "utf8") });
    }
  }
  if (inputs.length === 0) {
    exitWithUsage("no input", usage);
  }
  return inputs;
}

function exitWithUsage(problem, usage) {
  console.error(`${problem}\n${usage}`);
  process.exit(64);
}

async function validate(object) {
  if (typeof object !== "object" || Array.isArray(object)) {
    return { schema: "no schema", errors: [{ path: ".", message: "a manifest must be a map" }] };
  }
  const { apiVersion, kind } = object;
  const nameErrors = typeof object.metadata?.name === "string" && object.metadata.name !== ""
    ? []
    : [{ path: "metadata.name", message: "required field \"name\" is missing" }];

  const daprSchema = daprSchemas.get(`${apiVersion} ${kind}`);
  if (daprSchema) {
    const metadataErrors = object.metadata === undefined ? [] : strictlyValidate(ObjectMeta, object.metadata, "metadata");
    return { schema: "Dapr's CRDs", errors: [...nameErrors, ...ajvErrors(daprSchema(), object), ...metadataErrors] };
  }
  for (const [packageName, label] of Object.entries(modelPackages)) {
    const model = await modelOf(packageName, apiVersion, kind);
    if (model) {
      return { schema: label, errors: [...nameErrors, ...strictlyValidate(model, object, "")] };
    }
  }
  return {
    schema: "no schema",
    errors: [{ path: ".", message: `no schema for apiVersion ${apiVersion} kind ${kind} (kubernetes-models, @kubernetes-models/keda, Dapr's CRDs)` }],
  };
}

// The kubernetes-models class for apiVersion and kind, if the package has one.
async function modelOf(packageName, apiVersion, kind) {
  if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion ?? "") || !/^[A-Za-z0-9]+$/.test(kind ?? "")) {
    return undefined;
  }
  try {
    const model = (await import(`${packageName}/${apiVersion}/${kind}`))[kind];
    return model?.apiVersion === apiVersion && model?.kind === kind ? model : undefined;
  } catch (error) {
    if (error.code === "ERR_MODULE_NOT_FOUND" || error.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
      return undefined;
    }
    throw error;
  }
}

// The model's own validator, plus an error for each field it never looked up.
function strictlyValidate(model, value, basePath) {
  const looks = new Map();
  let errors = [];
  try {
    model.prototype.validate.call(watched(value, looks, new Map()));
  } catch (error) {
    if (!Array.isArray(error.errors)) {
      throw error;
    }
    errors = error.errors.map(fromAjv);
  }
  return [...errors, ...unknownFields(value, looks, "")].map(({ path, message }) => ({ path: within(basePath, path), message }));
}

// A view of value (and of everything in it) that records, per object, the keys read and
// whether its keys were listed.
function watched(value, looks, views) {
  if (value === null || typeof value !== "object") {
    return value;
  }
  if (!views.has(value)) {
    const look = { read: new Set(), listed: false };
    const read = (key) => {
      if (typeof key === "string") {
        look.read.add(key);
      }
    };
    looks.set(value, look);
    views.set(value, new Proxy(value, {
      get(target, key) {
        read(key);
        return watched(target[key], looks, views);
      },
      has(target, key) {
        read(key);
        return key in target;
      },
      getOwnPropertyDescriptor(target, key) {
        read(key);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      ownKeys(target) {
        look.listed = true;
        return Reflect.ownKeys(target);
      },
    }));
  }
  return views.get(value);
}

function unknownFields(value, looks, path) {
  const look = looks.get(value);
  if (!look) {
    return []; // a scalar, or never reached: free-form, or below a field already reported
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => unknownFields(item, looks, `${path}[${index}]`));
  }
  return Object.entries(value).flatMap(([key, child]) =>
    look.listed || look.read.has(key)
      ? unknownFields(child, looks, join(path, key))
      : [{ path: join(path, key), message: `unknown field "${key}"` }]);
}

function ajvErrors(validateFunction, object) {
  return validateFunction(object) ? [] : validateFunction.errors.map(fromAjv);
}

function fromAjv(error) {
  const path = error.instancePath.split("/").slice(1)
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce(join, "");
  switch (error.keyword) {
    case "additionalProperties":
      return { path: join(path, error.params.additionalProperty), message: `unknown field "${error.params.additionalProperty}"` };
    case "required":
      return { path: join(path, error.params.missingProperty), message: `required field "${error.params.missingProperty}" is missing` };
    case "enum":
      return { path, message: `${error.message}: ${error.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}` };
    default:
      return { path, message: error.message ?? `${error.keyword} ${JSON.stringify(error.params)}` };
  }
}

// spec.containers[0].image; keys that are not identifiers in brackets: annotations["dapr.io/app-id"].
function join(path, key) {
  if (/^\d+$/.test(key)) {
    return `${path}[${key}]`;
  }
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) {
    return `${path}[${JSON.stringify(key)}]`;
  }
  return path ? `${path}.${key}` : key;
}

function within(basePath, path) {
  if (!basePath || !path) {
    return basePath || path;
  }
  return path.startsWith("[") ? basePath + path : `${basePath}.${path}`;
}

// "dapr.io/v1alpha1 Component" -> its ajv validate function, for every served version of every
// CRD; each compiled when first asked for (compiling them all takes longer than the checking).
function loadDaprSchemas() {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  const schemas = new Map();
  for (const file of readdirSync(daprCrdFolder).filter((name) => name.endsWith(".yaml")).sort()) {
    for (const document of parseAllDocuments(readFileSync(new URL(file, daprCrdFolder), "utf8"))) {
      const crd = document.toJS();
      if (crd?.kind !== "CustomResourceDefinition") {
        continue;
      }
      for (const version of crd.spec.versions.filter((v) => v.served)) {
        const schema = jsonSchemaOf(version.schema.openAPIV3Schema, `${file} ${version.name}`);
        // The API server checks metadata as ObjectMeta whatever the CRD says (see validate()).
        schema.properties = { ...schema.properties, apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" } };
        schemas.set(`${crd.spec.group}/${version.name} ${crd.spec.names.kind}`, () => ajv.compile(schema));
      }
    }
  }
  return schemas;
}

// A CRD's structural schema (OpenAPI v3.0 subset plus x-kubernetes-*) as JSON Schema.
function jsonSchemaOf(schema, where) {
  const result = {};
  for (const [keyword, value] of Object.entries(schema)) {
    switch (keyword) {
      case "description": case "title": case "example": case "externalDocs": case "default":
      case "nullable": case "x-kubernetes-preserve-unknown-fields": case "x-kubernetes-int-or-string":
        break; // documentation, or handled below
      case "type": case "format": case "enum": case "pattern": case "required": case "multipleOf":
      case "minimum": case "maximum": case "minLength": case "maxLength": case "minItems": case "maxItems":
      case "uniqueItems": case "minProperties": case "maxProperties":
        result[keyword] = value;
        break;
      case "exclusiveMinimum": case "exclusiveMaximum":
        break; // booleans in OpenAPI 3.0, bounds in JSON Schema: below
      case "properties":
        result.properties = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, jsonSchemaOf(property, `${where}.${name}`)]));
        break;
      case "items":
        result.items = jsonSchemaOf(value, `${where}[]`);
        break;
      case "additionalProperties":
        result.additionalProperties = typeof value === "object" ? jsonSchemaOf(value, `${where}.*`) : value;
        break;
      case "allOf": case "anyOf": case "oneOf":
        result[keyword] = value.map((branch) => jsonSchemaOf(branch, where));
        break;
      case "not":
        result.not = jsonSchemaOf(value, where);
        break;
      default:
        // Say so rather than check less than the API server would (x-kubernetes-validations, ...).
        throw new Error(`${where}: the schema keyword ${keyword} is not supported by validate-manifests.mjs`);
    }
  }
  for (const [exclusive, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]]) {
    if (schema[exclusive] === true) {
      result[exclusive] = schema[bound];
      delete result[bound];
    }
  }
  if (schema["x-kubernetes-int-or-string"]) {
    result.type = ["integer", "string"];
  }
  if (schema.nullable && result.type) {
    result.type = [result.type, "null"].flat();
  }
  if (schema.type === "object" && schema.additionalProperties === undefined && !schema["x-kubernetes-preserve-unknown-fields"]) {
    result.additionalProperties = false;
  }
  return result;
}
