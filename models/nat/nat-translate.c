/* nat-translate.c — the per-packet path: outbound and inbound translation, hairpinning, ICMP
 * errors, and per-fragment translation.
 *
 * Outbound (RFC 4787 §4): find the binding of (internal endpoint, remote endpoint) or make one
 * on the mapping the mapping behaviour selects; rewrite source address and port (for ICMP echo
 * the identifier, RFC 5508 §3.1); run the ALG hook; apply TCP sequence adjustment.  Inbound (§5):
 * find the binding of (remote endpoint, external port), else an expectation, else a mapping that
 * the filtering behaviour lets the remote reach; rewrite destination address and port.  A LAN
 * packet to our own public address is hairpinned (REQ-9): translated outbound, then inbound with
 * the translated source, so the receiver sees the sender's public endpoint (REQ-9b).  With
 * nat.local_flow_entries a refused inbound UDP flow becomes the router's own (nat-local.c): its
 * later packets are dropped before any expectation sees them.  ICMP errors
 * about a flow are translated inside and out (RFC 5508 §4.2, REQ-3) and refresh nothing.
 * Checksums are updated incrementally (RFC 1624).  In route-only mode (nat.h) the same paths track
 * flows without rewriting anything: inbound packets go to LAN addresses, any of them opens a
 * binding, and ICMP errors pass as they are.
 */
#include "nat-private.h"

#include <string.h>

#define NAT_FRAG_TIMEOUT SIM_S(30) /* as long as Linux keeps fragments (ipfrag_time) */
#define NAT_FRAG_MAX 1024          /* first fragments remembered at most */

/* The part of a packet the NAT rewrites.  For ICMP echo the identifier plays the internal/external
 * port and the remote "port" is 0 (RFC 5508 §3.1); offsets of 0 name no field. */
typedef struct {
  guint8 proto;      /* protocol */
  guint16 sport;     /* source port (or echo id outbound) */
  guint16 dport;     /* destination port (or echo id inbound) */
  gsize sport_off;   /* field offsets, 0 = none */
  gsize dport_off;
  gsize csum_off;    /* checksum covering the ports (0 = none to update) */
  gboolean udp;      /* the checksum is UDP's (0 = none, RFC 768) */
  gboolean pseudo;   /* the checksum covers the addresses (UDP/TCP pseudo-header) */
  guint8 tcp_flags;  /* TCP flags */
} Flow;

/* Per-fragment translation: what the first fragment of a datagram was rewritten to. */
typedef struct {
  NatKey key;        /* proto, original src, id, original dst, direction */
  guint32 new_src;   /* translated source */
  guint32 new_dst;   /* translated destination */
  NatAction action;  /* NAT_PASS or NAT_HAIRPIN */
  guint64 binding_id; /* the binding used */
  SimTime expires;   /* forget it then */
} NatFrag;

/* 1: a flow; 2: an ICMP error (*icmp filled); 0: unsupported; -1: malformed. */
static int
flow_parse(const guint8 *d, gsize len, const Ipv4Info *ip, NatDir dir, Flow *f, IcmpInfo *icmp)
{
  memset(f, 0, sizeof *f);
  f->proto = ip->proto;
  switch (ip->proto) {
  case NET_PROTO_UDP: {
    UdpInfo u;
    if (udp_parse(d, len, ip, &u) != 1)
      return -1;
    f->sport = u.sport;
    f->dport = u.dport;
    f->sport_off = u.off;
    f->dport_off = u.off + 2;
    f->csum_off = u.csum ? u.off + 6 : 0;
    f->udp = TRUE;
    f->pseudo = TRUE;
    return 1;
  }
  case NET_PROTO_TCP: {
    TcpInfo t;
    if (tcp_parse(d, len, ip, &t) != 1)
      return -1;
    f->sport = t.sport;
    f->dport = t.dport;
    f->sport_off = t.off;
    f->dport_off = t.off + 2;
    f->csum_off = t.off + 16;
    f->pseudo = TRUE;
    f->tcp_flags = t.flags;
    return 1;
  }
  case NET_PROTO_ICMP: {
    if (icmp_parse(d, len, ip, icmp) != 1)
      return -1;
    if (icmp_is_error(icmp->type))
      return 2;
    if (!icmp_is_echo(icmp->type))
      return 0;
    f->csum_off = icmp->off + 2;
    if (dir == NAT_DIR_OUT) {
      f->sport = icmp->id;
      f->sport_off = icmp->off + 4;
    } else {
      f->dport = icmp->id;
      f->dport_off = icmp->off + 4;
    }
    return 1;
  }
  default:
    return 0;
  }
}

static void
set_port(guint8 *d, gsize off, guint16 port, gsize csum_off, gboolean udp)
{
  if (!off)
    return;
  guint16 old = net_get16(d + off);
  if (old == port)
    return;
  net_put16(d + off, port);
  l4_csum_adjust16(d, csum_off, udp, old, port);
}

static void
trace_created(Nat *nat, NatBinding *b)
{
  char exp[32];
  nat_fmt_time(b->expires, exp);
  nat_trace_binding(nat, "binding-created", b, " via %s timeout %" G_GINT64_FORMAT " expires %s",
                    b->origin, nat_secs(nat_binding_timeout(nat, b)), exp);
}

/* ---- Fragments ----------------------------------------------------------------------------------- */

void
nat_frags_clear(Nat *nat)
{
  g_queue_clear(&nat->frag_order);
  g_hash_table_remove_all(nat->frags);
}

static void
frags_expire(Nat *nat, SimTime now)
{
  while (nat->frag_order.head) {
    NatFrag *f = nat->frag_order.head->data;
    if (f->expires > now && nat->frag_order.length <= NAT_FRAG_MAX)
      break;
    g_queue_pop_head(&nat->frag_order);
    g_hash_table_remove(nat->frags, &f->key);
  }
}

static void
frag_remember(Nat *nat, const Ipv4Info *orig, NatDir dir, const guint8 *d, NatAction action,
              guint64 binding_id, SimTime now)
{
  NatFrag *f = g_new0(NatFrag, 1);
  f->key = nat_key(orig->proto, orig->src, orig->id, orig->dst, (guint16)dir);
  if (g_hash_table_contains(nat->frags, &f->key)) {
    g_free(f);
    return; /* a retransmitted first fragment: the entry stands */
  }
  f->new_src = net_get32(d + 12);
  f->new_dst = net_get32(d + 16);
  f->action = action;
  f->binding_id = binding_id;
  f->expires = now + NAT_FRAG_TIMEOUT;
  g_hash_table_insert(nat->frags, &f->key, f);
  g_queue_push_tail(&nat->frag_order, f);
  frags_expire(nat, now);
}

/* A later fragment has no transport header: give it the first fragment's address rewrite. */
static NatAction
frag_follow(Nat *nat, NetBuf *pkt, const Ipv4Info *ip, NatDir dir, NatVerdict *v)
{
  NatKey k = nat_key(ip->proto, ip->src, ip->id, ip->dst, (guint16)dir);
  NatFrag *f = g_hash_table_lookup(nat->frags, &k);
  if (!f) {
    nat_drop(nat, v, NAT_DROP_FRAGMENT, pkt->data, pkt->len);
    return NAT_DROP;
  }
  ipv4_set_addr(pkt->data, 0, f->new_src, 0, FALSE);
  ipv4_set_addr(pkt->data, 1, f->new_dst, 0, FALSE);
  v->action = f->action;
  v->binding = nat_binding_find(nat, f->binding_id);
  return v->action;
}

/* ---- ICMP errors --------------------------------------------------------------------------------- */

/* Rewrite a 32-bit address field of the quoted header, keeping its header checksum right. */
static void
set_quoted_addr(guint8 *d, gsize in_off, gsize field, guint32 addr, gsize l4csum, gboolean udp)
{
  guint32 old = net_get32(d + in_off + field);
  net_put32(d + in_off + field, addr);
  net_put16(d + in_off + 10, csum_replace32(net_get16(d + in_off + 10), old, addr));
  l4_csum_adjust32(d, l4csum, udp, old, addr);
}

static NatAction
icmp_error(Nat *nat, NetBuf *pkt, const Ipv4Info *ip, const IcmpInfo *icmp, NatDir dir,
           NatVerdict *v)
{
  guint8 *d = pkt->data;
  Ipv4Info in;
  gsize in_off, l4;
  if (icmp_quote_parse(d, pkt->len, icmp, &in, &in_off, &l4) != 1) {
    nat_drop(nat, v, NAT_DROP_MALFORMED, d, pkt->len);
    return NAT_DROP;
  }
  gsize quote_end = icmp->payload_off + icmp->payload_len;
  guint16 a_port, b_port; /* quoted source and destination ports (or echo id and 0) */
  gsize a_off = 0, b_off = 0, l4csum = 0;
  gboolean udp = FALSE;
  if ((in.proto == NET_PROTO_UDP || in.proto == NET_PROTO_TCP) && in.frag_off == 0) {
    a_port = net_get16(d + l4);
    b_port = net_get16(d + l4 + 2);
    a_off = l4;
    b_off = l4 + 2;
    if (in.proto == NET_PROTO_UDP) {
      udp = TRUE;
      l4csum = net_get16(d + l4 + 6) ? l4 + 6 : 0;
    } else if (l4 + 18 <= quote_end) {
      l4csum = l4 + 16; /* a quote longer than 8 bytes holds the TCP checksum too */
    }
  } else if (in.proto == NET_PROTO_ICMP && in.frag_off == 0 && icmp_is_echo(d[l4])) {
    a_port = net_get16(d + l4 + 4);
    b_port = 0;
    a_off = l4 + 4;
    l4csum = l4 + 2;
  } else {
    nat_drop(nat, v, NAT_DROP_ICMP_NO_BINDING, d, pkt->len);
    return NAT_DROP;
  }
  NatBinding *b = NULL;
  if (dir == NAT_DIR_IN) {
    /* It reports our translated packet: public:ext -> remote.  (RFC 5508 REQ-3) */
    if (ip->dst == nat->public_addr && in.src == nat->public_addr) {
      NatKey k = nat_key(in.proto, in.dst, a_port, 0, b_port);
      b = g_hash_table_lookup(nat->by_ext, &k);
    }
  } else if (in.dst == ip->src) {
    /* An internal host reports a packet it received: remote -> internal. */
    NatKey k = nat_key(in.proto, in.dst, in.proto == NET_PROTO_ICMP ? a_port : b_port, in.src,
                       in.proto == NET_PROTO_ICMP ? 0 : a_port);
    b = g_hash_table_lookup(nat->by_int, &k);
  }
  if (!b) {
    nat_drop(nat, v, NAT_DROP_ICMP_NO_BINDING, d, pkt->len);
    return NAT_DROP;
  }
  if (dir == NAT_DIR_IN) {
    set_quoted_addr(d, in_off, 12, b->t.internal.addr, l4csum, udp);
    set_port(d, a_off, b->t.internal.port, l4csum, udp);
    ipv4_set_addr(d, 1, b->t.internal.addr, 0, FALSE);
    nat->stats.translated_in++;
  } else {
    set_quoted_addr(d, in_off, 16, nat->public_addr, l4csum, udp);
    set_port(d, in.proto == NET_PROTO_ICMP ? a_off : b_off, b->t.external.port, l4csum, udp);
    ipv4_set_addr(d, 0, nat->public_addr, 0, FALSE);
    nat->stats.translated_out++;
  }
  l4_fix_checksum(d, pkt->len); /* the ICMP checksum covers the quote we changed */
  v->action = NAT_PASS;
  v->binding = b;
  return NAT_PASS;
}

/* Route-only: an ICMP error needs no translation; conntrack would relate it, nothing more. */
static NatAction
icmp_pass(Nat *nat, NatDir dir, NatVerdict *v)
{
  if (dir == NAT_DIR_IN)
    nat->stats.translated_in++;
  else
    nat->stats.translated_out++;
  v->action = NAT_PASS;
  return NAT_PASS;
}

/* ---- Inbound ------------------------------------------------------------------------------------- */

static NatAction
inbound(Nat *nat, NetBuf *pkt, SimTime now, NatVerdict *v, gboolean hairpin)
{
  Ipv4Info ip;
  if (ipv4_parse(pkt->data, pkt->len, 0, &ip) != 1) {
    nat_drop(nat, v, NAT_DROP_MALFORMED, pkt->data, pkt->len);
    return NAT_DROP;
  }
  if (ip.frag_off != 0)
    return frag_follow(nat, pkt, &ip, NAT_DIR_IN, v);
  Flow f;
  IcmpInfo icmp;
  int r = flow_parse(pkt->data, pkt->len, &ip, NAT_DIR_IN, &f, &icmp);
  if (r < 0 || r == 0) {
    nat_drop(nat, v, r < 0 ? NAT_DROP_MALFORMED : NAT_DROP_UNSUPPORTED, pkt->data, pkt->len);
    return NAT_DROP;
  }
  gboolean route = nat->p.route_only;
  if (r == 2)
    return route ? icmp_pass(nat, NAT_DIR_IN, v) : icmp_error(nat, pkt, &ip, &icmp, NAT_DIR_IN, v);
  if (!route && ip.dst != nat->public_addr) {
    nat_drop(nat, v, NAT_DROP_NO_BINDING, pkt->data, pkt->len);
    return NAT_DROP;
  }
  SimAddr rem = { ip.src, f.sport };
  NatKey k = nat_key(f.proto, rem.addr, f.dport, route ? ip.dst : 0, rem.port);
  NatBinding *b = g_hash_table_lookup(nat->by_ext, &k);
  gboolean created = FALSE;
  if (!b) {
    /* Only a SYN opens a TCP binding from outside (RFC 5382 §4); ICMP only matches.  Without
     * translation nothing filters (policy accept): conntrack tracks whatever comes. */
    gboolean may_open = route || f.proto == NET_PROTO_UDP ||
                        (f.proto == NET_PROTO_TCP && (f.tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN);
    NatExpect *e = may_open && f.proto != NET_PROTO_ICMP
                     ? nat_expect_match(nat, f.proto, f.dport, rem, ip.dst) : NULL;
    /* A flow that has the router's own entry resolves to it (Linux resolve_normal_ct()); only a
     * packet that starts a new conntrack looks for an expectation (init_conntrack() ->
     * nf_ct_find_expectation(), nf_conntrack_core.c), so the expectation waits (nat-local.c). */
    NatLocal *loc = route || hairpin ? NULL : nat_local_find(nat, f.proto, rem, f.dport);
    NatDropReason why = NAT_DROP_NO_BINDING;
    if (loc) {
      nat_local_refresh(nat, loc, now);
      if (e)
        why = NAT_DROP_SHADOWED;
      else if (g_hash_table_contains(nat->map_by_port, nat_port_key(f.proto, f.dport)))
        why = NAT_DROP_FILTERED;
    } else if (e) {
      b = nat_expect_admit(nat, e, rem, now, &why);
    } else if (route) {
      why = NAT_DROP_TABLE_FULL;
      NatMap *m = nat_make_room(nat, now)
                    ? nat_map_for_outbound(nat, f.proto, (SimAddr){ ip.dst, f.dport }, rem, now, &why)
                    : NULL;
      if (m)
        b = nat_binding_new(nat, m, rem, NAT_DIR_IN, "route", now);
    } else {
      gpointer pk = nat_port_key(f.proto, f.dport);
      NatMap *m = g_hash_table_lookup(nat->map_by_port, pk);
      /* One binding per flow: with address(-and-port)-dependent mapping the internal endpoint
       * may already reach this remote through another mapping, whose port it should use. */
      NatKey flow = m ? nat_key(f.proto, m->internal.addr, m->internal.port, rem.addr, rem.port)
                      : k;
      if (m && (!nat_filter_admits(nat, m, rem) || g_hash_table_contains(nat->by_int, &flow)))
        why = NAT_DROP_FILTERED;
      else if (m && may_open && !nat_make_room(nat, now))
        why = NAT_DROP_TABLE_FULL;
      else if (m && may_open && (m = g_hash_table_lookup(nat->map_by_port, pk)) &&
               nat_filter_admits(nat, m, rem)) /* eviction may have released it */
        b = nat_binding_new(nat, m, rem, NAT_DIR_IN, hairpin ? "hairpin" : "filter", now);
    }
    if (!b) {
      nat_drop(nat, v, why, pkt->data, pkt->len);
      /* Refused and addressed to us: Linux delivers it locally under a conntrack of its own. */
      if (!loc && !e && !route && !hairpin && (why == NAT_DROP_NO_BINDING || why == NAT_DROP_FILTERED))
        nat_local_record(nat, f.proto, rem, f.dport, now);
      return NAT_DROP;
    }
    created = TRUE;
  }
  nat_binding_touch(nat, b, NAT_DIR_IN, f.tcp_flags, now);
  if (created)
    trace_created(nat, b);
  guint8 *d = pkt->data;
  if (!route) {
    ipv4_set_addr(d, 1, b->t.internal.addr, f.pseudo ? f.csum_off : 0, f.udp);
    set_port(d, f.dport_off, b->t.internal.port, f.csum_off, f.udp);
  }
  if (ip.mf)
    frag_remember(nat, &ip, NAT_DIR_IN, d, hairpin ? NAT_HAIRPIN : NAT_PASS, b->id, now);
  if (!nat_alg_run(nat, b, NAT_DIR_IN, hairpin, pkt, now)) {
    nat_drop(nat, v, NAT_DROP_ALG, pkt->data, pkt->len);
    return NAT_DROP;
  }
  nat_seqadj_apply(nat, b, NAT_DIR_IN, pkt);
  v->action = NAT_PASS;
  v->binding = b;
  nat->stats.translated_in++;
  return NAT_PASS;
}

NatAction
nat_inbound(Nat *nat, NetBuf *pkt, SimTime now, NatVerdict *v)
{
  g_return_val_if_fail(nat && pkt && v, NAT_DROP);
  memset(v, 0, sizeof *v);
  nat_expire(nat, now);
  frags_expire(nat, now);
  return inbound(nat, pkt, now, v, FALSE);
}

/* ---- Outbound ------------------------------------------------------------------------------------ */

NatAction
nat_outbound(Nat *nat, NetBuf *pkt, SimTime now, NatVerdict *v)
{
  g_return_val_if_fail(nat && pkt && v, NAT_DROP);
  memset(v, 0, sizeof *v);
  nat_expire(nat, now);
  frags_expire(nat, now);
  Ipv4Info ip;
  if (ipv4_parse(pkt->data, pkt->len, 0, &ip) != 1) {
    nat_drop(nat, v, NAT_DROP_MALFORMED, pkt->data, pkt->len);
    return NAT_DROP;
  }
  if (ip.frag_off != 0)
    return frag_follow(nat, pkt, &ip, NAT_DIR_OUT, v);
  Flow f;
  IcmpInfo icmp;
  int r = flow_parse(pkt->data, pkt->len, &ip, NAT_DIR_OUT, &f, &icmp);
  if (r < 0 || r == 0) {
    nat_drop(nat, v, r < 0 ? NAT_DROP_MALFORMED : NAT_DROP_UNSUPPORTED, pkt->data, pkt->len);
    return NAT_DROP;
  }
  gboolean route = nat->p.route_only;
  if (r == 2)
    return route ? icmp_pass(nat, NAT_DIR_OUT, v) : icmp_error(nat, pkt, &ip, &icmp, NAT_DIR_OUT, v);
  gboolean to_self = !route && ip.dst == nat->public_addr; /* route-only: the router's own */
  if (to_self && (!nat->p.hairpin || f.proto == NET_PROTO_ICMP)) {
    nat_drop(nat, v, f.proto == NET_PROTO_ICMP ? NAT_DROP_UNSUPPORTED : NAT_DROP_HAIRPIN_OFF,
             pkt->data, pkt->len);
    return NAT_DROP;
  }
  SimAddr in = { ip.src, f.sport }, rem = { ip.dst, f.dport };
  NatKey k = nat_key(f.proto, in.addr, in.port, rem.addr, rem.port);
  NatBinding *b = g_hash_table_lookup(nat->by_int, &k);
  gboolean created = FALSE;
  if (!b) {
    NatDropReason why = NAT_DROP_TABLE_FULL;
    NatMap *m = nat_make_room(nat, now) ? nat_local_map_for_outbound(nat, f.proto, in, rem, now, &why)
                                        : NULL;
    if (!m) {
      nat_drop(nat, v, why, pkt->data, pkt->len);
      return NAT_DROP;
    }
    b = nat_binding_new(nat, m, rem, NAT_DIR_OUT, to_self ? "hairpin" : "outbound", now);
    created = TRUE;
  }
  nat_binding_touch(nat, b, NAT_DIR_OUT, f.tcp_flags, now);
  if (created)
    trace_created(nat, b);
  guint8 *d = pkt->data;
  if (!route) {
    ipv4_set_addr(d, 0, nat->public_addr, f.pseudo ? f.csum_off : 0, f.udp);
    set_port(d, f.sport_off, b->t.external.port, f.csum_off, f.udp);
  }
  if (!nat_alg_run(nat, b, NAT_DIR_OUT, to_self, pkt, now)) {
    nat_drop(nat, v, NAT_DROP_ALG, pkt->data, pkt->len);
    return NAT_DROP;
  }
  nat_seqadj_apply(nat, b, NAT_DIR_OUT, pkt);
  if (to_self) {
    /* RFC 4787 REQ-9: now deliver it as if it had arrived from outside. */
    if (inbound(nat, pkt, now, v, TRUE) != NAT_PASS)
      return NAT_DROP;
    if (ip.mf)
      frag_remember(nat, &ip, NAT_DIR_OUT, pkt->data, NAT_HAIRPIN, v->binding->id, now);
    nat->stats.translated_in--; /* counted as a hairpin, not as inbound traffic */
    nat->stats.hairpinned++;
    v->action = NAT_HAIRPIN;
    return NAT_HAIRPIN;
  }
  if (ip.mf)
    frag_remember(nat, &ip, NAT_DIR_OUT, pkt->data, NAT_PASS, b->id, now);
  v->action = NAT_PASS;
  v->binding = b;
  nat->stats.translated_out++;
  return NAT_PASS;
}
