// A headless Chromium driven over the DevTools protocol with Node's global WebSocket — just
// enough to open a page and read what a person would see, without a browser-automation
// dependency. Every call is bounded in time, and close() always ends the browser process.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

/** The browser binary: $CHROMIUM_PATH, else the usual Debian/Ubuntu/Google paths. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
}

export interface Browser {
  /** Opens `url` in the page and waits for its load event. */
  navigate(url: string): Promise<void>;
  /** Evaluates an expression in the page; the value comes back as JSON. */
  evaluate(expression: string): Promise<unknown>;
  /** What the page shows: `document.body.innerText`. */
  text(): Promise<string>;
  close(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`chromium: ${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function devtoolsUrl(child: ChildProcess, ms: number): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve, reject) => {
      let err = "";
      child.stderr?.on("data", (b: Buffer) => {
        err += b.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m?.[1]) resolve(m[1]);
      });
      child.once("exit", (code, signal) => reject(new Error(`chromium exited (${code ?? signal ?? "?"}) before DevTools was up: ${err.slice(-2000)}`)));
      child.once("error", reject);
    }),
    ms,
    "start",
  );
}

export async function launchBrowser(binary: string, opts: { timeoutMs?: number } = {}): Promise<Browser> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const profile = await mkdtemp(join(tmpdir(), "cdp-profile-"));
  const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--remote-debugging-port=0", `--user-data-dir=${profile}`, "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "about:blank"];
  const child = spawn(binary, flags, { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    await rm(profile, { recursive: true, force: true });
  };

  let ws: WebSocket;
  try {
    ws = new WebSocket(await devtoolsUrl(child, timeoutMs));
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.addEventListener("open", () => resolve(), { once: true });
        ws.addEventListener("error", () => reject(new Error("chromium: DevTools connection failed")), { once: true });
      }),
      timeoutMs,
      "connect",
    );
  } catch (err) {
    await kill();
    throw err;
  }

  let nextId = 1;
  const pending = new Map<number, Pending>();
  const waiters: { method: string; sessionId: string; resolve: () => void }[] = [];
  ws.addEventListener("message", (ev: MessageEvent) => {
    const msg = JSON.parse(String(ev.data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; sessionId?: string };
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`chromium: ${msg.error.message}`));
      else p?.resolve(msg.result ?? {});
      return;
    }
    for (const w of waiters.filter((x) => x.method === msg.method && x.sessionId === msg.sessionId)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> => {
    const id = nextId++;
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => pending.set(id, { resolve, reject }));
    ws.send(JSON.stringify({ id, method, params, ...(sessionId !== undefined ? { sessionId } : {}) }));
    return withTimeout(reply, timeoutMs, method);
  };

  let sessionId: string;
  try {
    const { targetId } = (await send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
    ({ sessionId } = (await send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string });
    await send("Page.enable", {}, sessionId);
  } catch (err) {
    ws.close();
    await kill();
    throw err;
  }

  const evaluate = async (expression: string): Promise<unknown> => {
    const r = (await send("Runtime.evaluate", { expression, returnByValue: true }, sessionId)) as { result?: { value?: unknown }; exceptionDetails?: { text?: string } };
    if (r.exceptionDetails) throw new Error(`chromium: ${expression} threw ${r.exceptionDetails.text ?? "?"}`);
    return r.result?.value;
  };

  return {
    async navigate(url) {
      const loaded = new Promise<void>((resolve) => waiters.push({ method: "Page.loadEventFired", sessionId, resolve }));
      const r = (await send("Page.navigate", { url }, sessionId)) as { errorText?: string };
      if (r.errorText) throw new Error(`chromium: navigating to ${url} failed: ${r.errorText}`);
      await withTimeout(loaded, timeoutMs, `loading ${url}`);
    },
    evaluate,
    async text() {
      return String(await evaluate("document.body.innerText"));
    },
    async close() {
      await send("Browser.close").catch(() => undefined);
      ws.close();
      // Browser.close usually ends the process; the kill covers a browser that hangs.
      await withTimeout(exited, 5_000, "exit").catch(() => undefined);
      await kill();
    },
  };
}
