// Which agent code the sandbox CI runs for the disinto plugin steps. From the built CLI
// (bundles/cli.mjs) that is the package's bundles/<agent>.mjs, as everywhere. Run from source
// (src/entrypoints/cli.ts) the demo shows the source it is part of: it writes one-line shims
// that import src/entrypoints/<agent>.ts, so an agent changed in the tree is the agent that runs.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { defaultBundlesDir } from "../sandbox/index.ts";

/** The agents the demo's pipelines run. */
export const DEMO_AGENTS = ["dev", "review", "gardener", "vault", "planner", "supervisor", "architect"] as const;

export interface PluginDir {
  dir: string;
  /** "bundles" or "source", for the narration. */
  kind: "bundles" | "source";
}

/** The source entrypoints directory when this module runs from source, else undefined. */
function sourceEntrypoints(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith(".ts")) return undefined;
  const dir = join(dirname(here), "..", "entrypoints");
  return DEMO_AGENTS.every((a) => existsSync(join(dir, `${a}.ts`))) ? dir : undefined;
}

/**
 * The directory for `startSandbox({bundlesDir})`. `shimDir` is where source shims go (inside
 * the demo's data dir). Throws naming the missing bundle when neither is usable.
 */
export async function pluginDir(shimDir: string): Promise<PluginDir> {
  const src = sourceEntrypoints();
  if (src !== undefined) {
    await mkdir(shimDir, { recursive: true });
    for (const agent of DEMO_AGENTS) {
      const entry = pathToFileURL(join(src, `${agent}.ts`)).href;
      await writeFile(join(shimDir, `${agent}.mjs`), `// disinto demo: runs the ${agent} agent from source.\nawait import(${JSON.stringify(entry)});\n`);
    }
    return { dir: shimDir, kind: "source" };
  }
  const bundles = defaultBundlesDir();
  const missing = DEMO_AGENTS.filter((a) => !existsSync(join(bundles, `${a}.mjs`)));
  if (missing.length > 0) {
    throw new Error(`the agent bundle${missing.length === 1 ? "" : "s"} ${missing.map((a) => `${a}.mjs`).join(", ")} ${missing.length === 1 ? "is" : "are"} missing from ${bundles}: build them (npm run build)`);
  }
  return { dir: bundles, kind: "bundles" };
}
