import { createServer, connect, type Server } from 'node:net';
import { chmod, unlink } from 'node:fs/promises';

export interface StatusLog {
  info(text: string): void;
}

/**
 * The parent's `--status` endpoint: a unix stream socket that answers every
 * connection with one JSON document and closes. Read-only: nothing a client
 * sends is acted upon.
 */
export async function startStatusServer(path: string, provide: () => Promise<unknown>, log: StatusLog): Promise<Server | undefined> {
  // a socket left by a daemon that died is removed; a live one means another daemon owns it
  if (await isListening(path)) {
    log.info(`Status socket ${path} is in use by another process - --status disabled`);
    return undefined;
  }
  await unlink(path).catch(() => undefined);
  const server = createServer((sock) => {
    sock.on('error', () => undefined);
    provide()
      .then((status) => sock.end(`${JSON.stringify(status, null, 2)}\n`))
      .catch((e: Error) => sock.end(`${JSON.stringify({ error: e.message })}\n`));
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', (e: Error) => {
      log.info(`Unable to open status socket ${path}: ${e.message}`);
      resolve(false);
    });
    server.listen(path, () => resolve(true));
  });
  if (!listening) return undefined;
  await chmod(path, 0o600).catch(() => undefined);
  server.unref();
  return server;
}

export function closeStatusServer(server: Server | undefined, path: string): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => server.close(() => void unlink(path).catch(() => undefined).then(() => resolve())));
}

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** The client side of `keepalived --status`: the daemon's JSON text, or undefined when none answers. */
export function queryStatus(path: string, timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const c = connect(path);
    let text = '';
    const timer = setTimeout(() => {
      c.destroy();
      resolve(undefined);
    }, timeoutMs);
    c.setEncoding('utf8');
    c.on('data', (d: string) => (text += d));
    c.once('end', () => {
      clearTimeout(timer);
      resolve(text);
    });
    c.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}
