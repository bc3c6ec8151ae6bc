import * as fs from 'node:fs';
import t from 'tap';
import { formatDiagnostic } from '../src/config/diagnostics.js';
import { nodeReaderFs, readConfigTree, splitQuotedEscaped, type ReaderFs } from '../src/config/reader/index.js';
import { firstWords, messages, outline, read, removeTree, writeTree } from './fixtures/reader/helpers.js';

/** Diagnostics that carry neither a printed location (loc) nor an origin. */
function unlocated(r: ReturnType<typeof read>): string[] {
  return r.diagnostics.filter((d) => !(d.loc ?? d.origin)?.file).map(formatDiagnostic);
}

t.test('missing and extra braces use keepalived texts, once', (t) => {
  const dir = writeTree({
    'keepalived.conf': 'vrrp_instance VI_1 {\n  state MASTER\n  virtual_ipaddress {\n    192.0.2.1\n}\n',
    'extra.conf': 'a {\n}\n}\nb\n',
  });
  t.teardown(() => removeTree(dir));
  const r = read(dir);
  t.same(messages(r), ["There are 1 missing '}'s or extra '{'s"]);
  t.same(r.diagnostics[0]!.origin, { file: 'keepalived.conf', line: 1 });
  t.equal(r.diagnostics[0]!.exitCode, 5);
  t.notOk(r.tree.statements[0]!.blockEnd);
  const e = read(dir, 'extra.conf');
  t.same(messages(e), ["(extra.conf: Line 3) Extra '}' found"]);
  t.same(outline(e.tree.statements), ['extra.conf:1 a {', '} extra.conf:2', 'extra.conf:3 }', 'extra.conf:4 b']);
  t.end();
});

t.test('brace on the next line, stray brace, reference bad-*-brace configs', (t) => {
  const dir = writeTree({
    'keepalived.conf': 'global_defs\n\n# comment\n{\n  x\n}\n{\n  y\n}\n',
  });
  t.teardown(() => removeTree(dir));
  const r = read(dir);
  t.same(outline(r.tree.statements), [
    'keepalived.conf:1 global_defs {',
    '  keepalived.conf:5 x',
    '} keepalived.conf:6',
    'keepalived.conf:7 { {',
    '  keepalived.conf:8 y',
    '} keepalived.conf:9',
  ]);
  t.end();
});

t.test('include loops are reported with file and line, no hang', (t) => {
  const dir = writeTree({
    'keepalived.conf': 'top\ninclude a.conf\nend\n',
    'a.conf': 'a1\ninclude b.conf\na2\n',
    'b.conf': 'b1\ninclude a.conf\ninclude ./keepalived.conf\ninclude {b,b}.conf\n',
  });
  t.teardown(() => removeTree(dir));
  const r = read(dir);
  t.same(firstWords(r.tree.statements), ['top', 'a1', 'b1', 'a2', 'end']);
  t.same(messages(r), [
    "(b.conf: Line 2) Configuration file 'a.conf' is already being read (include loop) - skipping",
    "(b.conf: Line 3) Configuration file './keepalived.conf' is already being read (include loop) - skipping",
    "(b.conf: Line 4) Configuration file 'b.conf' is already being read (include loop) - skipping",
    "(b.conf: Line 4) Configuration file 'b.conf' is already being read (include loop) - skipping",
  ]);
  t.same(unlocated(r), []);
  t.end();
});

t.test('unreadable and non-regular includes', (t) => {
  const dir = writeTree({
    'keepalived.conf': 'include secret.conf\nincluder secret.conf\ninclude exec.conf\ninclude d\nafter\n',
    'secret.conf': 'hidden\n',
    'exec.conf': 'x\n',
    'd/placeholder': '',
  });
  fs.chmodSync(`${dir}/exec.conf`, 0o755);
  t.teardown(() => removeTree(dir));
  const denying: ReaderFs = {
    ...nodeReaderFs,
    readFile(p) {
      if (p.endsWith('secret.conf')) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      return nodeReaderFs.readFile(p);
    },
  };
  const r = read(dir, 'keepalived.conf', { fs: denying });
  t.same(firstWords(r.tree.statements), ['after']);
  t.same(messages(r), [
    "(keepalived.conf: Line 1) Configuration file 'secret.conf' open problem (Permission denied) - skipping",
    "(keepalived.conf: Line 2) Configuration file 'secret.conf' open problem (Permission denied) - skipping",
    "(keepalived.conf: Line 3) Configuration file 'exec.conf' is not a regular non-executable file - skipping",
    "(keepalived.conf: Line 4) Configuration file 'd/' is a directory - skipping",
  ]);
  t.same(r.diagnostics.map((d) => d.exitCode), [0, 4, 0, 0]);
  t.notOk(r.configMissing);
  t.ok(r.configFileError, 'includer makes an unreadable file an error');
  t.end();
});

t.test('-e makes a missing include an error', (t) => {
  const dir = writeTree({ 'keepalived.conf': 'include nope.conf\n' });
  t.teardown(() => removeTree(dir));
  t.equal(read(dir).diagnostics[0]!.exitCode, 0);
  const e = read(dir, 'keepalived.conf', { includeMissingIsError: true });
  t.same(messages(e), ["(keepalived.conf: Line 1) Config files missing 'nope.conf'."]);
  t.equal(e.diagnostics[0]!.exitCode, 4);
  t.ok(e.configFileError);
  t.end();
});

t.test('1,000-deep nesting parses; deeper is capped with a located error', (t) => {
  const deep = (n: number) => `${'b {\n'.repeat(n)}leaf\n${'}\n'.repeat(n)}`;
  const dir = writeTree({ 'keepalived.conf': deep(1000), 'deeper.conf': deep(100000) });
  t.teardown(() => removeTree(dir));
  const r = read(dir);
  t.same(messages(r), []);
  let depth = 0;
  for (let s = r.tree.statements[0]; s?.block; s = s.block[0]) depth++;
  t.equal(depth, 1000);
  const d = read(dir, 'deeper.conf');
  t.same(messages(d), ['(deeper.conf: Line 1025) Blocks nested deeper than 1024 levels - flattening the deeper ones']);
  t.end();
});

t.test('binary garbage and a 10 MB file: no crash, every error located', (t) => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const garbage = Buffer.from(Buffer.alloc(200000, 0).map(() => Math.floor(rnd() * 256)));
  const line = 'vrrp_instance VI_1 { state MASTER priority 100 virtual_ipaddress { 192.0.2.1/24 } }\n';
  const dir = writeTree({ 'garbage.conf': garbage, 'big.conf': line.repeat(Math.ceil((10 * 1024 * 1024) / line.length)) });
  t.teardown(() => removeTree(dir));
  const g = read(dir, 'garbage.conf');
  t.ok(g.tree.statements.length > 0);
  t.same(unlocated(g), []);
  const b = read(dir, 'big.conf');
  t.equal(b.tree.statements.length, Math.ceil((10 * 1024 * 1024) / line.length));
  t.same(messages(b), []);
  t.end();
});

t.test('mutated configs (deleted, duplicated, swapped tokens) never throw', (t) => {
  const base = [
    '$IF=eth0', 'global_defs {', '  router_id r1', '}', '@node1 vrrp_instance VI_1 {', '  interface $IF',
    '  virtual_ipaddress {', '    192.0.2.1/24', '  }', '  notify "/bin/true x"', '}',
    '~SEQ(i, 1, 3) vrrp_instance S$i { virtual_router_id $i }', '~LST({a,b},{1,2}) x $a $b',
  ].join('\n');
  const tokens = base.split(/(\s+)/);
  const dir = writeTree({});
  t.teardown(() => removeTree(dir));
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
  let runs = 0;
  for (let i = 0; i < 300; i++) {
    const mutated = [...tokens];
    const a = rnd(mutated.length);
    const b = rnd(mutated.length);
    const op = i % 3;
    if (op === 0) mutated.splice(a, 1);
    else if (op === 1) mutated.splice(a, 0, mutated[b]!);
    else [mutated[a], mutated[b]] = [mutated[b]!, mutated[a]!];
    fs.writeFileSync(`${dir}/m.conf`, mutated.join(''));
    const r = read(dir, 'm.conf');
    for (const d of r.diagnostics) if (!(d.loc ?? d.origin)) t.fail(`unlocated: ${formatDiagnostic(d)}`);
    runs++;
  }
  t.equal(runs, 300);
  t.end();
});

t.test('runaway expansion is bounded', (t) => {
  const dir = writeTree({
    'self.conf': '$A=x $A\n$A\n$B=$B\nq $B\n',
    'seq.conf': '~SEQ(i, 1, 9223372036854775807) line$i\n',
    'multi.conf': '$M=a \\\n$M\n\n$M\n',
  });
  t.teardown(() => removeTree(dir));
  const s = read(dir, 'self.conf');
  t.match(messages(s).join('\n'), /would exceed maximum line length/);
  t.match(messages(s).join('\n'), /does not terminate/);
  const q = read(dir, 'seq.conf', { maxGeneratedLines: 1000 });
  t.equal(q.tree.statements.length, 1000);
  t.match(messages(q), [/More than 1000 lines generated/]);
  const m = read(dir, 'multi.conf', { maxGeneratedLines: 1000 });
  t.match(messages(m), [/More than 1000 lines generated/]);
  t.end();
});

t.test('a 10,000-instance ~SEQ config', (t) => {
  const dir = writeTree({
    'keepalived.conf': [
      '$INST=vrrp_instance VI_${i} { \\',
      '  interface eth0 \\',
      '  virtual_router_id ${i} \\',
      '  virtual_ipaddress { 198.51.100.${i} } \\',
      '}',
      '',
      '~SEQ(i, 1, 10000) $INST',
    ].join('\n'),
  });
  t.teardown(() => removeTree(dir));
  const r = read(dir);
  t.same(messages(r), []);
  t.equal(r.tree.statements.length, 10000);
  const last = r.tree.statements[9999]!;
  t.same(last.words, ['vrrp_instance', 'VI_10000']);
  t.same(last.block!.map((s) => s.words.join(' ')), ['interface eth0', 'virtual_router_id 10000', 'virtual_ipaddress']);
  t.same(last.block![2]!.block![0]!.words, ['198.51.100.10000']);
  t.end();
});

t.test('splitQuotedEscaped (notify and checker command lines)', (t) => {
  const b = (s: string) => Buffer.from(s, 'latin1').toString('latin1');
  t.same(splitQuotedEscaped(b(`/bin/echo "a b" 'c "d"' e\\ f x\\ty \\x41\\102\\cA`)), {
    ok: true, words: ['/bin/echo', 'a b', 'c "d"', 'e f', 'x\ty', 'AB\x01'],
  });
  t.same(splitQuotedEscaped('a"b c"d'), { ok: true, words: ['ab cd'] });
  t.same(splitQuotedEscaped('x "open'), { ok: false, message: `String 'x "open': missing terminating "` });
  t.end();
});

t.test('config id selection defaults to the short host name', (t) => {
  const dir = writeTree({ 'keepalived.conf': '@x only_x\n@^x not_x\n${_INSTANCE}\n' });
  t.teardown(() => removeTree(dir));
  const r = readConfigTree('keepalived.conf', { cwd: dir, configId: 'x' });
  t.same(firstWords(r.tree.statements), ['only_x', 'x']);
  const d = readConfigTree('keepalived.conf', { cwd: dir });
  t.notMatch(firstWords(d.tree.statements).at(-1)!, /\./);
  t.end();
});
