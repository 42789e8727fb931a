// The scripted backend: deterministic runs for tests and the demo. It is not a model and says
// so in the log. Its actions go through the same tools (and confinement) as the openai
// backend, and the same meter, so limits behave as they would with a real model.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { Redactor } from "../../lib/redact.ts";
import { llmEnv } from "../env.ts";
import { defaultIsolation, enterSandbox } from "../isolation.ts";
import type { ModelSandbox } from "../isolation.ts";
import { RunMeter } from "../meter.ts";
import { clip, redactingSink } from "../progress.ts";
import { safeJson, validateResult } from "../result.ts";
import { decodeSession, encodeSession } from "../session.ts";
import { executeTool, toolContext } from "../tools/toolbox.ts";
import { Transcript } from "../transcript.ts";
import { emptyUsage } from "../types.ts";
import type { Backend, RunResult, RunStatus, RunTask, Usage } from "../types.ts";
import { parseScript } from "./script.ts";
import type { Script, ScriptAction, ScriptTask } from "./script.ts";

const payloadSchema = z.object({ prompts: z.array(z.string()) });

function toolCall(a: ScriptAction): { name: string; args: Record<string, unknown> } {
  if ("write" in a) return { name: "write_file", args: { path: a.write.path, content: a.write.content } };
  if ("edit" in a) return { name: "edit_file", args: { path: a.edit.path, old_text: a.edit.old, new_text: a.edit.new } };
  if ("run" in a) return { name: "run_command", args: { command: a.run.command, ...(a.run.timeoutSeconds !== undefined ? { timeout_seconds: a.run.timeoutSeconds } : {}) } };
  return { name: "read_file", args: { path: a.read.path } };
}

function usageOf(u: Partial<Usage> | undefined): Usage {
  return { ...emptyUsage(), ...(u ?? {}) };
}

export class ScriptedBackend implements Backend {
  readonly kind = "scripted" as const;
  readonly name = "scripted";
  readonly credentialNames: readonly string[] = [];
  private readonly script: Script;
  private readonly used = new Set<number>();
  private readonly commandTimeoutMs: number;

  constructor(script: unknown, opts: { commandTimeoutMs?: number } = {}) {
    this.script = parseScript(script);
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 120_000;
  }

  /** First task whose `match` fits the prompt, else the next unused task without a `match`. */
  private pick(prompt: string): ScriptTask | undefined {
    const tasks = this.script.tasks;
    const matched = tasks.find((t) => t.match !== undefined && new RegExp(t.match).test(prompt));
    if (matched) return matched;
    const i = tasks.findIndex((t, idx) => t.match === undefined && !this.used.has(idx));
    if (i < 0) return undefined;
    this.used.add(i);
    return tasks[i];
  }

  async run<T>(task: RunTask<T>): Promise<RunResult<T>> {
    const held: { sandbox?: ModelSandbox } = {};
    try {
      return await this.play(task, held);
    } finally {
      await held.sandbox?.release();
    }
  }

  private async play<T>(task: RunTask<T>, held: { sandbox?: ModelSandbox }): Promise<RunResult<T>> {
    const redactor = task.redactor ?? new Redactor();
    for (const v of Object.values(task.env)) redactor.add(v);
    const log = redactingSink(task.log, redactor);
    const transcript = new Transcript(redactor, task.transcriptPath);
    const meter = new RunMeter(task.limits);
    let prompts: string[] = [];
    let sessionId: string = randomUUID();
    let text = "";

    const finish = (status: RunStatus, reason?: string, result?: T, extra: Partial<RunResult<T>> = {}): RunResult<T> => {
      transcript.write("outcome", { status, reason, turns: meter.turns, usage: meter.usage, costUsd: meter.costUsd });
      if (status === "ok") log.info(`scripted backend: ${status}${reason ? ` — ${clip(reason, 300)}` : ""}`);
      else log.warn(`scripted backend: ${status}${reason ? ` — ${clip(reason, 300)}` : ""}`);
      return {
        status,
        ...(reason !== undefined ? { reason: redactor.redact(reason) } : {}),
        text,
        ...(result !== undefined ? { result } : {}),
        usage: meter.usage,
        costUsd: meter.costUsd,
        turns: meter.turns,
        durationMs: meter.elapsedMs(),
        sessionId,
        session: encodeSession("scripted", JSON.stringify({ prompts }), sessionId),
        transcriptPath: transcript.path,
        ...extra,
      };
    };

    if (task.session?.resume) {
      const d = decodeSession(task.session.resume, "scripted");
      const p = d.ok ? payloadSchema.safeParse(safeJson(d.payload)) : undefined;
      if (!d.ok || !p?.success) return finish("error", `cannot resume session ${task.session.key}: ${d.ok ? "payload malformed" : d.reason}`, undefined, { resumeFailed: true });
      prompts = p.data.prompts;
      sessionId = d.sessionId ?? sessionId;
    }
    prompts.push(task.prompt);
    transcript.write("user", { system: task.system, prompt: task.prompt });

    const t = this.pick(task.prompt);
    if (!t) return finish("error", `scripted backend: no task in the script matches the prompt (${clip(task.prompt, 80)})`);
    log.info(`scripted backend: task ${t.name ?? "(unnamed)"} · ${t.actions.length} actions · not a model`);

    // Its `run` actions are commands like a model's: confined the same way.
    const needsSandbox = t.actions.some((a) => "run" in a);
    try {
      if (needsSandbox) held.sandbox = await enterSandbox(task.isolation ?? defaultIsolation(), { tree: task.cwd, write: task.tools === "edit", log });
    } catch (err) {
      return finish("error", `cannot isolate the model: ${(err as Error).message}`);
    }
    const ctx = toolContext(task.cwd, llmEnv(), this.commandTimeoutMs, task.limits.deadline, held.sandbox);
    for (const a of t.actions) {
      const stop = meter.beforeTurn();
      if (stop) return finish(stop.status, stop.reason);
      meter.turns++;
      const call = toolCall(a);
      const out = await executeTool(call.name, call.args, task.tools, ctx);
      log.info(out.ok ? out.summary : `${out.summary} ✗`);
      transcript.write("tool", { name: call.name, arguments: call.args, ok: out.ok, output: out.output });
      meter.add(usageOf(a.usage), a.costUsd ?? 0);
      const hit = meter.exhausted();
      if (hit) return finish(hit.status, hit.reason);
    }

    // the final answer is one more turn, like a model's last message
    const stop = meter.beforeTurn();
    if (stop) return finish(stop.status, stop.reason);
    meter.turns++;
    meter.add(usageOf(t.usage), t.costUsd ?? 0);
    text = t.result.text;
    transcript.write("assistant", { text, structured: t.result.structured });
    const hit = meter.exhausted();
    if (hit) return finish(hit.status, hit.reason);
    if (t.result.status !== "ok") return finish(t.result.status, t.result.reason ?? `scripted ${t.result.status}`);
    if (!task.resultSchema) return finish("ok");
    if (t.result.structured === undefined) return finish("error", "the script gave no structured result but the task wants one");
    const v = validateResult(task.resultSchema, t.result.structured);
    return v.ok ? finish("ok", undefined, v.value) : finish("error", v.reason);
  }
}
