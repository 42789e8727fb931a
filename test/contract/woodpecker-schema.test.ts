// Every pipeline this repo ships (.woodpecker/*.yml) validates against the real Woodpecker
// JSON schema (v3.17.0, in ../shared/contracts), and the schema is strict enough to reject
// the mistakes the sandbox's own config parser rejects.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { loadWorkflows } from "../../src/sandbox/ci/config.ts";
import { contract } from "../helpers/contracts.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { path: schemaPath, skip } = contract("woodpecker-schema.json");

function validator(): (doc: unknown) => string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")) as object);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`));
}

describe("Woodpecker pipeline schema", () => {
  it("every .woodpecker/*.yml of this repo validates and parses", { skip }, () => {
    const dir = join(root, ".woodpecker");
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : [];
    assert.ok(files.length > 0, "the repo ships at least its own CI pipeline");
    const validate = validator();
    const texts: Record<string, string> = {};
    for (const f of files) {
      const text: string = readFileSync(join(dir, f), "utf8");
      texts[`.woodpecker/${f}`] = text;
      assert.deepEqual(validate(parse(text)), [], f);
    }
    // and the sandbox CI accepts them too
    assert.equal(loadWorkflows(texts).length, files.length);
  });

  it("accepts the shapes the sandbox generates and runs", { skip }, () => {
    const validate = validator();
    const ok: unknown = parse(`
when: [{event: cron, cron: disinto-dev}]
depends_on: [ci, {name: lint, optional: true}]
skip_clone: true
labels: {platform: linux/amd64}
steps:
  - name: dev
    image: codeberg.org/disinto/agent
    settings:
      agent: dev
      forge_token: {from_secret: disinto_dev_token}
      limits: {turns: 30}
    when: {status: [success, failure]}
  - name: shell
    image: alpine
    commands: [echo hi]
    environment: {A: b}
    failure: ignore
`);
    assert.deepEqual(validate(ok), []);
  });

  it("rejects invalid pipelines", { skip }, () => {
    const validate = validator();
    const invalid: [string, string][] = [
      ["no steps", "when: {event: push}\n"],
      ["unknown event", "when: {event: pr}\nsteps: [{name: a, image: alpine, commands: [x]}]\n"],
      ["commands step without image", "steps: [{name: a, commands: [x]}]\n"],
      ["plugin step with environment and settings only", "steps: [{name: a, image: x, settings: {a: 1}, foo: 1}]\n"],
      ["bad status", "steps: [{name: a, image: alpine, commands: [x], when: {status: always}}]\n"],
      ["bad failure value", "steps: [{name: a, image: alpine, commands: [x], failure: maybe}]\n"],
      ["unknown top-level key", "pipeline: {a: {image: x}}\nsteps: [{name: a, image: alpine, commands: [x]}]\n"],
    ];
    for (const [title, text] of invalid) assert.notDeepEqual(validate(parse(text)), [], title);
  });
});
