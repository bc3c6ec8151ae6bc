// The generic netlink controller ("nlctrl", id 0x10): resolving a family name
// to its id, version and multicast groups (CTRL_CMD_GETFAMILY).
import {
  CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_HDRSIZE, CTRL_ATTR_MAXATTR, CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_OPS, CTRL_ATTR_VERSION, CTRL_CMD_GETFAMILY,
  CTRL_CMD_NEWFAMILY, CTRL_VERSION, GENL_ID_CTRL, NLM_F_ACK, NLM_F_REQUEST,
} from './constants.js';
import { AttrWriter, StrictAttrSet } from '@keepalived-ts/native';
import type { GenlMessage } from './genl.js';

export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  hdrsize: number;
  maxattr: number;
  /** Number of operations the family registered (CTRL_ATTR_OPS entries). */
  opCount: number;
  mcastGroups: { name: string; id: number }[];
}

/** The lookup request exactly as libnl's genl_ctrl_resolve() builds it. */
export function familyRequest(name: string, seq: number, pid: number): GenlMessage {
  return {
    type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq, pid,
    cmd: CTRL_CMD_GETFAMILY, version: CTRL_VERSION,
    attrs: new AttrWriter().str(CTRL_ATTR_FAMILY_NAME, name).toBuffer(),
  };
}

/** The family name a GETFAMILY request asks for, or undefined when it names none. */
export function requestedFamilyName(msg: GenlMessage): string | undefined {
  return StrictAttrSet.decode(msg.attrs).str(CTRL_ATTR_FAMILY_NAME);
}

export function encodeFamilyAttrs(f: GenlFamily): Buffer {
  const w = new AttrWriter()
    .str(CTRL_ATTR_FAMILY_NAME, f.name)
    .u16(CTRL_ATTR_FAMILY_ID, f.id)
    .u32(CTRL_ATTR_VERSION, f.version)
    .u32(CTRL_ATTR_HDRSIZE, f.hdrsize)
    .u32(CTRL_ATTR_MAXATTR, f.maxattr);
  if (f.opCount > 0) {
    w.nested(CTRL_ATTR_OPS, (ops) => {
      for (let i = 1; i <= f.opCount; i++) ops.nested(i, (op) => op.u32(1 /* CTRL_ATTR_OP_ID */, i), true);
    }, true);
  }
  if (f.mcastGroups.length > 0) {
    w.nested(CTRL_ATTR_MCAST_GROUPS, (groups) => {
      f.mcastGroups.forEach((g, i) => groups.nested(i + 1, (grp) => {
        grp.u32(CTRL_ATTR_MCAST_GRP_ID, g.id).str(CTRL_ATTR_MCAST_GRP_NAME, g.name);
      }, true));
    }, true);
  }
  return w.toBuffer();
}

/** A CTRL_CMD_NEWFAMILY reply as the kernel sends it. */
export function familyReply(f: GenlFamily, seq: number, pid: number, flags = 0): GenlMessage {
  return { type: GENL_ID_CTRL, flags, seq, pid, cmd: CTRL_CMD_NEWFAMILY, version: 2, attrs: encodeFamilyAttrs(f) };
}

/** Why a controller reply is not a usable family description, or undefined. */
export function validateFamilyReply(msg: GenlMessage): string | undefined {
  if (msg.type !== GENL_ID_CTRL) return `reply type ${msg.type} is not the controller (${GENL_ID_CTRL})`;
  if (msg.cmd !== CTRL_CMD_NEWFAMILY) return `controller reply command ${msg.cmd} is not CTRL_CMD_NEWFAMILY`;
  let a: StrictAttrSet;
  try {
    a = StrictAttrSet.decode(msg.attrs);
  } catch (e) {
    return (e as Error).message;
  }
  if (a.u16(CTRL_ATTR_FAMILY_ID) === undefined) return 'controller reply has no CTRL_ATTR_FAMILY_ID';
  if (a.str(CTRL_ATTR_FAMILY_NAME) === undefined) return 'controller reply has no CTRL_ATTR_FAMILY_NAME';
  return undefined;
}

export function decodeFamilyReply(msg: GenlMessage): GenlFamily {
  const reason = validateFamilyReply(msg);
  if (reason) throw new RangeError(reason);
  const a = StrictAttrSet.decode(msg.attrs);
  const groups: GenlFamily['mcastGroups'] = [];
  const mg = a.nested(CTRL_ATTR_MCAST_GROUPS);
  if (mg) {
    for (const entry of mg.list) {
      const g = StrictAttrSet.decode(entry.data);
      const name = g.str(CTRL_ATTR_MCAST_GRP_NAME);
      const id = g.u32(CTRL_ATTR_MCAST_GRP_ID);
      if (name !== undefined && id !== undefined) groups.push({ name, id });
    }
  }
  return {
    id: a.u16(CTRL_ATTR_FAMILY_ID)!,
    name: a.str(CTRL_ATTR_FAMILY_NAME)!,
    version: a.u32(CTRL_ATTR_VERSION) ?? 0,
    hdrsize: a.u32(CTRL_ATTR_HDRSIZE) ?? 0,
    maxattr: a.u32(CTRL_ATTR_MAXATTR) ?? 0,
    opCount: a.nested(CTRL_ATTR_OPS)?.list.length ?? 0,
    mcastGroups: groups,
  };
}
