/** keepalived's default configuration file (configure --sysconfdir=/etc). */
export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';
