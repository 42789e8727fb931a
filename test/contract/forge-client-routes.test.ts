// Every (method, path) the Forgejo client can send exists in the real Forgejo swagger.
// Placeholders are compared by position only (`{index}` = `{id}`), as servers name them freely.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { ROUTE_TABLE } from "../../src/forge/forgejo/routes.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const swaggerPath = join(repoRoot, "..", "shared", "contracts", "forgejo-swagger.json");
const skip = existsSync(swaggerPath) ? false : `contract file missing: ${swaggerPath}`;

interface Swagger {
  basePath: string;
  paths: Record<string, Record<string, unknown>>;
}

const normalise = (p: string): string => p.replace(/\{[^}]+\}/g, "{}");

describe("forge client routes vs forgejo swagger", { skip }, () => {
  const swagger = skip ? undefined : (JSON.parse(readFileSync(swaggerPath, "utf8")) as Swagger);
  const byPath = new Map<string, Set<string>>();
  for (const [path, ops] of Object.entries(swagger?.paths ?? {})) {
    byPath.set(normalise(path), new Set(Object.keys(ops).map((m) => m.toUpperCase())));
  }

  it("the swagger is the v1 API the client's base URL points at", () => {
    assert.equal(swagger?.basePath, "/api/v1");
  });

  it("the table is not empty and has no duplicate entries", () => {
    assert.ok(ROUTE_TABLE.length >= 40);
    const keys = ROUTE_TABLE.map((r) => `${r.method} ${normalise(r.path)}`);
    assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
  });

  for (const route of ROUTE_TABLE) {
    it(`${route.name}: ${route.method} ${route.path}`, () => {
      const methods = byPath.get(normalise(route.path));
      assert.ok(methods, `path ${route.path} is not in the swagger`);
      assert.ok(methods.has(route.method), `${route.path} exists but not with ${route.method} (has ${[...methods].join(", ")})`);
    });
  }
});
