// The factory demo's red-CI trap: someone pushes straight to main a test that cannot pass
// (0.1 + 0.2 is not 0.3 in floating point), then a "fix" that is still red. Two red push
// pipelines of main in a row are what trips the supervisor's circuit breaker; the dev agent then
// claims nothing new. Removing the test turns main green and the supervisor clears the breaker.
// The breaker's state is read where the dev agent reads it: the `ci-untrusted` incident.
import type { ContentsApi, RepoForge } from "../forge/types.ts";
import { StateStore } from "../state/index.ts";
import { CI_UNTRUSTED, latestIncident } from "../state/incident.ts";
import type { DemoSupervisor } from "./report.ts";
import { DEMO_TECH_DEBT } from "./script.ts";

export type RedMain = DemoSupervisor;

const TRAP = "test/float.test.js";
const trapTest = (assertion: string): string =>
  `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { add } from "../src/calc.js";\n\ntest("adds tenths", () => {\n  ${assertion}\n});\n`;

export interface RedMainInput {
  /** demo/calc as its admin (a person pushing to main). */
  repo: RepoForge;
  /** The ops repo's contents, where the supervisor keeps its incidents. */
  store: ContentsApi;
  /** Fires a cron and waits for every pipeline; true when it succeeded. */
  fire: (cron: string) => Promise<boolean>;
  /** Waits for every pipeline and narrates what happened. */
  idle: () => Promise<void>;
  say: (line: string) => void;
  /** The tech-debt issue joins the ones the demo takes to merge. */
  track: (n: number) => void;
}

async function breakerOpen(store: ContentsApi): Promise<boolean> {
  const doc = await latestIncident(new StateStore({ contents: store, author: { agent: "demo" } }), CI_UNTRUSTED);
  return doc?.open === true;
}

export async function redMain(input: RedMainInput): Promise<RedMain> {
  const { repo, say } = input;
  const first = await repo.contents.create(TRAP, { text: trapTest("assert.equal(add(0.1, 0.2), 0.3);"), message: "Test that add() adds tenths" });
  say(`admin pushed a test straight to main that cannot pass (0.1 + 0.2 is 0.30000000000000004) — ${TRAP}`);
  await input.idle();
  const sha = first.sha ?? (await repo.contents.get(TRAP))?.sha;
  if (sha === undefined) throw new Error(`${TRAP} is not on main after the admin's push`);
  await repo.contents.update(TRAP, { sha, text: trapTest('assert.equal(add(0.1, 0.2).toFixed(1), 0.3); // toFixed returns a string: still red'), message: "Fix the tenths test" });
  say("admin pushed a \"fix\" that is still red: main has failed twice in a row");
  await input.idle();
  await input.fire("disinto-supervisor");
  const tripped = await breakerOpen(input.store);
  say(tripped ? `the supervisor opened the CI circuit breaker (incident ${CI_UNTRUSTED}): the dev agent claims no new issue while main is red` : "the supervisor did not open the breaker");
  // Work arrives while the breaker is open: a tech-debt issue the gardener promotes; the dev agent leaves it.
  const debt = await repo.issues.create({ title: DEMO_TECH_DEBT.title, body: DEMO_TECH_DEBT.body, labels: ["tech-debt"] });
  input.track(debt.number);
  say(`admin filed #${debt.number} "${debt.title}", labelled tech-debt — ${debt.htmlUrl}`);
  // One task a run, the most urgent first (a vision whose sub-issues are done may come before it).
  for (let i = 0; i < 3; i++) {
    await input.fire("disinto-gardener");
    if ((await repo.issues.get(debt.number))?.labels.includes("backlog") === true) break;
  }
  await input.fire("disinto-dev");
  const now = await repo.contents.get(TRAP);
  if (now === undefined) throw new Error(`${TRAP} vanished from main`);
  await repo.contents.delete(TRAP, { sha: now.sha, message: "Remove the tenths test: floating point does not add up to 0.3" });
  say(`admin removed ${TRAP}: main is green again`);
  await input.idle();
  await input.fire("disinto-supervisor");
  const cleared = tripped && !(await breakerOpen(input.store));
  say(cleared ? "the supervisor cleared the breaker: the dev agent takes new work again" : "the breaker is still open");
  return { tripped, cleared };
}
