// Linux rtnetlink ABI numbers (include/uapi/linux/{netlink,rtnetlink,if_link,if_addr,fib_rules}.h).
// Values were checked against the installed kernel headers with a throwaway C program.

// Socket-level numbers (AF_*, SOL_*, SO_*, NETLINK_ROUTE, NETLINK_EXT_ACK) come from
// @keepalived-ts/native so that no two modules export the same name.

// Netlink framing numbers (NLMSG_*, NLM_F_*, NLMSGERR_ATTR_*) are defined with the
// shared codec in @keepalived-ts/native and re-exported here for this package's users.
import { NLMSG_DONE, NLMSG_ERROR } from '@keepalived-ts/native';
export {
  NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN, NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO,
  NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC, NLM_F_DUMP, NLM_F_REPLACE,
  NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND, NLM_F_CAPPED, NLM_F_ACK_TLVS, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS,
} from '@keepalived-ts/native';

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;

export const RTM_NAMES: Readonly<Record<number, string>> = {
  [RTM_NEWLINK]: 'RTM_NEWLINK', [RTM_DELLINK]: 'RTM_DELLINK', [RTM_GETLINK]: 'RTM_GETLINK',
  [RTM_SETLINK]: 'RTM_SETLINK', [RTM_NEWADDR]: 'RTM_NEWADDR', [RTM_DELADDR]: 'RTM_DELADDR',
  [RTM_GETADDR]: 'RTM_GETADDR', [RTM_NEWROUTE]: 'RTM_NEWROUTE', [RTM_DELROUTE]: 'RTM_DELROUTE',
  [RTM_GETROUTE]: 'RTM_GETROUTE', [RTM_NEWRULE]: 'RTM_NEWRULE', [RTM_DELRULE]: 'RTM_DELRULE',
  [RTM_GETRULE]: 'RTM_GETRULE', [NLMSG_ERROR]: 'NLMSG_ERROR', [NLMSG_DONE]: 'NLMSG_DONE',
};

// Multicast groups (RTNLGRP_*); bind() takes the legacy bitmask 1 << (group - 1).
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV4_RULE = 8;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_ROUTE = 11;
export const RTNLGRP_IPV6_RULE = 19;

// struct ifinfomsg attributes.
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_QDISC = 6;
export const IFLA_MASTER = 10;
export const IFLA_TXQLEN = 13;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_IFALIAS = 20;
export const IFLA_AF_SPEC = 26;
export const IFLA_GROUP = 27;
export const IFLA_CARRIER = 33;
export const IFLA_LINK_NETNSID = 37;
export const IFLA_ALT_IFNAME = 53;
export const IFLA_PERM_ADDRESS = 54;
export const IFLA_PARENT_DEV_NAME = 56;

export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_SLAVE_KIND = 4;

/** Inside IFLA_AF_SPEC / AF_INET6 (linux/if_link.h). */
export const IFLA_INET6_ADDR_GEN_MODE = 8;
/** enum in6_addr_gen_mode: NONE stops the kernel giving a link its own EUI-64 link-local (RFC 5798 7.4 for a VMAC). */
export const IN6_ADDR_GEN_MODE_EUI64 = 0;
export const IN6_ADDR_GEN_MODE_NONE = 1;
export const IFLA_MACVLAN_MODE = 1;
export const IFLA_MACVLAN_FLAGS = 2;
export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_VEPA = 2;
export const MACVLAN_MODE_BRIDGE = 4;
export const MACVLAN_MODE_PASSTHRU = 8;
export const MACVLAN_MODE_SOURCE = 16;

// net_device flags (IFF_*).
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_MASTER = 0x400;
export const IFF_SLAVE = 0x800;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;

// RFC 2863 operational states (IF_OPER_*), indexed by value.
export const OPER_STATES = [
  'UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP',
] as const;
export type OperState = (typeof OPER_STATES)[number];

// struct ifaddrmsg attributes and flags.
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;
export const IFA_RT_PRIORITY = 9;
export const IFA_PROTO = 11;

export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
export const IFA_F_STABLE_PRIVACY = 0x800;

// struct rtmsg attributes.
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_FLOW = 11;
export const RTA_CACHEINFO = 12;
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_VIA = 18;
export const RTA_PREF = 20;
export const RTA_ENCAP_TYPE = 21;
export const RTA_EXPIRES = 23;
export const RTA_UID = 25;
export const RTA_NH_ID = 30;

export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

export const RTPROT_UNSPEC = 0;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_KEEPALIVED = 18;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_ANYCAST = 4;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;

// struct fib_rule_hdr attributes and actions.
export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_IIFNAME = 3;
export const FRA_GOTO = 4;
export const FRA_PRIORITY = 6;
export const FRA_FWMARK = 10;
export const FRA_FLOW = 11;
export const FRA_TUN_ID = 12;
export const FRA_SUPPRESS_IFGROUP = 13;
export const FRA_SUPPRESS_PREFIXLEN = 14;
export const FRA_TABLE = 15;
export const FRA_FWMASK = 16;
export const FRA_OIFNAME = 17;
export const FRA_L3MDEV = 19;
export const FRA_UID_RANGE = 20;
export const FRA_PROTOCOL = 21;
export const FRA_IP_PROTO = 22;
export const FRA_SPORT_RANGE = 23;
export const FRA_DPORT_RANGE = 24;

export const FR_ACT_UNSPEC = 0;
export const FR_ACT_TO_TBL = 1;
export const FR_ACT_GOTO = 2;
export const FR_ACT_NOP = 3;
export const FR_ACT_BLACKHOLE = 6;
export const FR_ACT_UNREACHABLE = 7;
export const FR_ACT_PROHIBIT = 8;

// fib_rule_hdr.flags
export const FIB_RULE_INVERT = 0x2;
