/* nat-keys.c — the NAT's configuration keys, declared once and registered twice: group "nat"
 * (the home router, defaults of a Linux-based consumer router: kernel netfilter conntrack
 * defaults, OpenWrt's table size) and group "cgn" (a carrier-grade NAT, defaults from RFC 6888
 * and the RFCs it requires: RFC 4787, RFC 5382, RFC 5508).  Each row of NAT_KEY_LIST names a key
 * once with both defaults; the two tables are generated from it.
 */
#include "models.h"
#include "nat-private.h"

#include <string.h>

/* K(key, type, unit, home default, cgn default, allowed, help) */
#define NAT_KEY_LIST(K)                                                                            \
  K("mapping", CFG_ENUM, "", "eim", "eim", "eim|adm|apdm",                                        \
    "Mapping behaviour (RFC 4787 §4.1); nat: Linux keeps the source port for every destination "   \
    "while the tuple is unique (nf_nat_core.c), seen as EIM; cgn: EIM, RFC 4787 REQ-1.")          \
  K("filtering", CFG_ENUM, "", "apdf", "eif", "eif|adf|apdf",                                     \
    "Filtering behaviour (RFC 4787 §5); nat: conntrack admits only replies (APDF); cgn: EIF for "  \
    "transparency, RFC 4787 REQ-8.")                                                               \
  K("port_alloc", CFG_ENUM, "", "preserve", "random",                                             \
    "preserve|preserve-parity|sequential|random",                                                  \
    "External port choice, each falling back to the next free port; nat: Linux preserves the "    \
    "source port; cgn: random (RFC 6056).")                                                        \
  K("port_min", CFG_INT, "", "1024", "1024", "1..65535",                                          \
    "Lowest external port (RFC 4787 REQ-3a: ports >= 1024 map into 1024-65535).")                  \
  K("port_max", CFG_INT, "", "65535", "65535", "1..65535", "Highest external port.")              \
  K("udp_timeout_s", CFG_INT, "s", "120", "300", "1..",                                           \
    "UDP binding timeout once a reply was seen; nat: Linux nf_conntrack_udp_timeout_stream "       \
    "120 s; cgn: 300 s, RFC 4787 REQ-5.")                                                          \
  K("udp_unreplied_timeout_s", CFG_INT, "s", "30", "300", "1..",                                  \
    "UDP binding timeout before any reply; nat: Linux nf_conntrack_udp_timeout 30 s; cgn: one "    \
    "timer of 300 s, RFC 4787 REQ-5.")                                                             \
  K("udp_refresh", CFG_ENUM, "", "both", "outbound", "outbound|both",                             \
    "Which packets refresh UDP bindings; nat: conntrack refreshes on both directions; cgn: "       \
    "outbound, the RFC 4787 REQ-6 minimum.")                                                       \
  K("udp_port_timeouts", CFG_STRING, "", "", "", NULL,                                            \
    "Per-destination-port UDP timeouts as port:seconds list, e.g. 5060:180 (RFC 4787 REQ-5a; "     \
    "some routers treat SIP specially); empty for none.")                                          \
  K("tcp_established_timeout_s", CFG_INT, "s", "432000", "7440", "1..",                           \
    "Idle timeout of established TCP bindings; nat: Linux nf_conntrack_tcp_timeout_established "   \
    "5 days; cgn: 2 h 4 min, RFC 5382 REQ-5.")                                                     \
  K("tcp_transitory_timeout_s", CFG_INT, "s", "120", "240", "1..",                                \
    "Idle timeout of opening/closing/reset TCP bindings; nat: Linux SYN_SENT/TIME_WAIT 120 s; "    \
    "cgn: 4 min, RFC 5382 REQ-5 and RFC 7857 §2.2.")                                               \
  K("icmp_timeout_s", CFG_INT, "s", "30", "60", "1..",                                            \
    "ICMP echo binding timeout; nat: Linux nf_conntrack_icmp_timeout 30 s; cgn: 60 s, "            \
    "RFC 5508 REQ-1.")                                                                             \
  K("hairpin", CFG_BOOL, "", "true", "true", NULL,                                                \
    "Hairpin LAN packets sent to the public address back to the LAN (RFC 4787 REQ-9; OpenWrt "     \
    "enables NAT reflection by default).")                                                         \
  K("max_bindings", CFG_INT, "bindings", "16384", "262144", "1..",                                \
    "Binding table size; nat: OpenWrt's nf_conntrack_max of 16384; cgn: a carrier-sized table.")   \
  K("overflow", CFG_ENUM, "", "refuse", "refuse", "refuse|evict-lru",                             \
    "What a full table does with a new flow: refuse it (Linux: table full, dropping packet) or "   \
    "evict the least recently used binding.")                                                      \
  K("port_hold_s", CFG_INT, "s", "0", "120", "0..",                                               \
    "Hold-down before a released external port goes to another internal endpoint; nat: Linux "    \
    "reuses at once; cgn: 120 s, RFC 6888 REQ-8.")                                                 \
  K("trace_refresh", CFG_BOOL, "", "false", "false", NULL,                                        \
    "Write a binding-refreshed trace row for every refreshing packet (verbose).")                  \
  K("local_flow_entries", CFG_BOOL, "", "true", "false", NULL,                                     \
    "Refused inbound UDP to the public address leaves a local-delivery entry (remote -> public "   \
    "port, unreplied UDP timeout, refreshed by each packet) whose flow then skips the ALG's "       \
    "expectations and whose tuple outbound flows avoid; nat: Linux conntrack confirms such "       \
    "packets at INPUT (nf_conntrack_core.c init_conntrack), corpus #39; cgn: off, RFC 4787 "       \
    "describes no such state.")

#define NAT_ROW(key, type, unit, home, cgn, allowed, help) { "nat." key, type, unit, home, allowed, help },
#define CGN_ROW(key, type, unit, home, cgn, allowed, help) { "cgn." key, type, unit, cgn, allowed, help },

const CfgKeyDef nat_keys[] = { NAT_KEY_LIST(NAT_ROW){ NULL } };
const CfgKeyDef cgn_keys[] = { NAT_KEY_LIST(CGN_ROW){ NULL } };

gboolean
nat_parse_port_timeouts(const char *text, NatParams *p, GError **error)
{
  p->n_udp_port_timeouts = 0;
  g_auto(GStrv) items = g_strsplit_set(text ? text : "", ", ", -1);
  for (char **it = items; *it; it++) {
    if (!**it)
      continue;
    char *colon = strchr(*it, ':');
    char *end = NULL;
    guint64 port = colon ? g_ascii_strtoull(*it, &end, 10) : 0;
    gboolean ok = colon && end == colon && port >= 1 && port <= 65535;
    guint64 secs = ok ? g_ascii_strtoull(colon + 1, &end, 10) : 0;
    ok = ok && end && *end == '\0' && end != colon + 1 && secs >= 1 && secs <= G_MAXINT32;
    if (!ok) {
      g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                  "expected port:seconds (e.g. 5060:180), got \"%s\"", *it);
      return FALSE;
    }
    if (p->n_udp_port_timeouts == NAT_MAX_PORT_TIMEOUTS) {
      g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "at most %d port:seconds entries",
                  NAT_MAX_PORT_TIMEOUTS);
      return FALSE;
    }
    NatPortTimeout *t = &p->udp_port_timeouts[p->n_udp_port_timeouts++];
    t->port = (guint16)port;
    t->timeout = SIM_S((gint64)secs);
  }
  return TRUE;
}

gboolean
nat_params_from_config(const Config *cfg, const char *group, NatParams *p, GError **error)
{
  g_return_val_if_fail(cfg && group && p, FALSE);
#define KEY(k) (g_snprintf(name, sizeof name, "%s.%s", group, k), name)
  char name[64];
  memset(p, 0, sizeof *p);
  p->mapping = (NatMappingKind)cfg_enum(cfg, KEY("mapping"));
  p->filtering = (NatFilterKind)cfg_enum(cfg, KEY("filtering"));
  p->port_alloc = (NatPortAlloc)cfg_enum(cfg, KEY("port_alloc"));
  p->port_min = (guint16)cfg_int(cfg, KEY("port_min"));
  p->port_max = (guint16)cfg_int(cfg, KEY("port_max"));
  p->udp_timeout = SIM_S(cfg_int(cfg, KEY("udp_timeout_s")));
  p->udp_unreplied_timeout = SIM_S(cfg_int(cfg, KEY("udp_unreplied_timeout_s")));
  p->udp_refresh = (NatRefresh)cfg_enum(cfg, KEY("udp_refresh"));
  p->tcp_established_timeout = SIM_S(cfg_int(cfg, KEY("tcp_established_timeout_s")));
  p->tcp_transitory_timeout = SIM_S(cfg_int(cfg, KEY("tcp_transitory_timeout_s")));
  p->icmp_timeout = SIM_S(cfg_int(cfg, KEY("icmp_timeout_s")));
  p->hairpin = cfg_bool(cfg, KEY("hairpin"));
  p->max_bindings = (guint)MIN(cfg_int(cfg, KEY("max_bindings")), (gint64)G_MAXUINT);
  p->overflow = (NatOverflow)cfg_enum(cfg, KEY("overflow"));
  p->port_hold = SIM_S(cfg_int(cfg, KEY("port_hold_s")));
  p->trace_refresh = cfg_bool(cfg, KEY("trace_refresh"));
  p->local_flow_entries = cfg_bool(cfg, KEY("local_flow_entries"));
  if (p->port_min > p->port_max) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[%s] port_min: %u is above port_max %u", group, p->port_min, p->port_max);
    return FALSE;
  }
  GError *local = NULL;
  if (!nat_parse_port_timeouts(cfg_str(cfg, KEY("udp_port_timeouts")), p, &local)) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "[%s] udp_port_timeouts: %s", group,
                local->message);
    g_error_free(local);
    return FALSE;
  }
#undef KEY
  return TRUE;
}

void
nat_params_default(NatParams *p)
{
  models_register_keys();
  g_autoptr(Config) cfg = cfg_new();
  gboolean ok = nat_params_from_config(cfg, "nat", p, NULL);
  g_assert(ok);
}
