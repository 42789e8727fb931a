#!/bin/sh
# Entrypoint of the disinto plugin image: runs the agent the step's `agent` setting names
# (Woodpecker passes it as PLUGIN_AGENT; `docker run` may give DISINTO_AGENT or an argument).
# Each agent is one self-contained bundle, bundles/<agent>.mjs — the same file the Actions
# action and the sandbox CI run. It runs as root and starts every model process as
# $DISINTO_MODEL_USER (disinto-model); run as another user it warns that the model is not isolated.
set -eu
bundles="${DISINTO_BUNDLES_DIR:-/app/bundles}"
agent="${1:-${PLUGIN_AGENT:-${DISINTO_AGENT:-}}}"
available=$(cd "$bundles" && for f in *.mjs; do [ "$f" = cli.mjs ] || printf ' %s' "${f%.mjs}"; done)
case "$agent" in
  "")
    echo "disinto: no agent: set the step's \`agent\` setting to one of:$available" >&2
    exit 2
    ;;
  cli | *[!a-z0-9-]*)
    echo "disinto: unknown agent \"$agent\"; this image runs:$available" >&2
    exit 2
    ;;
esac
if [ ! -f "$bundles/$agent.mjs" ]; then
  echo "disinto: unknown agent \"$agent\"; this image runs:$available" >&2
  exit 2
fi
exec node "$bundles/$agent.mjs"
