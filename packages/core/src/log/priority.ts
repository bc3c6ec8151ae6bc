/** syslog(3) severities (<syslog.h> LOG_EMERG..LOG_DEBUG). */
export const Priority = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
} as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

/** syslog(3) facility codes (<syslog.h> LOG_* >> 3). */
export const SyslogFacility = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

/** keepalived's process idents (PACKAGE_NAME, PROG_VRRP, PROG_CHECK, PROG_BFD). */
export const LogIdent = {
  parent: 'Keepalived',
  vrrp: 'Keepalived_vrrp',
  checkers: 'Keepalived_healthcheckers',
  bfd: 'Keepalived_bfd',
} as const;

/**
 * keepalived's make_syslog_ident(): with an instance name or a network
 * namespace in the configuration, each process logs as IDENT_NS_INSTANCE.
 */
export function makeSyslogIdent(base: string, namespace?: string, instance?: string): string {
  let ident = base;
  if (namespace) ident += `_${namespace}`;
  if (instance) ident += `_${instance}`;
  return ident;
}
