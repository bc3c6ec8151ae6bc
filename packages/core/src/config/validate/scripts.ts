/**
 * Script security (keepalived's check_script_secure callers): scripts that
 * cannot be found are disabled, and running any script without
 * enable_script_security is a SECURITY VIOLATION (-t exit 6).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { KeepalivedConfig, ScriptCommand } from '../model/index.js';
import type { VrrpInstanceDraft } from '../keywords/vrrp-instance.js';
import type { KeywordEnv } from '../keywords/types.js';

/** Default script lookup: an absolute/relative path must exist; a bare name is searched in PATH. */
export function defaultScriptAccessible(path: string): boolean {
  const candidates = path.includes('/')
    ? [path]
    : (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).map((dir) => join(dir, path));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) {
        accessSync(c, constants.X_OK);
        return true;
      }
    } catch {
      // not this one
    }
  }
  return false;
}

/** "<" followed by a path only tests that a file can be opened; nothing is executed. */
function isFileTest(script: ScriptCommand): boolean {
  return /^<\s*\//.test(script.args[0]!);
}

/** Whether the script counts as a script being executed (SC_ISSCRIPT). */
function executes(script: ScriptCommand | undefined, accessible: (p: string) => boolean): boolean {
  if (!script || isFileTest(script)) return false;
  return accessible(script.args[0]!);
}

export function checkVrrpScriptSecurity(drafts: VrrpInstanceDraft[], config: KeepalivedConfig, env: KeywordEnv,
  accessible: (path: string) => boolean): void {
  let isScript = false;
  const disabled = new Set<string>();
  for (const s of config.vrrpScripts) {
    if (isFileTest(s.script)) continue;
    if (!accessible(s.script.args[0]!)) {
      env.errorNoLoc(`Disabling track script ${s.name} since not found/accessible`);
      disabled.add(s.name);
    } else isScript = true;
  }
  for (const d of drafts) {
    for (const sc of Object.values(d.scripts)) isScript ||= executes(sc, accessible);
    if (disabled.size) d.trackScripts = d.trackScripts.filter((t) => !disabled.has(t.name));
  }
  for (const g of config.vrrpSyncGroups) {
    for (const sc of [g.notifyBackup, g.notifyMaster, g.notifyFault, g.notifyStop, g.notify]) isScript ||= executes(sc, accessible);
    if (disabled.size) g.trackScripts = g.trackScripts.filter((t) => !disabled.has(t.name));
  }
  isScript ||= executes(config.global.notifyFifo.script, accessible);
  isScript ||= executes(config.global.vrrpNotifyFifo.script, accessible);
  if (disabled.size) config.vrrpScripts = config.vrrpScripts.filter((s) => !disabled.has(s.name));
  if (!config.global.enableScriptSecurity && isScript)
    env.errorNoLoc('SECURITY VIOLATION - scripts are being executed but script_security not enabled.', 'security');
}

export function checkCheckerScriptSecurity(config: KeepalivedConfig, env: KeywordEnv, accessible: (path: string) => boolean): void {
  let isScript = false;
  for (const vs of config.virtualServers) {
    isScript ||= executes(vs.quorumUp, accessible) || executes(vs.quorumDown, accessible);
    for (const rs of vs.realServers) {
      isScript ||= executes(rs.notifyUp, accessible) || executes(rs.notifyDown, accessible);
      for (const c of rs.checkers) if (c.type === 'MISC_CHECK') isScript ||= executes(c.miscPath, accessible);
    }
  }
  isScript ||= executes(config.global.lvsNotifyFifo.script, accessible);
  if (!config.global.enableScriptSecurity && isScript)
    env.errorNoLoc('SECURITY VIOLATION - check scripts are being executed but script_security not enabled.', 'security');
}

export function checkStartupScriptSecurity(config: KeepalivedConfig, env: KeywordEnv, accessible: (path: string) => boolean): void {
  const g = config.global;
  if (!g.enableScriptSecurity && (executes(g.startupScript, accessible) || executes(g.shutdownScript, accessible)))
    env.errorNoLoc('SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.', 'security');
}
