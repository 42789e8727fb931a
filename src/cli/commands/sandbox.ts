// `disinto sandbox`: run the sandbox forge in the foreground until SIGTERM/SIGINT.
// One JSON line on stdout when ready (for scripts and tests); everything else on stderr.
import { resolve } from "node:path";
import { write, type Command } from "../command.ts";
import { EXIT_OK, UsageError } from "../../lib/errors.ts";
import { startSandboxForge, parseFaults, FAULT_SPEC_HELP } from "../../sandbox/forge/index.ts";

export const sandboxCommand: Command = {
  name: ["sandbox"],
  summary: "Run a local Forgejo-compatible sandbox forge (for demos and tests)",
  usage: "sandbox [--port N] [--data DIR] [--seed demo|empty] [--faults SPEC]",
  description: `
Starts a forge on loopback that speaks the Forgejo v15 REST API subset the agents use, with
real git repositories served over smart HTTP. When it is ready it prints one JSON line:

  {"forge_url": "http://127.0.0.1:PORT", "users": {"<login>": {"token": ..., "password": ...}}, "repos": [...]}

Accounts: admin (site admin), dev-bot, review-bot, gardener-bot, planner-bot, supervisor-bot.
Anonymous API calls get 401 (like a REQUIRE_SIGN_IN instance); git needs credentials too —
give them through a credential helper, never in the URL.

--seed demo also creates demo/calc (a tiny Node project with a node --test suite and
.woodpecker/test.yml), its ops repo demo/calc-ops, the label catalogue, collaborators and three
backlog issues. Seeds apply only to a data dir without state; --data keeps state and
repositories across restarts (default: a temporary directory removed on exit).

${FAULT_SPEC_HELP}

Stops cleanly (exit 0) on SIGTERM or SIGINT.`,
  options: {
    port: { type: "string", value: "N", description: "Port to listen on (default 0: any free port)." },
    host: { type: "string", value: "HOST", description: "Address to bind (default 127.0.0.1)." },
    data: { type: "string", value: "DIR", description: "Persist state and repositories in DIR." },
    seed: { type: "string", value: "demo|empty", description: "What a fresh forge starts with (default empty: accounts only)." },
    faults: { type: "string", value: "SPEC", description: "Inject faults (see above)." },
    "faults-seed": { type: "string", value: "N", description: "Seed the fault PRNG for a reproducible run." },
  },
  args: { min: 0, max: 0 },
  async run({ flags, io }) {
    const port = flags.port === undefined ? 0 : Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`sandbox: --port must be an integer 0-65535, got '${String(flags.port)}'`);
    const seed = flags.seed ?? "empty";
    if (seed !== "demo" && seed !== "empty") throw new UsageError(`sandbox: --seed must be demo or empty, got '${String(seed)}'`);
    const faults = typeof flags.faults === "string" ? parseFaults(flags.faults) : [];
    const faultsSeed = flags["faults-seed"] === undefined ? undefined : Number(flags["faults-seed"]);
    if (faultsSeed !== undefined && !Number.isInteger(faultsSeed)) throw new UsageError("sandbox: --faults-seed must be an integer");
    const forge = await startSandboxForge({
      port,
      seed,
      faults,
      ...(typeof flags.host === "string" ? { host: flags.host } : {}),
      ...(typeof flags.data === "string" ? { dataDir: resolve(io.cwd, flags.data) } : {}),
      ...(faultsSeed !== undefined ? { seedFaultsRandom: faultsSeed } : {}),
    });
    const users: Record<string, { token: string; password: string }> = {};
    for (const [login, u] of Object.entries(forge.users)) users[login] = { token: u.token, password: u.password };
    write(io.stdout, JSON.stringify({ forge_url: forge.url, users, repos: forge.repos }));
    write(io.stderr, `sandbox forge listening on ${forge.url} (API ${forge.url}/api/v1); SIGTERM or Ctrl-C stops it`);
    await new Promise<void>((done) => {
      const stop = (): void => {
        process.off("SIGTERM", stop);
        process.off("SIGINT", stop);
        done();
      };
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    });
    await forge.stop();
    write(io.stderr, "sandbox forge stopped");
    return EXIT_OK;
  },
};
