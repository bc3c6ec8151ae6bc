/**
 * track_file / vrrp_track_process logic (keepalived track_file.c,
 * track_process.c, vrrp_track.c) and the dump writer's file handling.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileTracker, paramsMatch, parseTrackFileValue, processMatches, ProcessPoller, ProcessTracker, trackFileEffect,
} from '../src/runtime/track-objects.js';
import { ChildDumper, writeFileSafe } from '../src/child/dumps.js';

const quiet = { info: (_: string) => undefined };

t.test('track file values parse as strtol(.., 0)', async (t) => {
  t.equal(parseTrackFileValue('5\n'), 5);
  t.equal(parseTrackFileValue('  -12 junk'), -12);
  t.equal(parseTrackFileValue('0x10'), 16);
  t.equal(parseTrackFileValue('010'), 8);
  t.equal(parseTrackFileValue(''), 0);
  t.equal(parseTrackFileValue('abc'), 0);
  t.equal(parseTrackFileValue('99999999999'), undefined, 'out of range is ignored');
});

t.test('track file effect: weight 0 faults on non-zero, weights scale and clamp, -254 is a fault', async (t) => {
  t.same(trackFileEffect(0, 0, false), { fault: false, delta: 0 });
  t.same(trackFileEffect(3, 0, false), { fault: true, delta: 0 });
  t.same(trackFileEffect(0, 0, true), { fault: true, delta: 0 }, 'reverse: zero is the fault');
  t.same(trackFileEffect(3, 0, true), { fault: false, delta: 0 });
  t.same(trackFileEffect(5, 2, false), { fault: false, delta: 10 });
  t.same(trackFileEffect(5, 2, true), { fault: false, delta: -10 });
  t.same(trackFileEffect(1000, 1, false), { fault: false, delta: 253 });
  t.same(trackFileEffect(-1000, 1, false), { fault: true, delta: 0 });
});

t.test('FileTracker reads, initialises and notices changes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ktf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'state');
  const base = { name: 'tf', file, weight: 1, weightReverse: false, initFile: false, initOverwrite: false };
  t.equal(new FileTracker(base, quiet).status, 0, 'missing file reads 0');
  const init = new FileTracker({ ...base, initFile: true, initValue: 7 }, quiet);
  t.equal(readFileSync(file, 'utf8'), '7\n', 'init_file writes the initial value');
  t.equal(init.status, 7);
  const f = new FileTracker(base, quiet);
  let changes = 0;
  f.onChange(() => changes++);
  f.start();
  t.teardown(() => f.stop());
  writeFileSync(file, '42\n');
  for (let i = 0; i < 100 && f.status !== 42; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(f.status, 42, 'the inotify watch re-read the file');
  t.ok(changes >= 1, 'listeners heard of it');
  rmSync(file);
  for (let i = 0; i < 100 && f.status !== 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(f.status, 0, 'a deleted file reads 0');
});

t.test('process matching: comm or argv[0], parameter modes', async (t) => {
  const def = { name: 'p', process: 'sleep', params: ['10'], paramMatch: 'none' as const, weight: 0, weightReverse: false,
    quorum: 1, quorumMax: 65535, terminateDelayUs: 0, forkDelayUs: 0, fullCommand: false };
  const proc = { pid: 9, comm: 'sleep', argv: ['/usr/bin/sleep', '100'] };
  t.ok(processMatches(def, proc));
  t.notOk(processMatches({ ...def, fullCommand: true }, proc), 'full_command compares argv[0]');
  t.ok(processMatches({ ...def, fullCommand: true, process: '/usr/bin/sleep' }, proc));
  t.notOk(paramsMatch({ params: ['10'], paramMatch: 'exact' }, ['100']));
  t.ok(paramsMatch({ params: ['10'], paramMatch: 'initial' }, ['100']));
  t.ok(paramsMatch({ params: ['a'], paramMatch: 'partial' }, ['a', 'b']));
  t.notOk(paramsMatch({ params: ['a'], paramMatch: 'exact' }, ['a', 'b']));
});

t.test('process quorum: silent first count, then logged gains and losses, delays', async (t) => {
  const logs: string[] = [];
  const def = { name: 'nginx', process: 'nginx', params: [], paramMatch: 'none' as const, weight: 0, weightReverse: false,
    quorum: 2, quorumMax: 3, terminateDelayUs: 0, forkDelayUs: 0, fullCommand: false };
  const p = new ProcessTracker(def, { info: (s) => logs.push(s) });
  let changes = 0;
  p.onChange(() => changes++);
  p.update(0);
  t.equal(p.haveQuorum, false);
  t.same(logs, [], 'initial scan is silent');
  p.update(2);
  t.equal(p.haveQuorum, true);
  p.update(4);
  t.equal(p.haveQuorum, false, 'above quorum_max loses quorum');
  t.same(logs, ['Quorum gained for tracked process nginx', 'Quorum lost for tracked process nginx']);
  t.equal(changes, 2);

  const delayed = new ProcessTracker({ ...def, terminateDelayUs: 50_000 }, quiet);
  delayed.update(2);
  delayed.update(1);
  t.equal(delayed.haveQuorum, true, 'terminate_delay holds the quorum');
  delayed.update(2);
  await new Promise((r) => setTimeout(r, 80));
  t.equal(delayed.haveQuorum, true, 'a process back within the delay cancels the loss');
  delayed.update(0);
  await new Promise((r) => setTimeout(r, 80));
  t.equal(delayed.haveQuorum, false, 'the loss lands after the delay');

  const poller = new ProcessPoller(() => [p], 10_000, () => [
    { pid: 1, comm: 'nginx', argv: ['nginx'] }, { pid: 2, comm: 'nginx', argv: ['nginx'] }, { pid: 3, comm: 'bash', argv: ['bash'] },
  ]);
  poller.poll();
  t.equal(p.currentProcesses, 2);
  t.equal(p.haveQuorum, true);
});

t.test('dump files: fopen_safe mode, atomic rename, STATS_CLEAR prints then clears', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kdw-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await writeFileSafe(join(dir, 'x'), 'hello', 0o177);
  t.equal(readFileSync(join(dir, 'x'), 'utf8'), 'hello');
  t.equal(statSync(join(dir, 'x')).mode & 0o777, 0o600);
  await writeFileSafe(join(dir, 'x'), 'again', 0o022);
  t.equal(statSync(join(dir, 'x')).mode & 0o777, 0o644);

  let counter = 5;
  const logs: string[] = [];
  const d = new ChildDumper({
    dataText: () => 'data\n', statsText: () => `n=${counter}\n`, clearStats: () => { counter = 0; }, jsonText: () => undefined,
  }, { tmpDir: dir, umask: 0o177, log: { info: (s) => logs.push(s) }, pid: 42 });
  d.handle('stats_clear');
  t.equal(counter, 0, 'cleared at once');
  d.handle('data');
  d.handle('json');
  await d.settle();
  t.equal(readFileSync(join(dir, 'keepalived.stats'), 'utf8'), 'n=5\n', 'the file holds the values before clearing');
  t.equal(readFileSync(join(dir, 'keepalived.data'), 'utf8'), 'data\n');
  t.throws(() => statSync(join(dir, 'keepalived.json')), 'no json file without instances');
  t.same(logs, [
    'Printing and clearing VRRP stats for process(42) on signal',
    'Printing VRRP data for process(42) on signal',
    'Printing VRRP as json for process(42) on signal',
  ]);
});
