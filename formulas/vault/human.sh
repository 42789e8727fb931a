#!/usr/bin/env bash
# disinto vault formula: human. What only a person can provide (an account, a key, a decision):
# the request's context says what and how; approving and merging the request is the person
# saying it is done. Nothing runs on the factory's side. Not in the shipped tier policy, so
# high: it always waits for a person.
set -euo pipefail
echo "human: ${VAULT_ID:-?} done by a person (approved and merged)"
