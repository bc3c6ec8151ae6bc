import { createRequire } from 'node:module';
import type { NativeBinding } from './binding.js';

let cached: NativeBinding | undefined;

/** Loads the compiled addon once; throws a clear error if it was never built. */
export function loadNative(): NativeBinding {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  try {
    cached = require('../../build/Release/keepalived_native.node') as NativeBinding;
  } catch (e) {
    const err = new Error(
      `native addon not built (run 'make' or 'npm rebuild @keepalived-ts/native'): ${(e as Error).message}`,
    );
    throw err;
  }
  return cached;
}
