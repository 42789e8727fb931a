// The sandbox pages' HTML builder: every interpolated value is escaped unless it is markup the
// builder made, and links are only made for http(s) and site-relative targets.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cssColor, diffHtml, html, link } from "../../src/sandbox/html.ts";

describe("sandbox html", () => {
  it("escapes interpolated strings, numbers pass, arrays join, nullish and false vanish", () => {
    const bait = `<script>alert("x")</script> & 'y'`;
    assert.equal(html`<p title="${bait}">${bait}</p>`.value, `<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</p>`);
    assert.equal(html`${[1, "<b>", html`<i>${"&"}</i>`]}${undefined}${null}${false}`.value, "1&lt;b&gt;<i>&amp;</i>");
    assert.equal(html`${{ a: "<" }}`.value, "{&quot;a&quot;:&quot;&lt;&quot;}");
  });

  it("links only http(s) and site paths; anything else stays text", () => {
    assert.equal(link("http://ci/repos/1/pipeline/2", "ci").value, '<a href="http://ci/repos/1/pipeline/2">ci</a>');
    assert.equal(link("/demo/calc", "<calc>").value, '<a href="/demo/calc">&lt;calc&gt;</a>');
    for (const bad of ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", " http://x"]) assert.equal(link(bad, "t").value, "t", bad);
  });

  it("colours are #rrggbb or nothing; diff lines are classed and escaped", () => {
    assert.equal(cssColor("0E8A16"), "#0E8A16");
    assert.equal(cssColor("red;background:url(x)"), undefined);
    const d = diffHtml("diff --git a/x b/x\n@@ -1 +1 @@\n-<old>\n+<new>\n ctx\n").value;
    assert.ok(d.includes('<span class="del">-&lt;old&gt;</span>') && d.includes('<span class="add">+&lt;new&gt;</span>') && d.includes('<span class="hunk">@@ -1 +1 @@</span>'), d);
    assert.ok(!d.includes("<new>"));
  });
});
