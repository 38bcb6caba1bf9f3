/* stun-keys.c — the configuration keys of the STUN models (client retransmissions, the RFC 5780
 * server's ports, the behaviour-discovery probe). */
#include "config.h"

const CfgKeyDef stun_keys[] = {
  {"stun.rto_ms", CFG_INT, "ms", "500", "1..60000",
   "Initial STUN retransmission timeout, doubled after each retransmission (RFC 8489 §6.2.1)."},
  {"stun.max_sends", CFG_INT, "", "7", "1..16",
   "Rc: transmissions of a STUN request over UDP before giving up (RFC 8489 §6.2.1)."},
  {"stun.rm", CFG_INT, "", "16", "1..1000",
   "Rm: after the last transmission wait Rm times the initial RTO for a response (RFC 8489 §6.2.1)."},
  {"stun.port", CFG_INT, "", "3478", "1..65535",
   "Primary port of the STUN server (RFC 8489 §18.6)."},
  {"stun.alt_port", CFG_INT, "", "3479", "1..65535",
   "Alternate port of the STUN server for CHANGE-REQUEST (RFC 5780 §4; 3479 by common practice)."},
  {"stun.probe_lifetime", CFG_BOOL, "", "true", NULL,
   "Measure the UDP binding lifetime in `algsim probe nat` (RFC 5780 §4.6)."},
  {"stun.lifetime_step_s", CFG_INT, "s", "10", "1..3600",
   "Step of the binding-lifetime search: idle times tried are step, 2*step, ... (RFC 5780 §4.6)."},
  {"stun.lifetime_max_s", CFG_INT, "s", "600", "1..86400",
   "Longest idle time the binding-lifetime search tries (RFC 4787 REQ-5 asks for at least 120 s)."},
  {NULL},
};
