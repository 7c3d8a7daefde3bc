/**
 * The library's architecture as a test: its folders are layers that import downwards only, and
 * no module imports itself through others. Type-only imports count: a cycle of types is still
 * a seam where two modules must change together.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const LIB = path.resolve(import.meta.dirname!, "../lib");

/** Layers from the bottom; a module may import from its own layer and those before it. */
const LAYERS: readonly string[][] = [
  ["option_error.ts", "random.ts"],
  ["backend"],
  ["io"],
  ["viz"],
  ["data"],
  ["models", "latent.ts"],
  ["train"],
  ["eval"],
  ["explore"],
  ["notebook"],
  ["cli"],
  ["mod.ts"],
];

function layerOf(file: string): number {
  const top = path.relative(LIB, file).split(path.sep)[0];
  const i = LAYERS.findIndex((names) => names.includes(top));
  assert.ok(i >= 0, `${path.relative(LIB, file)} belongs to no layer`);
  return i;
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** Each module's relative imports (and re-exports), resolved to files. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(LIB)) {
    const text = fs.readFileSync(file, "utf8");
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gms)]
      .map((m) => path.resolve(path.dirname(file), m[1]));
    graph.set(file, targets);
  }
  return graph;
}

Deno.test("every library module imports only from its own layer or the layers below it", () => {
  const upward: string[] = [];
  for (const [file, targets] of importGraph()) {
    for (const t of targets) {
      if (layerOf(t) > layerOf(file)) {
        upward.push(`${path.relative(LIB, file)} -> ${path.relative(LIB, t)}`);
      }
    }
  }
  assert.deepEqual(upward, []);
});

Deno.test("no library module imports itself through other modules", () => {
  const graph = importGraph();
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      const loop = [...trail.slice(trail.indexOf(file)), file];
      cycles.push(loop.map((f) => path.relative(LIB, f)).join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const t of graph.get(file) ?? []) visit(t, [...trail, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

Deno.test("the layer test sees the imports it checks", () => {
  const graph = importGraph();
  const run = graph.get(path.join(LIB, "train/run.ts"))!;
  assert.ok(run.includes(path.join(LIB, "train/run_dir.ts")));
  assert.ok(graph.get(path.join(LIB, "mod.ts"))!.length > 40);
});
