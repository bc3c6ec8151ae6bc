/**
 * The daemons these suites start must run as they do in production. Under tap
 * every test process carries tap's processinfo hook in NODE_OPTIONS (plus its
 * _TAPJS_* variables), and every Node process started from here would load it:
 * our parent, and through it the VRRP and checker children, then run
 * instrumented (precise V8 coverage): slower and several times the memory,
 * which skews timing and RSS assertions. Imported for its effect by paths.ts,
 * which every conformance test imports; the test process itself keeps the
 * hook it has already loaded.
 */
for (const key of Object.keys(process.env)) {
  if (key === 'NODE_OPTIONS' || key.startsWith('_TAPJS_')) delete process.env[key];
}
export {};
