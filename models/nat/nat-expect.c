/* nat-expect.c — expectations: pinholes an ALG opens for a flow it has seen announced.
 *
 * Modelled on Linux nf_conntrack_expect.c: an expectation names the protocol, the expected source
 * (address and/or port may be wildcards), the public port the flow will arrive at and the
 * internal endpoint it goes to (nf_nat_sip sets the expectation's saved tuple to the phone's
 * media address), a lifetime, and whether it is used up by its first match (Linux expectations
 * are single-use unless NF_CT_EXPECT_PERMANENT).  It belongs to the binding whose packet
 * announced the flow and is removed with it (nf_ct_remove_expectations).  A matching inbound
 * packet creates a binding whose master is the owner, even if filtering would refuse it.
 * An expectation reserves its public port so that no other endpoint's mapping takes it meanwhile
 * (its target's own may).  A flow has one binding: a matching packet of a flow that already has
 * one through another public port is dropped, as Linux drops the clashing conntrack.
 */
#include "nat-private.h"

static gint
binding_id_cmp(gconstpointer a, gconstpointer b)
{
  guint64 x = (*(NatBinding *const *)a)->id, y = (*(NatBinding *const *)b)->id;
  return x < y ? -1 : x > y;
}

static void
trace_expect(Nat *nat, const char *event, const NatExpect *e, const char *extra)
{
  char ext[22], tgt[22], addr[16], port[8];
  net_endpoint_format(nat_ext_addr(nat, e->p.target.addr), e->ext_port, ext);
  net_endpoint_format(e->p.target.addr, e->p.target.port, tgt);
  g_snprintf(port, sizeof port, "%u", e->p.remote.port);
  char from[32];
  g_snprintf(from, sizeof from, "%s:%s", e->p.remote.addr ? sim_addr_format(e->p.remote.addr, addr) : "*",
             e->p.remote.port ? port : "*");
  sim_trace(nat->name, "%s %s %s -> %s from %s id %" G_GUINT64_FORMAT " tag %s%s", event,
            net_proto_name(e->p.proto), ext, tgt, from, e->id, e->tag[0] ? e->tag : "-",
            extra ? extra : "");
}

/* The public port of a new expectation of a translating NAT; 0 and a GError if none. */
static guint16
expect_port(Nat *nat, const NatExpectParams *params, SimTime now, GError **error)
{
  guint16 port = params->ext_port;
  if (!port && nat->p.mapping == NAT_MAP_EIM) {
    /* RFC 4787 REQ-1: an internal endpoint has one external endpoint for every remote, so a
     * target that already has a mapping is expected on its port (a re-INVITE's media). */
    NatKey k = nat_map_key(nat, params->proto, params->target, (SimAddr){ 0, 0 });
    NatMap *m = g_hash_table_lookup(nat->map_by_key, &k);
    if (m)
      port = m->ext_port;
  }
  if (!port) {
    port = nat_port_alloc(nat, params->proto, params->target, now);
    if (!port)
      g_set_error(error, SIM_ERROR, SIM_ERROR_RESOURCE,
                  "no free external %s port for an expectation to %u",
                  net_proto_name(params->proto), params->target.port);
    return port;
  }
  /* RFC 4787 REQ-3 forbids port overloading: a port mapped to another internal endpoint
   * cannot also lead to this target. */
  NatMap *m = g_hash_table_lookup(nat->map_by_port, nat_port_key(params->proto, port));
  if (m && (m->internal.addr != params->target.addr || m->internal.port != params->target.port)) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_RESOURCE,
                "external %s port %u is mapped to another internal endpoint",
                net_proto_name(params->proto), port);
    return 0;
  }
  return port;
}

NatExpect *
nat_expect_add(Nat *nat, const NatExpectParams *params, SimTime now, GError **error)
{
  g_return_val_if_fail(nat && params, NULL);
  g_return_val_if_fail(params->proto == NET_PROTO_UDP || params->proto == NET_PROTO_TCP, NULL);
  nat_expire(nat, now);
  guint16 port;
  if (nat->p.route_only) /* nothing translated: the flow arrives at the target itself */
    port = params->ext_port ? params->ext_port : params->target.port;
  else if (!(port = expect_port(nat, params, now, error)))
    return NULL;
  NatExpect *e = g_new0(NatExpect, 1);
  e->id = ++nat->next_id;
  e->p = *params;
  e->tag = g_strdup(params->tag ? params->tag : "");
  e->p.tag = e->tag;
  e->p.owner = NULL;
  e->owner_id = params->owner ? params->owner->id : 0;
  e->ext_port = port;
  e->expires = params->lifetime > 0 ? now + params->lifetime : SIM_TIME_NEVER;
  nat_port_reserve(nat, e->p.proto, port);
  e->reserved = TRUE;
  g_queue_push_tail(&nat->expects, e);
  e->link = nat->expects.tail;
  if (e->p.pin_outbound)
    nat->n_pinned++;
  if (params->owner)
    g_queue_push_tail(&params->owner->expects, e);
  char exp[32], extra[80];
  nat_fmt_time(e->expires, exp);
  g_snprintf(extra, sizeof extra, " single-use %s expires %s", e->p.single_use ? "yes" : "no",
             exp);
  trace_expect(nat, "expect-added", e, extra);
  return e;
}

guint16
nat_expect_ext_port(const NatExpect *e)
{
  return e->ext_port;
}

const NatExpectParams *
nat_expect_params(const NatExpect *e)
{
  return &e->p;
}

guint
nat_expect_count(const Nat *nat)
{
  return nat->expects.length;
}

void
nat_expect_destroy(Nat *nat, NatExpect *e, const char *why, SimTime at)
{
  if (why) {
    char t[32], extra[48];
    nat_fmt_time(at, t);
    g_snprintf(extra, sizeof extra, " at %s", t);
    trace_expect(nat, why, e, g_str_equal(why, "expect-expired") ? extra : NULL);
  }
  if (e->reserved)
    nat_port_unreserve(nat, e->p.proto, e->ext_port);
  g_queue_delete_link(&nat->expects, e->link);
  if (e->p.pin_outbound)
    nat->n_pinned--;
  if (e->owner_id) {
    NatBinding *owner = nat_binding_find(nat, e->owner_id);
    if (owner)
      g_queue_remove(&owner->expects, e);
  }
  g_free(e->tag);
  g_free(e);
}

void
nat_expect_remove(Nat *nat, NatExpect *e)
{
  g_return_if_fail(nat && e);
  nat_expect_destroy(nat, e, "expect-removed", 0);
}

guint
nat_expect_flush_owner(Nat *nat, NatBinding *owner)
{
  g_return_val_if_fail(nat && owner, 0);
  guint n = 0;
  while (owner->expects.head) {
    nat_expect_destroy(nat, owner->expects.head->data, "expect-flushed", 0);
    n++;
  }
  return n;
}

void
nat_expect_expire(Nat *nat, SimTime now)
{
  GList *l = nat->expects.head;
  while (l) {
    NatExpect *e = l->data;
    l = l->next;
    if (e->expires <= now)
      nat_expect_destroy(nat, e, "expect-expired", e->expires);
  }
}

NatExpect *
nat_expect_match(Nat *nat, guint8 proto, guint16 ext_port, SimAddr remote, guint32 dst)
{
  for (GList *l = nat->expects.head; l; l = l->next) {
    NatExpect *e = l->data;
    if (e->p.proto != proto || e->ext_port != ext_port)
      continue;
    if (nat->p.route_only && e->p.target.addr != dst)
      continue;
    if (e->p.remote.addr && e->p.remote.addr != remote.addr)
      continue;
    if (e->p.remote.port && e->p.remote.port != remote.port)
      continue;
    return e;
  }
  return NULL;
}

NatBinding *
nat_expect_admit(Nat *nat, NatExpect *e, SimAddr remote, SimTime now, NatDropReason *reason)
{
  guint64 eid = e->id;
  /* One binding per flow: if the target already talks to this remote through another public
   * port, a second binding would take over its outbound packets.  Linux drops the packet (the
   * expected conntrack clashes with the existing one in nf_conntrack_confirm). */
  NatKey flow = nat_key(e->p.proto, e->p.target.addr, e->p.target.port, remote.addr, remote.port);
  if (g_hash_table_contains(nat->by_int, &flow)) {
    *reason = NAT_DROP_NO_BINDING;
    return NULL;
  }
  if (!nat_make_room(nat, now)) {
    *reason = NAT_DROP_TABLE_FULL;
    return NULL;
  }
  /* Eviction may have removed the owner and with it this expectation. */
  gboolean alive = FALSE;
  for (GList *l = nat->expects.head; l && !alive; l = l->next)
    alive = ((NatExpect *)l->data)->id == eid;
  if (!alive) {
    *reason = NAT_DROP_NO_BINDING;
    return NULL;
  }
  NatMap *m = g_hash_table_lookup(nat->map_by_port, nat_port_key(e->p.proto, e->ext_port));
  if (!m || m->internal.addr != e->p.target.addr || m->internal.port != e->p.target.port)
    m = nat_map_new(nat, e->p.proto, e->p.target, remote, e->ext_port, now);
  NatBinding *b = nat_binding_new(nat, m, remote, NAT_DIR_IN, "expect", now);
  b->master_id = e->owner_id;
  nat->stats.expect_matched++;
  char extra[48];
  g_snprintf(extra, sizeof extra, " binding %" G_GUINT64_FORMAT, b->id);
  trace_expect(nat, "expect-matched", e, extra);
  if (e->p.on_match)
    e->p.on_match(e->p.ctx, nat, b, e);
  if (e->p.single_use)
    nat_expect_destroy(nat, e, "expect-used", now);
  return b;
}

guint
nat_release_endpoint(Nat *nat, guint8 proto, SimAddr internal, const char *why, SimTime now)
{
  g_return_val_if_fail(nat && why, 0);
  GPtrArray *gone = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, nat->by_id);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    NatBinding *b = v;
    if (b->t.proto == proto && b->t.internal.addr == internal.addr && b->t.internal.port == internal.port)
      g_ptr_array_add(gone, b);
  }
  /* By id, so the trace order does not depend on the hash table's. */
  g_ptr_array_sort(gone, binding_id_cmp);
  for (guint i = 0; i < gone->len; i++)
    nat_binding_destroy(nat, gone->pdata[i], why, now);
  guint n = gone->len;
  g_ptr_array_unref(gone);
  return n;
}
