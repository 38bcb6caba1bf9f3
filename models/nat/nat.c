/* nat.c — the NAT's tables: lifecycle, mappings and bindings, lazy expiry, table-size limit and
 * least-recently-used eviction, flush, statistics and trace rows.
 *
 * Expiry is lazy: every packet call first collects what expired by its time, in (expiry time,
 * id) order, and each trace row states the exact expiry time (last refresh + timeout), so traces
 * do not depend on when the collection happened to run.  A mapping (RFC 4787 §4.1) lives while
 * a binding uses it; releasing it starts the port hold-down of RFC 6888 REQ-8.  The table limit
 * counts bindings, as Linux's nf_conntrack_max counts conntrack entries.
 */
#include "nat-private.h"

#include <stdarg.h>
#include <string.h>

/* ---- Keys, formatting ---------------------------------------------------------------------------- */

NatKey
nat_key(guint8 proto, guint32 a1, guint16 p1, guint32 a2, guint16 p2)
{
  NatKey k;
  memset(&k, 0, sizeof k);
  k.proto = proto;
  k.a1 = a1;
  k.p1 = p1;
  k.a2 = a2;
  k.p2 = p2;
  return k;
}

guint
nat_key_hash(gconstpointer p)
{
  const NatKey *k = p;
  guint h = k->a1 * 2654435761u;
  h ^= k->a2 * 2246822519u + (h << 6) + (h >> 2);
  h ^= ((guint)k->p1 << 16 | k->p2) * 3266489917u + (h << 6) + (h >> 2);
  return h ^ k->proto;
}

gboolean
nat_key_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(NatKey)) == 0;
}

void
nat_fmt_time(SimTime t, char buf[32])
{
  if (t == SIM_TIME_NEVER)
    g_strlcpy(buf, "never", 32);
  else
    g_snprintf(buf, 32, "%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT, (gint64)(t / SIM_S(1)),
               (gint64)(t % SIM_S(1)));
}

void
nat_trace_binding(Nat *nat, const char *event, const NatBinding *b, const char *fmt, ...)
{
  char in[22], ex[22], re[22];
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *extra = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sim_trace(nat->name, "%s %s %s -> %s remote %s id %" G_GUINT64_FORMAT "%s", event,
            net_proto_name(b->t.proto), net_endpoint_format(b->t.internal.addr, b->t.internal.port, in),
            net_endpoint_format(b->t.external.addr, b->t.external.port, ex),
            net_endpoint_format(b->t.remote.addr, b->t.remote.port, re), b->id, extra);
}

static const char *const drop_names[NAT_DROP_N] = {
  [NAT_DROP_MALFORMED] = "malformed",
  [NAT_DROP_UNSUPPORTED] = "unsupported-protocol",
  [NAT_DROP_NO_BINDING] = "no-binding",
  [NAT_DROP_FILTERED] = "filtered",
  [NAT_DROP_TABLE_FULL] = "table-full",
  [NAT_DROP_NO_PORT] = "ports-exhausted",
  [NAT_DROP_HAIRPIN_OFF] = "hairpin-disabled",
  [NAT_DROP_ALG] = "alg",
  [NAT_DROP_FRAGMENT] = "fragment-no-first",
  [NAT_DROP_ICMP_NO_BINDING] = "icmp-no-binding",
  [NAT_DROP_SHADOWED] = "shadowed-by-local-entry",
};

const char *
nat_drop_reason_name(NatDropReason r)
{
  g_return_val_if_fail(r < NAT_DROP_N, "?");
  return drop_names[r];
}

void
nat_drop(Nat *nat, NatVerdict *v, NatDropReason r, const guint8 *buf, gsize len)
{
  v->action = NAT_DROP;
  v->reason = r;
  v->binding = NULL;
  nat->stats.dropped[r]++;
  char what[64];
  sim_trace(nat->name, "drop %s %s", drop_names[r], net_packet_describe(buf, len, what));
}

/* ---- Lifecycle ----------------------------------------------------------------------------------- */

static gint
expiry_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
  const NatBinding *x = a, *y = b;
  if (x->expires != y->expires)
    return x->expires < y->expires ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

Nat *
nat_new(const char *name, guint32 public_addr, const NatParams *params, GRand *rand)
{
  g_return_val_if_fail(name && params && rand, NULL);
  g_return_val_if_fail(params->port_min > 0 && params->port_min <= params->port_max, NULL);
  Nat *nat = g_new0(Nat, 1);
  nat->name = g_strdup(name);
  nat->public_addr = public_addr;
  nat->p = *params;
  nat->rand = rand;
  for (guint i = 0; i < G_N_ELEMENTS(nat->rover); i++)
    nat->rover[i] = params->port_min;
  nat->by_int = g_hash_table_new(nat_key_hash, nat_key_equal);
  nat->by_ext = g_hash_table_new(nat_key_hash, nat_key_equal);
  nat->by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
  nat->map_by_key = g_hash_table_new(nat_key_hash, nat_key_equal);
  nat->map_by_port = g_hash_table_new(g_direct_hash, g_direct_equal);
  nat->reserved = g_hash_table_new(g_direct_hash, g_direct_equal);
  nat->held = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  nat->expiry = g_sequence_new(NULL);
  g_queue_init(&nat->lru);
  g_queue_init(&nat->expects);
  nat->frags = g_hash_table_new_full(nat_key_hash, nat_key_equal, NULL, g_free);
  g_queue_init(&nat->frag_order);
  nat_locals_init(nat);
  return nat;
}

void
nat_free(Nat *nat)
{
  if (!nat)
    return;
  /* Quietly: freeing is not a protocol event, so no trace rows. */
  while (g_sequence_get_length(nat->expiry) > 0) {
    NatBinding *b = g_sequence_get(g_sequence_get_begin_iter(nat->expiry));
    nat_binding_destroy(nat, b, NULL, 0);
  }
  while (nat->expects.head)
    nat_expect_destroy(nat, nat->expects.head->data, NULL, 0);
  nat_frags_clear(nat);
  nat_locals_free(nat);
  g_hash_table_unref(nat->by_int);
  g_hash_table_unref(nat->by_ext);
  g_hash_table_unref(nat->by_id);
  g_hash_table_unref(nat->map_by_key);
  g_hash_table_unref(nat->map_by_port);
  g_hash_table_unref(nat->reserved);
  g_hash_table_unref(nat->held);
  g_hash_table_unref(nat->frags);
  g_sequence_free(nat->expiry);
  g_rand_free(nat->rand);
  g_free(nat->name);
  g_free(nat);
}

const NatParams *
nat_params(const Nat *nat)
{
  return &nat->p;
}

guint32
nat_public_addr(const Nat *nat)
{
  return nat->public_addr;
}

void
nat_set_public_addr(Nat *nat, guint32 addr)
{
  nat->public_addr = addr;
}

const NatStats *
nat_stats(const Nat *nat)
{
  return &nat->stats;
}

guint
nat_binding_count(const Nat *nat)
{
  return g_hash_table_size(nat->by_id);
}

guint
nat_mapping_count(const Nat *nat)
{
  return nat->n_maps;
}

void
nat_flush(Nat *nat, SimTime now)
{
  sim_trace(nat->name, "flush bindings %u mappings %u expectations %u", nat_binding_count(nat),
            nat->n_maps, g_queue_get_length(&nat->expects));
  while (g_sequence_get_length(nat->expiry) > 0) {
    NatBinding *b = g_sequence_get(g_sequence_get_begin_iter(nat->expiry));
    nat_binding_destroy(nat, b, NULL, now);
  }
  while (nat->expects.head)
    nat_expect_destroy(nat, nat->expects.head->data, NULL, now);
  g_hash_table_remove_all(nat->held); /* a rebooted router remembers no released ports */
  g_hash_table_remove_all(nat->reserved);
  nat_frags_clear(nat);
  nat_locals_flush(nat); /* a reboot loses the router's own conntrack entries too */
  for (guint i = 0; i < G_N_ELEMENTS(nat->rover); i++)
    nat->rover[i] = nat->p.port_min;
}

void
nat_expire(Nat *nat, SimTime now)
{
  while (g_sequence_get_length(nat->expiry) > 0) {
    NatBinding *b = g_sequence_get(g_sequence_get_begin_iter(nat->expiry));
    if (b->expires > now)
      break;
    nat->stats.bindings_expired++;
    nat_binding_destroy(nat, b, "binding-expired", b->expires);
  }
  nat_expect_expire(nat, now);
  nat_locals_expire(nat, now);
}

/* ---- Mappings and bindings ----------------------------------------------------------------------- */

NatMap *
nat_map_new(Nat *nat, guint8 proto, SimAddr internal, SimAddr remote, guint16 ext_port,
            SimTime now)
{
  NatMap *m = g_new0(NatMap, 1);
  m->id = ++nat->next_id;
  m->proto = proto;
  m->internal = internal;
  m->ext_port = ext_port;
  m->key = nat_map_key(nat, proto, internal, remote);
  g_queue_init(&m->bindings);
  if (!g_hash_table_contains(nat->map_by_key, &m->key)) {
    g_hash_table_insert(nat->map_by_key, &m->key, m);
    m->keyed = TRUE;
  }
  gpointer pk = nat_port_key(proto, ext_port);
  if (!g_hash_table_contains(nat->map_by_port, pk)) {
    g_hash_table_insert(nat->map_by_port, pk, m);
    m->ported = TRUE;
  }
  g_hash_table_remove(nat->held, pk); /* the port is in use again */
  nat->n_maps++;
  nat->stats.mappings_created++;
  static const char *const kinds[] = { "eim", "adm", "apdm" };
  char in[22], ex[22];
  sim_trace(nat->name, "mapping-created %s %s -> %s %s", net_proto_name(proto),
            net_endpoint_format(internal.addr, internal.port, in),
            net_endpoint_format(nat_ext_addr(nat, internal.addr), ext_port, ex), kinds[nat->p.mapping]);
  return m;
}

static void
map_release(Nat *nat, NatMap *m, gboolean quiet, SimTime at)
{
  if (m->keyed)
    g_hash_table_remove(nat->map_by_key, &m->key);
  if (m->ported)
    g_hash_table_remove(nat->map_by_port, nat_port_key(m->proto, m->ext_port));
  nat->n_maps--;
  if (!quiet) {
    char in[22], ex[22], until[32];
    nat_fmt_time(at + nat->p.port_hold, until);
    sim_trace(nat->name, "mapping-released %s %s -> %s hold-until %s", net_proto_name(m->proto),
              net_endpoint_format(m->internal.addr, m->internal.port, in),
              net_endpoint_format(nat_ext_addr(nat, m->internal.addr), m->ext_port, ex), until);
    if (m->ported)
      nat_port_hold(nat, m->proto, m->ext_port, m->internal, at);
  }
  g_free(m);
}

NatBinding *
nat_binding_new(Nat *nat, NatMap *map, SimAddr remote, NatDir initiator, const char *origin,
                SimTime now)
{
  NatBinding *b = g_new0(NatBinding, 1);
  b->nat = nat;
  b->id = ++nat->next_id;
  b->t.proto = map->proto;
  b->t.internal = map->internal;
  b->t.external = (SimAddr){ nat_ext_addr(nat, map->internal.addr), map->ext_port };
  b->t.remote = remote;
  b->map = map;
  b->initiator = initiator;
  b->origin = origin;
  b->created = b->last_refresh = b->last_used = now;
  b->tcp = NAT_TCP_NONE;
  g_queue_init(&b->expects);
  g_queue_init(&b->timers);
  b->int_key = nat_key(map->proto, map->internal.addr, map->internal.port, remote.addr,
                       remote.port);
  /* Route-only: LAN hosts share no public address, so the key names the host too. */
  b->ext_key = nat_key(map->proto, remote.addr, map->ext_port,
                       nat->p.route_only ? map->internal.addr : 0, remote.port);
  g_hash_table_insert(nat->by_int, &b->int_key, b);
  if (!g_hash_table_contains(nat->by_ext, &b->ext_key))
    g_hash_table_insert(nat->by_ext, &b->ext_key, b);
  g_hash_table_insert(nat->by_id, &b->id, b);
  g_queue_push_tail(&map->bindings, b);
  b->lru_link.data = b;
  g_queue_push_tail_link(&nat->lru, &b->lru_link);
  b->expires = now + nat_binding_timeout(nat, b);
  b->expiry_iter = g_sequence_insert_sorted(nat->expiry, b, expiry_cmp, NULL);
  nat->stats.bindings_created++;
  return b;
}

void
nat_binding_rearm(Nat *nat, NatBinding *b)
{
  SimTime t = nat_binding_timeout(nat, b);
  b->expires = t == SIM_TIME_NEVER ? SIM_TIME_NEVER : b->last_refresh + t;
  g_sequence_sort_changed(b->expiry_iter, expiry_cmp, NULL);
}

void
nat_binding_destroy(Nat *nat, NatBinding *b, const char *why, SimTime at)
{
  if (why) {
    char t_at[32], t_last[32];
    nat_fmt_time(at, t_at);
    nat_fmt_time(b->last_refresh, t_last);
    nat_trace_binding(nat, why, b, " at %s last-refresh %s", t_at, t_last);
  }
  while (b->expects.head)
    nat_expect_destroy(nat, b->expects.head->data, why ? "expect-owner-gone" : NULL, at);
  nat_binding_cancel_timers(b);
  nat_binding_free_alg(b);
  for (int d = 0; d < 2; d++)
    if (b->seqadj[d])
      g_array_unref(b->seqadj[d]);
  g_hash_table_remove(nat->by_int, &b->int_key);
  if (g_hash_table_lookup(nat->by_ext, &b->ext_key) == b)
    g_hash_table_remove(nat->by_ext, &b->ext_key);
  g_hash_table_remove(nat->by_id, &b->id);
  g_sequence_remove(b->expiry_iter);
  g_queue_unlink(&nat->lru, &b->lru_link);
  NatMap *m = b->map;
  g_queue_remove(&m->bindings, b);
  if (m->bindings.length == 0)
    map_release(nat, m, why == NULL, at);
  g_free(b);
}

gboolean
nat_make_room(Nat *nat, SimTime now)
{
  if (nat_binding_count(nat) < nat->p.max_bindings)
    return TRUE;
  if (nat->p.overflow == NAT_OVERFLOW_REFUSE || !nat->lru.head)
    return FALSE;
  NatBinding *victim = nat->lru.head->data;
  nat->stats.bindings_evicted++;
  nat_binding_destroy(nat, victim, "binding-evicted", now);
  return TRUE;
}

/* ---- Binding accessors --------------------------------------------------------------------------- */

const NatTuple *
nat_binding_tuple(const NatBinding *b)
{
  return &b->t;
}

guint64
nat_binding_id(const NatBinding *b)
{
  return b->id;
}

NatBinding *
nat_binding_find(Nat *nat, guint64 id)
{
  return g_hash_table_lookup(nat->by_id, &id);
}

NatBinding *
nat_binding_lookup(Nat *nat, guint8 proto, SimAddr internal, SimAddr remote, SimTime now)
{
  nat_expire(nat, now);
  NatKey k = nat_key(proto, internal.addr, internal.port, remote.addr, remote.port);
  return g_hash_table_lookup(nat->by_int, &k);
}

NatBinding *
nat_binding_master(Nat *nat, const NatBinding *b)
{
  return b->master_id ? nat_binding_find(nat, b->master_id) : NULL;
}

SimTime
nat_binding_expires(const NatBinding *b)
{
  return b->expires;
}

gboolean
nat_binding_replied(const NatBinding *b)
{
  return b->replied;
}

gboolean
nat_binding_translated(const NatBinding *b)
{
  return b->t.internal.addr != b->t.external.addr || b->t.internal.port != b->t.external.port;
}

const char *
nat_binding_tcp_state(const NatBinding *b)
{
  return nat_tcp_state_name(b->tcp);
}
