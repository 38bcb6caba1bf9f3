/* topology.c — builds the network of one scenario from configuration.
 *
 *   phones, LAN host --(LAN links)-- home router --(access link)-- [carrier NAT --] ISP router
 *   ISP router --(core links: delay, loss)-- PBX, STUN/TURN host, remote party, cross-traffic server
 *
 * The home router and the carrier NAT are stackless C routers (router.c); the ISP router is an
 * ns-3 host with IP forwarding and static routes, so its download buffer is an ns-3 device queue.
 * Addresses are fixed and documented (README): the LAN is 192.168.1.0/24 (RFC 1918), public hosts
 * use the documentation ranges of RFC 5737, and the carrier NAT's inside is RFC 6598 shared space.
 */
#include "topology.h"

#include <errno.h>
#include <string.h>

/* Fixed addresses (host byte order built from dotted quads at run time for readability). */
#define A_PHONE "192.168.1.50"
#define A_LAN_HOST "192.168.1.100"
#define A_PUBLIC "203.0.113.2"
#define A_CGN_INSIDE_HOME "100.64.0.2" /* home router WAN behind a carrier NAT (RFC 6598) */
#define A_PBX "203.0.113.10"
#define A_PBX_MEDIA "203.0.113.20"
#define A_REMOTE "203.0.113.30"
#define A_STUN "198.51.100.10"
#define A_STUN2 "198.51.100.11"
#define A_SERVER "198.51.100.30"
#define A_ISP_IF "192.0.2.1" /* the ISP router's interfaces: 192.0.2.1 + n (RFC 5737 TEST-NET-1) */
#define ISP_IF_ACCESS 10      /* n of the ISP router's access-side interface */

const CfgKeyDef topology_keys[] = {
  {"sim.seed", CFG_INT, "", "1", "0..",
   "Seed of a single run (call, probe): every random stream derives from it (design.md §2)."},
  {"router.profile", CFG_PROFILE, "", "", "router",
   "Home router profile: experiments/profiles/router/<name>.ini (rfc4787, linux-consumer, symmetric, ...); "
   "its keys apply where this key is set."},
  {"topology.mode", CFG_ENUM, "", "nat", "nat|bypass",
   "nat: phones behind the home router; bypass: one phone straight on the modem with the public "
   "address (the starting guide's diagnostic)."},
  {"topology.carrier_nat", CFG_BOOL, "", "false", NULL,
   "Put a carrier-grade NAT (keys cgn.*) between the home router and the ISP (RFC 6888)."},
  {"topology.phones", CFG_INT, "", "1", "1..8", "Phones on the home LAN, at 192.168.1.50 upwards."},
  {"lan.rate_kbps", CFG_INT, "kbit/s", "100000", "64..10000000", "Rate of each LAN link (Fast Ethernet)."},
  {"lan.delay_ms", CFG_DOUBLE, "ms", "0.1", "0..1000", "Propagation delay of each LAN link."},
  {"access.up_kbps", CFG_INT, "kbit/s", "10000", "16..10000000",
   "Access link rate from the home to the ISP (upload)."},
  {"access.down_kbps", CFG_INT, "kbit/s", "50000", "16..10000000",
   "Access link rate from the ISP to the home (download)."},
  {"access.up_delay_ms", CFG_DOUBLE, "ms", "5", "0..10000", "Access link propagation delay, upstream."},
  {"access.down_delay_ms", CFG_DOUBLE, "ms", "5", "0..10000", "Access link propagation delay, downstream."},
  {"access.down_queue_pkts", CFG_INT, "packets", "1000", "1..100000",
   "ISP-side download buffer in front of the access link (Linux txqueuelen 1000)."},
  {"core.rate_kbps", CFG_INT, "kbit/s", "1000000", "64..100000000", "Rate of each core link to a server."},
  {"core.delay_ms", CFG_DOUBLE, "ms", "20", "0..10000",
   "One-way delay between the ISP router and each server."},
  {"core.loss", CFG_DOUBLE, "", "0", "0..1",
   "Probability that a packet on a core link is lost, each direction independently."},
  {"cgn.link_delay_ms", CFG_DOUBLE, "ms", "1", "0..1000",
   "Delay between the carrier NAT and the ISP router (topology.carrier_nat)."},
  {NULL},
};

static guint32
addr(const char *text)
{
  guint32 a = 0;
  gboolean ok = sim_addr_parse(text, &a);
  g_assert(ok);
  return a;
}

static SimTime
ms_to_time(double ms)
{
  return SIM_TIME_FROM_S(ms / 1000.0);
}

/* A host with one device linked to `peer`, its address on that device and a default route. */
static gboolean
make_host(const char *name, SimNode peer, const SimLinkParams *lp, guint32 a, guint32 a2,
          TopoHost *out, SimDev *peer_dev, GError **error)
{
  out->node = sim_host_new(name, error);
  if (out->node < 0)
    return FALSE;
  if (!sim_link_new(out->node, peer, lp, &out->dev, peer_dev, error))
    return FALSE;
  out->addr = a;
  out->addr2 = a2;
  if (!sim_host_add_address(out->dev, a, 32, error))
    return FALSE;
  if (a2 && !sim_host_add_address(out->dev, a2, 32, error))
    return FALSE;
  return sim_host_add_route(out->node, 0, 0, 0, out->dev, error);
}

/* A server on a core link from the ISP router, with routes both ways. */
static gboolean
make_server(Topology *t, const Config *cfg, const char *name, guint32 a, guint32 a2, guint index,
            TopoHost *out, GError **error)
{
  double loss = cfg_double(cfg, "core.loss");
  guint64 rate = (guint64)cfg_int(cfg, "core.rate_kbps") * 1000;
  SimLinkParams lp = {
    .rate_ab_bps = rate,
    .rate_ba_bps = rate,
    .delay = ms_to_time(cfg_double(cfg, "core.delay_ms")),
    .loss_ab = loss,
    .loss_ba = loss,
    .loss_stream = loss > 0 ? (gint64)(SIM_STREAM_LINK_LOSS + 2 * index) : -1,
  };
  SimDev isp_dev;
  if (!make_host(name, t->isp, &lp, a, a2, out, &isp_dev, error))
    return FALSE;
  if (!sim_host_add_address(isp_dev, addr(A_ISP_IF) + index, 32, error))
    return FALSE;
  if (!sim_host_add_route(t->isp, a, 32, 0, isp_dev, error))
    return FALSE;
  return !a2 || sim_host_add_route(t->isp, a2, 32, 0, isp_dev, error);
}

static gboolean
build(Topology *t, const Config *cfg, GError **error)
{
  t->bypass = cfg_enum(cfg, "topology.mode") == 1;
  gboolean cgn = cfg_bool(cfg, "topology.carrier_nat");
  t->n_phones = (guint)cfg_int(cfg, "topology.phones");
  t->public_addr = addr(A_PUBLIC);
  if (t->bypass && t->n_phones > 1) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[topology] phones: bypass mode puts one phone on the modem, but %u phones are configured",
                t->n_phones);
    return FALSE;
  }
  if (t->bypass && cgn) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[topology] carrier_nat: not available in bypass mode (the phone holds the public address)");
    return FALSE;
  }

  t->isp = sim_host_new("isp", error);
  if (t->isp < 0 || !sim_host_set_forwarding(t->isp, TRUE, error))
    return FALSE;

  /* Servers first: their indices fix the loss streams whatever the home side looks like. */
  if (!make_server(t, cfg, "pbx", addr(A_PBX), addr(A_PBX_MEDIA), 0, &t->pbx, error) ||
      !make_server(t, cfg, "stun", addr(A_STUN), addr(A_STUN2), 1, &t->stun, error) ||
      !make_server(t, cfg, "remote", addr(A_REMOTE), 0, 2, &t->remote, error) ||
      !make_server(t, cfg, "server", addr(A_SERVER), 0, 3, &t->server, error))
    return FALSE;

  /* The access link: home side a, ISP side b. */
  SimLinkParams access = {
    .rate_ab_bps = (guint64)cfg_int(cfg, "access.up_kbps") * 1000,
    .rate_ba_bps = (guint64)cfg_int(cfg, "access.down_kbps") * 1000,
    .delay = ms_to_time(cfg_double(cfg, "access.up_delay_ms")),
    .delay_ba = ms_to_time(cfg_double(cfg, "access.down_delay_ms")),
    .queue_b_pkts = (guint32)cfg_int(cfg, "access.down_queue_pkts"),
    .loss_stream = -1,
  };
  if (access.delay_ba == access.delay)
    access.delay_ba = 0;
  SimLinkParams lan = {
    .rate_ab_bps = (guint64)cfg_int(cfg, "lan.rate_kbps") * 1000,
    .rate_ba_bps = (guint64)cfg_int(cfg, "lan.rate_kbps") * 1000,
    .delay = ms_to_time(cfg_double(cfg, "lan.delay_ms")),
    .queue_b_pkts = 1, /* b is the router: its C queue holds the backlog (design.md §2) */
    .loss_stream = -1,
  };

  if (t->bypass) {
    t->phones[0].node = -1;
    t->lan_host.node = -1;
    SimDev isp_dev;
    if (!make_host("phone0", t->isp, &access, t->public_addr, 0, &t->phones[0], &isp_dev, error))
      return FALSE;
    t->access_home_dev = t->phones[0].dev;
    t->access_isp_dev = isp_dev;
    if (!sim_host_add_address(isp_dev, addr(A_ISP_IF) + ISP_IF_ACCESS, 32, error))
      return FALSE;
    return sim_host_add_route(t->isp, t->public_addr, 32, 0, isp_dev, error);
  }

  RouterSetup home_setup = {.name = "home", .nat_group = "nat", .index = 0, .uplink_queue = TRUE};
  t->home = router_new(cfg, &home_setup, error);
  if (!t->home)
    return FALSE;
  SimNode home = router_node(t->home);
  guint32 home_wan = cgn ? addr(A_CGN_INSIDE_HOME) : t->public_addr;

  /* The home router's WAN: straight to the ISP, or to the carrier NAT. */
  SimNode upstream = t->isp;
  if (cgn) {
    RouterSetup cgn_setup = {.name = "cgn", .nat_group = "cgn", .index = 1, .uplink_queue = FALSE};
    t->cgn = router_new(cfg, &cgn_setup, error);
    if (!t->cgn)
      return FALSE;
    upstream = router_node(t->cgn);
    access.queue_b_pkts = 1;
  }
  access.queue_a_pkts = 1;
  SimDev home_wan_dev, up_dev;
  if (!sim_link_new(home, upstream, &access, &home_wan_dev, &up_dev, error))
    return FALSE;
  if (!router_set_wan(t->home, home_wan_dev, home_wan, error))
    return FALSE;
  t->access_home_dev = home_wan_dev;
  t->access_isp_dev = up_dev;

  SimDev isp_side = up_dev;
  if (cgn) {
    if (!router_add_lan(t->cgn, up_dev, home_wan, 32, error))
      return FALSE;
    SimLinkParams cl = {
      .rate_ab_bps = 10000000000ULL,
      .rate_ba_bps = 10000000000ULL,
      .delay = ms_to_time(cfg_double(cfg, "cgn.link_delay_ms")),
      .queue_a_pkts = 1,
      .loss_stream = -1,
    };
    SimDev cgn_wan;
    if (!sim_link_new(router_node(t->cgn), t->isp, &cl, &cgn_wan, &isp_side, error))
      return FALSE;
    if (!router_set_wan(t->cgn, cgn_wan, t->public_addr, error))
      return FALSE;
  }
  if (!sim_host_add_address(isp_side, addr(A_ISP_IF) + ISP_IF_ACCESS, 32, error))
    return FALSE;
  if (!sim_host_add_route(t->isp, t->public_addr, 32, 0, isp_side, error))
    return FALSE;

  /* The LAN. */
  for (guint i = 0; i < t->n_phones; i++) {
    g_autofree char *name = g_strdup_printf("phone%u", i);
    SimDev rdev;
    if (!make_host(name, home, &lan, addr(A_PHONE) + i, 0, &t->phones[i], &rdev, error))
      return FALSE;
    if (!router_add_lan(t->home, rdev, t->phones[i].addr, 32, error))
      return FALSE;
  }
  SimDev rdev;
  if (!make_host("lanhost", home, &lan, addr(A_LAN_HOST), 0, &t->lan_host, &rdev, error))
    return FALSE;
  return router_add_lan(t->home, rdev, t->lan_host.addr, 32, error);
}

Topology *
topology_build(const Config *cfg, GError **error)
{
  Topology *t = g_new0(Topology, 1);
  for (guint i = 0; i < TOPO_MAX_PHONES; i++)
    t->phones[i].node = -1;
  t->lan_host.node = t->pbx.node = t->stun.node = t->remote.node = t->server.node = -1;
  t->isp = -1;
  if (!build(t, cfg, error)) {
    topology_free(t);
    return NULL;
  }
  return t;
}

void
topology_free(Topology *t)
{
  if (!t)
    return;
  g_clear_pointer(&t->home, router_free);
  g_clear_pointer(&t->cgn, router_free);
  g_free(t);
}

gboolean
topology_enable_pcap(Topology *t, const char *dir, GError **error)
{
  if (g_mkdir_with_parents(dir, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: cannot create directory: %s", dir,
                g_strerror(errno));
    return FALSE;
  }
  guint n = sim_dev_count();
  for (guint d = 0; d < n; d++) {
    SimDev peer = sim_dev_peer((SimDev)d);
    if (peer < 0)
      continue;
    g_autofree char *file = g_strdup_printf("%s-%s.pcap", sim_node_name(sim_dev_node((SimDev)d)),
                                            sim_node_name(sim_dev_node(peer)));
    g_autofree char *path = g_build_filename(dir, file, NULL);
    if (!sim_pcap_enable((SimDev)d, path, error))
      return FALSE;
  }
  return TRUE;
}
