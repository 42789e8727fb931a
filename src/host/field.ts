// What a settings field is, read from its zod schema: settings arrive as strings (env vars,
// flags), so decoding needs the field's kind, and help and errors need its description.
import { z } from "zod";

export type FieldKind = "string" | "number" | "boolean" | "enum" | "array" | "object" | "unknown";

export interface FieldInfo {
  kind: FieldKind;
  /** Allowed values of an enum or string literal. */
  values: readonly string[];
  /** The element of an array field. */
  element?: FieldInfo;
  /** `format` of a string check (`url`, `email`, …), when zod records one. */
  format?: string;
  description?: string;
  /** Short phrase for errors and help: `minutes`, `owner/name`. */
  expected?: string;
  example?: unknown;
  /** Marked `secret: true` in the field's metadata. */
  secret: boolean;
  hasDefault: boolean;
  defaultValue?: unknown;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  entries?: Record<string, string | number>;
  values?: readonly unknown[];
  format?: string;
  defaultValue?: unknown;
  getter?: () => z.ZodType;
}

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "catch", "readonly", "nonoptional", "success"]);

export function fieldInfo(schema: z.ZodType): FieldInfo {
  const info: FieldInfo = { kind: "unknown", values: [], secret: false, hasDefault: false };
  let s: z.ZodType | undefined = schema;
  // Outer wrappers carry the metadata (`.describe()` is usually called last), so the first
  // value found while unwrapping wins.
  for (let depth = 0; s && depth < 32; depth++) {
    const meta = z.globalRegistry.get(s);
    if (meta) {
      info.description ??= meta.description;
      if (info.expected === undefined && typeof meta.expected === "string") info.expected = meta.expected;
      if (info.example === undefined && Array.isArray(meta.examples)) info.example = meta.examples[0] as unknown;
      if (meta.secret === true) info.secret = true;
    }
    const def = s._zod.def as unknown as Def;
    if (def.type === "default" && !info.hasDefault) {
      info.hasDefault = true;
      info.defaultValue = def.defaultValue;
    }
    if (WRAPPERS.has(def.type)) s = def.innerType;
    else if (def.type === "pipe") s = def.in;
    else if (def.type === "lazy") s = def.getter?.();
    else {
      Object.assign(info, baseKind(def));
      break;
    }
  }
  return info;
}

function baseKind(def: Def): Pick<FieldInfo, "kind" | "values" | "element" | "format"> {
  switch (def.type) {
    case "string":
      return { kind: "string", values: [], ...(def.format ? { format: def.format } : {}) };
    case "number":
    case "int":
      return { kind: "number", values: [] };
    case "boolean":
      return { kind: "boolean", values: [] };
    case "enum":
      return { kind: "enum", values: Object.values(def.entries ?? {}).map(String) };
    case "literal": {
      const vals = def.values ?? [];
      if (vals.every((v) => typeof v === "boolean")) return { kind: "boolean", values: [] };
      if (vals.every((v) => typeof v === "number")) return { kind: "number", values: [] };
      return { kind: "enum", values: vals.map(String) };
    }
    case "array":
      return { kind: "array", values: [], ...(def.element ? { element: fieldInfo(def.element) } : {}) };
    case "object":
    case "record":
      return { kind: "object", values: [] };
    case "union": {
      const kinds = (def.options ?? []).map((o) => fieldInfo(o)).filter((k) => k.kind !== "unknown");
      const first = kinds[0];
      if (first && kinds.every((k) => k.kind === first.kind)) {
        return { kind: first.kind, values: kinds.flatMap((k) => k.values), ...(first.element ? { element: first.element } : {}) };
      }
      return { kind: "unknown", values: [] };
    }
    default:
      return { kind: "unknown", values: [] };
  }
}
