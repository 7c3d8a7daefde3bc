import * as tf from "@tensorflow/tfjs";
import { initBackend, defaultTrainConfig, GanTrainer } from "./lib/mod.ts";
await initBackend({backend: "wasm"});
const tr = new GanTrainer(defaultTrainConfig("mlp"));
const x = tf.randomUniform([64,28,28,1],-1,1) as tf.Tensor4D;
tr.trainStep(x,1,0); tr.trainStep(x,1,1);
const prof = await tf.profile(() => { tr.trainStep(x, 1, 0); tr.trainStep(x, 1, 1); });
const agg = new Map<string, number>();
for (const k of prof.kernels) { const key = k.name === "Identity" || k.name === "Reshape" ? k.name + JSON.stringify(k.inputShapes) : k.name; agg.set(key, (agg.get(key) ?? 0) + (k.kernelTimeMs as number)); }
console.log([...agg].sort((a,b)=>b[1]-a[1]).slice(0,20).map(([k,v])=>`${k}:${v.toFixed(0)}`).join(" "));
const t=performance.now(); for (let i=0;i<10;i++) tr.trainStep(x,1,i); console.log((performance.now()-t)/10, "ms/step");
