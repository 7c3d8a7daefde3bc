import assert from "node:assert/strict";
import { configFromFlags, parseTrainFlags } from "../../lib/cli/train_flags.ts";
import {
  LEADERBOARD,
  leaderboardCommands,
  leaderboardFamily,
  leaderboardFlags,
  leaderboardMarkdown,
  type LeaderboardResult,
  type QualityScores,
} from "../../lib/mod.ts";

Deno.test("every leaderboard row has a unique name and flags the train command accepts", () => {
  assert.equal(new Set(LEADERBOARD.map((e) => e.name)).size, LEADERBOARD.length);
  for (const e of LEADERBOARD) {
    const config = configFromFlags(parseTrainFlags(leaderboardFlags(e)));
    assert.equal(config.model.kind === "mlp" ? "mlp" : "conv", leaderboardFamily(e), e.name);
  }
});

Deno.test("a row's commands train with the budget into its directory and score n samples", () => {
  const e = LEADERBOARD.find((r) => r.name === "dcgan-wgan-gp")!;
  assert.deepEqual(leaderboardCommands(e, 200, "runs/leaderboard/dcgan-wgan-gp", 5000), {
    train:
      "deno task train --model dcgan --loss wgan-gp --n-critic 5 --steps 200 --out runs/leaderboard/dcgan-wgan-gp",
    evaluate: "deno task evaluate --run runs/leaderboard/dcgan-wgan-gp --n 5000 --json",
  });
});

Deno.test("the leaderboard table lists each family best FID first", () => {
  const scores = (fid: number) =>
    ({ fid, is: 1, precision: 0, recall: 0, classEntropy: 0, minClassShare: 0 }) as QualityScores;
  const row = (name: string, fid: number): LeaderboardResult => ({
    name,
    note: "",
    train: "",
    evaluate: "",
    steps: 1,
    sPerStep: 1,
    scores: scores(fid),
    classAccuracy: name === "cdcgan" ? 0.8 : null,
  });
  const md = leaderboardMarkdown([
    row("mlp", 50),
    row("dcgan", 40),
    row("mlp-lsgan", 30),
    row("cdcgan", 20),
  ]);
  const names = md.split("\n").slice(2).map((l) => l.split("|")[1].trim());
  assert.deepEqual(names, ["cdcgan", "dcgan", "mlp-lsgan", "mlp"]);
  assert.match(md, /\| cdcgan .*\| 80\.0% \|/);
});
