// Where vault formulas come from: `formulas/vault/<name>.sh` (a script) or `.toml` (an LLM
// formula) in the ops repo, which wins, else the one shipped with disinto — never the project
// repo, which the agents (and so the model) can change.
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RepoForge } from "../forge/types.ts";
import type { ActionRules } from "./action.ts";

export const FORMULAS_DIR = "formulas/vault";

export interface VaultFormula {
  name: string;
  kind: "script" | "llm";
  /** The file's text. */
  text: string;
  /** Where it came from, for the log and the result. */
  source: string;
}

/** The shipped formulas/vault/ folder, found by walking up from this module (src/vault/ or bundles/). */
export function shippedFormulasDir(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, FORMULAS_DIR);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`the shipped ${FORMULAS_DIR}/ was not found above ${dirname(from)}: the package is incomplete`);
}

const FILE = /^([a-z0-9][a-z0-9_-]*)\.(sh|toml)$/;

function namesIn(files: readonly string[]): Map<string, "script" | "llm"> {
  const out = new Map<string, "script" | "llm">();
  for (const f of files) {
    const m = FILE.exec(f);
    if (m) out.set(m[1]!, m[2] === "sh" ? "script" : "llm");
  }
  return out;
}

/** Formula names (ops repo over shipped) and their kind; one ops-repo request. */
export async function knownFormulas(ops: RepoForge): Promise<Map<string, "script" | "llm">> {
  const shipped = namesIn(readdirSync(shippedFormulasDir()));
  const inOps = namesIn((await ops.contents.list(FORMULAS_DIR)).filter((e) => e.type === "file").map((e) => e.name));
  return new Map([...shipped, ...inOps]);
}

/** The rules an action is checked against: the known formulas, the secrets allowlist, and which formulas are LLM ones. */
export function vaultRules(formulas: ReadonlyMap<string, "script" | "llm">, secrets: readonly string[]): Required<ActionRules> {
  return {
    formulas: [...formulas.keys()],
    secrets,
    llmFormulas: [...formulas].filter(([, k]) => k === "llm").map(([n]) => n),
  };
}

export async function loadVaultFormula(ops: RepoForge, name: string): Promise<VaultFormula | undefined> {
  for (const [ext, kind] of [["sh", "script"], ["toml", "llm"]] as const) {
    const file = `${FORMULAS_DIR}/${name}.${ext}`;
    const doc = await ops.contents.get(file);
    if (doc !== undefined) return { name, kind, text: doc.text, source: `${ops.ref.owner}/${ops.ref.name}:${file}` };
  }
  for (const [ext, kind] of [["sh", "script"], ["toml", "llm"]] as const) {
    const path = join(shippedFormulasDir(), `${name}.${ext}`);
    if (existsSync(path)) return { name, kind, text: await readFile(path, "utf8"), source: `disinto ${FORMULAS_DIR}/${name}.${ext}` };
  }
  return undefined;
}
