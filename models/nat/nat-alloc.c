/* nat-alloc.c — external port allocation and the port-reuse hold-down.
 *
 * Policies: port preservation (Linux nf_nat_core.c get_unique_tuple() keeps the source port when
 * the resulting tuple is unique), preservation with parity (RFC 4787 REQ-4: keep the port's
 * parity, for RTP/RTCP pairs), sequential, and random (RFC 6056 §3.3.1 style: a random start from
 * the NAT's GRand stream).  Every policy falls back to the next free port in the range on a
 * collision (wrapping around), parity-preserving first for preserve-parity.  A port is not free
 * while a mapping holds it, while an expectation reserves it for another internal endpoint, or
 * while it is in hold-down after release
 * (RFC 6888 REQ-8: not reused for a *different* internal endpoint before nat.port_hold_s; the
 * endpoint that had it may have it back).  UDP, TCP and ICMP identifiers are separate spaces.
 */
#include "nat-private.h"

static guint
proto_slot(guint8 proto)
{
  return proto == NET_PROTO_UDP ? 0 : proto == NET_PROTO_TCP ? 1 : 2;
}

/* Whether every expectation reserving this port leads to `internal`. */
static gboolean
reserved_for(Nat *nat, guint8 proto, guint16 port, SimAddr internal)
{
  for (GList *l = nat->expects.head; l; l = l->next) {
    const NatExpect *e = l->data;
    if (e->reserved && e->p.proto == proto && e->ext_port == port &&
        (e->p.target.addr != internal.addr || e->p.target.port != internal.port))
      return FALSE;
  }
  return TRUE;
}

gboolean
nat_port_available(Nat *nat, guint8 proto, guint16 port, SimAddr internal, SimTime now)
{
  gpointer pk = nat_port_key(proto, port);
  if (g_hash_table_contains(nat->map_by_port, pk))
    return FALSE;
  /* An expectation keeps its port for its target: no other endpoint may take it, but the target
   * may, when its own packets go out first (a phone's RTP before the far end's), so that they
   * leave from the port the ALG announced, as Linux's get_unique_tuple() keeps the source port. */
  if (g_hash_table_contains(nat->reserved, pk) && !reserved_for(nat, proto, port, internal))
    return FALSE;
  NatHold *h = g_hash_table_lookup(nat->held, pk);
  if (!h)
    return TRUE;
  if (h->until <= now) {
    g_hash_table_remove(nat->held, pk);
    return TRUE;
  }
  return h->internal.addr == internal.addr && h->internal.port == internal.port;
}

void
nat_port_hold(Nat *nat, guint8 proto, guint16 port, SimAddr internal, SimTime at)
{
  if (nat->p.port_hold <= 0)
    return;
  NatHold *h = g_new(NatHold, 1);
  h->until = at + nat->p.port_hold;
  h->internal = internal;
  g_hash_table_replace(nat->held, nat_port_key(proto, port), h);
}

void
nat_port_reserve(Nat *nat, guint8 proto, guint16 port)
{
  gpointer pk = nat_port_key(proto, port);
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(nat->reserved, pk));
  g_hash_table_replace(nat->reserved, pk, GUINT_TO_POINTER(n + 1));
}

void
nat_port_unreserve(Nat *nat, guint8 proto, guint16 port)
{
  gpointer pk = nat_port_key(proto, port);
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(nat->reserved, pk));
  if (n <= 1)
    g_hash_table_remove(nat->reserved, pk);
  else
    g_hash_table_replace(nat->reserved, pk, GUINT_TO_POINTER(n - 1));
}

/* Probe the range from `start` upwards (wrapping); with `parity` >= 0 only ports of that parity. */
static guint16
probe(Nat *nat, guint8 proto, guint32 start, int parity, SimAddr internal, SimTime now)
{
  guint32 lo = nat->p.port_min, hi = nat->p.port_max;
  guint32 n = hi - lo + 1;
  for (guint32 i = 0; i < n; i++) {
    guint32 port = lo + (start - lo + i) % n;
    if (parity >= 0 && (int)(port & 1) != parity)
      continue;
    if (nat_port_available(nat, proto, (guint16)port, internal, now))
      return (guint16)port;
  }
  return 0;
}

guint16
nat_port_alloc(Nat *nat, guint8 proto, SimAddr internal, SimTime now)
{
  guint32 lo = nat->p.port_min, hi = nat->p.port_max;
  guint32 want = CLAMP((guint32)internal.port, lo, hi);
  guint16 port = 0;
  /* A pinned expectation is the translation an ALG set up for this endpoint: take its port. */
  for (GList *l = nat->n_pinned ? nat->expects.head : NULL; l; l = l->next) {
    const NatExpect *e = l->data;
    if (e->p.pin_outbound && e->p.proto == proto && e->p.target.addr == internal.addr &&
        e->p.target.port == internal.port && nat_port_available(nat, proto, e->ext_port, internal, now))
      return e->ext_port;
  }
  switch (nat->p.port_alloc) {
  case NAT_PORT_PRESERVE:
    port = probe(nat, proto, want, -1, internal, now);
    break;
  case NAT_PORT_PRESERVE_PARITY: {
    /* RFC 4787 REQ-4: an even internal port gets an even external port, odd gets odd. */
    int parity = internal.port & 1;
    port = probe(nat, proto, want, parity, internal, now);
    if (!port)
      port = probe(nat, proto, want, -1, internal, now);
    break;
  }
  case NAT_PORT_SEQUENTIAL: {
    guint slot = proto_slot(proto);
    port = probe(nat, proto, CLAMP((guint32)nat->rover[slot], lo, hi), -1, internal, now);
    if (port)
      nat->rover[slot] = port == hi ? (guint16)lo : (guint16)(port + 1);
    break;
  }
  case NAT_PORT_RANDOM: {
    guint32 start = lo + (guint32)g_rand_int_range(nat->rand, 0, (gint32)(hi - lo + 1));
    port = probe(nat, proto, start, -1, internal, now);
    break;
  }
  }
  return port;
}
