#!/usr/bin/env bash
# disinto vault formula: webhook. POSTs a JSON payload to a URL held in a secret (the URL of a
# chat hook or a deploy trigger is itself a credential). Medium tier: an admin approves it.
#
#   formula = "webhook"
#   secrets = ["WEBHOOK_URL"]        # the URL to POST to
#   [params]
#   payload = '{"text": "deploying 1.2.0"}'   # JSON; default: {"id", "project", "repo"}
#
# Exits non-zero when the payload is not JSON or the endpoint answers anything but 2xx.
set -euo pipefail
: "${WEBHOOK_URL:?the action must list the secret WEBHOOK_URL}"
exec node --input-type=module - <<'JS'
const { WEBHOOK_URL: url, VAULT_PARAM_PAYLOAD: raw, VAULT_ID: id, VAULT_PROJECT: project, VAULT_REPO: repo } = process.env;
let payload;
try {
  payload = raw !== undefined ? JSON.parse(raw) : { id, project, repo };
} catch (err) {
  console.error(`params.payload is not JSON: ${err.message}`);
  process.exit(2);
}
const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "User-Agent": "disinto-vault" }, body: JSON.stringify(payload), signal: AbortSignal.timeout(60_000) });
const text = await res.text();
console.log(`webhook: HTTP ${res.status} ${text.slice(0, 200)}`);
if (!res.ok) process.exit(1);
JS
