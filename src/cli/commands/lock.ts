// `disinto lock acquire|release|list`: the ops repo's leases by hand — to see who holds
// what, to take a lease before maintenance so agents stay away, or to free one.
import { hostname, userInfo } from "node:os";
import { z } from "zod";
import { ForgejoForge } from "../../forge/index.ts";
import { baseSettingsSchema, loadSettings, settingsCliOptions } from "../../host/settings.ts";
import { UsageError } from "../../lib/errors.ts";
import { Redactor } from "../../lib/redact.ts";
import { Leases, NotHolderError, StateStore, type LeaseDoc } from "../../state/index.ts";
import { write, type Command, type CommandInput, type OptionSpec } from "../command.ts";
import { requireOpsRepo, requireSettings, splitRepo } from "../forge-settings.ts";

/** Exit code when the lease is held by someone else. */
export const EXIT_HELD = 3;

const settingsSchema = baseSettingsSchema.pick({ forge_url: true, forge_token: true, ops_repo: true });
// The token is read from the environment only: no flag takes a secret (process lists, history).
const settingOptions = settingsCliOptions(settingsSchema.omit({ forge_token: true }));
const holderOption: OptionSpec = { type: "string", value: "ID", description: "Who holds the lease (default: cli:<user>@<host>, the same for every command you run here)." };

function defaultHolder(): string {
  let user = "user";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep the generic name
  }
  return `cli:${user}@${hostname()}`;
}

async function withLeases<T>(input: CommandInput, fn: (leases: Leases) => Promise<T>): Promise<T> {
  const redactor = new Redactor();
  const s = loadSettings(settingsSchema, { env: input.io.env, flags: input.flags, redactor });
  requireSettings(s, ["forge_url", "forge_token", "ops_repo"]);
  const ops = splitRepo(s.ops_repo as string);
  const forge = new ForgejoForge({ url: s.forge_url as string, token: s.forge_token as string, redactor });
  try {
    await requireOpsRepo(forge, ops, s.forge_url as string);
    const store = new StateStore({ contents: forge.repo(ops).contents, author: { agent: "lock", identity: defaultHolder() } });
    return await fn(new Leases(store));
  } finally {
    await forge.close();
  }
}

const json = (v: unknown): string => JSON.stringify(v, null, 2);

export const lockAcquireCommand: Command = {
  name: ["lock", "acquire"],
  usage: "lock acquire NAME [--ttl SECONDS] [--holder ID]",
  summary: "Take a lease in the ops repo (exit 3 when someone else holds it)",
  description: `Creates locks/NAME.json in the ops repo, or takes over a lease that expired. Prints the
lease document and exits 0 when acquired; prints the current holder's lease and exits 3 when
someone else holds it. Agents' leases are named like dev/<project>/<login> and
review/<project>/pr-<N>.

Needs the forge and the ops repo: --forge-url and --ops-repo (or DISINTO_FORGE_URL and
DISINTO_OPS_REPO), and DISINTO_FORGE_TOKEN in the environment: a token that can write the ops
repo. Tokens are never taken from the command line.`,
  options: {
    ttl: { type: "string", value: "SECONDS", description: "How long the lease lasts unless renewed (default 600)." },
    holder: holderOption,
    ...settingOptions,
  },
  args: { min: 1, max: 1 },
  async run(input) {
    const name = input.args[0] as string;
    const ttl = z.coerce.number().int().positive().safeParse(input.flags.ttl ?? "600");
    if (!ttl.success) throw new UsageError(`--ttl must be a whole number of seconds greater than 0, got ${JSON.stringify(input.flags.ttl)}`);
    const holder = typeof input.flags.holder === "string" ? input.flags.holder : defaultHolder();
    return withLeases(input, async (leases) => {
      const r = await leases.acquire(name, { ttlMs: ttl.data * 1000, holder: { id: holder } });
      if (r.acquired) {
        write(input.io.stdout, json(await leases.inspect(name)));
        return 0;
      }
      write(input.io.stdout, json(r.current));
      write(input.io.stderr, `disinto: lease ${name} is held by ${r.current.holder?.id ?? "nobody"} until ${r.current.expires_at ?? "?"}`);
      return EXIT_HELD;
    });
  },
};

export const lockReleaseCommand: Command = {
  name: ["lock", "release"],
  usage: "lock release NAME [--holder ID]",
  summary: "Release a lease you hold (exit 3 when someone else holds it)",
  description: `Deletes locks/NAME.json when its holder is ID (default: the same holder name that
\`disinto lock acquire\` uses here). Releasing a lease that is not held is not an error. A lease
held by someone else is left alone: its document is printed and the exit code is 3.`,
  options: { holder: holderOption, ...settingOptions },
  args: { min: 1, max: 1 },
  async run(input) {
    const name = input.args[0] as string;
    const holder = typeof input.flags.holder === "string" ? input.flags.holder : defaultHolder();
    return withLeases(input, async (leases) => {
      try {
        const released = await leases.release({ name, holderId: holder });
        write(input.io.stdout, released ? `released ${name}` : `${name} was not held`);
        return 0;
      } catch (err) {
        if (!(err instanceof NotHolderError)) throw err;
        const cur = await leases.inspect(name);
        write(input.io.stdout, json(cur));
        write(input.io.stderr, `disinto: ${err.message}`);
        return EXIT_HELD;
      }
    });
  },
};

export const lockListCommand: Command = {
  name: ["lock", "list"],
  usage: "lock list [--json]",
  summary: "List the leases in the ops repo with their holders and expiry",
  options: { json: { type: "boolean", description: "Print the lease documents as a JSON array." }, ...settingOptions },
  args: { min: 0, max: 0 },
  async run(input) {
    return withLeases(input, async (leases) => {
      const all: LeaseDoc[] = await leases.list();
      if (input.flags.json === true) {
        write(input.io.stdout, json(all));
        return 0;
      }
      if (all.length === 0) {
        write(input.io.stdout, "no leases");
        return 0;
      }
      const rows = all.map((l) => [l.name, l.holder?.id ?? "-", leases.isHeld(l) ? `until ${l.expires_at ?? "?"}` : `expired ${l.expires_at ?? "?"}`, String(l.fence)]);
      const head = ["NAME", "HOLDER", "STATE", "FENCE"];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
      for (const r of [head, ...rows]) write(input.io.stdout, r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
      return 0;
    });
  },
};
