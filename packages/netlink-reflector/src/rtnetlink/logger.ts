/** The logging this package needs; the daemon injects its own logger. */
export interface Logger {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  debug(text: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };
