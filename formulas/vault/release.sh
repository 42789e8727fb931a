#!/usr/bin/env bash
# disinto vault formula: release. Tags the head of the project's primary branch with a version
# and publishes a forge release whose notes list the pull requests merged since the previous
# release. Runs only after an admin approved the action (high tier).
#
#   formula = "release"
#   secrets = ["RELEASE_TOKEN"]      # a forge token with write access to the project repo
#   [params]
#   version = "1.2.0"                # the tag (a "v" is not added)
#
# Environment (from the dispatcher): VAULT_FORGE_URL, VAULT_REPO, VAULT_PRIMARY_BRANCH,
# VAULT_PARAM_VERSION, RELEASE_TOKEN. Nothing else is there. Running it again for the same
# version finishes what is missing and changes nothing that exists.
set -euo pipefail
: "${VAULT_PARAM_VERSION:?params.version is required (e.g. version = \"1.2.0\")}"
: "${RELEASE_TOKEN:?the action must list the secret RELEASE_TOKEN}"
exec node --input-type=module - <<'JS'
const { VAULT_FORGE_URL: forge, VAULT_REPO: repo, VAULT_PRIMARY_BRANCH: branch = "main", VAULT_PARAM_VERSION: version, RELEASE_TOKEN: token } = process.env;
if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/.test(version)) throw new Error(`params.version: expected a tag name like 1.2.0, got ${JSON.stringify(version)}`);
const api = `${forge.replace(/\/+$/, "")}/api/v1/repos/${repo}`;
async function call(method, path, body) {
  const res = await fetch(`${api}${path}`, { method, headers: { Authorization: `token ${token}`, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}
async function must(method, path, body) {
  const r = await call(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}
const head = (await must("GET", `/branches/${encodeURIComponent(branch)}`)).commit.id;
console.log(`release ${version}: ${repo} ${branch} is at ${head}`);
const existing = await call("GET", `/releases/tags/${encodeURIComponent(version)}`);
if (existing.status === 200) {
  console.log(`release ${version} exists already: ${existing.json.html_url}`);
  process.exit(0);
}
const previous = (await must("GET", `/releases?limit=50`)).filter((r) => !r.draft).sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))[0];
const since = previous ? Date.parse(previous.created_at) : 0;
const merged = (await must("GET", `/pulls?state=closed&sort=recentclose&limit=50`)).filter((p) => p.merged && p.base?.ref === branch && Date.parse(p.merged_at) > since);
const notes = [
  `## ${version}`,
  "",
  merged.length > 0 ? `Merged since ${previous ? previous.tag_name : "the start"}:` : `No pull request merged since ${previous ? previous.tag_name : "the start"}.`,
  ...merged.map((p) => `- ${p.title} (#${p.number}) by @${p.user?.login ?? "?"}`),
  "",
].join("\n");
const tag = await call("POST", `/tags`, { tag_name: version, target: head, message: `Release ${version}` });
if (tag.status === 409 || tag.status === 422) {
  const cur = await must("GET", `/tags/${encodeURIComponent(version)}`);
  if (cur.commit?.sha !== head) throw new Error(`tag ${version} exists at ${cur.commit?.sha}, not at ${head}: choose another version`);
  console.log(`tag ${version} exists at ${head}`);
} else if (tag.status >= 300) throw new Error(`POST /tags: HTTP ${tag.status} ${tag.text.slice(0, 300)}`);
else console.log(`tagged ${head} as ${version}`);
const rel = await must("POST", `/releases`, { tag_name: version, target_commitish: head, name: version, body: notes, draft: false, prerelease: false });
console.log(`released ${version} with ${merged.length} merged pull request(s): ${rel.html_url}`);
JS
