import type { SourceLocation } from './tree.js';

export type Severity = 'error' | 'warning' | 'info';

/** A message about the configuration; keepalived prints most of these through report_config_error. */
export interface Diagnostic {
  severity: Severity;
  message: string;
  loc?: SourceLocation;
  /**
   * Where the problem lies when keepalived's text carries no location (e.g.
   * "There are 1 missing '}'s or extra '{'s"); formatDiagnostic does not print it.
   */
  origin?: SourceLocation;
  /**
   * The -t exit code this raises (ConfigTestExit; 0 = none). -t exits with the highest:
   * CONFIG_TEST (5) for ordinary problems, CONFIG_TEST_SECURITY (6) for script security.
   */
  exitCode?: number;
}

/** keepalived's text form: "(FILE: Line N) message", or the bare message with no location. */
export function formatDiagnostic(d: Diagnostic): string {
  return d.loc ? `(${d.loc.file}: Line ${d.loc.line}) ${d.message}` : d.message;
}

/** Collects diagnostics in order; every config layer appends to one of these. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  add(d: Diagnostic): void {
    this.items.push(d);
  }
  error(message: string, loc?: SourceLocation, exitCode = 5): void {
    this.items.push({ severity: 'error', message, loc, exitCode });
  }
  warning(message: string, loc?: SourceLocation, exitCode = 5): void {
    this.items.push({ severity: 'warning', message, loc, exitCode });
  }
  info(message: string, loc?: SourceLocation): void {
    this.items.push({ severity: 'info', message, loc, exitCode: 0 });
  }
  /** The -t exit code these diagnostics call for. */
  exitCode(): number {
    return this.items.reduce((max, d) => Math.max(max, d.exitCode ?? 0), 0);
  }
}

/**
 * keepalived's -t output reduced to what we promise to match: each message
 * once, in order of first appearance. keepalived parses once per process and
 * repeats messages; its parent also reads before it knows the file name and
 * prints "(Line N) msg" where the children print "(FILE: Line N) msg". We print
 * only the named form, so a nameless copy of a named message is dropped.
 */
export function keepalivedDistinctMessages(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || seen.has(line)) continue;
    seen.add(line);
    out.push(line);
  }
  const named = new Set<string>();
  for (const line of out) {
    const nameless = line.replace(/^\((?:[^:()]+): (Line \d+)\) /, '($1) ');
    if (nameless !== line) named.add(nameless);
  }
  return out.filter((l) => !(/^\(Line \d+\) /.test(l) && named.has(l)));
}
