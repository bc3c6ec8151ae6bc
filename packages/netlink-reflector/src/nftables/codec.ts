// nf_tables messages: the objects keepalived's VMAC firewall uses (tables, a base chain,
// sets and maps, their elements, rules with payload/cmp/meta/lookup/dup/immediate), encoded
// with libnftnl's attribute order so a batch is byte-identical to keepalived 2.2.7's.
import { AttrSet, AttrWriter, decodeNlmsgs, encodeNlmsg, type NlMessage } from '@keepalived-ts/native';
import * as C from './constants.js';

export type NftExpr =
  | { name: 'payload'; dreg: number; base: number; offset: number; len: number }
  | { name: 'cmp'; sreg: number; op: number; data: Buffer }
  | { name: 'meta'; key: number; dreg: number }
  | { name: 'lookup'; sreg: number; dreg?: number; set: string; setId?: number }
  | { name: 'dup'; sregAddr: number; sregDev: number }
  | { name: 'bitwise'; sreg: number; dreg: number; len: number; mask: Buffer; xor: Buffer }
  /** A verdict (NF_DROP, NF_ACCEPT, NFT_GOTO with `chain`, ...) into the verdict register. */
  | { name: 'immediate'; dreg: number; verdict: number; chain?: string };

export interface NftSetElem {
  key: Buffer;
  data?: Buffer;
}

export type NftBody =
  | { kind: 'batch-begin' }
  | { kind: 'batch-end' }
  | { kind: 'new-table' | 'get-table' | 'del-table'; table: string }
  | { kind: 'new-chain'; table: string; chain: string; hook?: { num: number; priority: number }; policy?: number; type?: string }
  | {
    kind: 'new-set'; table: string; set: string; flags?: number; keyType: number; keyLen: number;
    dataType?: number; dataLen?: number; id: number; userdata?: Buffer;
  }
  | { kind: 'new-setelem' | 'del-setelem'; table: string; set: string; setId?: number; elements: NftSetElem[] }
  | { kind: 'new-rule'; table: string; chain: string; expressions: NftExpr[] };

export interface NftMessage {
  body: NftBody;
  /** Protocol family of the object (NFPROTO_IPV4 = 2, NFPROTO_IPV6 = 10); 0 for batch markers. */
  family: number;
  flags: number;
  seq: number;
  pid: number;
}

const MSG_OF_KIND: Record<Exclude<NftBody['kind'], 'batch-begin' | 'batch-end'>, number> = {
  'new-table': C.NFT_MSG_NEWTABLE, 'get-table': C.NFT_MSG_GETTABLE, 'del-table': C.NFT_MSG_DELTABLE,
  'new-chain': C.NFT_MSG_NEWCHAIN, 'new-rule': C.NFT_MSG_NEWRULE, 'new-set': C.NFT_MSG_NEWSET,
  'new-setelem': C.NFT_MSG_NEWSETELEM, 'del-setelem': C.NFT_MSG_DELSETELEM,
};
const KIND_OF_MSG = new Map(Object.entries(MSG_OF_KIND).map(([k, v]) => [v, k as keyof typeof MSG_OF_KIND]));

/** nlmsg_type of a message body. */
export function nftMessageType(body: NftBody): number {
  if (body.kind === 'batch-begin') return C.NFNL_MSG_BATCH_BEGIN;
  if (body.kind === 'batch-end') return C.NFNL_MSG_BATCH_END;
  return (C.NFNL_SUBSYS_NFTABLES << 8) | MSG_OF_KIND[body.kind];
}

function dataValue(w: AttrWriter, type: number, value: Buffer): void {
  w.nested(type, (d) => d.raw(C.NFTA_DATA_VALUE, value), true);
}

function encodeExpr(w: AttrWriter, e: NftExpr): void {
  w.nested(C.NFTA_LIST_ELEM, (el) => {
    el.str(C.NFTA_EXPR_NAME, e.name);
    el.nested(C.NFTA_EXPR_DATA, (d) => {
      switch (e.name) {
        case 'payload':
          d.be32(C.NFTA_PAYLOAD_DREG, e.dreg).be32(C.NFTA_PAYLOAD_BASE, e.base).be32(C.NFTA_PAYLOAD_OFFSET, e.offset).be32(C.NFTA_PAYLOAD_LEN, e.len);
          break;
        case 'cmp':
          d.be32(C.NFTA_CMP_SREG, e.sreg).be32(C.NFTA_CMP_OP, e.op);
          dataValue(d, C.NFTA_CMP_DATA, e.data);
          break;
        case 'meta':
          d.be32(C.NFTA_META_KEY, e.key).be32(C.NFTA_META_DREG, e.dreg);
          break;
        case 'lookup':
          d.be32(C.NFTA_LOOKUP_SREG, e.sreg);
          if (e.dreg !== undefined) d.be32(C.NFTA_LOOKUP_DREG, e.dreg);
          d.str(C.NFTA_LOOKUP_SET, e.set);
          if (e.setId !== undefined) d.be32(C.NFTA_LOOKUP_SET_ID, e.setId);
          break;
        case 'bitwise':
          d.be32(C.NFTA_BITWISE_SREG, e.sreg).be32(C.NFTA_BITWISE_DREG, e.dreg).be32(C.NFTA_BITWISE_LEN, e.len);
          dataValue(d, C.NFTA_BITWISE_MASK, e.mask);
          dataValue(d, C.NFTA_BITWISE_XOR, e.xor);
          break;
        case 'dup':
          d.be32(C.NFTA_DUP_SREG_ADDR, e.sregAddr).be32(C.NFTA_DUP_SREG_DEV, e.sregDev);
          break;
        case 'immediate':
          d.be32(C.NFTA_IMMEDIATE_DREG, e.dreg);
          d.nested(C.NFTA_IMMEDIATE_DATA, (v) => v.nested(C.NFTA_DATA_VERDICT, (x) => {
            x.be32(C.NFTA_VERDICT_CODE, e.verdict);
            if (e.chain !== undefined) x.str(C.NFTA_VERDICT_CHAIN, e.chain);
          }, true), true);
          break;
      }
    }, true);
  }, true);
}

function encodeBody(body: NftBody): Buffer {
  const w = new AttrWriter();
  switch (body.kind) {
    case 'batch-begin':
    case 'batch-end':
      break;
    case 'new-table':
    case 'get-table':
    case 'del-table':
      w.str(C.NFTA_TABLE_NAME, body.table);
      break;
    case 'new-chain':
      w.str(C.NFTA_CHAIN_TABLE, body.table).str(C.NFTA_CHAIN_NAME, body.chain);
      if (body.hook) {
        const hook = body.hook;
        w.nested(C.NFTA_CHAIN_HOOK, (h) => h.be32(C.NFTA_HOOK_HOOKNUM, hook.num).be32(C.NFTA_HOOK_PRIORITY, hook.priority), true);
      }
      if (body.policy !== undefined) w.be32(C.NFTA_CHAIN_POLICY, body.policy);
      if (body.type !== undefined) w.str(C.NFTA_CHAIN_TYPE, body.type);
      break;
    case 'new-set':
      w.str(C.NFTA_SET_TABLE, body.table).str(C.NFTA_SET_NAME, body.set);
      if (body.flags !== undefined) w.be32(C.NFTA_SET_FLAGS, body.flags);
      w.be32(C.NFTA_SET_KEY_TYPE, body.keyType).be32(C.NFTA_SET_KEY_LEN, body.keyLen);
      if (body.dataType !== undefined) w.be32(C.NFTA_SET_DATA_TYPE, body.dataType);
      if (body.dataLen !== undefined) w.be32(C.NFTA_SET_DATA_LEN, body.dataLen);
      w.be32(C.NFTA_SET_ID, body.id);
      if (body.userdata !== undefined) w.raw(C.NFTA_SET_USERDATA, body.userdata);
      break;
    case 'new-setelem':
    case 'del-setelem':
      w.str(C.NFTA_SET_ELEM_LIST_SET, body.set);
      if (body.setId !== undefined) w.be32(C.NFTA_SET_ELEM_LIST_SET_ID, body.setId);
      w.str(C.NFTA_SET_ELEM_LIST_TABLE, body.table);
      w.nested(C.NFTA_SET_ELEM_LIST_ELEMENTS, (list) => {
        // libnftnl numbers the element nests 1, 2, 3... (the kernel reads them as a list and ignores the type)
        body.elements.forEach((el, i) => {
          list.nested(i + 1, (e) => {
            dataValue(e, C.NFTA_SET_ELEM_KEY, el.key);
            if (el.data !== undefined) dataValue(e, C.NFTA_SET_ELEM_DATA, el.data);
          }, true);
        });
      }, true);
      break;
    case 'new-rule':
      w.str(C.NFTA_RULE_TABLE, body.table).str(C.NFTA_RULE_CHAIN, body.chain);
      w.nested(C.NFTA_RULE_EXPRESSIONS, (list) => {
        for (const e of body.expressions) encodeExpr(list, e);
      }, true);
      break;
  }
  return w.toBuffer();
}

/** One nf_tables message (nlmsghdr + nfgenmsg + attributes). */
export function encodeNftMessage(m: NftMessage): Buffer {
  const batchMarker = m.body.kind === 'batch-begin' || m.body.kind === 'batch-end';
  const attrs = encodeBody(m.body);
  const body = Buffer.alloc(C.NFGENMSG_LEN + attrs.length);
  body.writeUInt8(batchMarker ? 0 : m.family, 0);
  body.writeUInt8(0, 1);
  // batch markers name the subsystem they carry in res_id, big-endian
  body.writeUInt16BE(batchMarker ? C.NFNL_SUBSYS_NFTABLES : 0, 2);
  attrs.copy(body, C.NFGENMSG_LEN);
  return encodeNlmsg({ type: nftMessageType(m.body), flags: m.flags, seq: m.seq, pid: m.pid }, body);
}

/** Messages concatenated into one datagram (a batch is begin, objects, end). */
export function encodeNftMessages(ms: readonly NftMessage[]): Buffer {
  return Buffer.concat(ms.map(encodeNftMessage));
}

const str = (a: AttrSet, type: number, what: string): string => {
  const v = a.str(type);
  if (v === undefined) throw new RangeError(`nftables: ${what} missing`);
  return v;
};
const be32 = (a: AttrSet, type: number, what: string): number => {
  const v = a.be32(type);
  if (v === undefined) throw new RangeError(`nftables: ${what} missing`);
  return v;
};
const value = (a: AttrSet | undefined): Buffer | undefined => a?.get(C.NFTA_DATA_VALUE);

function decodeExpr(el: AttrSet): NftExpr {
  const name = str(el, C.NFTA_EXPR_NAME, 'expression name');
  const d = el.nested(C.NFTA_EXPR_DATA) ?? new AttrSet([]);
  switch (name) {
    case 'payload':
      return { name, dreg: be32(d, C.NFTA_PAYLOAD_DREG, 'payload dreg'), base: be32(d, C.NFTA_PAYLOAD_BASE, 'payload base'),
        offset: be32(d, C.NFTA_PAYLOAD_OFFSET, 'payload offset'), len: be32(d, C.NFTA_PAYLOAD_LEN, 'payload len') };
    case 'cmp':
      return { name, sreg: be32(d, C.NFTA_CMP_SREG, 'cmp sreg'), op: be32(d, C.NFTA_CMP_OP, 'cmp op'), data: Buffer.from(value(d.nested(C.NFTA_CMP_DATA)) ?? []) };
    case 'meta':
      return { name, key: be32(d, C.NFTA_META_KEY, 'meta key'), dreg: be32(d, C.NFTA_META_DREG, 'meta dreg') };
    case 'lookup': {
      const dreg = d.be32(C.NFTA_LOOKUP_DREG);
      const setId = d.be32(C.NFTA_LOOKUP_SET_ID);
      return { name, sreg: be32(d, C.NFTA_LOOKUP_SREG, 'lookup sreg'), ...(dreg !== undefined ? { dreg } : {}),
        set: str(d, C.NFTA_LOOKUP_SET, 'lookup set'), ...(setId !== undefined ? { setId } : {}) };
    }
    case 'bitwise':
      return { name, sreg: be32(d, C.NFTA_BITWISE_SREG, 'bitwise sreg'), dreg: be32(d, C.NFTA_BITWISE_DREG, 'bitwise dreg'),
        len: be32(d, C.NFTA_BITWISE_LEN, 'bitwise len'), mask: Buffer.from(value(d.nested(C.NFTA_BITWISE_MASK)) ?? []),
        xor: Buffer.from(value(d.nested(C.NFTA_BITWISE_XOR)) ?? []) };
    case 'dup':
      return { name, sregAddr: be32(d, C.NFTA_DUP_SREG_ADDR, 'dup sreg_addr'), sregDev: be32(d, C.NFTA_DUP_SREG_DEV, 'dup sreg_dev') };
    case 'immediate': {
      const verdict = d.nested(C.NFTA_IMMEDIATE_DATA)?.nested(C.NFTA_DATA_VERDICT) ?? new AttrSet([]);
      const chain = verdict.str(C.NFTA_VERDICT_CHAIN);
      return { name, dreg: be32(d, C.NFTA_IMMEDIATE_DREG, 'immediate dreg'), verdict: be32(verdict, C.NFTA_VERDICT_CODE, 'verdict code') | 0,
        ...(chain !== undefined ? { chain } : {}) };
    }
    default:
      throw new RangeError(`nftables: expression '${name}' is not one this codec knows`);
  }
}

function decodeBody(type: number, a: AttrSet): NftBody {
  if (type === C.NFNL_MSG_BATCH_BEGIN) return { kind: 'batch-begin' };
  if (type === C.NFNL_MSG_BATCH_END) return { kind: 'batch-end' };
  if (type >> 8 !== C.NFNL_SUBSYS_NFTABLES) throw new RangeError(`nftables: message type 0x${type.toString(16)} is not nf_tables`);
  const kind = KIND_OF_MSG.get(type & 0xff);
  switch (kind) {
    case 'new-table':
    case 'get-table':
    case 'del-table':
      return { kind, table: str(a, C.NFTA_TABLE_NAME, 'table name') };
    case 'new-chain': {
      const hook = a.nested(C.NFTA_CHAIN_HOOK);
      const policy = a.be32(C.NFTA_CHAIN_POLICY);
      const chainType = a.str(C.NFTA_CHAIN_TYPE);
      return {
        kind, table: str(a, C.NFTA_CHAIN_TABLE, 'chain table'), chain: str(a, C.NFTA_CHAIN_NAME, 'chain name'),
        ...(hook ? { hook: { num: be32(hook, C.NFTA_HOOK_HOOKNUM, 'hook number'), priority: be32(hook, C.NFTA_HOOK_PRIORITY, 'hook priority') | 0 } } : {}),
        ...(policy !== undefined ? { policy } : {}), ...(chainType !== undefined ? { type: chainType } : {}),
      };
    }
    case 'new-set': {
      const flags = a.be32(C.NFTA_SET_FLAGS);
      const dataType = a.be32(C.NFTA_SET_DATA_TYPE);
      const dataLen = a.be32(C.NFTA_SET_DATA_LEN);
      const userdata = a.get(C.NFTA_SET_USERDATA);
      return {
        kind, table: str(a, C.NFTA_SET_TABLE, 'set table'), set: str(a, C.NFTA_SET_NAME, 'set name'), ...(flags !== undefined ? { flags } : {}),
        keyType: be32(a, C.NFTA_SET_KEY_TYPE, 'set key type'), keyLen: be32(a, C.NFTA_SET_KEY_LEN, 'set key len'),
        ...(dataType !== undefined ? { dataType } : {}), ...(dataLen !== undefined ? { dataLen } : {}),
        id: be32(a, C.NFTA_SET_ID, 'set id'), ...(userdata !== undefined ? { userdata: Buffer.from(userdata) } : {}),
      };
    }
    case 'new-setelem':
    case 'del-setelem': {
      const setId = a.be32(C.NFTA_SET_ELEM_LIST_SET_ID);
      const list = a.nested(C.NFTA_SET_ELEM_LIST_ELEMENTS);
      const elements = (list?.list ?? []).map((raw) => {
        const e = AttrSet.decode(raw.data);
        const key = value(e.nested(C.NFTA_SET_ELEM_KEY));
        if (key === undefined) throw new RangeError('nftables: set element without a key');
        const data = value(e.nested(C.NFTA_SET_ELEM_DATA));
        return { key: Buffer.from(key), ...(data !== undefined ? { data: Buffer.from(data) } : {}) };
      });
      return { kind, table: str(a, C.NFTA_SET_ELEM_LIST_TABLE, 'element table'), set: str(a, C.NFTA_SET_ELEM_LIST_SET, 'element set'),
        ...(setId !== undefined ? { setId } : {}), elements };
    }
    case 'new-rule': {
      const list = a.nested(C.NFTA_RULE_EXPRESSIONS);
      return { kind, table: str(a, C.NFTA_RULE_TABLE, 'rule table'), chain: str(a, C.NFTA_RULE_CHAIN, 'rule chain'),
        expressions: (list?.list ?? []).map((raw) => decodeExpr(AttrSet.decode(raw.data))) };
    }
    default:
      throw new RangeError(`nftables: message 0x${type.toString(16)} is not one this codec knows`);
  }
}

/** Decodes one nf_tables message (not NLMSG_ERROR / NLMSG_DONE: see the socket). */
export function decodeNftMessage(nl: NlMessage): NftMessage {
  const p = nl.payload;
  if (p.length < C.NFGENMSG_LEN) throw new RangeError(`nftables: ${p.length}-byte payload has no nfgenmsg`);
  return { body: decodeBody(nl.type, AttrSet.decode(p, C.NFGENMSG_LEN)), family: p.readUInt8(0), flags: nl.flags, seq: nl.seq, pid: nl.pid };
}

export function decodeNftMessages(buf: Buffer, offset = 0, end = buf.length): NftMessage[] {
  return decodeNlmsgs(buf, offset, end).map(decodeNftMessage);
}
