/* turn-keys.c — the configuration keys of the TURN server and client (RFC 8656). */
#include "config.h"

const CfgKeyDef turn_keys[] = {
  /* Credentials (both sides). */
  {"turn.realm", CFG_STRING, "", "algsim.test", NULL,
   "REALM of the TURN server's long-term credentials (RFC 8489 §9.2, RFC 8656 §5)."},
  {"turn.username", CFG_STRING, "", "turnuser", NULL,
   "USERNAME the TURN server accepts and the client sends (RFC 8489 §9.2; RFC 8656 §5)."},
  {"turn.password", CFG_STRING, "", "turnpass", NULL,
   "Password of turn.username; the key is MD5(username:realm:password) (RFC 8489 §9.2.2)."},
  /* Server. */
  {"turn.udp_port", CFG_INT, "", "3478", "0..65535",
   "TURN server UDP port on the STUN/TURN host's primary address; 0: none (RFC 8656 §3.1)."},
  {"turn.tcp_port", CFG_INT, "", "3478", "0..65535",
   "TURN server TCP port; 0: none (RFC 8656 §3.1)."},
  {"turn.tls_port", CFG_INT, "", "5349", "0..65535",
   "TURN server TLS-over-TCP port; 0: none (RFC 8656 §3.1, §18.1 \"turns\")."},
  {"turn.relay_on_second_address", CFG_BOOL, "", "true", NULL,
   "Relayed transport addresses use the STUN/TURN host's second address (198.51.100.11), so "
   "relayed traffic is told apart from signalling; false: the primary address (RFC 8656 §7.2)."},
  {"turn.allocation_lifetime_s", CFG_INT, "s", "600", "1..86400",
   "Default allocation lifetime, also the least one granted (RFC 8656 §7.2, §7.3: 10 minutes)."},
  {"turn.max_lifetime_s", CFG_INT, "s", "3600", "1..86400",
   "Longest allocation lifetime the server grants to a LIFETIME request (RFC 8656 §7.2: 3600 s "
   "recommended)."},
  {"turn.permission_lifetime_s", CFG_INT, "s", "300", "1..86400",
   "Permission lifetime; data from peers does not refresh it (RFC 8656 §9: 300 s)."},
  {"turn.channel_lifetime_s", CFG_INT, "s", "600", "1..86400",
   "Channel binding lifetime (RFC 8656 §12: 10 minutes)."},
  {"turn.nonce_lifetime_s", CFG_INT, "s", "600", "1..86400",
   "How long a NONCE stays valid; later requests get 438 Stale Nonce (RFC 8489 §9.2.4)."},
  {"turn.user_quota", CFG_INT, "allocations", "10", "1..100000",
   "Allocations one username may hold at once; one more gets 486 (RFC 8656 §7.2 step 10)."},
  {"turn.max_allocations", CFG_INT, "allocations", "1000", "1..100000",
   "Allocations the server holds at once; one more gets 508 Insufficient Capacity (RFC 8656 "
   "§7.2)."},
  {"turn.relay_port_min", CFG_INT, "", "49152", "1024..65535",
   "Lowest relayed port; ports are drawn at random in the range (RFC 8656 §7.2: 49152-65535)."},
  {"turn.relay_port_max", CFG_INT, "", "65535", "1024..65535",
   "Highest relayed port (RFC 8656 §7.2)."},
  /* Client. */
  {"turn.client_transport", CFG_ENUM, "", "udp", "udp|tcp|tls",
   "How the TURN client reaches the server (RFC 8656 §3.1)."},
  {"turn.client_lifetime_s", CFG_INT, "s", "600", "0..86400",
   "LIFETIME the client asks for in Allocate and Refresh; 0: none, the server default (RFC "
   "8656 §7.1)."},
  {"turn.refresh_margin_s", CFG_INT, "s", "60", "1..3600",
   "The client refreshes its allocation this long before it expires (RFC 8656 §8: \"1 minute "
   "before\")."},
  {"turn.permission_refresh_s", CFG_INT, "s", "240", "1..3600",
   "Interval of the client's CreatePermission refreshes (RFC 8656 §9.1: 1 minute before the 300 "
   "s expire)."},
  {"turn.channel_refresh_s", CFG_INT, "s", "540", "1..3600",
   "Interval of the client's ChannelBind refreshes (RFC 8656 §12.1: before the 10 minutes "
   "expire)."},
  {"turn.keepalive_s", CFG_INT, "s", "15", "0..3600",
   "Over UDP the client sends a STUN Binding indication to the server this often to keep NAT "
   "bindings open (RFC 8489 §6.3.2, RFC 8445 §11 Tr 15 s); 0: none, only Refreshes."},
  {NULL},
};
