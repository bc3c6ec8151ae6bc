/**
 * Gratuitous ARP / unsolicited NA sending with keepalived's per-interface
 * pacing (vrrp_garp_interval / vrrp_gna_interval, garp_group): with an interval
 * a packet that is due before the interface's next slot is queued and sent
 * when the slot comes; with none (the default) everything goes out at once.
 */
import type { LinkAnnouncer } from '@keepalived-ts/netlink-reflector';

export interface GarpTarget {
  ifindex: number;
  ifname: string;
  mac: string;
  /** IPv6: set the NA router flag (net.ipv6.conf.IF.forwarding). */
  router: boolean;
}

interface Pending {
  target: GarpTarget;
  vip: string;
  v6: boolean;
}

interface IfPacing {
  nextUs: number;
  queue: Pending[];
  timer: NodeJS.Timeout | undefined;
}

const nowUs = (): number => Math.floor(performance.now() * 1000);

export class GarpSender {
  private readonly pacing = new Map<string, IfPacing>();

  constructor(
    private readonly announcer: LinkAnnouncer,
    private readonly log: { info(text: string): void },
    private readonly detail: boolean,
    /** Interval per interface name and family (µs); 0 = no pacing. */
    private readonly intervalUs: (ifname: string, v6: boolean) => number,
  ) {}

  send(target: GarpTarget, vip: string, v6: boolean): void {
    const interval = this.intervalUs(target.ifname, v6);
    if (interval <= 0) {
      this.sendNow({ target, vip, v6 });
      return;
    }
    const key = `${target.ifindex}/${v6 ? 6 : 4}`;
    let p = this.pacing.get(key);
    if (p === undefined) {
      p = { nextUs: 0, queue: [], timer: undefined };
      this.pacing.set(key, p);
    }
    const now = nowUs();
    if (p.queue.length === 0 && now >= p.nextUs) {
      this.sendNow({ target, vip, v6 });
      p.nextUs = now + interval;
      return;
    }
    p.queue.push({ target, vip, v6 });
    this.arm(p, interval);
  }

  /** keepalived vrrp_remove_delayed_arp: drop what is still queued for these addresses. */
  cancel(vips: ReadonlySet<string>): void {
    for (const p of this.pacing.values()) p.queue = p.queue.filter((x) => !vips.has(x.vip));
  }

  close(): void {
    for (const p of this.pacing.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.queue.length = 0;
    }
  }

  private arm(p: IfPacing, interval: number): void {
    if (p.timer !== undefined) return;
    p.timer = setTimeout(() => {
      p.timer = undefined;
      const next = p.queue.shift();
      if (next === undefined) return;
      this.sendNow(next);
      p.nextUs = nowUs() + interval;
      if (p.queue.length > 0) this.arm(p, interval);
    }, Math.max(0, Math.ceil((p.nextUs - nowUs()) / 1000)));
  }

  private sendNow(x: Pending): void {
    const { target, vip, v6 } = x;
    if (this.detail) {
      this.log.info(v6 ? `Sending unsolicited Neighbour Advert on ${target.ifname} for ${vip}` : `Sending gratuitous ARP on ${target.ifname} for ${vip}`);
    }
    try {
      if (v6) this.announcer.sendUnsolicitedNa(target.ifindex, target.mac, vip, { router: target.router });
      else this.announcer.sendGratuitousArp(target.ifindex, target.mac, vip);
    } catch (e) {
      const errno = (e as { errno?: number }).errno ?? 0;
      this.log.info(v6
        ? `Error ${errno} sending ndisc unsolicited neighbour advert on ${target.ifname} for ${vip}`
        : `Error ${errno} (${(e as Error).message}) sending gratuitous ARP on ${target.ifname} for ${vip}`);
    }
  }
}
