import { execFileSync } from 'node:child_process';

/**
 * A network namespace owned by one test. Names carry the creating pid so
 * parallel test files never collide, and remove() is safe to call twice.
 */
export class TestNamespace {
  private removed = false;
  private constructor(readonly name: string) {}

  static create(prefix: string): TestNamespace {
    const name = `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
    execFileSync('ip', ['netns', 'add', name]);
    const ns = new TestNamespace(name);
    ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** Runs `ip ARGS` inside the namespace and returns stdout. */
  ip(...args: string[]): string {
    return execFileSync('ip', ['-n', this.name, ...args], { encoding: 'utf8' });
  }

  /** argv prefix that runs a command inside the namespace. */
  exec(argv: string[]): string[] {
    return ['ip', 'netns', 'exec', this.name, ...argv];
  }

  /**
   * A link named as a config expects (e.g. eth0), whose peer stays inside the
   * namespace. veth, because this kernel has no dummy link type.
   */
  addLink(ifname: string): void {
    this.ip('link', 'add', ifname, 'type', 'veth', 'peer', 'name', `${ifname}p`);
    this.ip('link', 'set', ifname, 'up');
    this.ip('link', 'set', `${ifname}p`, 'up');
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
    } catch {
      // already gone: nothing of ours is left behind
    }
  }
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
