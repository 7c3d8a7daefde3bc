import assert from "node:assert/strict";
import {
  configFromFlags,
  cycleConfigFromFlags,
  parseTrainFlags,
  TRAIN_COMMAND,
} from "../../lib/cli/train_flags.ts";
import { usage, UsageError } from "../../lib/cli/args.ts";
import { defaultCycleConfig, defaultTrainConfig, OptionError } from "../../lib/mod.ts";

const config = (...args: string[]) => configFromFlags(parseTrainFlags(args));

Deno.test("without variant flags the config is the report's: BCE, G every 2nd step, 2e-4, no EMA", () => {
  const c = config("--model", "dcgan");
  assert.deepEqual([c.loss, c.gEvery, c.lrG, c.lrD, c.emaDecay], ["bce", 2, 2e-4, 2e-4, 0]);
  assert.deepEqual(c, defaultTrainConfig("dcgan"));
});

Deno.test("the variant flags set the loss, n_critic, learning rates, EMA, clip and penalty weight", () => {
  const c = config(
    ...["--model", "mlp", "--loss", "wgan-gp", "--n-critic", "5", "--lr-g", "1e-4"],
    ...["--lr-d", "0.0003", "--ema", "0.999", "--clip", "0.02", "--gp-weight", "5"],
    "--spectral-norm",
  );
  assert.equal(c.model.spectralNorm, true);
  assert.deepEqual(
    [c.loss, c.gEvery, c.lrG, c.lrD, c.emaDecay, c.wganClip, c.gpWeight],
    ["wgan-gp", 5, 1e-4, 3e-4, 0.999, 0.02, 5],
  );
});

Deno.test("--model stylegan takes StyleGAN2's recipe with R1 gamma 1, the EMA ramp-up and mbstd groups of 32", () => {
  const c = config("--model", "stylegan");
  assert.deepEqual(
    [c.loss, c.gEvery, c.lrG, c.r1Gamma, c.emaDecay, c.emaRampup, c.model.style?.mbstdGroup],
    ["stylegan2", 1, 0.0025, 1, 0.999, 0.05, 32],
  );
  const d = config(
    "--model",
    "stylegan",
    "--mbstd-group",
    "4",
    "--ema-rampup",
    "0",
    "--r1-gamma",
    "1",
  );
  assert.deepEqual([d.model.style?.mbstdGroup, d.emaRampup, d.r1Gamma], [4, 0, 1]);
  assert.equal(c.model.style?.mbstdGroup, 32, "the default config is not changed by a flag");
});

Deno.test("a StyleGAN-only flag on another model is a usage error naming it", () => {
  assert.throws(
    () => config("--model", "dcgan", "--mbstd-group", "8"),
    (e: unknown) =>
      e instanceof UsageError && /--mbstd-group applies to --model stylegan only/.test(e.message),
  );
});

Deno.test("bad variant flags are usage errors naming the flag and what it expects", () => {
  const bad: [string[], RegExp][] = [
    [
      ["--loss", "mse"],
      /--loss expects one of bce\|lsgan\|wgan\|wgan-gp\|hinge\|stylegan2, got 'mse'/,
    ],
    [["--ema", "1"], /--ema expects a number in \[0, 1\), got '1'/],
    [["--ema", "fast"], /--ema expects a number/],
    [["--lr-g=-1"], /--lr-g expects a number in \[0, 1\]/],
    [["--n-critic", "0"], /--n-critic expects an integer >= 1/],
  ];
  for (const [flags, message] of bad) {
    assert.throws(() => config("--model", "mlp", ...flags), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match((e as Error).message, message);
      return true;
    });
  }
});

Deno.test("the usage text lists every flag once with the report's defaults", () => {
  const text = usage(TRAIN_COMMAND);
  for (const flag of TRAIN_COMMAND.flags) {
    const entries = text.split("\n").filter((l) =>
      new RegExp(`^  (-\\w, )?--${flag.name}( |$)`).test(l)
    );
    assert.equal(entries.length, 1, flag.name);
  }
  assert.match(
    text,
    /--epochs N +passes over the 60,000 training images \(report 3\.3\) \(default 50\)/,
  );
  assert.match(text, /--lr-g X +Adam learning rate of G \(report table 1\) \(default 0\.0002\)/);
  assert.match(text, /--model NAME .*\(required\)/);
  assert.match(text, /cdcgan: beyond the report/);
});

Deno.test("--model cyclegan takes its classes by name and the paper's weights unless given", () => {
  const cycle = (...args: string[]) =>
    cycleConfigFromFlags(parseTrainFlags(["--model", "cyclegan", ...args]));
  assert.deepEqual(cycle("--from", "sneaker", "--to", "ankle-boot"), defaultCycleConfig(7, 9));
  const c = cycle(
    ...["--from", "t-shirt", "--to", "Shirt", "--cycle-weight", "5", "--identity-weight", "0"],
    ...["--pool-size", "0", "--batch-size", "8", "--steps", "100", "--ngf", "16"],
    ...["--class-weight", "1"],
  );
  assert.deepEqual(
    [
      c.from,
      c.to,
      c.cycleWeight,
      c.identityWeight,
      c.poolSize,
      c.batchSize,
      c.maxSteps,
      c.model.ngf,
      c.classWeight,
    ],
    [0, 6, 5, 0, 0, 8, 100, 16, 1],
  );
  assert.throws(() => cycle("--from", "sneaker"), /needs --from CLASS and --to CLASS/);
  assert.throws(() => cycle("--from", "boots", "--to", "bag"), OptionError);
  assert.throws(
    () => cycle("--from", "sneaker", "--to", "bag", "--loss", "hinge", "--ema", "0.9"),
    /--loss, --ema do not apply to --model cyclegan/,
  );
  assert.throws(() => config("--model", "dcgan", "--from", "bag"), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match((e as Error).message, /--from: only --model cyclegan reads it/);
    return true;
  });
  assert.throws(
    () => config("--model", "dcgan", "--class-weight", "1"),
    /--class-weight: only --model cyclegan reads it/,
  );
});
