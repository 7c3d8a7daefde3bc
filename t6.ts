import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/mod.ts";
import { registerWasmTrainingKernels } from "/work/kernelpack/register.ts";
await initBackend({backend: "wasm"});
const x = tf.randomNormal([50176, 64]);
const ones = tf.ones([1, 50176]);
function time(name: string, f: () => tf.Tensor) { f().dispose(); const t = performance.now(); for (let i=0;i<10;i++) { const r=f(); r.dataSync(); r.dispose(); } console.log(name, ((performance.now()-t)/10).toFixed(2), "ms"); }
time("stock matmul ones", () => tf.matMul(ones, x));
registerWasmTrainingKernels();
time("pack matmul ones", () => tf.matMul(ones, x));
