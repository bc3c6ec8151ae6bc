/**
 * Spec builders for the many keywords that just store one value. `message`
 * is keepalived's handler text reported after the number reader's own
 * message; `%s` in it is replaced by the offending word.
 */
import type { KeywordSpec } from './types.js';
import { kw } from './types.js';
import { scriptFrom } from './shared.js';
import { checkTrueFalse, readDecimal, readInt, readUnsigned, TIMER_HZ } from './values.js';

type Rec = Record<string, unknown>;

function fill(message: string | undefined, word: string | undefined): string | undefined {
  return message?.replace('%s', word ?? '');
}

export function uintField<T>(field: keyof T & string, min: number, max: number, message?: string, scale = 1): KeywordSpec<T> {
  return kw((s, t, env) => {
    const n = readUnsigned(env, env.arg(s, 1), min, max);
    if (n === undefined) {
      const m = fill(message, s.words[1]);
      if (m) env.error(m);
    } else (t as Rec)[field] = n * scale;
  });
}

export function intField<T>(field: keyof T & string, min: number, max: number, message?: string): KeywordSpec<T> {
  return kw((s, t, env) => {
    const n = readInt(env, env.arg(s, 1), min, max);
    if (n === undefined) {
      const m = fill(message, s.words[1]);
      if (m) env.error(m);
    } else (t as Rec)[field] = n;
  });
}

/** Seconds with up to 6 decimals stored as microseconds. */
export function timerField<T>(field: keyof T & string, minUs: number, maxUs: number, message?: string): KeywordSpec<T> {
  return kw((s, t, env) => {
    const n = readDecimal(env, env.arg(s, 1), minUs, maxUs, 6);
    if (n === undefined) {
      const m = fill(message, s.words[1]);
      if (m) env.error(m);
    } else (t as Rec)[field] = n;
  });
}

/** Whole seconds stored as microseconds. */
export function secondsAsUsField<T>(field: keyof T & string, min: number, max: number, message?: string): KeywordSpec<T> {
  return uintField<T>(field, min, max, message, TIMER_HZ);
}

export function stringField<T>(field: keyof T & string, missing?: string): KeywordSpec<T> {
  return kw((s, t, env) => {
    if (s.words.length < 2) {
      if (missing) env.error(missing);
      else env.arg(s, 1);
      return;
    }
    (t as Rec)[field] = s.words[1];
  });
}

/** The rest of the line as a list of words. */
export function wordsField<T>(field: keyof T & string): KeywordSpec<T> {
  return kw((s, t) => { (t as Rec)[field] = s.words.slice(1); });
}

export function flagField<T>(field: keyof T & string, value: unknown = true): KeywordSpec<T> {
  return kw((_s, t) => { (t as Rec)[field] = value; });
}

/** `keyword [true|false|on|off|yes|no]`, true when bare. */
export function boolField<T>(field: keyof T & string, message?: string): KeywordSpec<T> {
  return kw((s, t, env) => {
    if (s.words.length < 2) {
      (t as Rec)[field] = true;
      return;
    }
    const r = checkTrueFalse(s.words[1]!);
    if (r === undefined) {
      const m = fill(message, s.words[1]);
      if (m) env.error(m);
    } else (t as Rec)[field] = r;
  });
}

export function scriptField<T>(field: keyof T & string, duplicate?: (t: T) => string): KeywordSpec<T> {
  return kw((s, t, env) => {
    if ((t as Rec)[field] !== undefined && duplicate) {
      env.error(`${duplicate(t)} ${s.words[0]} script already specified - ignoring ${s.words[1] ?? ''}`);
      return;
    }
    const script = scriptFrom(s);
    if (script) (t as Rec)[field] = script;
  });
}

/** A value block (`keyword { a b c }`): the words of all its lines. */
export function valueBlockField<T>(field: keyof T & string, empty?: string): KeywordSpec<T> {
  return kw((s, t, env) => {
    const words = (s.block ?? []).flatMap((l) => l.words);
    if (words.length === 0 && empty) env.error(empty);
    (t as Rec)[field] = words;
  });
}
