import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/mod.ts";
await initBackend({backend: "wasm"});
const x = tf.randomNormal([50176, 64]);
const ones = tf.ones([1, 50176]);
function time(name: string, f: () => tf.Tensor) { f().dispose(); const t = performance.now(); for (let i=0;i<10;i++) { const r=f(); r.dataSync(); r.dispose(); } console.log(name, ((performance.now()-t)/10).toFixed(2), "ms"); }
time("sum axis0", () => tf.sum(x, 0));
time("matmul ones", () => tf.matMul(ones, x));
time("ones+matmul", () => tf.tidy(() => tf.matMul(tf.ones([1,50176]), x)));
time("sub bcast", () => tf.sub(x, tf.zeros([1,64])));
time("mul", () => tf.mul(x, x));
time("square", () => tf.square(x));
const x4 = tf.randomNormal([64, 28, 28, 64]);
time("moments 4d", () => { const m = tf.moments(x4, [0,1,2]); m.variance.dispose(); return m.mean; });
