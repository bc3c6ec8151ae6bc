import { readFile } from 'node:fs/promises';
import type { FileCheckSettings } from './model.js';
import type { CheckResult, HealthChecker } from './types.js';

/** keepalived's IPVS_WEIGHT_FAULT (INT32_MIN): a status at or below it is a fault. */
export const IPVS_WEIGHT_FAULT = -2147483648;
const INT32_MAX = 2147483647;

/** strtol(buf, NULL, 0) as keepalived reads a tracked file: unreadable or empty is 0. */
export function parseTrackedValue(text: string): number | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(text);
  if (!m) return 0;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2]!;
  const v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : Number(body);
  const n = sign * v;
  if (n < -2147483648 || n > INT32_MAX + 1) return undefined;
  return n;
}

/** weight_range(): clamp a 64-bit product into keepalived's int range. */
export function weightRange(v: number): number {
  if (v < IPVS_WEIGHT_FAULT) return IPVS_WEIGHT_FAULT;
  if (v > INT32_MAX) return INT32_MAX;
  return v;
}

/**
 * Maps a file value to keepalived's tracked status: IPVS_WEIGHT_FAULT means
 * down, anything else is a weight delta for the real server.
 */
export function fileStatus(value: number, weight: number, reverse: boolean): number {
  if (weight === 0) return (value !== 0) !== reverse ? IPVS_WEIGHT_FAULT : 0;
  return weightRange(value * weight * (reverse ? -1 : 1));
}

/**
 * FILE_CHECK: reads the tracked file. keepalived reacts to inotify; the
 * HealthCheck service polls check() every delay_loop and also watches the file.
 */
export class FileChecker implements HealthChecker {
  readonly type = 'FILE_CHECK' as const;
  readonly hardTimeoutMs = 5000;
  readonly weight: number;
  readonly reverse: boolean;
  readonly path: string;

  constructor(s: FileCheckSettings) {
    this.path = s.file;
    this.weight = s.weight ?? 1;
    this.reverse = s.reverse ?? false;
  }

  async check(): Promise<CheckResult> {
    let text = '';
    try {
      text = (await readFile(this.path)).subarray(0, 127).toString('latin1');
    } catch {
      text = '';
    }
    const value = parseTrackedValue(text);
    if (value === undefined) return { ok: true, reason: `Invalid number read from ${this.path} - ignoring` };
    const status = fileStatus(value, this.weight, this.reverse);
    return { ok: status !== IPVS_WEIGHT_FAULT, value };
  }
}
