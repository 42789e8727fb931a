// Creates under failure never duplicate. Two kinds of failure:
// * the sandbox's injected faults (5xx answers, dropped connections) on every route, which
//   fail a request before the server acts on it;
// * a proxy that lets the forge act on a create and then loses the answer (500 or a dropped
//   connection) — the case where a blind retry duplicates.
// Each scripted sequence runs ≥ 200 operations; afterwards, with faults off, listings prove
// every issue, comment, label and PR exists exactly once.
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { makePrng } from "../../src/sandbox/forge/faults.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import type { RepoForge, RepoRef } from "../../src/forge/types.ts";
import { FAST_RETRY, forgeFixture, type ForgeFixture } from "./forge-fixture.ts";

const fixtures: ForgeFixture[] = [];
after(async () => {
  await Promise.all(fixtures.map((f) => f.stop()));
});

const ISSUES = 30;
const LABELS = [
  { name: "backlog", color: "0075ca" },
  { name: "in-progress", color: "e4e669" },
  { name: "blocked", color: "b60205" },
];

interface Expect {
  issueTitles: string[];
  comments: Map<string, string[]>;
  prHead: string;
}

/** The scripted sequence: returns how many Forge operations it performed. */
async function script(dev: RepoForge, review: RepoForge, main: string, tag: string, exp: Expect): Promise<number> {
  let ops = 0;
  const op = async <T>(p: Promise<T>): Promise<T> => {
    const v = await p;
    ops++;
    return v;
  };
  await op(dev.labels.ensure(LABELS));
  await op(review.labels.ensure(LABELS));
  for (let n = 0; n < ISSUES; n++) {
    const title = `${tag} issue ${n}`;
    const issue = await op(dev.issues.create({ title, body: `body of ${n}`, labels: ["backlog"] }));
    exp.issueTitles.push(title);
    const bodies = [`${tag} first comment on ${n}`, `${tag} review note on ${n}`];
    const c = await op(dev.comments.create(issue.number, bodies[0] ?? ""));
    await op(review.comments.create(issue.number, bodies[1] ?? ""));
    exp.comments.set(title, bodies);
    await op(dev.comments.edit(c.id, bodies[0] ?? ""));
    await op(dev.issues.edit(issue.number, { body: `edited body of ${n}` }));
    await op(dev.labels.add(issue.number, ["in-progress"]));
    await op(dev.labels.remove(issue.number, "backlog"));
    await op(dev.issues.setAssignees(issue.number, ["dev-bot"]));
    await op(dev.issues.get(issue.number));
    if (n % 3 === 0) await op(dev.issues.close(issue.number));
    if (n % 5 === 0) await op(dev.issues.list({ state: "all", labels: ["in-progress"] }));
  }
  exp.prHead = `${tag}-feature`;
  await op(dev.branches.create(exp.prHead, main));
  await op(dev.contents.create(`${tag}.txt`, { text: `${tag}\n`, message: `add ${tag}`, branch: exp.prHead }));
  const pr = await op(dev.pulls.create({ head: exp.prHead, base: main, title: `${tag} PR`, body: "feature" }));
  await op(review.reviews.create(pr.number, { event: "APPROVED", body: `${tag} approved`, commitId: pr.head.sha }));
  await op(dev.statuses.create(pr.head.sha, { state: "success", context: "ci/test" }));
  await op(dev.pulls.get(pr.number));
  await op(dev.comments.create(pr.number, `${tag} PR comment`));
  exp.comments.set(`${tag} PR`, [`${tag} PR comment`]);
  return ops;
}

/** With faults off: everything exists, exactly once. */
async function verify(fx: ForgeFixture, exp: Expect): Promise<void> {
  const clean = fx.client("dev-bot").repo(fx.repo);
  const issues = await clean.issues.list({ state: "all", type: "issues" });
  const titles = issues.map((i) => i.title).sort();
  assert.deepEqual(titles, [...exp.issueTitles].sort(), "every issue exactly once");
  const pulls = await clean.pulls.list({ state: "all" });
  assert.deepEqual(
    pulls.filter((p) => p.head.ref === exp.prHead).length,
    1,
    "exactly one PR for the head",
  );
  const labelNames = (await clean.labels.list()).map((l) => l.name).sort();
  assert.deepEqual(labelNames, LABELS.map((l) => l.name).sort(), "every label exactly once");
  const all = [...issues, ...pulls.map((p) => ({ number: p.number, title: p.title }))];
  for (const item of all) {
    const expected = exp.comments.get(item.title);
    if (!expected) continue;
    const bodies = (await clean.comments.list(item.number)).map((c) => c.body);
    assert.deepEqual(bodies, expected, `comments on "${item.title}" exactly once each`);
  }
  const [pr] = pulls.filter((p) => p.head.ref === exp.prHead);
  const reviews = await clean.reviews.list(pr?.number ?? 0);
  assert.equal(reviews.filter((r) => r.state === "APPROVED").length, 1, "one approval");
}

describe("forge client under injected faults", () => {
  for (const [name, rule] of [
    ["20% 5xx on every route", { errorRate: 0.2 }],
    ["10% dropped connections on every route", { dropRate: 0.1 }],
  ] as const) {
    it(`${name}: 200+ operations, no duplicates`, { timeout: 240_000 }, async () => {
      const fx = await forgeFixture({ seedFaultsRandom: 42 });
      fixtures.push(fx);
      const main = (await fx.dev.getRepo(fx.repo))?.defaultBranch ?? "main";
      fx.sandbox.setFaults([{ route: "* /api/v1/**", ...rule }]);
      const exp: Expect = { issueTitles: [], comments: new Map(), prHead: "" };
      const ops = await script(fx.dev.repo(fx.repo), fx.review.repo(fx.repo), main, "f", exp);
      const stats = fx.dev.requestStats();
      fx.sandbox.setFaults([]);
      assert.ok(ops >= 200, `${ops} operations`);
      assert.ok(stats.retries > 0, "faults were actually hit");
      await verify(fx, exp);
    });
  }
});

/**
 * A loopback proxy in front of the sandbox that forwards every request, and for a seeded share
 * of the POSTs lets the forge act and then loses the response: a 502 or a dropped connection.
 */
async function lossyProxy(target: string, lossRate: number, seed: number): Promise<{ url: string; lost: () => number; close: () => Promise<void> }> {
  const random = makePrng(seed);
  const t = new URL(target);
  let lost = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const upstream = httpRequest(
        { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
        (up: IncomingMessage) => {
          const body: Buffer[] = [];
          up.on("data", (c: Buffer) => body.push(c));
          up.on("end", () => {
            if (req.method === "POST" && (up.statusCode ?? 0) < 300 && random() < lossRate) {
              lost++;
              if (random() < 0.5) {
                req.socket.destroy();
                return;
              }
              res.writeHead(502, { "content-type": "text/plain" });
              res.end("upstream answer lost");
              return;
            }
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      upstream.on("error", () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lost: () => lost,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe("forge client when the forge acts but the answer is lost", () => {
  it("30% of successful POSTs lose their response: 200+ operations, no duplicates", { timeout: 240_000 }, async () => {
    const fx = await forgeFixture();
    fixtures.push(fx);
    const main = (await fx.dev.getRepo(fx.repo))?.defaultBranch ?? "main";
    const proxy = await lossyProxy(fx.sandbox.url, 0.3, 7);
    const via = (user: "dev-bot" | "review-bot"): ForgejoForge =>
      new ForgejoForge({ url: proxy.url, token: fx.sandbox.users[user]?.token ?? "", retry: FAST_RETRY, writeRetry: FAST_RETRY, settleMs: 10 });
    const dev = via("dev-bot");
    const review = via("review-bot");
    try {
      const ref: RepoRef = fx.repo;
      const exp: Expect = { issueTitles: [], comments: new Map(), prHead: "" };
      const ops = await script(dev.repo(ref), review.repo(ref), main, "l", exp);
      assert.ok(ops >= 200, `${ops} operations`);
      assert.ok(proxy.lost() >= 20, `only ${proxy.lost()} responses lost`);
      await verify(fx, exp);
    } finally {
      await Promise.all([dev.close(), review.close()]);
      await proxy.close();
    }
  });
});
