// The demo's vault step, the planner-free path an operator takes by hand: an agent asks the
// vault for a `webhook` action (`disinto vault request`), the admin — the person — approves
// the request PR on its head and merges it, the push to the ops repo's main starts the
// dispatcher's pipeline there, and the dispatcher POSTs to a receiver the demo runs on
// loopback, with the URL as the action's only secret. The URL is a credential: the narration
// never shows it.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { WoodpeckerCi } from "../ci/index.ts";
import type { RepoForge } from "../forge/types.ts";
import type { Redactor } from "../lib/redact.ts";
import { mustParseAction, resultPath } from "../vault/action.ts";
import { knownFormulas } from "../vault/formulas.ts";
import { requestVault } from "../vault/request.ts";
import { parseResult } from "../vault/results.ts";
import { loadPolicy } from "../vault/tiers.ts";
import type { DemoVault } from "./report.ts";
import { DEMO_OPS_REPO, DEMO_VAULT_SECRET } from "./setup.ts";

export const DEMO_VAULT_ID = "announce-calc";
export const DEMO_VAULT_PAYLOAD = { text: "calc: every demo issue is merged" };

export interface Receiver {
  /** The URL with its secret path: the value of the vault secret WEBHOOK_URL. */
  url: string;
  /** JSON bodies POSTed to it. */
  received: unknown[];
  close(): Promise<void>;
}

/** A loopback HTTP endpoint standing in for a chat hook; its path is unguessable. */
export async function startReceiver(): Promise<Receiver> {
  const path = `/hooks/demo-${randomBytes(12).toString("hex")}`;
  const received: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== path) {
        res.writeHead(404).end();
        return;
      }
      try {
        received.push(JSON.parse(body));
        res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
      } catch {
        res.writeHead(400).end("not JSON");
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The request as an agent asks it (the action file `disinto vault request` takes). */
export function demoActionToml(): string {
  return [
    `id = "${DEMO_VAULT_ID}"`,
    'formula = "webhook"',
    'context = "Tell the team that every demo issue is merged."',
    `secrets = ["${DEMO_VAULT_SECRET}"]`,
    "",
    "[params]",
    `payload = '${JSON.stringify(DEMO_VAULT_PAYLOAD)}'`,
    "",
  ].join("\n");
}

/** Asks for the action as `requesterOps`'s user, approves and merges it as `adminOps`'s; the push starts the dispatcher. */
export async function requestAndApprove(input: { requesterOps: RepoForge; requester: string; adminOps: RepoForge; secrets: readonly string[]; say: (line: string) => void }): Promise<{ pr: number; prUrl: string }> {
  const { requesterOps: ops, adminOps, say } = input;
  const formulas = await knownFormulas(ops);
  const action = mustParseAction(demoActionToml(), `${DEMO_VAULT_ID}.toml`, { formulas: [...formulas.keys()], secrets: input.secrets });
  const { policy } = await loadPolicy(ops);
  const r = await requestVault({ ops, policy, base: "main", requester: input.requester, labels: { vault: "vault", pending: "pending-approval" } }, action);
  if (r.pr === undefined) throw new Error(`vault: the demo's webhook action was not sent for approval (${r.state}${r.tier ? `, tier ${r.tier}` : ""})`);
  say(`${input.requester} asks the vault to run the webhook formula with the secret ${DEMO_VAULT_SECRET} (disinto vault request ${DEMO_VAULT_ID}.toml): ${r.tier} tier → PR #${r.pr} "vault: ${DEMO_VAULT_ID}" waits for an admin's approval — ${r.url ?? ""}`);
  const pr = await adminOps.pulls.get(r.pr);
  if (pr === undefined) throw new Error(`vault: request PR #${r.pr} is gone`);
  await adminOps.reviews.create(r.pr, { event: "APPROVED", body: "Approved: announce it.", commitId: pr.head.sha });
  await adminOps.pulls.merge(r.pr, { style: "merge", headCommitId: pr.head.sha });
  say(`admin (a person, an admin of ${DEMO_OPS_REPO.owner}/${DEMO_OPS_REPO.name}) approved PR #${r.pr} at ${pr.head.sha.slice(0, 7)} and merged it: the push under vault/actions/ starts the dispatcher`);
  return { pr: r.pr, prUrl: pr.htmlUrl };
}

/** What the dispatcher did, from the ops repo's result and its pipeline; lines for the narration. */
export async function vaultOutcome(input: { ops: RepoForge; ci: WoodpeckerCi; ciUrl: string; pr: number; prUrl: string; received: readonly unknown[]; redactor: Redactor }): Promise<{ vault: DemoVault; lines: string[] }> {
  const lines: string[] = [];
  const full = `${DEMO_OPS_REPO.owner}/${DEMO_OPS_REPO.name}`;
  const ciRepo = await input.ci.lookupRepo(full);
  let pipeline: number | null = null;
  if (ciRepo !== undefined) {
    const push = (await input.ci.repo(ciRepo.id).pipelines.list()).filter((p) => p.event === "push").sort((a, b) => b.number - a.number)[0];
    if (push !== undefined) {
      pipeline = push.number;
      lines.push(`CI pipeline #${push.number} of ${full} (push to ${push.branch}): vault ${push.status === "success" ? "✓" : "✗"} ${push.status} — ${input.ciUrl.replace(/\/+$/, "")}/repos/${ciRepo.id}/pipeline/${push.number}`);
    }
  }
  const doc = await input.ops.contents.get(resultPath(DEMO_VAULT_ID));
  const result = doc === undefined ? undefined : parseResult(doc.text);
  const delivered = input.received.some((b) => JSON.stringify(b) === JSON.stringify(DEMO_VAULT_PAYLOAD));
  if (result === undefined) lines.push(`the dispatcher wrote no ${resultPath(DEMO_VAULT_ID)}`);
  else {
    lines.push(`the dispatcher ran ${DEMO_VAULT_ID} (approved by ${result.approved_by ?? "nobody"} in PR #${result.pr ?? "?"}) and committed ${resultPath(DEMO_VAULT_ID)}: ${result.status}, exit ${result.exit_code ?? "none"}`);
    const said = result.log.split("\n").find((l) => l.startsWith("webhook: "));
    if (said !== undefined) lines.push(`    ${input.redactor.redact(said)}`);
  }
  lines.push(delivered ? `the receiver got the payload ${JSON.stringify(DEMO_VAULT_PAYLOAD)}` : "the receiver got nothing");
  return {
    vault: { id: DEMO_VAULT_ID, formula: "webhook", pr: input.pr, pr_url: input.prUrl, approved_by: result?.approved_by ?? null, pipeline, status: result?.status ?? null, delivered },
    lines,
  };
}
