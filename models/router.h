/* router.h — a home router (or carrier NAT): NAT + ALG hook + uplink queue + profile.
 *
 * A Router is a stackless sim node.  Packets from its LAN devices are translated by the NAT and
 * sent out of the WAN device through the uplink queue; packets from the WAN are matched against
 * bindings and expectations and forwarded to the LAN device that reaches their new destination.
 * The router enforces the WAN MTU (ns-3 does not), handles IPv4 fragments as configured, and can
 * be rebooted at a scheduled time, which clears all NAT and ALG state.
 */
#pragma once

#include "config.h"
#include "sim.h"

G_BEGIN_DECLS

typedef struct Router Router;
typedef struct Nat Nat;

typedef struct {
  const char *name;      /* node name: "home", "cgn" */
  const char *nat_group; /* config group holding this router's NAT keys: "nat" or "cgn" */
  guint index;           /* router index: picks its random streams */
  gboolean uplink_queue; /* TRUE: queue WAN output with router.uplink_queue / queue.* */
  gboolean route_only;   /* TRUE: no masquerade, see below */
} RouterSetup;

/* A route-only router (RouterSetup.route_only, the real-alg-testbed's --no-nat) translates
 * nothing: its NAT runs in route-only mode (nat.h), so flows are tracked and the ALG hook sees
 * every packet untranslated, but LAN hosts keep their addresses on the WAN and WAN hosts reach
 * them directly (they need a route to the LAN via the router; nothing filters).  Packets for the
 * router's own public address are dropped ("to-router": nothing listens there). */

Router *router_new(const Config *cfg, const RouterSetup *setup, GError **error);
void router_free(Router *r);
SimNode router_node(const Router *r);
Nat *router_nat(Router *r);

/* Wire the router after sim_link_new(): a LAN device reaching the hosts in addr/prefix_len, and
 * the one WAN device with the router's public address on it. */
gboolean router_add_lan(Router *r, SimDev dev, guint32 addr, guint8 prefix_len, GError **error);
gboolean router_set_wan(Router *r, SimDev dev, guint32 public_addr, GError **error);
/* Extra one-way delay added to packets leaving a device (asymmetric access links). */
void router_set_extra_delay(Router *r, SimDev dev, SimTime delay);

void router_reboot(Router *r); /* clear all NAT, ALG and queue state now */

typedef struct {
  guint64 rx_lan, rx_wan;          /* packets received per side */
  guint64 tx_lan, tx_wan;          /* packets sent per side */
  guint64 dropped_no_binding;      /* inbound packets that matched no binding or expectation */
  guint64 dropped_filtered;        /* inbound packets refused by the filtering behaviour */
  guint64 dropped_malformed;       /* packets that did not parse as IPv4/UDP/TCP/ICMP */
  guint64 dropped_mtu;             /* DF set and too big, or fragments dropped by policy */
  guint64 dropped_table_full;      /* new flows refused because the table was full */
  guint64 dropped_queue;           /* dropped by the uplink queue */
  guint64 fragments_out;           /* fragments the router made */
  guint64 dropped_ttl;             /* TTL ran out (router.c) */
  guint64 dropped_alg;             /* dropped by the ALG hook */
  guint64 dropped_hairpin;         /* LAN packets to the public address with hairpinning off */
  guint64 dropped_reasm;           /* fragments lost in reassembly (overlap, limit, timeout) */
  guint64 dropped_down;            /* arrived while the router was rebooting */
  guint64 dropped_other;           /* not for our address, no route, or for the router itself */
  guint64 reassembled;             /* datagrams reassembled from fragments */
  guint64 icmp_sent;               /* ICMP errors the router sent (frag-needed, TTL) */
} RouterStats;

const RouterStats *router_stats(const Router *r);

G_END_DECLS
