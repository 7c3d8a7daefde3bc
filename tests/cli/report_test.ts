import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { firstError } from "../../lib/cli/report.ts";

const root = path.resolve(import.meta.dirname!, "../..");

Deno.test("a failing cell is named with its notebook, number, first line and error", () => {
  const file = path.join(fs.mkdtempSync("/tmp/nb-"), "x.ipynb");
  fs.writeFileSync(
    file,
    JSON.stringify({
      cells: [
        { cell_type: "markdown", source: ["# title"] },
        { cell_type: "code", source: ["const a = 1;"], outputs: [] },
        {
          cell_type: "code",
          source: ["const run = await lib.ensureRun(x);\n", "more"],
          outputs: [{
            output_type: "error",
            ename: "ReferenceError",
            evalue: "\x1b[31mx is not defined\x1b[0m",
          }],
        },
      ],
    }),
  );
  assert.equal(
    firstError(file, "notebooks/02-mlp-gan.ipynb"),
    'notebooks/02-mlp-gan.ipynb, cell 3 ("const run = await lib.ensureRun(x);"): ReferenceError: x is not defined',
  );
});

const haveNbconvert = fs.existsSync("/usr/bin/python3") &&
  new Deno.Command("/usr/bin/python3", { args: ["-c", "import nbconvert, nbclient"] }).outputSync()
      .code === 0;

Deno.test({
  name: "the report task runs all four notebooks (smoke profile) into HTML with their figures",
  ignore: !haveNbconvert,
  async fn() {
    const out = fs.mkdtempSync("/tmp/report-");
    const res = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        path.join(root, "lib/cli/report.ts"),
        "--profile",
        "smoke",
        "--out",
        out,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
    assert.equal(res.code, 0, log);
    for (const name of ["01-data", "02-mlp-gan", "03-dcgan", "04-latent"]) {
      assert.ok(fs.existsSync(path.join(out, `${name}.html`)), `${name}.html missing`);
      const nb = JSON.parse(fs.readFileSync(path.join(out, `${name}.ipynb`), "utf8"));
      const kinds = nb.cells.flatMap((c: { outputs?: { data?: Record<string, unknown> }[] }) =>
        (c.outputs ?? []).flatMap((o) => Object.keys(o.data ?? {}))
      );
      assert.ok(kinds.includes("image/png"), `${name} shows no PNG`);
    }
    const index = fs.readFileSync(path.join(out, "index.html"), "utf8");
    assert.match(index, /href="02-mlp-gan.html"/);
    assert.match(index, /Profile <b>smoke<\/b>/);
  },
});
