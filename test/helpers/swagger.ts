// The Forgejo v15 swagger (../shared/contracts/forgejo-swagger.json, never copied into the
// project): its (method, path) pairs, template matching for concrete paths, and a small
// validator for response bodies — $ref, type, properties, items, required; null is accepted
// anywhere (Go's nil slices and pointers) and unknown fields are allowed.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { CONTRACTS_DIR } from "./contracts.ts";

export { CONTRACTS_DIR };
export const SWAGGER_FILE = join(CONTRACTS_DIR, "forgejo-swagger.json");

interface SchemaObject {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaObject>;
  items?: SchemaObject;
  required?: string[];
  enum?: unknown[];
  additionalProperties?: SchemaObject | boolean;
}

interface Operation {
  responses?: Record<string, { $ref?: string; schema?: SchemaObject }>;
}

interface SwaggerDoc {
  basePath: string;
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, SchemaObject>;
  responses: Record<string, { schema?: SchemaObject }>;
}

export interface Swagger {
  doc: SwaggerDoc;
  /** Every (METHOD, template) pair, e.g. ["GET", "/repos/{owner}/{repo}/issues"]. */
  operations(): { method: string; template: string }[];
  has(method: string, template: string): boolean;
  /** The template a concrete API path (without /api/v1) falls under, for this method. */
  match(method: string, path: string): string | undefined;
  /** The response schema of an operation for a status, resolving `responses` refs. */
  responseSchema(method: string, template: string, status: number): SchemaObject | undefined;
  /** Validation errors of `value` against a schema or a definition name; [] when valid. */
  validate(value: unknown, schema: SchemaObject | string): string[];
}

let cached: Swagger | undefined | null = null;

export function loadSwagger(): Swagger | undefined {
  if (cached !== null) return cached;
  cached = existsSync(SWAGGER_FILE) ? makeSwagger(JSON.parse(readFileSync(SWAGGER_FILE, "utf8")) as SwaggerDoc) : undefined;
  return cached;
}

const METHODS = ["get", "put", "post", "patch", "delete", "head", "options"];

function templateRegex(template: string): RegExp {
  const body = template
    .split(/(\{\w+\})/)
    .map((part) => (/^\{\w+\}$/.test(part) ? (part === "{filepath}" || part === "{branch}" || part === "{name}" || part === "{head}" || part === "{ref}" ? "(.+)" : "([^/]+?)") : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}

function makeSwagger(doc: SwaggerDoc): Swagger {
  const ops: { method: string; template: string; re: RegExp; literal: number }[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const m of Object.keys(item)) {
      if (!METHODS.includes(m)) continue;
      // Prefer templates with more literal text, as routers prefer static segments.
      ops.push({ method: m.toUpperCase(), template, re: templateRegex(template), literal: template.replace(/\{\w+\}/g, "").length });
    }
  }
  ops.sort((a, b) => b.literal - a.literal);

  const resolveRef = (ref: string): SchemaObject => {
    const name = ref.replace(/^#\/definitions\//, "");
    const def = doc.definitions[name];
    if (!def) throw new Error(`swagger: unknown definition ${ref}`);
    return def;
  };

  const validate = (value: unknown, schema: SchemaObject, path: string, errors: string[], depth: number): void => {
    if (depth > 40) return;
    if (schema.$ref) return validate(value, resolveRef(schema.$ref), path, errors, depth + 1);
    if (value === null) return;
    const t = schema.type;
    const kind = Array.isArray(value) ? "array" : typeof value;
    if (t === "object" || (!t && schema.properties)) {
      if (kind !== "object") return void errors.push(`${path}: expected object, got ${kind}`);
      const obj = value as Record<string, unknown>;
      for (const req of schema.required ?? []) if (!(req in obj)) errors.push(`${path}.${req}: required`);
      for (const [k, sub] of Object.entries(schema.properties ?? {})) if (k in obj) validate(obj[k], sub, `${path}.${k}`, errors, depth + 1);
      if (typeof schema.additionalProperties === "object") for (const [k, v] of Object.entries(obj)) if (!schema.properties?.[k]) validate(v, schema.additionalProperties, `${path}.${k}`, errors, depth + 1);
    } else if (t === "array") {
      if (kind !== "array") return void errors.push(`${path}: expected array, got ${kind}`);
      if (schema.items) (value as unknown[]).forEach((v, i) => validate(v, schema.items as SchemaObject, `${path}[${i}]`, errors, depth + 1));
    } else if (t === "integer") {
      if (!Number.isInteger(value)) errors.push(`${path}: expected integer, got ${JSON.stringify(value)}`);
    } else if (t === "number") {
      if (kind !== "number") errors.push(`${path}: expected number, got ${kind}`);
    } else if (t === "string") {
      if (kind !== "string") errors.push(`${path}: expected string, got ${kind}`);
      else if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
    } else if (t === "boolean") {
      if (kind !== "boolean") errors.push(`${path}: expected boolean, got ${kind}`);
    }
  };

  return {
    doc,
    operations: () => ops.map(({ method, template }) => ({ method, template })),
    has: (method, template) => ops.some((o) => o.method === method && o.template === template),
    match: (method, path) => ops.find((o) => o.method === method && o.re.test(path))?.template,
    responseSchema(method, template, status) {
      const op = doc.paths[template]?.[method.toLowerCase()];
      const resp = op?.responses?.[String(status)];
      if (!resp) return undefined;
      if (resp.$ref) return doc.responses[resp.$ref.replace(/^#\/responses\//, "")]?.schema;
      return resp.schema;
    },
    validate(value, schema) {
      const errors: string[] = [];
      validate(value, typeof schema === "string" ? { $ref: `#/definitions/${schema}` } : schema, "$", errors, 0);
      return errors;
    },
  };
}
