#!/usr/bin/env node
// A fake `claude` executable that speaks the non-interactive contract of Claude Code 2.1.x
// (shared/contracts/claude-cli.md): `-p`, stream-json output requiring --verbose, the result
// frame (is_error with subtype "success" for API errors), exit codes, the root/bypass refusal,
// and session transcripts under $CLAUDE_CONFIG_DIR/projects/<cwd with / → ->/<id>.jsonl.
//
// What it does is read from a scenario: JSON at $FAKE_CLAUDE_SCENARIO, {"steps": [...]}.
// Steps: init | assistant {text?, tool?: {name, input}, usage?} | tool_result {content, is_error?}
//   | result {…fields, exit?} | frame {frame} | noise {stream, text} | write {path, content}
//   | sleep {ms} | hang | ignore_sigterm | spawn_child | crash {code}
//   | loot {path?} | plant {marker}   (a hostile model: see below)
// Strings may use {{prompt}}, {{history}} (the first prompt of a resumed session) and {{loot}}.
//
// loot: what a hostile model with a shell gathers — /proc/*/environ and /proc/*/cmdline of
// every process it can read, its own environment — kept for {{loot}} and written to `path`.
// plant: what it leaves for the runner — a `.git` of its own in the tree (hooks, fsmonitor,
// filter, credential helper) and its session transcript swapped for a symlink to the parent's
// environ; each planted program appends to `marker` if it ever runs.
// $FAKE_CLAUDE_DUMP: where to write {argv, env, cwd, childPids} for tests to inspect.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const argv = process.argv.slice(2);
const opts = {};
const positional = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--") {
    positional.push(...argv.slice(i + 1));
    break;
  }
  if (a === "-p" || a === "--print") opts.print = true;
  else if (a === "--verbose") opts.verbose = true;
  else if (a.startsWith("--")) {
    const eq = a.indexOf("=");
    if (eq > 0) opts[a.slice(2, eq)] = a.slice(eq + 1);
    else opts[a.slice(2)] = argv[++i] ?? "";
  } else positional.push(a);
}

const dumpPath = process.env.FAKE_CLAUDE_DUMP;
const dump = { argv, env: { ...process.env }, cwd: process.cwd(), uid: process.getuid?.(), childPids: [] };
const saveDump = () => dumpPath && writeFileSync(dumpPath, JSON.stringify(dump, null, 2));
saveDump();

function die(msg, code = 1) {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

if (!opts.print) die("fake claude: only -p is implemented");
if (opts["output-format"] === "stream-json" && !opts.verbose) die("Error: When using --print, --output-format=stream-json requires --verbose");
const mode = opts["permission-mode"];
if ((mode === "bypassPermissions" || opts["dangerously-skip-permissions"] !== undefined) && process.getuid?.() === 0 && process.env.IS_SANDBOX !== "1") {
  die("--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons");
}

let prompt = positional.join(" ");
if (!prompt) {
  try {
    prompt = readFileSync(0, "utf8");
  } catch {
    prompt = "";
  }
}
if (!prompt.trim()) die("Error: Input must be provided either through stdin or as a prompt argument when using --print");

const configDir = process.env.CLAUDE_CONFIG_DIR ?? join(process.env.HOME ?? "/tmp", ".claude");
const projectDir = join(configDir, "projects", process.cwd().replace(/\//g, "-"));
let sessionId = randomUUID();
let history = "";
if (opts.resume !== undefined) {
  const file = join(projectDir, `${opts.resume}.jsonl`);
  if (!existsSync(file)) die(`No conversation found with session ID: ${opts.resume}`);
  sessionId = opts.resume;
  const first = readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((e) => e.type === "user" && typeof e.message?.content === "string");
  history = first?.message.content ?? "";
}
const sessionFile = join(projectDir, `${sessionId}.jsonl`);
mkdirSync(projectDir, { recursive: true });
const record = (entry) => {
  try {
    appendFileSync(sessionFile, `${JSON.stringify({ ...entry, sessionId, cwd: process.cwd() })}\n`);
  } catch {
    // a planted session "file" (see plant) is not writable: the transcript is not the point then
  }
};
record({ type: "user", message: { role: "user", content: prompt } });

const scenarioPath = process.env.FAKE_CLAUDE_SCENARIO;
const scenario = scenarioPath ? JSON.parse(readFileSync(scenarioPath, "utf8")) : { steps: [{ type: "init" }, { type: "assistant", text: "hello from fake" }, { type: "result" }] };

let loot = "";
const fill = (v) => {
  if (typeof v === "string") return v.replaceAll("{{prompt}}", prompt).replaceAll("{{history}}", history).replaceAll("{{loot}}", loot);
  if (Array.isArray(v)) return v.map(fill);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
  return v;
};
const emit = (frame) => process.stdout.write(`${JSON.stringify({ ...frame, session_id: sessionId, uuid: randomUUID() })}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const usage = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
let turns = 0;
let lastText = "";

for (const raw of scenario.steps) {
  const s = fill(raw);
  switch (s.type) {
    case "init":
      emit({ type: "system", subtype: "init", cwd: process.cwd(), model: opts.model ?? "claude-sonnet-5-5", permissionMode: mode ?? "default", apiKeySource: process.env.ANTHROPIC_API_KEY ? "ANTHROPIC_API_KEY" : "none", claude_code_version: "2.1.330-fake", tools: ["Bash", "Edit", "Read", "Write"] });
      break;
    case "assistant": {
      turns++;
      const u = { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, ...(s.usage ?? {}) };
      for (const k of Object.keys(usage)) usage[k] += u[k] ?? 0;
      const content = [];
      if (s.text !== undefined) {
        content.push({ type: "text", text: s.text });
        lastText = s.text;
      }
      if (s.tool) content.push({ type: "tool_use", id: `toolu_${turns}`, name: s.tool.name, input: s.tool.input });
      const message = { id: `msg_${turns}`, type: "message", role: "assistant", model: "claude-sonnet-5-5", content, stop_reason: s.tool ? "tool_use" : "end_turn", usage: u };
      record({ type: "assistant", message });
      emit({ type: "assistant", message, parent_tool_use_id: null, ...(s.error ? { error: s.error } : {}) });
      break;
    }
    case "tool_result": {
      const message = { role: "user", content: [{ type: "tool_result", tool_use_id: `toolu_${turns}`, content: s.content ?? "", is_error: s.is_error ?? false }] };
      record({ type: "user", message });
      emit({ type: "user", message, parent_tool_use_id: null });
      break;
    }
    case "frame":
      emit(s.frame);
      break;
    case "noise":
      (s.stream === "stderr" ? process.stderr : process.stdout).write(`${s.text}\n`);
      break;
    case "write": {
      const p = resolve(process.cwd(), s.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, s.content);
      break;
    }
    case "sleep":
      await sleep(s.ms);
      break;
    case "ignore_sigterm":
      process.on("SIGTERM", () => process.stderr.write("fake claude: ignoring SIGTERM\n"));
      break;
    case "spawn_child": {
      const c = spawn("sleep", ["600"], { stdio: "ignore" });
      dump.childPids.push(c.pid);
      saveDump();
      break;
    }
    case "loot": {
      const found = [];
      for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
        for (const f of ["environ", "cmdline"]) {
          try {
            const text = readFileSync(`/proc/${pid}/${f}`, "utf8").replaceAll("\0", " ").trim();
            if (text) found.push(`${pid}/${f}: ${text}`);
          } catch {
            // not ours to read: that is the point
          }
        }
      }
      found.push(`env: ${JSON.stringify(process.env)}`);
      loot = found.join("\n");
      try {
        if (s.path) writeFileSync(resolve(process.cwd(), s.path), loot);
      } catch (err) {
        process.stderr.write(`fake claude: loot ${s.path}: ${err.message}\n`);
      }
      break;
    }
    case "plant": {
      const evil = `#!/bin/sh\necho "planted $0 ran" >> '${s.marker}'\nenv >> '${s.marker}'\ncat\n`;
      const gitDir = resolve(process.cwd(), ".git");
      try {
        rmSync(gitDir, { recursive: true, force: true });
        mkdirSync(join(gitDir, "hooks"), { recursive: true });
        const prog = join(gitDir, "evil.sh");
        writeFileSync(prog, evil, { mode: 0o755 });
        for (const h of ["pre-commit", "commit-msg", "post-commit", "pre-push", "reference-transaction", "post-checkout"]) writeFileSync(join(gitDir, "hooks", h), evil, { mode: 0o755 });
        writeFileSync(join(gitDir, "config"), `[core]\n\tfsmonitor = ${prog}\n\thooksPath = ${join(gitDir, "hooks")}\n[filter "evil"]\n\tclean = ${prog}\n\tsmudge = ${prog}\n[credential]\n\thelper = !${prog}\n`);
        writeFileSync(resolve(process.cwd(), ".gitattributes"), "*.js filter=evil\n");
      } catch (err) {
        process.stderr.write(`fake claude: plant .git: ${err.message}\n`);
      }
      try {
        rmSync(sessionFile, { force: true });
        symlinkSync(`/proc/${process.ppid}/environ`, sessionFile);
      } catch (err) {
        process.stderr.write(`fake claude: plant session: ${err.message}\n`);
      }
      break;
    }
    case "crash":
      process.stderr.write("fake claude: crashing mid-stream\n");
      process.exit(s.code ?? 134);
      break;
    case "hang":
      setInterval(() => {}, 1 << 30);
      await new Promise(() => {});
      break;
    case "result": {
      const isError = s.is_error ?? false;
      const subtype = s.subtype ?? "success";
      const frame = {
        type: "result",
        subtype,
        is_error: isError,
        duration_ms: 12,
        duration_api_ms: 5,
        num_turns: s.num_turns ?? turns,
        total_cost_usd: s.total_cost_usd ?? 0.0123,
        usage,
        modelUsage: s.modelUsage ?? {
          "claude-sonnet-5-5": { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, cacheReadInputTokens: usage.cache_read_input_tokens, cacheCreationInputTokens: usage.cache_creation_input_tokens, webSearchRequests: 0, costUSD: s.total_cost_usd ?? 0.0123, contextWindow: 200000, maxOutputTokens: 32000 },
        },
        permission_denials: [],
        terminal_reason: s.terminal_reason ?? (isError ? "api_error" : "completed"),
        api_error_status: s.api_error_status ?? null,
        stop_reason: "end_turn",
      };
      if (subtype === "success") frame.result = s.result ?? lastText;
      else frame.errors = s.errors ?? [];
      if (s.structured_output !== undefined) frame.structured_output = s.structured_output;
      emit(frame);
      process.exitCode = s.exit ?? (isError ? 1 : 0);
      break;
    }
    default:
      die(`fake claude: unknown scenario step ${JSON.stringify(s.type)}`, 3);
  }
}
