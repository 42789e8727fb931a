// The sandbox's pages in a real browser: headless Chromium opens the issue, pull request and
// pipeline links and reads what a person would see there — the issue's title, body and labels,
// the pull request's description, diff and review, the step log — and the script-bait issue
// stays inert text. Skipped only outside CI when no Chromium is installed (`.ci/run` installs
// it on CI).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { findChromium, launchBrowser, type Browser } from "../helpers/cdp.ts";
import { buildPagesWorld, COMMENT, MULTIPLY_LINE, PR_BODY, PR_TITLE, REVIEW_BODY, XSS_BODY, XSS_TITLE, type PagesWorld } from "../fixtures/sandbox-pages.ts";

const chromium = findChromium();
const skip = chromium === undefined && process.env.CI === undefined ? "no Chromium installed (apt-get install chromium); CI always runs this" : false;

const flat = (s: string): string => s.replace(/\s+/g, " ");

describe("sandbox pages in headless Chromium", { skip, timeout: 240_000 }, () => {
  let w: PagesWorld;
  let browser: Browser | undefined;
  before(async () => {
    assert.ok(chromium, "CI is set but no Chromium was found: .ci/run installs it");
    w = await buildPagesWorld();
    browser = await launchBrowser(chromium, { timeoutMs: 60_000 });
  });
  after(async () => {
    await browser?.close();
    await w.stop();
  });

  const open = async (url: string): Promise<string> => {
    assert.ok(browser);
    await browser.navigate(url);
    return flat(await browser.text());
  };

  it("an issue page shows its title, body, labels and comment as text; the script bait does not run", async () => {
    const text = await open(w.issue.url);
    for (const want of [XSS_TITLE, XSS_BODY, "bug-report", COMMENT, "dev-bot"]) assert.ok(text.includes(flat(want)), `missing ${JSON.stringify(want)} in: ${text.slice(0, 2000)}`);
    assert.equal(await browser?.evaluate("document.querySelectorAll('script, img').length"), 0);
    assert.match(String(await browser?.evaluate("document.title")), /· Issue #\d+ · demo\/calc$/);
  });

  it("a pull request page shows its description, the diff lines and the approving review", async () => {
    const text = await open(w.pr.url);
    for (const want of [PR_TITLE, PR_BODY, MULTIPLY_LINE, "+ return a * b;", "APPROVED", "review-bot", REVIEW_BODY, "ci/woodpecker/pr/test"]) {
      assert.ok(text.includes(flat(want)), `missing ${JSON.stringify(want)} in: ${text.slice(0, 3000)}`);
    }
  });

  it("the pipeline the pull request's status links shows the test step's log", async () => {
    const text = await open(w.pipelineUrl);
    for (const want of ["Pipeline #", "success", "node --test", "✔ multiply"]) assert.ok(text.includes(want), `missing ${JSON.stringify(want)} in: ${text.slice(0, 3000)}`);
  });
});
