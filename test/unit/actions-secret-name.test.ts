// Forgejo's rule for Actions secret names, checked before anything is sent (init turns a
// refusal into a problem naming the variable).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { actionsSecretName, actionsSecretNameProblem } from "../../src/forge/index.ts";

describe("Actions secret names", () => {
  it("takes letters, digits and underscores, not starting with a digit", () => {
    for (const ok of ["FORGE_DEV_TOKEN", "anthropic_api_key", "_PRIVATE", "A", "X9", "GITHUBX_TOKEN", "MY_GITEA_TOKEN", "FORGEJO"]) {
      assert.equal(actionsSecretNameProblem(ok), undefined, ok);
    }
    for (const bad of ["", "9LIVES", "WITH-DASH", "WITH SPACE", "DOT.TED", "ÜMLAUT", "NEW\nLINE"]) {
      assert.match(actionsSecretNameProblem(bad) ?? "", /is not a valid Actions secret name \(letters, digits and _/, JSON.stringify(bad));
    }
  });

  it("refuses the prefixes the forge keeps for its own variables, in any case", () => {
    for (const [name, prefix] of [
      ["GITHUB_TOKEN", "GITHUB_"],
      ["gitea_token", "GITEA_"],
      ["Forgejo_Token", "FORGEJO_"],
    ] as const) {
      assert.equal(actionsSecretNameProblem(name), `${JSON.stringify(name)} is not a valid Actions secret name: the prefix ${prefix} is reserved for the forge's own variables`);
    }
  });

  it("is stored upper-cased", () => {
    assert.equal(actionsSecretName("forge_dev_token"), "FORGE_DEV_TOKEN");
  });
});
