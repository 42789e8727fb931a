// The backends' preflight: what stops the dev agent before it claims anything.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { claudePreflight, openaiPreflight } from "../../src/llm/preflight.ts";

describe("claudePreflight", () => {
  it("an executable and a credential pass; a missing binary and a missing credential are both named", async () => {
    assert.equal(await claudePreflight(process.execPath, { CLAUDE_CODE_OAUTH_TOKEN: "x".repeat(20) }), undefined);
    const both = await claudePreflight("/nonexistent/claude", { ANTHROPIC_BASE_URL: "http://x" });
    assert.match(both ?? "", /`\/nonexistent\/claude` is not on PATH or not executable[\s\S]*no credential for it/);
    assert.match((await claudePreflight("surely-not-a-command-on-path", { ANTHROPIC_API_KEY: "k".repeat(20) })) ?? "", /not on PATH/);
  });
});

describe("openaiPreflight", () => {
  it("an endpoint that answers passes, one that refuses the key or does not answer is named", async () => {
    let status = 404;
    const server = createServer((_req, res) => {
      res.statusCode = status;
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      assert.equal(await openaiPreflight({ baseUrl, headers: {} }, {}), undefined);
      status = 401;
      assert.match((await openaiPreflight({ baseUrl, apiKeyEnv: "K", headers: {} }, { K: "secret-value" })) ?? "", /refused the API key in K \(HTTP 401\)/);
      assert.match((await openaiPreflight({ baseUrl, apiKeyEnv: "K", headers: {} }, {})) ?? "", /no API key: add the secret K/);
    } finally {
      await new Promise((r) => server.close(r));
    }
    assert.match((await openaiPreflight({ baseUrl, headers: {} }, {}, 2_000)) ?? "", /does not answer/);
  });
});
