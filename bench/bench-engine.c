/* bench-engine.c — how fast the engine is, in one run, one labelled figure per line.
 *
 * events_per_s: no-op C events through sim_schedule(); reset_ms_per_cell: sim_setup(), a small
 * four-node topology, sim_reset(); pps across one router for a stackful ns-3 router (IP
 * forwarding in ns-3's own stack, the baseline) and for a stackless C router that forwards by
 * copying bytes, and for algsim's home-router model (NAT translation, uplink queue, checksum
 * updates: models/router.c), with the ratios to the baseline; peak RSS from getrusage().  Simulated
 * traffic is sized to take about one to three seconds of wall time per figure.  Not a test: it
 * asserts nothing about speed.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "models.h"
#include "router.h"
#include "sim.h"

#define ADDR(a, b, c, d) ((guint32)(a) << 24 | (guint32)(b) << 16 | (guint32)(c) << 8 | (guint32)(d))

static void
world(guint64 seed)
{
  g_autoptr(GError) error = NULL;
  SimWorldParams p = {.seed = seed};

  if (!sim_setup(&p, &error))
    g_error("sim_setup: %s", error->message);
}

static void
check(gboolean ok, GError *error)
{
  if (!ok)
    g_error("bench: %s", error ? error->message : "failed");
}

/* ---- No-op events ---------------------------------------------------------------------------- */

typedef struct {
  guint64 left; /* events still to schedule */
} Chain;

static void
chain_step(void *data)
{
  Chain *c = data;
  if (c->left > 0) {
    c->left--;
    sim_schedule(SIM_US(1) + (SimTime)(c->left % 7), chain_step, c);
  }
}

static double
bench_events(guint64 total)
{
  Chain c = {.left = total};

  world(1);
  /* 1000 chains in flight, so the scheduler holds a realistic number of pending events. */
  for (int i = 0; i < 1000; i++)
    sim_schedule(SIM_NS(i), chain_step, &c);
  gint64 t0 = g_get_monotonic_time();
  sim_run(SIM_TIME_NEVER);
  gint64 t1 = g_get_monotonic_time();
  guint64 n = sim_events_executed();
  sim_reset();
  return (double)n / ((double)(t1 - t0) / 1e6);
}

/* ---- Forwarding: stackful ns-3 router vs stackless C router ------------------------------------ */

typedef struct {
  SimDev dev[2];  /* router devices: [0] towards A, [1] towards B */
  GQueue q[2];    /* C-owned queue per output device (GBytes) */
} CRouter;

static void
crouter_drain(CRouter *r, int out)
{
  while (!g_queue_is_empty(&r->q[out]) && sim_dev_can_send(r->dev[out])) {
    GBytes *b = g_queue_pop_head(&r->q[out]);
    gsize len;
    const guint8 *ip = g_bytes_get_data(b, &len);
    sim_dev_send_ip(r->dev[out], ip, len);
    g_bytes_unref(b);
  }
}

static void
crouter_idle(void *ctx, SimDev dev)
{
  CRouter *r = ctx;
  crouter_drain(r, dev == r->dev[0] ? 0 : 1);
}

static void
crouter_recv(void *ctx, SimDev dev, guint8 *ip, gsize len)
{
  CRouter *r = ctx;
  int out = dev == r->dev[0] ? 1 : 0;

  /* What a NAT does to every packet: rewrite the header in place (TTL, with the incremental
   * checksum update of RFC 1141), then send a copy. */
  if (ip[8] > 1) {
    ip[8]--;
    guint32 sum = ((guint32)ip[10] << 8 | ip[11]) + 0x0100;
    sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (guint8)(sum >> 8);
    ip[11] = (guint8)sum;
  }
  if (g_queue_is_empty(&r->q[out]) && sim_dev_can_send(r->dev[out])) {
    sim_dev_send_ip(r->dev[out], ip, len);
    return;
  }
  g_queue_push_tail(&r->q[out], g_bytes_new(ip, len));
}

typedef struct {
  SimSock sock;    /* A's socket */
  SimAddr to;      /* B */
  guint64 left;    /* datagrams still to send */
  SimTime gap;     /* interval between datagrams */
  guint64 rx;      /* datagrams B received */
} Flow;

static void
flow_send(void *data)
{
  static const guint8 payload[200];
  Flow *f = data;

  if (f->left == 0)
    return;
  f->left--;
  sim_udp_send(f->sock, f->to, payload, sizeof payload);
  sim_schedule(f->gap, flow_send, f);
}

static void
flow_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  ((Flow *)ctx)->rx++;
}

/* Returns delivered packets per wall second across the router. */
static double
bench_forward(gboolean c_router, guint64 packets)
{
  g_autoptr(GError) error = NULL;
  static const SimSockOps ops = {.recv = flow_recv};
  CRouter cr = {0};
  Flow flow = {0};
  SimDev ad, bd, r0, r1;

  world(1);
  SimNode a = sim_host_new("a", &error);
  SimNode b = sim_host_new("b", &error);
  SimNode r = c_router ? sim_router_new("r", crouter_recv, &cr, &error) : sim_host_new("r", &error);
  check(error == NULL, error);
  /* 1 Gbit/s: a 230-byte frame takes 1.84 us; one datagram every 2 us keeps the links busy
   * without loss. */
  SimLinkParams lp = {.rate_ab_bps = 1000000000, .rate_ba_bps = 1000000000, .delay = SIM_US(50)};
  if (c_router)
    lp.queue_b_pkts = 1;
  check(sim_link_new(a, r, &lp, &ad, &r0, &error), error);
  lp.queue_b_pkts = 0;
  if (c_router)
    lp.queue_a_pkts = 1;
  check(sim_link_new(r, b, &lp, &r1, &bd, &error), error);
  check(sim_host_add_address(ad, ADDR(10, 0, 1, 2), 24, &error), error);
  check(sim_host_add_route(a, 0, 0, ADDR(10, 0, 1, 1), ad, &error), error);
  check(sim_host_add_address(bd, ADDR(10, 0, 2, 2), 24, &error), error);
  check(sim_host_add_route(b, 0, 0, ADDR(10, 0, 2, 1), bd, &error), error);
  if (c_router) {
    cr.dev[0] = r0;
    cr.dev[1] = r1;
    sim_dev_set_idle_cb(r0, crouter_idle, &cr);
    sim_dev_set_idle_cb(r1, crouter_idle, &cr);
  } else {
    check(sim_host_add_address(r0, ADDR(10, 0, 1, 1), 24, &error), error);
    check(sim_host_add_address(r1, ADDR(10, 0, 2, 1), 24, &error), error);
    check(sim_host_set_forwarding(r, TRUE, &error), error);
  }
  check(sim_udp_open(b, (SimAddr){0, 9000}, &ops, &flow, &error) >= 0, error);
  flow.sock = sim_udp_open(a, (SimAddr){0, 0}, &ops, NULL, &error);
  check(flow.sock >= 0, error);
  flow.to = (SimAddr){ADDR(10, 0, 2, 2), 9000};
  flow.left = packets;
  flow.gap = SIM_US(2);
  sim_schedule(SIM_MS(1), flow_send, &flow);

  gint64 t0 = g_get_monotonic_time();
  sim_run(SIM_TIME_NEVER);
  gint64 t1 = g_get_monotonic_time();
  if (flow.rx != packets)
    g_error("bench: %s router delivered %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT,
            c_router ? "C" : "ns-3", flow.rx, packets);
  for (int i = 0; i < 2; i++)
    g_queue_clear_full(&cr.q[i], (GDestroyNotify)g_bytes_unref);
  sim_reset();
  return (double)flow.rx / ((double)(t1 - t0) / 1e6);
}

/* Delivered packets per wall second through algsim's home router (NAT outbound path). */
static double
bench_forward_nat(guint64 packets)
{
  g_autoptr(GError) error = NULL;
  static const SimSockOps ops = {.recv = flow_recv};
  Flow flow = {0};
  SimDev ad, bd, r0, r1;

  models_register_keys();
  g_autoptr(Config) cfg = cfg_new();
  world(1);
  RouterSetup setup = {.name = "home", .nat_group = "nat", .index = 0, .uplink_queue = TRUE};
  Router *router = router_new(cfg, &setup, &error);
  check(router != NULL, error);
  SimNode a = sim_host_new("phone", &error);
  SimNode b = sim_host_new("server", &error);
  check(error == NULL, error);
  SimLinkParams lp = {.rate_ab_bps = 1000000000, .rate_ba_bps = 1000000000, .delay = SIM_US(50),
                      .queue_b_pkts = 1};
  check(sim_link_new(a, router_node(router), &lp, &ad, &r0, &error), error);
  lp.queue_b_pkts = 0;
  lp.queue_a_pkts = 1;
  check(sim_link_new(router_node(router), b, &lp, &r1, &bd, &error), error);
  check(sim_host_add_address(ad, ADDR(192, 168, 1, 50), 32, &error), error);
  check(sim_host_add_route(a, 0, 0, 0, ad, &error), error);
  check(sim_host_add_address(bd, ADDR(198, 51, 100, 30), 32, &error), error);
  check(sim_host_add_route(b, 0, 0, 0, bd, &error), error);
  check(router_add_lan(router, r0, ADDR(192, 168, 1, 50), 32, &error), error);
  check(router_set_wan(router, r1, ADDR(203, 0, 113, 2), &error), error);
  check(sim_udp_open(b, (SimAddr){0, 9000}, &ops, &flow, &error) >= 0, error);
  flow.sock = sim_udp_open(a, (SimAddr){0, 0}, &ops, NULL, &error);
  check(flow.sock >= 0, error);
  flow.to = (SimAddr){ADDR(198, 51, 100, 30), 9000};
  flow.left = packets;
  flow.gap = SIM_US(2);
  sim_schedule(SIM_MS(1), flow_send, &flow);

  gint64 t0 = g_get_monotonic_time();
  sim_run(SIM_TIME_NEVER);
  gint64 t1 = g_get_monotonic_time();
  if (flow.rx != packets)
    g_error("bench: NAT router delivered %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT, flow.rx, packets);
  router_free(router);
  sim_reset();
  return (double)flow.rx / ((double)(t1 - t0) / 1e6);
}

/* ---- Reset cost ------------------------------------------------------------------------------- */

static void
noop_recv(void *ctx, SimDev dev, guint8 *ip, gsize len)
{
}

static double
bench_reset(int cells)
{
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time();

  for (int cell = 0; cell < cells; cell++) {
    SimDev d[6];
    world((guint64)cell);
    /* phone -- home router -- carrier router -- server */
    SimNode phone = sim_host_new("phone", &error);
    SimNode home = sim_router_new("home", noop_recv, NULL, &error);
    SimNode cgn = sim_router_new("cgn", noop_recv, NULL, &error);
    SimNode server = sim_host_new("server", &error);
    SimLinkParams lp = {.rate_ab_bps = 100000000, .rate_ba_bps = 100000000, .delay = SIM_MS(1)};
    check(sim_link_new(phone, home, &lp, &d[0], &d[1], &error), error);
    check(sim_link_new(home, cgn, &lp, &d[2], &d[3], &error), error);
    check(sim_link_new(cgn, server, &lp, &d[4], &d[5], &error), error);
    check(sim_host_add_address(d[0], ADDR(192, 168, 1, 50), 24, &error), error);
    check(sim_host_add_route(phone, 0, 0, ADDR(192, 168, 1, 1), d[0], &error), error);
    check(sim_host_add_address(d[5], ADDR(203, 0, 113, 10), 24, &error), error);
    check(sim_host_add_route(server, 0, 0, ADDR(203, 0, 113, 1), d[5], &error), error);
    check(sim_udp_open(phone, (SimAddr){0, 5060}, NULL, NULL, &error) >= 0, error);
    check(sim_udp_open(server, (SimAddr){0, 5060}, NULL, NULL, &error) >= 0, error);
    sim_run(SIM_MS(1));
    sim_reset();
  }
  return (double)(g_get_monotonic_time() - t0) / 1e3 / cells;
}

int
main(int argc, char **argv)
{
  struct rusage ru;

  setvbuf(stdout, NULL, _IOLBF, 0);

  printf("events_per_s %.3g\n", bench_events(15000000));
  printf("reset_ms_per_cell %.3f\n", bench_reset(10000));
  double ns3 = bench_forward(FALSE, 300000);
  printf("pps_ns3_router %.3g\n", ns3);
  double c = bench_forward(TRUE, 300000);
  printf("pps_c_router %.3g\n", c);
  printf("c_router_over_ns3_ratio %.2f\n", c / ns3);
  double nat = bench_forward_nat(300000);
  printf("pps_nat_router %.3g\n", nat);
  printf("nat_router_over_ns3_ratio %.2f  (target >= 0.8)\n", nat / ns3);
  getrusage(RUSAGE_SELF, &ru);
  printf("peak_rss_mb %.1f\n", (double)ru.ru_maxrss / 1024.0);
  return 0;
}
