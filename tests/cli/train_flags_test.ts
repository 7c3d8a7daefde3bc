import assert from "node:assert/strict";
import { configFromFlags } from "../../lib/cli/train.ts";
import { UsageError } from "../../lib/cli/args.ts";

Deno.test("without variant flags the config is the report's: BCE, G every 2nd step, 2e-4, no EMA", () => {
  const c = configFromFlags({ model: "dcgan" });
  assert.deepEqual([c.loss, c.gEvery, c.lrG, c.lrD, c.emaDecay], ["bce", 2, 2e-4, 2e-4, 0]);
});

Deno.test("the variant flags set the loss, n_critic, learning rates, EMA, clip and penalty weight", () => {
  const c = configFromFlags({
    model: "mlp",
    loss: "wgan-gp",
    "n-critic": "5",
    "lr-g": "1e-4",
    "lr-d": "0.0003",
    ema: "0.999",
    clip: "0.02",
    "gp-weight": "5",
    "spectral-norm": true,
  });
  assert.equal(c.model.spectralNorm, true);
  assert.deepEqual(
    [c.loss, c.gEvery, c.lrG, c.lrD, c.emaDecay, c.wganClip, c.gpWeight],
    ["wgan-gp", 5, 1e-4, 3e-4, 0.999, 0.02, 5],
  );
});

Deno.test("bad variant flags are usage errors naming the flag and what it expects", () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ loss: "mse" }, /--loss expects one of bce\|lsgan\|wgan\|wgan-gp\|hinge, got 'mse'/],
    [{ ema: "1" }, /--ema expects a number in \[0, 1\), got '1'/],
    [{ ema: "fast" }, /--ema expects a number/],
    [{ "lr-g": "-1" }, /--lr-g expects a number in \[0, 1\]/],
    [{ "n-critic": "0" }, /--n-critic expects an integer >= 1/],
  ];
  for (const [flags, message] of bad) {
    assert.throws(() => configFromFlags({ model: "mlp", ...flags }), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match((e as Error).message, message);
      return true;
    });
  }
});
