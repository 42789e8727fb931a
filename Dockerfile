# syntax=docker/dockerfile:1
# The disinto plugin image (codeberg.org/disinto/disinto): one Woodpecker plugin for every
# agent. A step picks the agent with its `agent` setting; everything else is settings too
# (see docs.md). Build from the repository root after `npm run build`:
#
#   docker build -t codeberg.org/disinto/disinto .
#
# The image holds the committed bundles (self-contained, no node_modules), the shipped
# formulas, git for the agents' own clones, and a pinned Claude Code CLI for the claude-cli
# backend. Agents clone into their own temporary directories, never into the Woodpecker
# workspace.
#
# Two users: the agent (the runner, which holds the forge token, the CI token and the LLM
# key) runs as root; every model process — the claude CLI, the openai backend's commands,
# the project's test command — runs as the unprivileged `disinto-model` user, which owns only
# the working tree while the model works. Another uid cannot read the runner's
# /proc/<pid>/environ or memory (README, "Security").
FROM node:24-bookworm-slim

# Pinned: the stream-json contract disinto speaks was verified against this version
# (contracts/claude-cli.md). Change it only together with that check.
ARG CLAUDE_CODE_VERSION=2.1.330

RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --uid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin disinto-model \
 && npm install --global --no-audit --no-fund "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" \
 && npm cache clean --force

WORKDIR /app
COPY package.json ./
COPY bundles/ ./bundles/
COPY formulas/ ./formulas/
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/disinto-plugin

ENV NODE_ENV=production \
    DISINTO_BUNDLES_DIR=/app/bundles \
    DISINTO_MODEL_USER=disinto-model \
    DISINTO_COMPILE_CACHE=/app/compile-cache

# Node's compile cache, warmed here: compiling its bundle is a good part of an agent's cold start,
# which every step would otherwise do again (the bundles' launchers enable the cache named by
# DISINTO_COMPILE_CACHE; `npm run bench cold-start` measures both). Each entry run once
# without settings loads and compiles its modules, then stops at the missing settings (exit
# 2). Node checks each entry against the file's contents and its own version, so a stale
# cache costs a recompile, never a wrong result; a run's own additions stay in its container.
RUN for f in bundles/*.mjs; do node "$f" </dev/null >/dev/null 2>&1 || true; done \
 && test -n "$(ls -A /app/compile-cache)"

# root on purpose: see the top of this file. The model never runs as root.
USER root
ENTRYPOINT ["/usr/local/bin/disinto-plugin"]
