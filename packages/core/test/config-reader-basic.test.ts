import t from 'tap';
import { outline, messages, read, removeTree, writeTree } from './fixtures/reader/helpers.js';

t.test('comments, blank lines, words and quotes', (t) => {
  const dir = writeTree({
    'keepalived.conf': [
      '# whole-line comment',
      '! bang comment',
      '',
      '   global_defs   # trailing comment',
      '{',
      '  router_id  "my router" ! trailing',
      '  notification_email_from "a#b!c"   ',
      '\tscript "/bin/echo x"y  z',
      '  foo \\#bar',
      '}',
    ].join('\n'),
  });
  t.teardown(() => removeTree(dir));
  const r = read(dir);
  t.same(outline(r.tree.statements), [
    'keepalived.conf:4 global_defs {',
    '  keepalived.conf:6 router_id "my router"',
    '  keepalived.conf:7 notification_email_from "a#b!c"',
    '  keepalived.conf:8 script "/bin/echo x" y z',
    // keepalived's VRRP/checker processes decomment a second time, so "\\#" escapes only once.
    '  keepalived.conf:9 foo',
    '} keepalived.conf:10',
  ]);
  t.same(messages(r), []);
  const s = r.tree.statements[0]!.block![0]!;
  t.same(s.quoted, [false, true]);
  t.equal(s.text, 'router_id  "my router"');
  t.equal(r.tree.statements[0]!.blockStart!.line, 5);
  t.end();
});

t.test('braces on the same line and mid-line are split like keepalived', (t) => {
  const dir = writeTree({
    'keepalived.conf': [
      'vrrp_instance VI_1 {',
      '  virtual_ipaddress { 192.0.2.1/24 }',
      '  track_script {',
      '    chk }',
      '  a { b { c } }',
      '}',
      'x "{" }',
    ].join('\n'),
  });
  t.teardown(() => removeTree(dir));
  const r = read(dir);
  t.same(outline(r.tree.statements), [
    'keepalived.conf:1 vrrp_instance VI_1 {',
    '  keepalived.conf:2 virtual_ipaddress {',
    '    keepalived.conf:2 192.0.2.1/24',
    '  } keepalived.conf:2',
    '  keepalived.conf:3 track_script {',
    '    keepalived.conf:4 chk',
    '  } keepalived.conf:4',
    '  keepalived.conf:5 a {',
    '    keepalived.conf:5 b {',
    '      keepalived.conf:5 c',
    '    } keepalived.conf:5',
    '  } keepalived.conf:5',
    '} keepalived.conf:6',
    'keepalived.conf:7 x "{"',
    'keepalived.conf:7 }',
  ]);
  t.same(messages(r), ["(keepalived.conf: Line 7) Extra '}' found"]);
  t.end();
});

t.test('include: relative to the including file, glob, brace expansion, missing files', (t) => {
  const dir = writeTree({
    'keepalived.conf': 'include conf.d/*.conf\ninclude missing.conf\nlast\n',
    'conf.d/b.conf': 'b1\ninclude ../sub/{x,y}.conf\n',
    'conf.d/a.conf': 'a1\n',
    'conf.d/.hidden.conf': 'hidden\n',
    'sub/x.conf': 'x1\n',
    'sub/y.conf': 'y1\n',
  });
  t.teardown(() => removeTree(dir));
  const r = read(dir);
  t.same(outline(r.tree.statements), [
    'conf.d/a.conf:1 a1',
    'conf.d/b.conf:1 b1',
    '../sub/x.conf:1 x1',
    '../sub/y.conf:1 y1',
    'keepalived.conf:3 last',
  ]);
  t.same(messages(r), ["(keepalived.conf: Line 2) Config files missing 'missing.conf'."]);
  t.equal(r.diagnostics[0]!.exitCode, 0);
  t.equal(r.tree.files.length, 5);
  t.end();
});

t.test('missing main file: keepalived -t prints the message and exits 0', (t) => {
  const dir = writeTree({});
  t.teardown(() => removeTree(dir));
  const r = read(dir, 'nonexistent.conf');
  t.same(messages(r), ["Config files missing 'nonexistent.conf'."]);
  t.equal(r.diagnostics[0]!.exitCode, 0);
  t.ok(r.configMissing);
  t.same(r.tree.statements, []);
  const e = read(dir, 'nonexistent.conf', { includeMissingIsError: true });
  t.equal(e.diagnostics[0]!.exitCode, 4);
  t.end();
});
