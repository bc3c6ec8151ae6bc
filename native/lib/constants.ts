// Linux ABI numbers used by the TypeScript layers (x86_64 / generic).
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_PACKET = 17;
export const AF_NETLINK = 16;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const IPPROTO_VRRP = 112;
export const IPPROTO_AH = 51;
