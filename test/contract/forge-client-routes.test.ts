// Every (method, path) the Forgejo client can send exists in the real Forgejo swagger.
// Placeholders are compared by position only (`{index}` = `{id}`), as servers name them freely.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ROUTE_TABLE } from "../../src/forge/forgejo/routes.ts";
import { contract } from "../helpers/contracts.ts";

const { path: swaggerPath, skip } = contract("forgejo-swagger.json");

interface Swagger {
  basePath: string;
  paths: Record<string, Record<string, unknown>>;
}

const normalise = (p: string): string => p.replace(/\{[^}]+\}/g, "{}");

describe("forge client routes vs forgejo swagger", () => {
  const swagger = skip ? undefined : (JSON.parse(readFileSync(swaggerPath, "utf8")) as Swagger);
  const byPath = new Map<string, Set<string>>();
  for (const [path, ops] of Object.entries(swagger?.paths ?? {})) {
    byPath.set(normalise(path), new Set(Object.keys(ops).map((m) => m.toUpperCase())));
  }

  it("the swagger is the v1 API the client's base URL points at", { skip }, () => {
    assert.equal(swagger?.basePath, "/api/v1");
  });

  it("the table is not empty and has no duplicate entries", () => {
    assert.ok(ROUTE_TABLE.length >= 40);
    const keys = ROUTE_TABLE.map((r) => `${r.method} ${normalise(r.path)}`);
    assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
  });

  for (const route of ROUTE_TABLE) {
    it(`${route.name}: ${route.method} ${route.path}`, { skip }, () => {
      const methods = byPath.get(normalise(route.path));
      assert.ok(methods, `path ${route.path} is not in the swagger`);
      assert.ok(methods.has(route.method), `${route.path} exists but not with ${route.method} (has ${[...methods].join(", ")})`);
    });
  }
});
