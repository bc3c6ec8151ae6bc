/**
 * Replays every run of a real keepalived 2.2.7 log (fixtures/fsm/fo-a.log:
 * VI_1 priority 150 started while a peer with priority 100 is master) through
 * the state machine and compares the VRRP log lines, in order.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { RecordingEffects } from '../src/fsm/recording-effects.js';
import { VrrpInstance } from '../src/fsm/instance.js';
import { ManualScheduler } from '../src/timers/manual-scheduler.js';

const here = dirname(fileURLToPath(import.meta.url));
// tsc leaves fixtures in the source tree: dist/test -> ../../test/fixtures
const logPath = join(here, '..', '..', 'test', 'fixtures', 'fsm', 'fo-a.log');

interface Run {
  lines: string[];
  /** Seconds between "Entering MASTER STATE" and "Stopping", or undefined if never stopped. */
  masterToStopS: number | undefined;
  stopped: boolean;
}

function parseRuns(text: string): Run[] {
  const runs: { raw: { time: number; text: string }[] }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\w{3} \w{3} +\d+ (\d\d):(\d\d):(\d\d) \d{4}: (.*)$/.exec(line);
    if (!m) continue;
    const time = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
    const body = m[4]!;
    if (body.startsWith('Starting Keepalived')) runs.push({ raw: [] });
    runs.at(-1)?.raw.push({ time, text: body });
  }
  return runs.map(({ raw }) => {
    const masterAt = raw.find((l) => l.text === '(VI_1) Entering MASTER STATE')?.time;
    const stopAt = raw.find((l) => l.text === 'Stopping')?.time;
    return {
      lines: raw.map((l) => l.text).filter((l) => l.startsWith('(VI_1)') || l.startsWith('Sending gratuitous ARP')),
      masterToStopS: masterAt !== undefined && stopAt !== undefined ? stopAt - masterAt : undefined,
      stopped: stopAt !== undefined,
    };
  });
}

const runs = parseRuns(readFileSync(logPath, 'utf8'));

t.ok(runs.length >= 10, 'the fixture has many runs');

runs.forEach((run, index) => {
  t.test(`run ${index + 1}`, (t) => {
    const clock = new ManualScheduler();
    const fx = new RecordingEffects(clock, { garpLog: { instance: 'VI_1', ifname: 'eth0', vips: ['192.0.2.200'] } });
    const vrrp = new VrrpInstance(
      {
        name: 'VI_1',
        vrid: 51,
        version: 3,
        family: 'inet',
        priority: 150,
        advertIntMs: 100,
        ourAddress: '192.0.2.11',
        logDetail: true,
      },
      clock,
      fx,
    );
    vrrp.start();
    // The peer (priority 100) advertises every 100 ms until we take over; the
    // phase decides how many adverts land inside our 341.406 ms down timer.
    const discarded = run.lines.filter((l) => l.endsWith('- discarding')).length;
    t.equal(vrrp.sandsUs, 341_406);
    if (discarded > 0) {
      const phaseUs = discarded === 4 ? 10_000 : discarded === 3 ? 50_000 : 341_406 - (discarded - 1) * 100_000 - 1;
      for (let at = phaseUs; vrrp.state === 'BACKUP'; at += 100_000) {
        clock.advanceTo(at);
        if (vrrp.state === 'BACKUP') vrrp.receiveAdvert({ priority: 100, srcAddr: '192.0.2.12' });
      }
    } else {
      clock.advanceTo(vrrp.sandsUs);
    }
    t.equal(vrrp.state, 'MASTER');
    // The peer now yields; we stay master until stopped (or killed).
    const masterSeconds = run.masterToStopS ?? 1;
    clock.advance(Math.max(0, masterSeconds - 0.5) * 1_000_000);
    if (run.stopped) vrrp.stop();
    t.same(fx.logs, run.lines);
    t.end();
  });
});
