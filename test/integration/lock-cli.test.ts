// `disinto lock` against the sandbox forge, in process and as a child process.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startSandboxForge, type SandboxForge } from "../../src/sandbox/forge/index.ts";
import { ForgejoForge } from "../../src/forge/index.ts";
import { main } from "../../src/cli/main.ts";
import { captureIo } from "../helpers/io.ts";

const pexec = promisify(execFile);

describe("disinto lock", () => {
  let sandbox: SandboxForge;
  let env: Record<string, string>;

  before(async () => {
    sandbox = await startSandboxForge({ seed: "empty" });
    const admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
    await admin.createRepo({ name: "p-ops", autoInit: true });
    await admin.close();
    env = { DISINTO_FORGE_URL: sandbox.url, DISINTO_FORGE_TOKEN: sandbox.users["admin"]!.token, DISINTO_OPS_REPO: "admin/p-ops" };
  });
  after(() => sandbox.stop());

  it("acquire prints the lease and exits 0; a second holder gets exit 3 and the holder's lease", async () => {
    const a = captureIo(env);
    assert.equal(await main(["lock", "acquire", "maint/db", "--ttl", "120", "--holder", "alice"], a), 0, a.err());
    const doc = JSON.parse(a.out()) as { name: string; holder: { id: string }; fence: number; expires_at: string };
    assert.equal(doc.name, "maint/db");
    assert.equal(doc.holder.id, "alice");
    assert.ok(Date.parse(doc.expires_at) - Date.now() > 100_000);

    const b = captureIo(env);
    assert.equal(await main(["lock", "acquire", "maint/db", "--holder", "bob"], b), 3);
    assert.equal((JSON.parse(b.out()) as { holder: { id: string } }).holder.id, "alice");
    assert.match(b.err(), /lease maint\/db is held by alice until /);
  });

  it("release refuses someone else's lease (exit 3), releases your own, and is idempotent", async () => {
    const other = captureIo(env);
    assert.equal(await main(["lock", "release", "maint/db", "--holder", "bob"], other), 3);
    assert.match(other.err(), /held by alice, not bob; refusing to release it/);
    const own = captureIo(env);
    assert.equal(await main(["lock", "release", "maint/db", "--holder", "alice"], own), 0);
    assert.equal(own.out().trim(), "released maint/db");
    const again = captureIo(env);
    assert.equal(await main(["lock", "release", "maint/db", "--holder", "alice"], again), 0);
    assert.equal(again.out().trim(), "maint/db was not held");
  });

  it("list shows held leases as a table and as JSON", async () => {
    assert.equal(await main(["lock", "acquire", "dev/p/dev-bot", "--holder", "carol"], captureIo(env)), 0);
    const t = captureIo(env);
    assert.equal(await main(["lock", "list"], t), 0);
    assert.match(t.out(), /^NAME\s+HOLDER\s+STATE\s+FENCE\n/);
    assert.match(t.out(), /dev\/p\/dev-bot\s+carol\s+until /);
    const j = captureIo(env);
    assert.equal(await main(["lock", "list", "--json"], j), 0);
    const docs = JSON.parse(j.out()) as { name: string }[];
    assert.deepEqual(docs.map((d) => d.name), ["dev/p/dev-bot"]);
  });

  it("missing settings and a bad ttl are exit 2 with what to give", async () => {
    const io = captureIo({});
    assert.equal(await main(["lock", "list"], io), 2);
    assert.match(io.err(), /forge_url: missing; give --forge-url or DISINTO_FORGE_URL/);
    assert.match(io.err(), /ops_repo: missing/);
    const ttl = captureIo(env);
    assert.equal(await main(["lock", "acquire", "x", "--ttl", "soon"], ttl), 2);
    assert.match(ttl.err(), /--ttl must be a whole number of seconds greater than 0, got "soon"/);
  });

  it("an ops repo that is missing, or that the token cannot read, is exit 2 naming it — not \"no leases\"", async () => {
    for (const args of [["lock", "list"], ["lock", "list", "--json"], ["lock", "acquire", "x"], ["lock", "release", "x"]]) {
      const io = captureIo({ ...env, DISINTO_OPS_REPO: "nobody/nothing" });
      assert.equal(await main(args, io), 2, `${args.join(" ")}: ${io.err()}`);
      assert.equal(io.out(), "", args.join(" "));
      assert.match(io.err(), /ops repo nobody\/nothing on http:\/\/127\.0\.0\.1:\d+: not found, or this token cannot read it/);
    }
    // a private ops repo read with another user's token looks the same to the forge: 404
    const admin = new ForgejoForge({ url: sandbox.url, token: sandbox.users["admin"]!.token });
    await admin.createRepo({ name: "secret-ops", private: true, autoInit: true });
    await admin.close();
    const other = captureIo({ ...env, DISINTO_FORGE_TOKEN: sandbox.users["dev-bot"]!.token, DISINTO_OPS_REPO: "admin/secret-ops" });
    assert.equal(await main(["lock", "list"], other), 2);
    assert.match(other.err(), /ops repo admin\/secret-ops .*not found, or this token cannot read it/);
  });

  it("takes no token on the command line: --forge-token is refused (exit 2) pointing at DISINTO_FORGE_TOKEN", async () => {
    const io = captureIo({ DISINTO_FORGE_URL: env.DISINTO_FORGE_URL!, DISINTO_OPS_REPO: env.DISINTO_OPS_REPO! });
    assert.equal(await main(["lock", "list", "--forge-token", "t0ps3cret"], io), 2);
    assert.match(io.err(), /--forge-token is not accepted.*set DISINTO_FORGE_TOKEN in the environment/);
    assert.ok(!io.err().includes("t0ps3cret"));
    const missing = captureIo({ DISINTO_FORGE_URL: env.DISINTO_FORGE_URL!, DISINTO_OPS_REPO: env.DISINTO_OPS_REPO! });
    assert.equal(await main(["lock", "list"], missing), 2);
    assert.match(missing.err(), /forge_token: missing; set DISINTO_FORGE_TOKEN in the environment/);
  });

  it("works as a child process with the token in the environment, never printed", async () => {
    const r = await pexec(process.execPath, ["src/entrypoints/cli.ts", "lock", "list", "--json"], { env: { PATH: process.env.PATH ?? "", ...env } });
    assert.ok(Array.isArray(JSON.parse(r.stdout)));
    assert.ok(!r.stdout.includes(env.DISINTO_FORGE_TOKEN!) && !r.stderr.includes(env.DISINTO_FORGE_TOKEN!));
  });
});
