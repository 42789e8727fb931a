// `disinto sandbox`: run the sandbox forge and CI in the foreground until SIGTERM/SIGINT.
// One JSON line on stdout when ready (for scripts and tests); everything else on stderr.
import { resolve } from "node:path";
import { write, type Command } from "../command.ts";
import { EXIT_OK, UsageError } from "../../lib/errors.ts";
import { parseFaults, FAULT_SPEC_HELP } from "../../sandbox/forge/index.ts";
import { startSandbox } from "../../sandbox/index.ts";

export const sandboxCommand: Command = {
  name: ["sandbox"],
  summary: "Run a local Forgejo-compatible forge and Woodpecker-compatible CI (for demos and tests)",
  usage: "sandbox [--port N] [--ci-port N] [--data DIR] [--seed demo|empty] [--faults SPEC] [--bundles DIR] [--no-scheduler]",
  description: `
Starts a forge on loopback that speaks the Forgejo v15 REST API subset the agents use, with
real git repositories served over smart HTTP, and beside it a CI that speaks the Woodpecker
3.x REST API (under CI_URL/api): forge pushes and pull requests of activated repositories start
pipelines from .woodpecker/*.yml, run as local processes, reported back as commit statuses
ci/woodpecker/<event>/<workflow>; crons run on their schedule. Steps using the disinto plugin
image run bundles/<agent>.mjs (see --bundles). When ready it prints one JSON line:

  {"forge_url": "http://127.0.0.1:PORT", "ci_url": "http://127.0.0.1:PORT2", "ci_token": "<admin's CI token>",
   "users": {"<login>": {"token": ..., "password": ..., "ci_token": ...}}, "repos": [...]}

Accounts: admin (site admin), dev-bot, review-bot, gardener-bot, planner-bot, supervisor-bot.
Anonymous API calls get 401 (like a REQUIRE_SIGN_IN instance); git needs credentials too —
give them through a credential helper, never in the URL.

--seed demo also creates demo/calc (a tiny Node project with a node --test suite and
.woodpecker/test.yml), its ops repo demo/calc-ops, the label catalogue, collaborators and three
backlog issues, and activates both repositories in the CI. Seeds apply only to a data dir
without state; --data keeps state, repositories and CI pipelines, logs, crons and secrets (in
DIR/ci) across restarts (default: a temporary directory removed on exit).

${FAULT_SPEC_HELP}

Stops cleanly (exit 0) on SIGTERM or SIGINT; running pipelines are killed first. When it
cannot go on — its --data dir removed while it runs — it stops the same way and exits 1.`,
  options: {
    port: { type: "string", value: "N", description: "Forge port (default 0: any free port)." },
    "ci-port": { type: "string", value: "N", description: "CI port (default 0: any free port)." },
    host: { type: "string", value: "HOST", description: "Address to bind (default 127.0.0.1)." },
    data: { type: "string", value: "DIR", description: "Persist state and repositories in DIR." },
    seed: { type: "string", value: "demo|empty", description: "What a fresh forge starts with (default empty: accounts only)." },
    faults: { type: "string", value: "SPEC", description: "Inject faults (see above)." },
    "faults-seed": { type: "string", value: "N", description: "Seed the fault PRNG for a reproducible run." },
    bundles: { type: "string", value: "DIR", description: "Directory of the agent bundles plugin steps run (default: the package's bundles/)." },
    "no-scheduler": { type: "boolean", description: "Do not run crons on their schedule (they still run through the API)." },
  },
  args: { min: 0, max: 0 },
  async run({ flags, io }) {
    const portOf = (name: string): number => {
      const v = flags[name];
      const n = v === undefined ? 0 : Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`sandbox: --${name} must be an integer 0-65535, got '${String(v)}'`);
      return n;
    };
    const port = portOf("port");
    const ciPort = portOf("ci-port");
    const seed = flags.seed ?? "empty";
    if (seed !== "demo" && seed !== "empty") throw new UsageError(`sandbox: --seed must be demo or empty, got '${String(seed)}'`);
    const faults = typeof flags.faults === "string" ? parseFaults(flags.faults) : [];
    const faultsSeed = flags["faults-seed"] === undefined ? undefined : Number(flags["faults-seed"]);
    if (faultsSeed !== undefined && !Number.isInteger(faultsSeed)) throw new UsageError("sandbox: --faults-seed must be an integer");
    const sandbox = await startSandbox({
      port,
      ciPort,
      seed,
      faults,
      scheduler: flags["no-scheduler"] !== true,
      log: (line) => write(io.stderr, line),
      ...(typeof flags.host === "string" ? { host: flags.host } : {}),
      ...(typeof flags.data === "string" ? { dataDir: resolve(io.cwd, flags.data) } : {}),
      ...(typeof flags.bundles === "string" ? { bundlesDir: resolve(io.cwd, flags.bundles) } : {}),
      ...(faultsSeed !== undefined ? { seedFaultsRandom: faultsSeed } : {}),
    });
    const { forge, ci } = sandbox;
    const users: Record<string, { token: string; password: string; ci_token: string }> = {};
    for (const [login, u] of Object.entries(forge.users)) users[login] = { token: u.token, password: u.password, ci_token: ci.token(login) };
    write(io.stdout, JSON.stringify({ forge_url: forge.url, ci_url: ci.url, ci_token: ci.token("admin"), users, repos: forge.repos }));
    write(io.stderr, `sandbox forge listening on ${forge.url} (API ${forge.url}/api/v1), CI on ${ci.url} (API ${ci.url}/api); SIGTERM or Ctrl-C stops them`);
    let onSignal: (() => void) | undefined;
    const signalled = new Promise<undefined>((done) => {
      onSignal = () => done(undefined);
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
    });
    // a signal stops it cleanly; a fatal error (its data dir removed) stops it with exit 1
    const fatal = await Promise.race([signalled, sandbox.fatal]);
    if (onSignal !== undefined) {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    }
    if (fatal !== undefined) {
      await sandbox.stop().catch(() => undefined);
      write(io.stderr, "sandbox stopped");
      throw fatal;
    }
    await sandbox.stop();
    write(io.stderr, "sandbox stopped");
    return EXIT_OK;
  },
};
