// Every link `disinto demo` prints and `disinto status` reports opens a page that shows what
// the line says: a short demo (two rounds: a pull request opened, tested, reviewed, merged,
// its issue closed) runs in-process with its sandbox kept, `status` is collected against it,
// and each forge and CI URL of both is fetched as a browser would.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { WoodpeckerCi } from "../../src/ci/index.ts";
import { runDemo, type DemoRun } from "../../src/demo/demo.ts";
import { DEMO_OPS_REPO } from "../../src/demo/setup.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { collectStatus } from "../../src/status/collect.ts";
import type { StatusReport } from "../../src/status/schema.ts";
import { assertPage, page } from "../fixtures/sandbox-pages.ts";

let run: DemoRun;
const narration: string[] = [];
let status: StatusReport;

before(async () => {
  run = await runDemo({ backend: "scripted", keep: true, maxRounds: 2, env: {}, say: (l) => narration.push(l) });
  const sb = run.sandbox;
  assert.ok(sb, "--keep leaves the sandbox running");
  const forge = new ForgejoForge({ url: sb.forge.url, token: sb.forge.users.admin!.token });
  try {
    // collectStatus closes the CI client it makes, as the status command relies on.
    status = await collectStatus({ forge, opsRepo: DEMO_OPS_REPO, ciUrl: sb.ci.url, ci: (url) => new WoodpeckerCi({ url, token: sb.ci.token("admin") }) });
  } finally {
    await forge.close();
  }
});
after(async () => {
  await run.stop();
});

/** url → what its page must show. */
function demoLinks(): Map<string, string[]> {
  const links = new Map<string, string[]>();
  const add = (url: string, ...texts: string[]): void => {
    links.set(url, [...(links.get(url) ?? []), ...texts]);
  };
  narration.forEach((line, i) => {
    let m = / opened PR #(\d+) "(.+)" — (\S+)$/.exec(line);
    if (m) add(m[3]!, m[2]!, `#${m[1]!}`);
    m = /^issue #(\d+) "(.+)" closed — (\S+)$/.exec(line);
    if (m) add(m[3]!, m[2]!, "closed");
    m = /^admin filed #(\d+) "(.+)", labelled (\S+) .* — (\S+)$/.exec(line);
    if (m) add(m[4]!, m[2]!, m[3]!);
    m = /^CI pipeline #(\d+) .* — (\S+)$/.exec(line);
    if (m) {
      // The agent outcome lines the demo quotes under a pipeline come from its step logs.
      const said: string[] = [];
      for (let j = i + 1; narration[j]?.startsWith("    ") === true; j++) said.push(narration[j]!.trim());
      add(m[2]!, `Pipeline #${m[1]!}`, ...said);
    }
    m = /^sandbox: forge (\S+) · CI (\S+) /.exec(line);
    if (m) {
      add(m[1]!, "demo/calc");
      add(m[2]!, "demo/calc");
    }
  });
  return links;
}

function statusLinks(r: StatusReport, forgeUrl: string, ciUrl: string): Map<string, string[]> {
  const links = new Map<string, string[]>();
  const add = (url: string | null | undefined, ...texts: string[]): void => {
    if (url) links.set(url, [...(links.get(url) ?? []), ...texts]);
  };
  for (const p of r.projects) {
    for (const a of p.agents) if (a.last_run) add(a.last_run.url, `Pipeline #${a.last_run.pipeline}`);
    for (const i of [...p.queue.ready, ...p.queue.blocked, ...p.queue.in_progress]) add(i.url, i.title, `#${i.number}`);
    for (const pr of p.pulls) {
      add(pr.url, pr.title);
      for (const c of pr.ci.contexts) add(c.url, "Pipeline #");
    }
    for (const l of p.leases) add(l.pipeline_url, "Pipeline #");
    for (const d of p.dev) for (const h of d.history) add(h.pipeline_url, "Pipeline #");
  }
  // Anything else that points into the sandbox must open too.
  const walk = (v: unknown): void => {
    if (typeof v === "string" && (v.startsWith(`${forgeUrl}/`) || v.startsWith(`${ciUrl}/`))) add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(r);
  return links;
}

describe("the demo's and status's links open pages", { timeout: 600_000 }, () => {
  it("the demo got as far as a merged pull request and a closed issue", () => {
    const text = narration.join("\n");
    assert.match(text, /opened PR #\d+ .* — http/);
    assert.match(text, /issue #\d+ ".*" closed — http/);
    assert.match(text, /CI pipeline #\d+ \(pull_request, PR #\d+\).* — http/);
  });

  it("every link the demo prints opens a page showing what the line says", async () => {
    const links = demoLinks();
    const sb = run.sandbox!;
    const kinds: string[] = [...links.keys()].map((u) => (u.includes("/pipeline/") ? "pipeline" : u.includes("/pulls/") ? "pull" : u.includes("/issues/") ? "issue" : "root"));
    for (const k of ["pipeline", "pull", "issue", "root"]) assert.ok(kinds.includes(k), `the narration has a ${k} link: ${narration.join("\n")}`);
    for (const [url, texts] of links) {
      assert.ok(url.startsWith(sb.forge.url) || url.startsWith(sb.ci.url), url);
      assertPage(await page(url), ...texts);
    }
  });

  it("status lists all eight agents and the light tick: set up or not, last run, next cron, last outcome, spend today", () => {
    const p = status.projects[0]!;
    assert.deepEqual(p.agents.map((a) => a.agent), ["dev", "review", "gardener", "planner", "predictor", "supervisor", "architect", "vault", "tick"]);
    const by = new Map(p.agents.map((a) => [a.agent, a]));
    // The tick reads with the dev identity, on its own cron (init's default layout).
    const tick = by.get("tick")!;
    assert.ok(tick.configured && tick.login === by.get("dev")!.login && tick.backend === null, JSON.stringify(tick));
    assert.equal(tick.cron?.name, "disinto-tick", JSON.stringify(tick.cron));
    assert.deepEqual(p.agents.filter((a) => !a.configured).map((a) => a.agent), ["predictor"], "the demo sets up every agent but the predictor");
    const planner = by.get("planner")!;
    assert.equal(planner.last_run?.status, "success");
    assert.match(planner.last_outcome ?? "", /^planner: planned: /);
    // The cron exists with its schedule (init's tick layout may leave it disabled: the tick wakes the planner).
    assert.ok(planner.cron?.schedule === "0 3 * * 1" && planner.cron.next_at !== null, JSON.stringify(planner.cron));
    assert.match(by.get("dev")!.last_outcome ?? "", /^dev: /);
    // The scripted backend's runs are in the ledger, at no cost.
    assert.ok(by.get("dev")!.spend_today.runs >= 1 && by.get("planner")!.spend_today.runs === 1, JSON.stringify([...by.values()].map((a) => [a.agent, a.spend_today])));
    assert.equal(by.get("dev")!.spend_today.cost_usd, 0);
  });

  it("every link status reports opens a page", async () => {
    const sb = run.sandbox!;
    const links = statusLinks(status, sb.forge.url, sb.ci.url);
    assert.ok([...links.keys()].some((u) => u.includes("/pipeline/")), "status links pipelines");
    assert.ok([...links.keys()].some((u) => u.includes("/issues/")), "status links the queue's issues");
    for (const [url, texts] of links) assertPage(await page(url), ...texts);
  });
});
