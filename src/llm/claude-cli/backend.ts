// The claude-cli backend: one `claude -p --output-format stream-json --verbose` process per run
// (contract: /shared/contracts/claude-cli.md), in its own process group, watched line by line.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { execa } from "execa";
import { z } from "zod";
import { Redactor } from "../../lib/redact.ts";
import { defaultIsolation, enterSandbox } from "../isolation.ts";
import type { Isolation, ModelSandbox } from "../isolation.ts";
import { costOf, priceTableSchema, RunMeter, timerDelay } from "../meter.ts";
import type { Stop } from "../meter.ts";
import { signalGroup, terminateGroup } from "../process-group.ts";
import { clip, redactingSink, summarizeToolCall } from "../progress.ts";
import { jsonFromText, validateResult } from "../result.ts";
import { decodeSession, encodeSession } from "../session.ts";
import { claudePreflight } from "../preflight.ts";
import { Transcript } from "../transcript.ts";
import { emptyUsage } from "../types.ts";
import type { Backend, BackendEnv, RunResult, RunStatus, RunTask, SessionBlob, Usage } from "../types.ts";
import { CLAUDE_CREDENTIAL_NAMES, claudeArgs, claudeEnv } from "./args.ts";
import { captureSession, parsePayload, restoreSession } from "./config-dir.ts";
import { parseLine } from "./frames.ts";
import type { ApiUsage, ResultFrame } from "./frames.ts";

export const claudeCliConfigSchema = z.object({
  type: z.literal("claude-cli"),
  /** Path or name (looked up on PATH) of the `claude` executable. */
  binary: z.string().min(1).default("claude"),
  model: z.string().min(1).optional(),
  /** Used only to estimate cost when the process is killed before its result frame. */
  prices: priceTableSchema.optional(),
  /** How long to wait for the process to exit after its final `result` frame (it sometimes hangs). */
  idleGraceMs: z.number().int().positive().default(30_000),
  /** SIGTERM → SIGKILL delay when stopping the process group. */
  killGraceMs: z.number().int().positive().default(5_000),
  extraArgs: z.array(z.string()).default([]),
});
export type ClaudeCliConfig = z.infer<typeof claudeCliConfigSchema>;

function toUsage(u: ApiUsage | undefined): Usage {
  return {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    cacheReadTokens: u?.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u?.cache_creation_input_tokens ?? 0,
  };
}

/** Accounting from the result frame: `modelUsage` covers subagents too (contract §3), `usage` only the main loop. */
function resultUsage(r: ResultFrame): Usage | undefined {
  if (r.modelUsage && Object.keys(r.modelUsage).length > 0) {
    const u = emptyUsage();
    for (const m of Object.values(r.modelUsage)) {
      u.inputTokens += m.inputTokens;
      u.outputTokens += m.outputTokens;
      u.cacheReadTokens += m.cacheReadInputTokens;
      u.cacheWriteTokens += m.cacheCreationInputTokens;
    }
    return u;
  }
  return r.usage ? toUsage(r.usage) : undefined;
}

const RESUME_MISSING = /no conversation found|session .* not found/i;

export class ClaudeCliBackend implements Backend {
  readonly kind = "claude-cli" as const;
  readonly name: string;
  readonly credentialNames: readonly string[] = CLAUDE_CREDENTIAL_NAMES;
  private readonly config: ClaudeCliConfig;

  constructor(config: Omit<z.input<typeof claudeCliConfigSchema>, "type">) {
    this.config = claudeCliConfigSchema.parse({ ...config, type: "claude-cli" });
    this.name = `claude-cli:${this.config.model ?? "default"}`;
  }

  preflight(env: BackendEnv): Promise<string | undefined> {
    return claudePreflight(this.config.binary, env);
  }

  async run<T>(task: RunTask<T>): Promise<RunResult<T>> {
    const cfg = this.config;
    const redactor = task.redactor ?? new Redactor();
    for (const v of Object.values(task.env)) redactor.add(v);
    const log = redactingSink(task.log, redactor);
    const transcript = new Transcript(redactor, task.transcriptPath);
    const meter = new RunMeter(task.limits, cfg.prices);
    const base = { text: "", usage: emptyUsage(), costUsd: 0, turns: 0, transcriptPath: transcript.path };
    const fail = (reason: string, extra: Partial<RunResult<T>> = {}): RunResult<T> => {
      log.warn(`claude-cli: ${reason}`);
      transcript.write("error", reason);
      return { ...base, status: "error", reason, durationMs: meter.elapsedMs(), ...extra };
    };

    const unknown = Object.keys(task.env).filter((k) => !(CLAUDE_CREDENTIAL_NAMES as readonly string[]).includes(k));
    if (unknown.length > 0) return fail(`refusing to pass ${unknown.join(", ")} to claude: only ${CLAUDE_CREDENTIAL_NAMES.join(", ")} are backend credentials`);
    const early = meter.beforeTurn();
    if (early) return { ...base, status: early.status, reason: early.reason, durationMs: 0 };

    const tmp = await mkdtemp(join(tmpdir(), "disinto-claude-"));
    const configDir = join(tmp, "config");
    let sandbox: ModelSandbox | undefined;
    try {
      let resumeId: string | undefined;
      if (task.session?.resume) {
        const decoded = decodeSession(task.session.resume, "claude-cli");
        const payload = decoded.ok ? parsePayload(decoded.payload) : decoded.reason;
        if (typeof payload === "string") return fail(`cannot resume session ${task.session.key}: ${payload}`, { resumeFailed: true });
        await restoreSession(configDir, task.cwd, payload);
        resumeId = payload.sessionId;
        log.info(`claude-cli: resuming session ${resumeId}`);
      }
      await mkdir(configDir, { recursive: true });
      let isolation: Isolation;
      try {
        isolation = task.isolation ?? defaultIsolation();
        sandbox = await enterSandbox(isolation, { tree: task.cwd, write: task.tools === "edit", log });
        await sandbox.grant(tmp);
      } catch (err) {
        return fail(`cannot isolate the model: ${(err as Error).message}`);
      }
      const jsonSchema = task.resultSchema ? (z.toJSONSchema(task.resultSchema, { unrepresentable: "any" }) as Record<string, unknown>) : undefined;
      // argv is world-readable (/proc/<pid>/cmdline) and everything goes to the endpoint:
      // no secret the run knows leaves in the prompt.
      const prompt = redactor.redact(task.prompt);
      const { args, stdin } = claudeArgs({
        prompt,
        model: cfg.model,
        maxTurns: task.limits.maxTurns,
        policy: task.tools,
        system: task.system !== undefined ? redactor.redact(task.system) : undefined,
        jsonSchema,
        resumeId,
        maxBudgetUsd: task.limits.maxCostUsd,
        extraArgs: cfg.extraArgs,
      });
      // IS_SANDBOX only where the CLI itself still runs as root (bwrap keeps the uid).
      const asRoot = process.getuid?.() === 0 && isolation.kind !== "user";
      const env = sandbox.env(claudeEnv(task.env, configDir, task.tools, process.env, asRoot));
      transcript.write("spawn", { binary: cfg.binary, args: args.map((a) => (a === prompt ? "<prompt>" : clip(a, 200))), cwd: task.cwd, envNames: Object.keys(env).sort(), isolation: isolation.kind });
      const out = await this.watch(task, sandbox, args, stdin, env, meter, transcript, log);
      // Kill what it left behind and take the tree back before reading anything it wrote.
      await sandbox.release();

      // ── what happened ──
      const r = out.result;
      let status: RunStatus;
      let reason: string | undefined;
      let result: T | undefined;
      const usage = (r && resultUsage(r)) ?? out.streamUsage;
      const costUsd = r?.total_cost_usd ?? costOf(usage, cfg.prices);
      const turns = r?.num_turns ?? out.turns;
      const text = r?.result ?? out.lastText;
      if (out.stop) {
        ({ status, reason } = out.stop);
      } else if (r && !r.is_error) {
        status = "ok";
        if (task.resultSchema) {
          const raw = r.structured_output !== undefined ? r.structured_output : jsonFromText(text);
          const v = raw === undefined ? ({ ok: false, reason: "the model returned no structured result" } as const) : validateResult(task.resultSchema, raw);
          if (v.ok) result = v.value;
          else ({ status, reason } = { status: "error", reason: v.reason });
        }
      } else if (r) {
        // API/auth failures arrive as subtype "success" with is_error: true (contract §3)
        const detail = [r.result, ...(r.errors ?? [])].filter((s): s is string => !!s).join("; ") || r.terminal_reason || "no detail";
        const api = r.api_error_status ? ` (HTTP ${r.api_error_status})` : "";
        if (r.subtype === "error_max_turns") status = "max_turns";
        else if (r.subtype === "error_max_budget_usd") status = "budget";
        else status = "error";
        reason = `claude ${r.subtype}${api}: ${detail}`;
      } else {
        status = "error";
        const how = out.spawnError ?? (out.signal ? `killed by ${out.signal}` : `exited with code ${out.exitCode ?? "?"}`);
        const tail = out.stderrTail.concat(out.noiseTail).slice(-8).join("\n");
        reason = `claude ${how} before its result frame${tail ? `:\n${tail}` : ""}`;
      }
      if (out.hung) reason = reason ? `${reason} (process killed: no exit ${cfg.idleGraceMs} ms after the result)` : `process killed: no exit ${cfg.idleGraceMs} ms after the result`;
      const resumeFailed = resumeId !== undefined && status === "error" && RESUME_MISSING.test(`${reason ?? ""}`);

      let session: SessionBlob | undefined;
      const sessionId = out.sessionId;
      if (sessionId) {
        const captured = await captureSession(configDir, sessionId);
        if (captured) session = encodeSession("claude-cli", JSON.stringify(captured), sessionId);
        else log.debug(`claude-cli: no session file for ${sessionId}`);
      }
      const durationMs = meter.elapsedMs();
      const res: RunResult<T> = {
        status,
        ...(reason !== undefined ? { reason: redactor.redact(reason) } : {}),
        text,
        ...(result !== undefined ? { result } : {}),
        usage,
        costUsd,
        turns,
        durationMs,
        ...(sessionId !== undefined ? { sessionId } : {}),
        ...(session ? { session } : {}),
        transcriptPath: transcript.path,
        ...(resumeFailed ? { resumeFailed } : {}),
      };
      transcript.write("outcome", { status, reason, turns, usage, costUsd, durationMs, sessionId });
      if (status === "ok") log.info(`claude-cli: ${status}${reason ? ` — ${clip(reason, 300)}` : ""}`);
      else log.warn(`claude-cli: ${status}${reason ? ` — ${clip(reason, 300)}` : ""}`);
      return res;
    } finally {
      await sandbox?.release();
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Spawn, read frames, enforce deadline/tokens and the post-result grace; always reaps the group. */
  private async watch<T>(task: RunTask<T>, sandbox: ModelSandbox, claudeArgv: string[], stdin: string | undefined, env: Record<string, string>, meter: RunMeter, transcript: Transcript, log: ReturnType<typeof redactingSink>) {
    const cfg = this.config;
    const { file, args, uid, gid } = sandbox.command(cfg.binary, claudeArgv, task.cwd);
    const child = execa(file, args, {
      ...(uid !== undefined ? { uid } : {}),
      ...(gid !== undefined ? { gid } : {}),
      cwd: task.cwd,
      env,
      extendEnv: false,
      detached: true,
      reject: false,
      buffer: false,
      stripFinalNewline: false,
      ...(stdin !== undefined ? { input: stdin } : { stdin: "ignore" as const }),
    });
    const state = {
      result: undefined as ResultFrame | undefined,
      sessionId: undefined as string | undefined,
      lastText: "",
      stop: undefined as Stop | undefined,
      hung: false,
      stderrTail: [] as string[],
      noiseTail: [] as string[],
      usageByMessage: new Map<string, Usage>(),
      exitCode: undefined as number | undefined,
      signal: undefined as string | undefined,
      spawnError: undefined as string | undefined,
    };
    const exited = new Promise<void>((resolve) => {
      child.nodeChildProcess.once("exit", (code, signal) => {
        state.exitCode = code ?? undefined;
        state.signal = signal ?? undefined;
        resolve();
      });
      child.nodeChildProcess.once("error", (err) => {
        state.spawnError = (err as NodeJS.ErrnoException).code === "ENOENT" ? `binary not found (${cfg.binary})` : `failed to start: ${err.message}`;
        resolve();
      });
    });
    let stopping: Promise<void> | undefined;
    const stopWith = (why: Stop | "hung"): void => {
      if (stopping) return;
      if (why === "hung") state.hung = true;
      else state.stop = why;
      log.warn(`claude-cli: stopping the process group: ${why === "hung" ? "no exit after the result frame" : why.reason}`);
      stopping = terminateGroup(child.pid, exited, cfg.killGraceMs);
    };
    // After a complete result frame the answer is in: a deadline then only ends a hang.
    const deadlineTimer = setTimeout(
      () => stopWith(state.result ? "hung" : { status: "deadline", reason: `deadline reached after ${meter.elapsedMs()} ms` }),
      timerDelay(meter.remainingMs()),
    );
    let idleTimer: NodeJS.Timeout | undefined;

    const onLine = (line: string): void => {
      if (line.trim() === "") return;
      transcript.raw(line);
      const p = parseLine(line);
      if (p.kind === "noise") {
        state.noiseTail = [...state.noiseTail.slice(-9), clip(line, 300)];
        return;
      }
      if (p.kind === "invalid") {
        log.debug(`claude-cli: unexpected frame shape: ${clip(p.error, 200)}`);
        return;
      }
      const f = p.value;
      // the last session_id wins (behaviour §14.10: a stream carries several)
      if (f.frame.session_id) state.sessionId = f.frame.session_id;
      switch (f.kind) {
        case "system":
          if (f.frame.subtype === "init") log.info(`claude-cli: ${f.frame.claude_code_version ?? "?"} · ${f.frame.model ?? "?"} · ${f.frame.permissionMode ?? "?"} · key ${f.frame.apiKeySource ?? "?"}`);
          else if (f.frame.subtype === "permission_denied") log.warn(`permission denied: ${f.frame.tool_name ?? "?"}`);
          else if (f.frame.subtype === "api_retry") log.warn(`claude-cli: API retry ${f.frame.attempt ?? "?"}/${f.frame.max_retries ?? "?"} (HTTP ${f.frame.error_status ?? "?"})`);
          break;
        case "assistant": {
          const sub = f.frame.parent_tool_use_id ? "  ↳ " : "";
          for (const b of f.frame.message.content) {
            if (b.type === "tool_use" && b.name) log.info(`${sub}${summarizeToolCall(b.name, b.input)}`);
            else if (b.type === "text" && b.text && !f.frame.parent_tool_use_id) state.lastText = b.text;
          }
          if (f.frame.error) log.warn(`claude-cli: assistant error ${f.frame.error}`);
          const id = f.frame.message.id ?? f.frame.uuid ?? `m${state.usageByMessage.size}`;
          // one line per content block: the same message's usage repeats, count it once
          state.usageByMessage.set(id, toUsage(f.frame.message.usage));
          meter.usage = [...state.usageByMessage.values()].reduce((a, u) => ({
            inputTokens: a.inputTokens + u.inputTokens,
            outputTokens: a.outputTokens + u.outputTokens,
            cacheReadTokens: a.cacheReadTokens + u.cacheReadTokens,
            cacheWriteTokens: a.cacheWriteTokens + u.cacheWriteTokens,
          }), emptyUsage());
          meter.costUsd = costOf(meter.usage, cfg.prices);
          const hit = meter.exhausted();
          if (hit && hit.status === "budget" && !state.result) stopWith(hit);
          break;
        }
        case "user":
          if (Array.isArray(f.frame.message.content)) {
            for (const b of f.frame.message.content) if (b.is_error) log.debug(`tool error: ${clip(typeof b.content === "string" ? b.content : JSON.stringify(b.content ?? ""), 160)}`);
          }
          break;
        case "result":
          state.result = f.frame;
          // the CLI has been seen to hang after its final message (#606): give it a grace, then stop it
          idleTimer ??= setTimeout(() => stopWith("hung"), cfg.idleGraceMs);
          break;
        case "other":
          break;
      }
    };
    const stdoutDone = new Promise<void>((resolve) => {
      const rl = createInterface({ input: child.stdout });
      rl.on("line", onLine);
      rl.on("close", resolve);
    });
    const stderrDone = new Promise<void>((resolve) => {
      const rl = createInterface({ input: child.stderr });
      rl.on("line", (line) => {
        if (line.trim() === "") return;
        transcript.write("stderr", line);
        state.stderrTail = [...state.stderrTail.slice(-9), clip(line, 300)];
        log.debug(`claude stderr: ${clip(line, 200)}`);
      });
      rl.on("close", resolve);
    });

    await exited;
    clearTimeout(deadlineTimer);
    clearTimeout(idleTimer);
    if (stopping) await stopping;
    // Whatever the CLI left behind in its group (a dev server, a stuck test) goes with it.
    signalGroup(child.pid, "SIGKILL");
    // A grandchild that escaped the group may still hold the pipes: don't wait on it forever.
    const drained = await Promise.race([
      Promise.all([stdoutDone, stderrDone]).then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 2000).unref()),
    ]);
    if (!drained) {
      child.stdout.destroy();
      child.stderr.destroy();
    }
    await child;
    const turns = state.usageByMessage.size;
    return { ...state, turns, streamUsage: meter.usage };
  }
}

