import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  display,
  isNotebook,
  type JupyterApi,
  LiveDisplay,
  mediaBundle,
} from "../../lib/viz/jupyter.ts";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';

/** A fake kernel API that records display calls. */
function fakeKernel(): { kernel: JupyterApi; calls: { obj: unknown; options: unknown }[] } {
  const calls: { obj: unknown; options: unknown }[] = [];
  return {
    calls,
    kernel: {
      display(obj, options) {
        calls.push({ obj, options });
        return Promise.resolve();
      },
    },
  };
}

Deno.test("isNotebook is false under deno test, where Deno.jupyter throws", () => {
  assert.equal(isNotebook(), false);
});

Deno.test("display and LiveDisplay.update are no-ops outside a notebook", async () => {
  await display({ svg: SVG, png: PNG, text: "hi" });
  const live = new LiveDisplay();
  await live.update({ svg: SVG });
  await live.update({ png: PNG });
  assert.equal(live.shown, false);
});

Deno.test("display and LiveDisplay write files outside a notebook when given a dir", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await display({ svg: SVG, text: "loss" }, { dir, name: "fig" });
    assert.equal(await Deno.readTextFile(`${dir}/fig.svg`), SVG);
    assert.equal(await Deno.readTextFile(`${dir}/fig.txt`), "loss");
    const live = new LiveDisplay("progress", { dir });
    await live.update({ png: new Uint8Array([1]) });
    await live.update({ png: PNG });
    assert.deepEqual(await Deno.readFile(`${dir}/progress.png`), PNG, "overwritten in place");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mediaBundle puts SVG under image/svg+xml and base64 PNG under image/png", () => {
  const b = mediaBundle({ svg: SVG, png: PNG, html: "<b>x</b>" });
  assert.equal(b["image/svg+xml"], SVG);
  assert.deepEqual(new Uint8Array(Buffer.from(b["image/png"], "base64")), PNG);
  assert.equal(b["text/html"], "<b>x</b>");
  assert.equal(typeof b["text/plain"], "string");
  assert.equal(mediaBundle({ text: "t" })["text/plain"], "t");
});

Deno.test("display sends a raw bundle without display_id to the kernel", async () => {
  const { kernel, calls } = fakeKernel();
  await display({ png: PNG }, { kernel, dir: "/nonexistent-dir-not-written" });
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].options, { raw: true });
  const bundle = calls[0].obj as Record<string, string>;
  assert.equal(bundle["image/png"], Buffer.from(PNG).toString("base64"));
});

Deno.test("LiveDisplay creates its output once and then updates it by display_id", async () => {
  const { kernel, calls } = fakeKernel();
  const live = new LiveDisplay("losses", { kernel });
  await live.update({ svg: SVG });
  assert.equal(live.shown, true);
  await Promise.all([live.update({ svg: SVG }), live.update({ text: "done" })]);
  assert.deepEqual(calls.map((c) => c.options), [
    { raw: true, display_id: "losses", update: false },
    { raw: true, display_id: "losses", update: true },
    { raw: true, display_id: "losses", update: true },
  ]);
  assert.equal((calls[0].obj as Record<string, string>)["image/svg+xml"], SVG);
  assert.ok(new LiveDisplay().id.startsWith("live-"));
});

Deno.test("a GIF goes out as an <img> with a base64 data URL inside text/html, after any html", () => {
  const gif = new TextEncoder().encode("GIF89a-bytes");
  const alone = mediaBundle({ gif, gifAlt: 'samples "over" training' });
  assert.equal(
    alone["text/html"],
    `<img alt="samples &#34;over&#34; training" src="data:image/gif;base64,${
      Buffer.from(gif).toString("base64")
    }">`,
  );
  assert.equal(alone["text/plain"], "<GIF animation>");
  const both = mediaBundle({ html: "<p>x</p>", gif });
  assert.match(both["text/html"], /^<p>x<\/p><img alt="animation" src="data:image\/gif;base64,/);
});
