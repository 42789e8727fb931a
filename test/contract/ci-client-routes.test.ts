// Every (method, path) the Woodpecker client can send appears in the "Endpoints an agent runner
// needs" table of woodpecker.md (c). Placeholders are compared by position only, as the
// contract and the server name them freely (`{number}` = `:pipeline_number`).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { API_PREFIX, ROUTE_TABLE } from "../../src/ci/woodpecker/routes.ts";
import { contract } from "../helpers/contracts.ts";

const { path: contractPath, skip } = contract("woodpecker.md");

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]);
const normalise = (p: string): string => p.replace(/\{[^}]+\}/g, "{}").replace(/\/+$/, "");

/** The (c) section's endpoint table → "METHOD /normalised/path" entries. */
function contractEndpoints(markdown: string): Set<string> {
  const start = markdown.indexOf("### Endpoints an agent runner needs");
  if (start < 0) throw new Error("woodpecker.md has no 'Endpoints an agent runner needs' section");
  const end = markdown.indexOf("\n### ", start + 10);
  const rows = markdown
    .slice(start, end < 0 ? undefined : end)
    .split("\n")
    .filter((l) => l.startsWith("|"));
  const header = rows[0]?.split("|").map((c) => c.trim()) ?? [];
  const col = header.findIndex((c) => /method/i.test(c) && /path/i.test(c));
  if (col < 0) throw new Error("endpoint table has no 'Method & path' column");
  const out = new Set<string>();
  for (const row of rows.slice(2)) {
    const cell = row.split("|")[col] ?? "";
    let methods: string[] = [];
    let previous = "";
    for (const m of cell.matchAll(/`([^`]+)`/g)) {
      const span = (m[1] ?? "").trim();
      const parts = /^([A-Z/]+)\s+((?:\/|\.\.\.)\S.*)$/.exec(span);
      let path: string;
      if (parts && parts[1]?.split("/").every((x) => METHODS.has(x))) {
        methods = parts[1].split("/");
        path = parts[2] ?? "";
      } else if (span.startsWith("/") || span.startsWith("...")) {
        path = span;
      } else {
        continue;
      }
      path = path.replace(/\?.*$/, "");
      if (path.startsWith("...")) path = `/api/repos/{repo_id}${path.slice(3)}`;
      else if (!path.startsWith("/api/") && previous !== "") {
        // "`.../approve` / `/decline`", "or `/pipelines/latest`": relative to the span before.
        const first = path.split("/")[1] ?? "";
        const at = previous.lastIndexOf(`/${first}`);
        path = at > 0 ? previous.slice(0, at) + path : previous.slice(0, previous.lastIndexOf("/")) + path;
      }
      if (!path.startsWith("/api/")) continue;
      previous = path;
      for (const method of methods) out.add(`${method} ${normalise(path)}`);
    }
  }
  return out;
}

describe("Woodpecker client routes vs woodpecker.md (c)", () => {
  const endpoints = skip ? new Set<string>() : contractEndpoints(readFileSync(contractPath, "utf8"));

  it("the table parses into the endpoints the contract lists", { skip }, () => {
    // Spot checks of the parser on rows with relative paths and method lists.
    for (const e of ["GET /api/repos/lookup/{}/{}", "POST /api/repos/{}/pipelines/{}/decline", "GET /api/repos/{}/pipelines/latest", "PATCH /api/repos/{}/secrets/{}", "POST /api/repos/{}/secrets", "POST /api/repos"]) {
      assert.ok(endpoints.has(e), `parser missed ${e}`);
    }
    assert.ok(endpoints.size >= 25, `only ${endpoints.size} endpoints parsed`);
  });

  it("the route table has no duplicate entries", () => {
    const keys = ROUTE_TABLE.map((r) => `${r.method} ${normalise(r.path)}`);
    assert.deepEqual(
      keys.filter((k, i) => keys.indexOf(k) !== i),
      [],
    );
  });

  for (const route of ROUTE_TABLE) {
    it(`${route.name}: ${route.method} ${route.path}`, { skip }, () => {
      const key = `${route.method} ${normalise(API_PREFIX + route.path)}`;
      assert.ok(endpoints.has(key), `${key} is not in the contract's endpoint table`);
    });
  }
});
