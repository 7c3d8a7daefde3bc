/**
 * Whether the native engine can start on this machine (oneDNN installed), checked without
 * starting it.
 *
 * @module
 */
import { Dnnl, DNNL_LIBRARIES } from "../../../lib/backend/native/dnnl.ts";

/** Null when oneDNN opens, else why not (tests that need it are ignored with this reason). */
export function nativeUnavailableReason(): string | null {
  for (const name of DNNL_LIBRARIES) {
    try {
      Deno.dlopen(name, {}).close();
      return null;
    } catch {
      // try the next name
    }
  }
  return "oneDNN is not installed (apt-get install libdnnl2)";
}

/** Whether oneDNN opens and this CPU has bfloat16 dot products (avx512_bf16 or AMX). */
export function cpuHasBf16(): boolean {
  if (nativeUnavailableReason()) return false;
  return Dnnl.open().info.bf16;
}
