/** parseCommandLine(): the typed options each keepalived flag produces. */
import t from 'tap';
import { parseCommandLine, defaultCliOptions, LONG_OPTIONS, SHORT_OPTIONS, type CliOptions } from '../src/cli/options.js';
import { Getopt } from '../src/cli/getopt.js';

const opts = (...args: string[]): CliOptions => {
  const r = parseCommandLine(args);
  if (r.action.kind !== 'run') throw new Error(`unexpected action ${r.action.kind}: ${JSON.stringify(r.output)}`);
  return r.options;
};

t.test('defaults', async (t) => {
  const o = opts();
  t.same(o, defaultCliOptions());
  t.equal(o.configFile, undefined);
  t.equal(o.logFacility, 3, 'daemon');
  t.same(o.daemons, { vrrp: true, checkers: true, bfd: true });
});

t.test('flags', async (t) => {
  t.same(opts('-P').daemons, { vrrp: true, checkers: false, bfd: true });
  t.same(opts('-C').daemons, { vrrp: false, checkers: true, bfd: true });
  t.same(opts('-PB').daemons, { vrrp: true, checkers: false, bfd: false });
  const all = opts('-P', '-C', '--all');
  t.same(all.daemons, { vrrp: true, checkers: true, bfd: true }, '--all turns every child back on');
  t.equal(all.runAllChildren, true);
  t.equal(opts('-D').logDetail, 1);
  t.equal(opts('-DD').logDetail, 2);
  t.equal(opts('-D', '--log-detail', '-D').logDetail, 2);
  const many = opts('-lnGXVIRdamxe');
  t.match(many, {
    logConsole: true,
    dontFork: true,
    noSyslog: true,
    releaseVips: true,
    dontReleaseVrrp: true,
    dontReleaseIpvs: true,
    dontRespawn: true,
    dumpConf: true,
    addressMonitoring: true,
    coreDump: true,
    snmp: true,
    allConfig: true,
  });
});

t.test('arguments', async (t) => {
  t.equal(opts('-f', 'a.conf').configFile, 'a.conf');
  t.equal(opts('-fa.conf').configFile, 'a.conf');
  t.equal(opts('--use-file=a.conf').configFile, 'a.conf');
  t.equal(opts('--use', 'a.conf').configFile, 'a.conf', 'unique abbreviation');
  t.equal(opts('-f', '-n').configFile, '-n', 'a required argument may start with -');
  t.equal(opts('-f', '').configFile, '', 'an empty short-option argument is kept');
  t.match(opts('-p', 'p', '-r', 'r', '-c', 'c', '-b', 'b'), { pidFile: 'p', vrrpPidFile: 'r', checkersPidFile: 'c', bfdPidFile: 'b' });
  t.match(opts('--pid=p', '--vrrp_pid=r', '--checkers_pid=c', '--bfd_pid=b'), {
    pidFile: 'p',
    vrrpPidFile: 'r',
    checkersPidFile: 'c',
    bfdPidFile: 'b',
  });
  t.equal(opts('-i', 'node1').configId, 'node1');
  t.equal(opts('--config-id=node1').configId, 'node1');
  t.equal(opts('-s', 'ns1').namespace, 'ns1');
  t.equal(opts('-A', '/run/agentx').snmpAgentSocket, '/run/agentx');
  t.equal(opts('--config-fd=7').configFd, 7);
});

t.test('-S facility', async (t) => {
  t.equal(opts('-S', '0').logFacility, 16, 'local0');
  t.equal(opts('-S7').logFacility, 23, 'local7');
  t.equal(opts('-S', 'local3').logFacility, 19);
  t.equal(opts('--log-facility=user').logFacility, 1);
  t.equal(opts('-S', 'daemon').logFacility, 3);
  t.equal(opts('-S', 'local').logFacility, 16, "keepalived reads 'local' as local0");
  t.equal(opts('-S', '').logFacility, 16, "and '' as 0");
  t.equal(opts('-S', '8').logFacility, 3, 'invalid leaves the default');
  const r = parseCommandLine(['-S', 'local3']);
  t.same(r.output, [{ kind: 'syslog', text: "invalid number 'local3'" }], 'the read_unsigned complaint goes to syslog');
  t.equal(r.configErrorRaised, true, 'and raises the config status');
  t.same(parseCommandLine(['-G', '-S', 'local3']).output, [], 'nothing with -G before it');
  t.equal(parseCommandLine(['-S', '3']).configErrorRaised, false);
});

t.test('-u umask', async (t) => {
  t.equal(opts('-u', '022').umask, 0o22, 'octal');
  t.equal(opts('-u', '0x1ff').umask, 0o777, 'hex');
  t.equal(opts('-u', '18').umask, 18, 'decimal');
  t.equal(opts('-u', '').umask, 0, 'strtoll of "" is 0 and accepted');
  t.equal(opts('-u', '01000').umask, undefined, 'beyond 0777 rejected');
  t.equal(opts('-u', '022', '-u', 'x').umask, 0, 'an invalid -u after a valid one leaves 0, as keepalived does');
});

t.test('optional arguments only attach', async (t) => {
  t.equal(opts('-g').logFile, 'keepalived.log');
  t.equal(opts('-g/var/log/ka.log').logFile, '/var/log/ka.log');
  t.equal(opts('--log-file=x.log').logFile, 'x.log');
  t.equal(opts('--log-file').logFile, 'keepalived.log');
  t.equal(opts('-M').coreDumpPattern, true);
  t.equal(opts('-Mcore.%p').coreDumpPattern, 'core.%p');
  t.equal(opts('-M', '-m').coreDump, true);
  t.equal(opts('--core-dump-pattern=c').coreDumpPattern, 'c');
  const tf = parseCommandLine(['-t', 'FILE']);
  t.equal(tf.options.configTest, true);
  t.equal(tf.options.configTestLogFile, undefined, '-t FILE: FILE is an operand');
  t.same(tf.output, [{ kind: 'stdout', text: 'Unexpected argument(s): FILE \n' }]);
  const tl = parseCommandLine(['-tFILE']);
  t.equal(tl.options.configTestLogFile, 'FILE');
  t.same(tl.output, [{ kind: 'redirect-stderr', path: 'FILE' }]);
  t.match(opts('-t'), { configTest: true, dontFork: true, dontRespawn: true, noSyslog: true }, '-t implies -n -R -G');
});

t.test('build-option flags of 2.2.7', async (t) => {
  t.equal(opts('--flush-log-file').flushLogFile, true);
  t.equal(opts('--no-mem-check').noMemCheck, true);
  t.equal(opts('--perf').perf, 'run');
  t.equal(opts('--perf=all').perf, 'all');
  t.equal(opts('--perf=end').perf, 'end');
  const bad = parseCommandLine(['--perf=never']);
  t.same(bad.output, [{ kind: 'syslog', text: 'Unknown perf start point never' }]);
  t.equal(opts('--debug').debugOptions, '');
  t.equal(opts('--debug=TpM').debugOptions, 'TpM');
});

t.test('terminal actions', async (t) => {
  t.same(parseCommandLine(['-n', '-v', '-Q']).action, { kind: 'version' }, '-v exits before later options');
  t.same(parseCommandLine(['-h']).action, { kind: 'help' });
  t.same(parseCommandLine(['--signum=RELOAD']).action, { kind: 'signum', signum: 1 });
  t.same(parseCommandLine(['--signum=NOPE']).action, { kind: 'exit', code: 1 });
  const gh = parseCommandLine(['-T', '-s', 'x']);
  t.same(gh.action, { kind: 'genhash', argv: ['-T', '-s', 'x'] });
  t.same(gh.output, []);
  const late = parseCommandLine(['-n', '--genhash']);
  t.same(late.output, [{ kind: 'stderr', text: 'Warning -- `genhash` not used as first option, previous options ignored\n' }]);
  const lateShort = parseCommandLine(['-n', '-T']);
  t.same(lateShort.output, [{ kind: 'stderr', text: 'Warning -- `-T` not used as first option, previous options ignored\n' }]);
  t.same(parseCommandLine(['-Q']).action, { kind: 'exit', code: 1 });
});

t.test('getopt permutation: operands keep their order, options after them still count', async (t) => {
  const g = new Getopt(['prog', 'a', '-l', 'b', '--', '-n', 'c'], SHORT_OPTIONS, LONG_OPTIONS);
  const seen: string[] = [];
  for (let s = g.next(); s; s = g.next()) seen.push(String.fromCharCode(s.c));
  t.same(seen, ['l']);
  t.same(g.operands(), ['a', 'b', '-n', 'c']);
});
