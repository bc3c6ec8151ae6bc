/**
 * The daemons these suites start must run as they do in production. Under tap
 * every test process carries tap's processinfo hook in NODE_OPTIONS, and every
 * Node process started from here would load it: our parent, and through it
 * the VRRP and checker children, would run instrumented - slower and several
 * times the memory, which skews timing and RSS assertions. Only NODE_OPTIONS
 * goes: the _TAPJS_* variables tell this test process's own (already loaded)
 * hook how to behave, e.g. that coverage is off. Imported for its effect by
 * paths.ts, which every conformance test imports.
 */
delete process.env['NODE_OPTIONS'];
export {};
