import * as tf from "@tensorflow/tfjs";
import { initBackend, defaultTrainConfig, GanTrainer } from "./lib/mod.ts";
import { registerWasmTrainingKernels } from "/work/kernelpack/register.ts";
await initBackend({backend: "wasm"});
registerWasmTrainingKernels();
for (const kind of ["mlp", "dcgan"] as const) {
const tr = new GanTrainer(defaultTrainConfig(kind));
const x = tf.randomUniform([64,28,28,1],-1,1) as tf.Tensor4D;
tr.trainStep(x,1,0); tr.trainStep(x,1,1);
const prof = await tf.profile(() => { tr.trainStep(x, 1, 0); });
const agg = new Map<string, number>();
for (const k of prof.kernels) { const key = k.name; agg.set(key, (agg.get(key) ?? 0) + (k.kernelTimeMs as number)); }
console.log(kind, [...agg].sort((a,b)=>b[1]-a[1]).slice(0,14).map(([k,v])=>`${k}:${v.toFixed(0)}`).join(" "));
let t=performance.now(); for (let i=0;i<4;i++) tr.trainStep(x,1,i); console.log(kind, (performance.now()-t)/4, "ms/step", tf.memory().numTensors);
tr.dispose();
}
