// Whole rtnetlink messages: nlmsghdr + a typed body chosen by nlmsg_type.
import {
  decodeNlError, decodeNlmsgs, encodeDonePayload, encodeNlError, encodeNlmsg, type NlError, type NlHeader, type NlMessage,
} from '@keepalived-ts/native';
import { decodeAddrMsg, encodeAddrMsg, type AddrMessage } from './addr.js';
import {
  NLMSG_DONE, NLMSG_ERROR, RTM_DELADDR, RTM_DELLINK, RTM_DELROUTE, RTM_DELRULE, RTM_GETADDR,
  RTM_GETLINK, RTM_GETROUTE, RTM_GETRULE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE, RTM_NEWRULE, RTM_SETLINK,
} from './constants.js';
import { decodeLinkMsg, encodeLinkMsg, type LinkMessage } from './link.js';
import { decodeRouteMsg, encodeRouteMsg, type RouteMessage } from './route.js';
import { decodeRuleMsg, encodeRuleMsg, type RuleMessage } from './rule.js';

export type RtnlMessage =
  | (NlHeader & { kind: 'link'; link: LinkMessage })
  | (NlHeader & { kind: 'addr'; addr: AddrMessage })
  | (NlHeader & { kind: 'route'; route: RouteMessage })
  | (NlHeader & { kind: 'rule'; rule: RuleMessage })
  | (NlHeader & { kind: 'error'; error: NlError })
  | (NlHeader & { kind: 'done' })
  | (NlHeader & { kind: 'other'; payload: Buffer });

const LINK_TYPES = new Set([RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK]);
const ADDR_TYPES = new Set([RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR]);
const ROUTE_TYPES = new Set([RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE]);
const RULE_TYPES = new Set([RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE]);

function headerOf(m: NlHeader): NlHeader {
  return { type: m.type, flags: m.flags, seq: m.seq, pid: m.pid };
}

function bodyOf(m: RtnlMessage): Buffer {
  switch (m.kind) {
    case 'link': return encodeLinkMsg(m.link);
    case 'addr': return encodeAddrMsg(m.addr);
    case 'route': return encodeRouteMsg(m.route);
    case 'rule': return encodeRuleMsg(m.rule);
    case 'error': return encodeNlError(m.error);
    case 'done': return encodeDonePayload();
    case 'other': return m.payload;
  }
}

/** Encodes at `offset` of `target` (allocated when omitted); returns the written bytes. */
export function encodeRtnl(m: RtnlMessage, target?: Buffer, offset = 0): Buffer {
  return encodeNlmsg(headerOf(m), bodyOf(m), target, offset);
}

export function decodeRtnlMessage(nl: NlMessage): RtnlMessage {
  const h = headerOf(nl);
  const p = nl.payload;
  if (nl.type === NLMSG_ERROR) return { ...h, kind: 'error', error: decodeNlError(nl) };
  if (nl.type === NLMSG_DONE) return { ...h, kind: 'done' };
  if (LINK_TYPES.has(nl.type)) return { ...h, kind: 'link', link: decodeLinkMsg(p) };
  if (ADDR_TYPES.has(nl.type)) return { ...h, kind: 'addr', addr: decodeAddrMsg(p) };
  if (ROUTE_TYPES.has(nl.type)) return { ...h, kind: 'route', route: decodeRouteMsg(p) };
  if (RULE_TYPES.has(nl.type)) return { ...h, kind: 'rule', rule: decodeRuleMsg(p) };
  return { ...h, kind: 'other', payload: p };
}

/** Decodes every message of one datagram starting at `offset`. */
export function decodeRtnl(buf: Buffer, offset = 0, end = buf.length): RtnlMessage[] {
  return decodeNlmsgs(buf, offset, end).map(decodeRtnlMessage);
}
