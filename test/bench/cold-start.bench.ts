// What every CI step pays before doing anything, on a fresh build of src/ (what `npm run
// build` writes to bundles/): the size of the bundles, and the start of the CLI and of the dev
// agent as multiples of bare `node -e 0`, measured in the same rounds (interleaved, so a busy
// machine slows all of them alike).
//
// The cold start of an idle agent entry is measured on the agent's most frequent real run:
// `node dev.mjs` against the sandbox forge (in this process) with an empty backlog, from the
// spawn to the moment its first request reaches the forge — the launcher's Node check, every
// chunk the entry loads, settings validated, the runtime built, the tick begun. That is the
// figure with the target. What the rest of that run costs is reported beside it, not hidden:
// the run to its end (config parsed, phase record, labels and backlog read, "nothing to do",
// connections closed, exit 0) minus the time the sandbox forge spent answering it (from each
// request's arrival to the end of its response, overlaps counted once), its wall time, and
// `node dev.mjs` with no forge URL (settings validated, exit 2 before any request).
//
// The same idle run is measured a second time in the plugin image's configuration: with
// DISINTO_COMPILE_CACHE naming a compile cache warmed the way the Dockerfile warms it (one
// run of the entry without settings). That figure holds only where the cache ships with the
// bundles; the Actions action and a checkout start without one, as the first figure does.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ForgejoForge } from "../../src/forge/index.ts";
import { startSandboxForge } from "../../src/sandbox/forge/index.ts";
import { median, type Bench, type Figure } from "./bench.ts";
import { idleProject } from "./idle-project.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ROUNDS = 15;
const WARMUP = 2; // the first rounds warm the page cache, like any real step
const TARGET = 3;

interface Exit { code: number | null; out: string; ms: number; t0: number; t1: number }

/**
 * When this process's HTTP servers (the sandbox forge) were busy answering: [arrival, end of
 * the response] of every request, from node:http's diagnostics channels.
 */
function serverBusy(): { since(t0: number, t1: number): number; first(t0: number, t1: number): number | undefined; stop(): void } {
  const started = new WeakMap<object, number>();
  const spans: [number, number][] = [];
  const onStart = (m: unknown): void => void started.set((m as { request: object }).request, performance.now());
  const onFinish = (m: unknown): void => {
    const at = started.get((m as { request: object }).request);
    if (at !== undefined) spans.push([at, performance.now()]);
  };
  subscribe("http.server.request.start", onStart);
  subscribe("http.server.response.finish", onFinish);
  return {
    /** Busy milliseconds within [t0, t1], overlapping requests counted once. */
    since(t0, t1) {
      let busy = 0;
      let end = t0;
      for (const [a, b] of spans.filter(([x, y]) => y > t0 && x < t1).sort((x, y) => x[0] - y[0])) {
        const from = Math.max(a, end);
        const to = Math.min(b, t1);
        if (to > from) busy += to - from;
        end = Math.max(end, to);
      }
      return busy;
    },
    /** When the first request that arrived within [t0, t1] arrived. */
    first(t0, t1) {
      let at: number | undefined;
      for (const [a] of spans) if (a >= t0 && a <= t1 && (at === undefined || a < at)) at = a;
      return at;
    },
    stop() {
      unsubscribe("http.server.request.start", onStart);
      unsubscribe("http.server.response.finish", onFinish);
    },
  };
}

function timed(args: string[], env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const t1 = performance.now();
      resolve({ code, out, ms: t1 - t0, t0, t1 });
    });
  });
}

function build(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, "src/build/bundle.ts"), "--out", outDir], { cwd: ROOT }, (err, _stdout, stderr) => (err ? reject(new Error(`build failed: ${stderr}`)) : resolve()));
  });
}

/** Bytes each entry's chunk imports statically (what loads before it runs), by entry. */
async function loaded(dir: string, entries: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const entry of entries) {
    const seen = new Set<string>();
    let bytes = 0;
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = await readFile(join(dir, "chunks", file), "utf8");
      bytes += Buffer.byteLength(text);
      for (const m of text.matchAll(/^(?:import\s+(?:[^"]*?\s+from\s+)?|\}\s*from\s+)"\.\/([^"]+\.mjs)";$/gm)) await visit(m[1] as string);
    };
    await visit(`${entry}.mjs`);
    out[entry] = bytes;
  }
  return out;
}

const kb = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(0)} KB`);

export const bench: Bench = async () => {
  const tmp = await mkdtemp(join(tmpdir(), "bench-cold-start-"));
  const sandbox = await startSandboxForge({ seed: "empty" });
  const admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users.admin!.token });
  const busy = serverBusy();
  try {
    const dir = join(tmp, "bundles");
    await build(dir);
    const files = [...(await readdir(dir)).filter((f) => f.endsWith(".mjs")), ...(await readdir(join(dir, "chunks"))).map((f) => `chunks/${f}`)];
    let total = 0;
    for (const f of files) total += (await stat(join(dir, f))).size;
    const entries = (await readdir(dir)).filter((f) => f.endsWith(".mjs")).map((f) => f.slice(0, -4));
    const byEntry = await loaded(dir, entries);

    const { env: project } = await idleProject(sandbox, admin);
    const base = { PATH: process.env.PATH ?? "", HOME: tmp };
    const cache = { DISINTO_COMPILE_CACHE: join(tmp, "compile-cache") };
    const warm = await timed([join(dir, "dev.mjs")], { ...base, ...cache });
    if (warm.code !== 2) throw new Error(`warming the compile cache: node dev.mjs exited ${warm.code}, expected 2: ${warm.out}`);
    const runs: Record<string, { args: string[]; env: Record<string, string>; expect: number; check: RegExp }> = {
      bare: { args: ["-e", "0"], env: base, expect: 0, check: /^$/ },
      cli: { args: [join(dir, "cli.mjs"), "--version"], env: base, expect: 0, check: /^\d+\.\d+\.\d+\n$/ },
      start: { args: [join(dir, "dev.mjs")], env: base, expect: 2, check: /forge_url: missing/ },
      idle: { args: [join(dir, "dev.mjs")], env: { ...base, ...project }, expect: 0, check: /^dev: idle/m },
      cached: { args: [join(dir, "dev.mjs")], env: { ...base, ...project, ...cache }, expect: 0, check: /^dev: idle/m },
    };
    const times: Record<string, number[]> = { bare: [], cli: [], start: [], idle: [], ready: [], own: [], cached: [], cachedOwn: [] };
    const served: Record<string, number[]> = { idle: [], cached: [] };
    let idleLine = "";
    for (let round = 0; round < ROUNDS + WARMUP; round++) {
      for (const [name, r] of Object.entries(runs)) {
        const e = await timed(r.args, r.env);
        if (e.code !== r.expect || !r.check.test(e.out)) throw new Error(`node ${r.args.join(" ")} exited ${e.code}, expected ${r.expect} and ${r.check}: ${e.out}`);
        if (name === "idle") idleLine = e.out.trim().split("\n").at(-1) ?? "";
        if (round < WARMUP) continue;
        times[name]!.push(e.ms);
        if (name === "idle" || name === "cached") {
          const forge = busy.since(e.t0, e.t1);
          served[name]!.push(forge);
          if (name === "idle") {
            const first = busy.first(e.t0, e.t1);
            if (first === undefined) throw new Error(`node dev.mjs made no request to the forge: ${e.out}`);
            times.ready!.push(first - e.t0);
          }
          times[name === "idle" ? "own" : "cachedOwn"]!.push(e.ms - forge);
        }
      }
    }
    const bare = median(times.bare!);
    const ratio = (name: string, what: string, target: boolean): Figure => {
      const m = median(times[name]!);
      const x = m / bare;
      return {
        name: `${what}, median, as a multiple of bare node`,
        value: x,
        unit: "×",
        ...(target ? { target: `≤ ${TARGET}×`, ok: x <= TARGET } : {}),
        detail: `${m.toFixed(1)} ms against ${bare.toFixed(1)} ms; ${ROUNDS} runs, min ${Math.min(...times[name]!).toFixed(1)} ms, max ${Math.max(...times[name]!).toFixed(1)} ms`,
      };
    };
    return [
      {
        name: "bundles/ total size (fresh build of src/)",
        value: total / 1e6,
        unit: "MB",
        detail: `${files.length} files; loaded at start: ${entries.map((e) => `${e} ${kb(byEntry[e] ?? 0)}`).join(", ")}`,
      },
      { name: "bare node start (node -e 0), median", value: bare, unit: "ms", detail: "the floor under the figures below" },
      ratio("cli", "cli cold start (node bundles/cli.mjs --version)", true),
      {
        ...ratio("ready", "idle dev agent entry, cold start: spawn to its first forge request (node bundles/dev.mjs: chunks loaded, settings validated, runtime built, tick begun)", true),
        detail: `${ratio("ready", "", false).detail}; the run goes on to the end below`,
      },
      {
        ...ratio("own", "the same idle run to the end minus the forge's time (config parsed, phase record, labels, backlog and PRs read, exit 0)", false),
        detail: `${ratio("own", "", false).detail}; the forge answered for ${median(served.idle!).toFixed(1)} ms (median) of each run`,
      },
      {
        ...ratio("cachedOwn", "the same with the plugin image's compile cache (DISINTO_COMPILE_CACHE, warmed as the Dockerfile does), minus the forge's time", false),
        detail: `${ratio("cachedOwn", "", false).detail}; the forge answered for ${median(served.cached!).toFixed(1)} ms (median) of each run`,
      },
      { ...ratio("idle", "idle dev agent entry, wall time including the forge's", false), detail: `${ratio("idle", "", false).detail}; "${idleLine}"` },
      ratio("start", "dev agent start without a forge URL (node bundles/dev.mjs: the entry's modules loaded, settings validated, exit 2)", false),
    ];
  } finally {
    busy.stop();
    await admin.close();
    await sandbox.stop();
    await rm(tmp, { recursive: true, force: true });
  }
};
