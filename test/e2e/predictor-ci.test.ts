// The predictor's CI evidence against the sandbox CI (a Woodpecker-shaped API: lists without
// workflows, `get` with workflows and steps, restarts with `parent`): main green, red, green
// again, then a step that fails on its first run only and goes green when its pipeline is
// restarted on the same commit. The prompt must name the failed share, the failing steps and
// the flaky one, and the evidence must cost the list plus one `get` per red pipeline.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAgent } from "../../src/agents/runtime.ts";
import { runPredictorTick } from "../../src/agents/predictor/tick.ts";
import { WoodpeckerCi } from "../../src/ci/index.ts";
import type { Backend } from "../../src/llm/types.ts";
import { Counting } from "../fakes/counting-backend.ts";
import { sink } from "../helpers/io.ts";
import { LOGIN, supervisorWorld, type SupervisorProject, type SupervisorWorld } from "../fixtures/supervisor/world.ts";

/** A push workflow whose step fails until `marker` exists (it creates it): red once, then green. */
const flakyYml = (marker: string): string => `when:
  - event: push
    branch: main
steps:
  - name: flaky
    image: alpine:3.20
    commands:
      - if [ ! -e ${marker} ]; then touch ${marker}; echo "first run fails"; exit 1; fi
      - echo green
`;

/** The predictor as a role of the project, beside the supervisor (same login), with its labels. */
async function addPredictor(p: SupervisorProject): Promise<void> {
  await p.app.labels.ensure(["unreviewed", "dismissed", "actioned"].map((l) => ({ name: `prediction/${l}`, color: "c2e0c6" })));
  const path = `projects/${p.name}.toml`;
  const cfg = (await p.opsRepo.contents.get(path))!;
  const identity = ["[identities.predictor]", `login = "${LOGIN}"`, 'token_secret = "FORGE_PREDICTOR_TOKEN"', 'backend = "scripted"', "", ""].join("\n");
  await p.opsRepo.contents.update(path, { text: cfg.text.replace("[backends.scripted]", `${identity}[backends.scripted]`), message: "config: predictor identity", sha: cfg.sha });
}

/** A loopback proxy in front of the sandbox CI that records each request's method and path. */
async function recordingProxy(target: string): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method ?? "GET"} ${new URL(req.url ?? "/", target).pathname}`);
    const up = request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", (err) => res.destroy(err));
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe("predictor: CI evidence from the sandbox CI", () => {
  let w: SupervisorWorld;
  let dir: string;
  before(async () => {
    w = await supervisorWorld();
    dir = await mkdtemp(join(tmpdir(), "predictor-ci-"));
  });
  after(async () => {
    await w.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("counts red pipelines and their failing steps, a restarted-green step as flaky, with one get per red pipeline", async () => {
    const p = await w.project("foresee", { mainCi: true });
    await addPredictor(p);
    await p.ciIdle();
    await p.commitMain({ "ci-red": "1" }, "break main");
    await p.ciIdle();
    await p.deleteMain("ci-red");
    await p.ciIdle();
    await p.commitMain({ ".woodpecker/flaky.yml": flakyYml(join(dir, "flaky-ran")) }, "a flaky step");
    await p.ciIdle();

    const ci = new WoodpeckerCi({ url: w.w.sb.ci.url, token: w.w.sb.ci.token("admin") });
    try {
      const api = ci.repo(p.ciRepoId).pipelines;
      const [flaky] = await api.list({ max: 1 });
      assert.equal(flaky?.status, "failure");
      const restarted = await api.restart(flaky.number);
      await p.ciIdle();
      // What the evidence is read from: newest first, the restart green on the flaky commit.
      const seen = (await api.list({ max: 50 })).map((x) => ({ number: x.number, status: x.status, parent: x.parent, commit: x.commit }));
      assert.deepEqual(
        seen.map(({ status, parent }) => ({ status, parent })),
        [
          { status: "success", parent: flaky.number },
          { status: "failure", parent: 0 },
          { status: "success", parent: 0 },
          { status: "failure", parent: 0 },
          { status: "success", parent: 0 },
        ],
        JSON.stringify(seen),
      );
      assert.equal(seen[0]!.number, restarted.number);
      assert.equal(seen[0]!.commit, flaky.commit);
      const red = seen.filter((x) => x.status === "failure").map((x) => x.number);

      await p.setScript([{ name: "predictor", match: "run-predictor", structured: { summary: "CI looks fine.", predictions: [] } }]);
      const proxy = await recordingProxy(w.w.sb.ci.url);
      const counted: Counting[] = [];
      const wrapBackend = (b: Backend): Backend => {
        const c = new Counting(b);
        counted.push(c);
        return c;
      };
      const s = sink();
      let code: number;
      try {
        code = await runAgent("predictor", runPredictorTick, { env: p.env({ DISINTO_AGENT: "predictor", DISINTO_CI_URL: proxy.url }), streams: { stdout: s.out }, wrapBackend });
      } finally {
        await proxy.close();
      }
      assert.equal(code, 0, s.text());
      const calls = counted.flatMap((c) => c.calls);
      assert.equal(calls.length, 1, s.text());
      const prompt = calls[0]!.prompt;
      assert.match(prompt, /^- CI: 2 of the last 5 pipelines failed \(rate 0\.4\)\.$/m);
      // Failures first, then by name: the flaky step went green on its commit, main's did not.
      const steps = prompt.split("\n").filter((l) => /^ {2}- `[^`]+`: \d+ failure/.test(l));
      assert.deepEqual(steps, [
        "  - `flaky/flaky`: 1 failure, 1 on a commit that also went green (flaky)",
        "  - `main/main`: 1 failure, 0 on a commit that also went green (flaky)",
      ]);
      assert.match(prompt, /^- CI duration: older half [\d.]+ min, newer half [\d.]+ min\.$/m);

      const base = `/api/repos/${p.ciRepoId}/pipelines`;
      assert.deepEqual([...proxy.requests].sort(), [`GET ${base}`, ...red.map((n) => `GET ${base}/${n}`)].sort(), proxy.requests.join("\n"));
    } finally {
      await ci.close();
    }
  });
});
