/** One classic BPF instruction (struct sock_filter). */
export interface BpfInsn { code: number; jt: number; jf: number; k: number }

export function encodeBpf(insns: readonly BpfInsn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((ins, i) => {
    buf.writeUInt16LE(ins.code, i * 8);
    buf.writeUInt8(ins.jt, i * 8 + 2);
    buf.writeUInt8(ins.jf, i * 8 + 3);
    buf.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return buf;
}

export function decodeBpf(buf: Buffer, offset = 0): BpfInsn[] {
  const out: BpfInsn[] = [];
  for (let o = offset; o + 8 <= buf.length; o += 8) {
    out.push({ code: buf.readUInt16LE(o), jt: buf[o + 2]!, jf: buf[o + 3]!, k: buf.readUInt32LE(o + 4) });
  }
  return out;
}

const BPF_RET_K = 0x06;

/** "ret #0": the socket queues nothing. For send-only sockets (keepalived does the same). */
export const DROP_ALL_FILTER = encodeBpf([{ code: BPF_RET_K, jt: 0, jf: 0, k: 0 }]);
