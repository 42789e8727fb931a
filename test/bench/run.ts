// `npm run bench`: runs every test/bench/*.bench.ts and prints its figures with targets.
// `--json` prints them as one JSON array instead. A figure that misses its target is shown,
// not turned into a failure: benchmarks inform, tests assert.
import { readdir } from "node:fs/promises";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Bench, Figure } from "./bench.ts";

const here = dirname(fileURLToPath(import.meta.url));
const json = process.argv.includes("--json");
const filter = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const files = (await readdir(here)).filter((f) => f.endsWith(".bench.ts") && (filter.length === 0 || filter.some((x) => f.includes(x)))).sort();
const all: (Figure & { bench: string })[] = [];
let failed = false;
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { bench: Bench };
  try {
    const figures = await mod.bench();
    for (const fig of figures) {
      all.push({ bench: f, ...fig });
      if (!json) {
        const mark = fig.ok === undefined ? " " : fig.ok ? "✓" : "✗";
        const target = fig.target ? `  (target ${fig.target})` : "";
        console.log(`${mark} ${fig.name}: ${fig.value.toFixed(fig.unit === "requests" ? 0 : 1)} ${fig.unit}${target}${fig.detail ? `\n    ${fig.detail}` : ""}`);
      }
    }
  } catch (err) {
    failed = true;
    console.error(`bench ${f} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
}
if (json) console.log(JSON.stringify(all, null, 2));
if (failed) process.exit(1);
