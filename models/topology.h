/* topology.h — the network of one scenario, built from configuration.
 *
 * Phones and a LAN host sit on the home LAN behind the home router; the router's WAN link is the
 * access link (separate up/down rate and delay) to the ISP router, optionally through a carrier NAT;
 * the ISP router reaches the servers over core links (delay, optional loss): the PBX host (SIP and
 * media addresses), the STUN/TURN host (two public addresses, RFC 5780), the remote party and a
 * cross-traffic server.  In bypass mode the phone sits directly on the modem with the public address
 * (the starting guide's diagnostic), and there is no home router.
 */
#pragma once

#include "config.h"
#include "router.h"
#include "sim.h"

G_BEGIN_DECLS

#define TOPO_MAX_PHONES 8

typedef struct {
  SimNode node;  /* host node, or -1 if absent */
  SimDev dev;    /* its one device */
  guint32 addr;  /* its (first) address */
  guint32 addr2; /* a second address on the same device, 0 if none */
} TopoHost;

typedef struct {
  TopoHost phones[TOPO_MAX_PHONES]; /* phones on the LAN (or one on the modem, bypass) */
  guint n_phones;                   /* phones in use */
  TopoHost lan_host;                /* LAN cross-traffic host (node -1 in bypass mode) */
  TopoHost pbx;                     /* addr: SIP server; addr2: media server */
  TopoHost stun;                    /* addr, addr2: the two STUN/TURN addresses */
  TopoHost remote;                  /* the remote party */
  TopoHost server;                  /* cross-traffic server */
  Router *home;                     /* home router, NULL in bypass mode */
  Router *cgn;                      /* carrier NAT, NULL unless topology.carrier_nat */
  SimNode isp;                      /* ISP/core router (ns-3 stack, forwarding) */
  guint32 public_addr;              /* the home's outermost public address */
  SimDev access_home_dev;           /* access link, home side (router WAN or bypassed phone) */
  SimDev access_isp_dev;            /* access link, ISP side */
  gboolean bypass;                  /* topology.mode = bypass */
} Topology;

/* Build everything; needs sim_setup() first.  Errors name the key that is wrong. */
Topology *topology_build(const Config *cfg, GError **error);
void topology_free(Topology *t);
/* A pcap per device of every link, named <dir>/<node>-<peer>.pcap. */
gboolean topology_enable_pcap(Topology *t, const char *dir, GError **error);

G_END_DECLS
