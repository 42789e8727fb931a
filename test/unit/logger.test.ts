import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { Logger, type LoggerOptions } from "../../src/host/logger.ts";
import { MASK, Redactor } from "../../src/lib/redact.ts";

const CANARY = 'cAnArY "7f3e"/p+s ü';
const NOW = Date.parse("2026-05-01T12:00:00Z");

function setup(opts: Partial<LoggerOptions> = {}, secrets: string[] = [CANARY]) {
  const chunks: string[] = [];
  const redactor = new Redactor();
  for (const s of secrets) redactor.add(s);
  const log = new Logger({ out: { write: (s: string) => chunks.push(s) }, redactor, host: "woodpecker", now: () => NOW, ...opts });
  const text = () => chunks.join("");
  return { log, redactor, text, lines: () => text().split("\n").slice(0, -1), json: () => text().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("Logger: text", () => {
  it("prefixes levels, renders fields and drops what is below the level", () => {
    const { log, lines } = setup();
    log.debug("hidden");
    log.info("picked issue", { issue: 12, title: "Fix the thing", ok: true });
    log.warn("slow forge");
    log.error("two\nlines");
    assert.deepEqual(lines(), ['picked issue issue=12 title="Fix the thing" ok=true', "warning: slow forge", "error: two", "error: lines"]);
  });

  it("logs debug lines at level debug", () => {
    const { log, lines } = setup({ level: "debug" });
    log.debug("visible");
    assert.deepEqual(lines(), ["debug: visible"]);
  });

  it("marks sections with plain lines on Woodpecker and locally", () => {
    for (const host of ["woodpecker", "local"] as const) {
      const { log, lines } = setup({ host });
      log.section("decide");
      log.info("x");
      assert.deepEqual(lines(), ["── decide ──", "x"]);
    }
  });

  it("uses groups, annotations and masks on Actions", () => {
    const { log, lines } = setup({ host: "actions" }, [CANARY, "second-secret\nline-two-secret"]);
    log.announceMasks();
    log.section("decide");
    log.warn("careful\nnow");
    log.section("work");
    log.endSection();
    log.announceMasks();
    assert.deepEqual(lines(), [
      `::add-mask::${CANARY}`,
      "::add-mask::second-secret",
      "::add-mask::line-two-secret",
      "::group::decide",
      "::warning::careful%0Anow",
      "::endgroup::",
      "::group::work",
      "::endgroup::",
    ]);
  });

  it("announces a secret found during the run on Actions, and masks it from then on", () => {
    const { log, lines } = setup({ host: "actions" }, []);
    log.addSecret("late-secret-value");
    log.info("got late-secret-value");
    assert.deepEqual(lines(), ["::add-mask::late-secret-value", `got ${MASK}`]);
    const wp = setup({}, []);
    wp.log.addSecret("late-secret-value");
    wp.log.info("got late-secret-value");
    assert.deepEqual(wp.lines(), [`got ${MASK}`]);
  });

  it("defuses workflow commands in text it did not write itself on Actions", () => {
    const { log, lines } = setup({ host: "actions" });
    log.info("::add-path::/tmp/evil");
    assert.equal(lines()[0], ":\u200b:add-path::/tmp/evil");
  });

  it("masks registered secrets in messages and fields, plain, JSON-escaped and URL-encoded", () => {
    const { log, text } = setup();
    log.info(`plain ${CANARY}`, { json: JSON.stringify({ t: CANARY }), url: `https://x.example/?t=${encodeURIComponent(CANARY)}` });
    log.info("header", { h: "Authorization: token 0123456789abcdef0123456789abcdef01234567" });
    assert.ok(!text().includes("cAnArY"), text());
    assert.ok(!text().includes("0123456789abcdef"), text());
    assert.equal(text().split(MASK).length - 1, 4);
  });
});

describe("Logger: JSON", () => {
  it("writes one object per line with ts, level, msg, section and fields", () => {
    const { log, json } = setup({ format: "json" });
    log.section("decide");
    log.info("picked", { issue: 12, level: "not-a-level" });
    log.endSection();
    log.error("boom");
    assert.deepEqual(json(), [
      { ts: "2026-05-01T12:00:00.000Z", level: "info", msg: "decide", section: "decide", type: "section" },
      { ts: "2026-05-01T12:00:00.000Z", level: "info", msg: "picked", section: "decide", issue: 12, field_level: "not-a-level" },
      { ts: "2026-05-01T12:00:00.000Z", level: "error", msg: "boom" },
    ]);
  });

  it("masks secrets in messages and in field values, and stays valid JSON", () => {
    const { log, json, text } = setup({ format: "json" });
    log.info(`msg ${CANARY}`, { nested: { value: CANARY, list: [CANARY] } });
    assert.ok(!text().includes("cAnArY"));
    assert.deepEqual(json()[0], { ts: "2026-05-01T12:00:00.000Z", level: "info", msg: `msg ${MASK}`, nested: { value: MASK, list: [MASK] } });
  });

  it("writes a record as an object in JSON and as its text otherwise", () => {
    const j = setup({ format: "json" });
    j.log.record("info", `dev: done ${CANARY}`, { type: "outcome", summary: CANARY });
    assert.deepEqual(j.json()[0], { ts: "2026-05-01T12:00:00.000Z", level: "info", msg: `dev: done ${MASK}`, type: "outcome", summary: MASK });
    const t = setup();
    t.log.record("info", `dev: done ${CANARY}`, { type: "outcome" });
    assert.deepEqual(t.lines(), [`dev: done ${MASK}`]);
  });
});

describe("Logger.pipe", () => {
  const output = `starting — café ✓\nthe token is ${CANARY}!\n${JSON.stringify({ key: CANARY })}\nq=${encodeURIComponent(CANARY)}\nno newline at end`;

  it("masks a secret split over chunk boundaries at every split point", async () => {
    const bytes = Buffer.from(output);
    const at = bytes.indexOf(Buffer.from("cAnArY"));
    for (let i = 0; i <= bytes.length; i++) {
      const { log, text, redactor } = setup();
      await log.pipe(Readable.from([bytes.subarray(0, i), bytes.subarray(i)]));
      assert.equal(text(), `${redactor.redact(output)}\n`, `split at byte ${i} (secret at ${at})`);
    }
  });

  it("masks a secret streamed in many small chunks, byte by byte inside multi-byte characters", async () => {
    const bytes = Buffer.from(output);
    for (const size of [1, 2, 3, 5, 11]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const { log, text } = setup();
      await log.pipe(Readable.from(chunks));
      assert.ok(!text().includes("cAnArY"), `size ${size}`);
      assert.ok(text().startsWith("starting — café ✓\n") && !text().includes("\ufffd"), "multi-byte characters survive chunking");
      assert.equal(text().split(MASK).length - 1, 3, `size ${size}`);
    }
  });

  it("prefixes lines in text and names the stream in JSON", async () => {
    const t = setup();
    await t.log.pipe(Readable.from(["a\nb", "c\n"]), { name: "claude" });
    assert.deepEqual(t.lines(), ["claude │ a", "claude │ bc"]);
    const j = setup({ format: "json" });
    await j.log.pipe(Readable.from([`x ${CANARY.slice(0, 4)}`, `${CANARY.slice(4)} y\nz`]), { name: "claude" });
    assert.deepEqual(j.json(), [
      { ts: "2026-05-01T12:00:00.000Z", level: "info", msg: `x ${MASK} y`, stream: "claude" },
      { ts: "2026-05-01T12:00:00.000Z", level: "info", msg: "z", stream: "claude" },
    ]);
  });

  it("defuses workflow commands in a child's output on Actions", async () => {
    const { log, lines } = setup({ host: "actions" }, []);
    await log.pipe(Readable.from(["ok\n  ::stop-commands::x\n"]));
    assert.deepEqual(lines(), ["ok", "  :\u200b:stop-commands::x"]);
  });

  it("writes nothing for a stream below the log level", async () => {
    const { log, text } = setup({ level: "warn" });
    await log.pipe(Readable.from(["chatter\n"]), { level: "debug" });
    assert.equal(text(), "");
  });
});
