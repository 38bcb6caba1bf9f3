/* nat-filter.c — RFC 4787 mapping behaviour (§4.1) and filtering behaviour (§5).
 *
 * Mapping decides which outbound flows share an external port: endpoint-independent mapping
 * (REQ-1) reuses it for every remote; address-dependent mapping for remotes on the same address;
 * address-and-port-dependent mapping only for the same remote address and port.  Filtering
 * decides which inbound packets a mapping admits when no binding matches the exact remote:
 * endpoint-independent filtering admits any; address-dependent only remotes whose address the
 * internal endpoint has sent to through this mapping; address-and-port-dependent only exact
 * remotes (which already have a binding, so it admits nothing new).  RFC 5382 REQ-1..3 say the
 * same for TCP, where only a SYN may open a binding from outside.
 */
#include "nat-private.h"

NatKey
nat_map_key(const Nat *nat, guint8 proto, SimAddr internal, SimAddr remote)
{
  switch (nat->p.mapping) {
  case NAT_MAP_EIM:
    return nat_key(proto, internal.addr, internal.port, 0, 0);
  case NAT_MAP_ADM:
    return nat_key(proto, internal.addr, internal.port, remote.addr, 0);
  case NAT_MAP_APDM:
  default:
    return nat_key(proto, internal.addr, internal.port, remote.addr, remote.port);
  }
}

NatMap *
nat_map_for_outbound(Nat *nat, guint8 proto, SimAddr internal, SimAddr remote, SimTime now,
                     NatDropReason *reason)
{
  NatKey k = nat_map_key(nat, proto, internal, remote);
  NatMap *m = g_hash_table_lookup(nat->map_by_key, &k);
  if (m)
    return m;
  /* Route-only: nothing is translated, the internal port is the external one. */
  guint16 port = nat->p.route_only ? internal.port : nat_port_alloc(nat, proto, internal, now);
  if (!port) {
    *reason = NAT_DROP_NO_PORT;
    return NULL;
  }
  return nat_map_new(nat, proto, internal, remote, port, now);
}

gboolean
nat_filter_admits(const Nat *nat, const NatMap *map, SimAddr remote)
{
  if (nat->p.filtering == NAT_FILTER_EIF)
    return TRUE;
  for (GList *l = map->bindings.head; l; l = l->next) {
    const NatBinding *b = l->data;
    if (b->t.remote.addr != remote.addr)
      continue;
    if (nat->p.filtering == NAT_FILTER_ADF || b->t.remote.port == remote.port)
      return TRUE;
  }
  return FALSE;
}
