# syntax=docker/dockerfile:1
# The disinto plugin image (codeberg.org/disinto/disinto): one Woodpecker plugin for every
# agent. A step picks the agent with its `agent` setting; everything else is settings too
# (see docs.md). Build from the repository root after `npm run build`:
#
#   docker build -t codeberg.org/disinto/disinto .
#
# The image holds the committed bundles (self-contained, no node_modules), the shipped
# formulas, git for the agents' own clones, and a pinned Claude Code CLI for the claude-cli
# backend. Agents run as the unprivileged `node` user; they clone into their own temporary
# directories, never into the Woodpecker workspace.
FROM node:24-bookworm-slim

# Pinned: the stream-json contract disinto speaks was verified against this version
# (contracts/claude-cli.md). Change it only together with that check.
ARG CLAUDE_CODE_VERSION=2.1.330

RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && npm install --global --no-audit --no-fund "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}" \
 && npm cache clean --force

WORKDIR /app
COPY package.json ./
COPY bundles/ ./bundles/
COPY formulas/ ./formulas/
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/disinto-plugin

ENV NODE_ENV=production \
    DISINTO_BUNDLES_DIR=/app/bundles

USER node
ENTRYPOINT ["/usr/local/bin/disinto-plugin"]
