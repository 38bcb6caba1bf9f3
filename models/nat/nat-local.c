/* nat-local.c — local-delivery entries: the conntrack entries Linux makes for packets addressed
 * to the router itself, and how they shadow an ALG's expectations (nat.local_flow_entries).
 *
 * Linux tracks every packet, also one for the router's own address that no conntrack matches:
 * nf_conntrack_in() -> resolve_normal_ct() finds no tuple and init_conntrack() allocates one,
 * which ipv4_confirm() confirms at the INPUT hook whether or not a socket listens (the UDP layer
 * then answers "port unreachable", an ICMP error RELATED to the entry, not a reply).  The entry
 * stays [UNREPLIED] and nf_conntrack_udp_packet() refreshes it to nf_conntrack_udp_timeout (30 s)
 * with every packet of the flow (net/netfilter/nf_conntrack_proto_udp.c: nf_ct_refresh_acct(ct,
 * ctinfo, skb, timeouts[UDP_CT_UNREPLIED])).  Expectations are consulted only by
 * init_conntrack() -> nf_ct_find_expectation() (net/netfilter/nf_conntrack_core.c,
 * nf_conntrack_expect.c), that is for a packet that starts a NEW conntrack: while the entry lives
 * the flow's packets resolve to it and go to the router, and the expectation waits unused.
 * nf_nat_used_tuple() counts the entry as taken too, so an outbound flow whose translated tuple
 * would be the entry's reply direction gets another source port from get_unique_tuple()
 * (net/netfilter/nf_nat_core.c).
 *
 * Measured on Linux 6.18 (tests/data/linux-alg-extra, #39): a pbx probe to 203.0.113.2:4000
 * before the phone's INVITE leaves such an entry; after the INVITE the same source port is not
 * delivered although the expectation exists; probes every second for 40 s keep it so; after 33 s
 * of silence the next one is admitted by the expectation.  The phone's RTP from :4000 to that pbx
 * port left from another public port (10791), and only packets to that port reached the phone.
 *
 * Entries are kept in their own table, bounded by nat.max_bindings: when it is full the entry
 * that expires first is evicted, as early_drop() frees unassured entries before refusing a new
 * one (these never become assured).  They do not count against the bindings' limit.
 */
#include "nat-private.h"

#include <stdarg.h>

struct NatLocal {
  guint64 id;            /* creation order (its own sequence: binding ids stay as they were) */
  NatKey key;            /* (proto, remote address, public port, 0, remote port), as Nat.by_ext */
  guint8 proto;          /* NET_PROTO_UDP */
  SimAddr remote;        /* the flow's source */
  guint16 ext_port;      /* the public port it was sent to */
  SimTime last_refresh;  /* its last packet */
  SimTime expires;       /* last_refresh + timeout */
  guint64 packets;       /* packets of the flow seen, the first included */
  GSequenceIter *iter;   /* node in Nat.local_expiry */
};

static gint
local_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
  (void)unused;
  const NatLocal *x = a, *y = b;
  if (x->expires != y->expires)
    return x->expires < y->expires ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* The unreplied UDP timeout (nf_conntrack_udp_timeout), or a per-port override for the flow's
 * destination port, which is the public port here. */
static SimTime
local_timeout(const Nat *nat, guint16 ext_port)
{
  for (guint i = 0; i < nat->p.n_udp_port_timeouts; i++)
    if (nat->p.udp_port_timeouts[i].port == ext_port)
      return nat->p.udp_port_timeouts[i].timeout;
  return nat->p.udp_unreplied_timeout;
}

static void
trace_local(Nat *nat, const char *event, const NatLocal *l, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static void
trace_local(Nat *nat, const char *event, const NatLocal *l, const char *fmt, ...)
{
  char re[22], ex[22];
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *extra = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sim_trace(nat->name, "%s %s %s -> %s id %" G_GUINT64_FORMAT "%s", event, net_proto_name(l->proto),
            net_endpoint_format(l->remote.addr, l->remote.port, re),
            net_endpoint_format(nat->public_addr, l->ext_port, ex), l->id, extra);
}

void
nat_locals_init(Nat *nat)
{
  nat->locals = g_hash_table_new_full(nat_key_hash, nat_key_equal, NULL, g_free);
  nat->local_expiry = g_sequence_new(NULL);
}

void
nat_locals_flush(Nat *nat)
{
  /* The sequence does not own the entries; the table frees them. */
  g_sequence_remove_range(g_sequence_get_begin_iter(nat->local_expiry),
                          g_sequence_get_end_iter(nat->local_expiry));
  g_hash_table_remove_all(nat->locals);
}

void
nat_locals_free(Nat *nat)
{
  nat_locals_flush(nat);
  g_sequence_free(nat->local_expiry);
  g_hash_table_unref(nat->locals);
}

static void
local_destroy(Nat *nat, NatLocal *l, const char *why, SimTime at)
{
  char t_at[32], t_last[32];
  nat_fmt_time(at, t_at);
  nat_fmt_time(l->last_refresh, t_last);
  trace_local(nat, why, l, " at %s last-refresh %s packets %" G_GUINT64_FORMAT, t_at, t_last, l->packets);
  g_sequence_remove(l->iter);
  g_hash_table_remove(nat->locals, &l->key);
}

void
nat_locals_expire(Nat *nat, SimTime now)
{
  while (g_sequence_get_length(nat->local_expiry) > 0) {
    NatLocal *l = g_sequence_get(g_sequence_get_begin_iter(nat->local_expiry));
    if (l->expires > now)
      break;
    local_destroy(nat, l, "local-entry-expired", l->expires);
  }
}

guint
nat_local_entry_count(const Nat *nat)
{
  g_return_val_if_fail(nat, 0);
  return g_hash_table_size(nat->locals);
}

NatLocal *
nat_local_find(Nat *nat, guint8 proto, SimAddr remote, guint16 ext_port)
{
  if (g_hash_table_size(nat->locals) == 0)
    return NULL;
  NatKey k = nat_key(proto, remote.addr, ext_port, 0, remote.port);
  return g_hash_table_lookup(nat->locals, &k);
}

void
nat_local_refresh(Nat *nat, NatLocal *l, SimTime now)
{
  l->packets++;
  nat->stats.local_entry_hits++;
  l->last_refresh = now;
  l->expires = now + local_timeout(nat, l->ext_port);
  g_sequence_sort_changed(l->iter, local_cmp, NULL);
  if (nat->p.trace_refresh) {
    char exp[32];
    nat_fmt_time(l->expires, exp);
    trace_local(nat, "local-entry-refreshed", l, " expires %s", exp);
  }
}

void
nat_local_record(Nat *nat, guint8 proto, SimAddr remote, guint16 ext_port, SimTime now)
{
  if (!nat->p.local_flow_entries || nat->p.route_only || proto != NET_PROTO_UDP)
    return;
  g_assert(nat_local_find(nat, proto, remote, ext_port) == NULL);
  if (g_hash_table_size(nat->locals) >= nat->p.max_bindings) {
    NatLocal *old = g_sequence_get(g_sequence_get_begin_iter(nat->local_expiry));
    local_destroy(nat, old, "local-entry-evicted", now);
  }
  NatLocal *l = g_new0(NatLocal, 1);
  l->id = ++nat->next_local_id;
  l->key = nat_key(proto, remote.addr, ext_port, 0, remote.port);
  l->proto = proto;
  l->remote = remote;
  l->ext_port = ext_port;
  l->last_refresh = now;
  l->packets = 1;
  l->expires = now + local_timeout(nat, ext_port);
  g_hash_table_insert(nat->locals, &l->key, l);
  l->iter = g_sequence_insert_sorted(nat->local_expiry, l, local_cmp, NULL);
  nat->stats.local_entries_created++;
  char exp[32];
  nat_fmt_time(l->expires, exp);
  trace_local(nat, "local-entry-created", l, " timeout %" G_GINT64_FORMAT " expires %s",
              nat_secs(local_timeout(nat, ext_port)), exp);
}

/* A free public port for this internal endpoint whose tuple with `remote` is no live entry's.
 * get_unique_tuple() gives up the kept port for one from a pseudo-random offset in the range
 * (nf_nat_l4proto_unique_tuple), measured as 10791, 61071 for a kept 4000: probe upwards from a
 * start drawn from the NAT's random stream, not from the next port (the endpoint's RTCP port). */
static guint16
unclashed_port(Nat *nat, guint8 proto, SimAddr internal, SimAddr remote, SimTime now)
{
  guint32 lo = nat->p.port_min, hi = nat->p.port_max, n = hi - lo + 1;
  guint32 start = (guint32)g_rand_int_range(nat->rand, 0, (gint32)n);
  for (guint32 i = 0; i < n; i++) {
    guint16 port = (guint16)(lo + (start + i) % n);
    if (nat_port_available(nat, proto, port, internal, now) && !nat_local_find(nat, proto, remote, port))
      return port;
  }
  return 0;
}

NatMap *
nat_local_map_for_outbound(Nat *nat, guint8 proto, SimAddr internal, SimAddr remote, SimTime now,
                           NatDropReason *reason)
{
  if (g_hash_table_size(nat->locals) == 0)
    return nat_map_for_outbound(nat, proto, internal, remote, now, reason);
  NatKey k = nat_map_key(nat, proto, internal, remote);
  NatMap *m = g_hash_table_lookup(nat->map_by_key, &k);
  guint16 port = m ? m->ext_port : nat_port_alloc(nat, proto, internal, now);
  if (!port) {
    *reason = NAT_DROP_NO_PORT;
    return NULL;
  }
  if (!nat_local_find(nat, proto, remote, port))
    return m ? m : nat_map_new(nat, proto, internal, remote, port, now);
  /* The tuple public:port -> remote is the reply of the router's own entry: this flow alone
   * takes another port, and the endpoint's mapping (if any) stays for its other flows. */
  guint16 alt = unclashed_port(nat, proto, internal, remote, now);
  if (!alt) {
    *reason = NAT_DROP_NO_PORT;
    return NULL;
  }
  char in[22], re[22];
  sim_trace(nat->name, "local-entry-clash %s %s remote %s port %u taken by the router's own entry, flow uses %u",
            net_proto_name(proto), net_endpoint_format(internal.addr, internal.port, in),
            net_endpoint_format(remote.addr, remote.port, re), port, alt);
  nat->stats.local_clashes++;
  NatMap *own = nat_map_new(nat, proto, internal, remote, alt, now);
  if (own->keyed) { /* not the endpoint's mapping: later flows keep the port they would get */
    g_hash_table_remove(nat->map_by_key, &own->key);
    own->keyed = FALSE;
  }
  return own;
}
