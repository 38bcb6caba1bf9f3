/* test-topology.c — the scenario network built from configuration: addresses seen after one or two
 * NATs, bypass mode, per-direction access delays and rates to the nanosecond, seeded core loss, and
 * configuration errors that name the key. */
#include <string.h>

#include "test-util.h"
#include "topology.h"

typedef struct {
  SimSock phone;     /* phone 0's socket */
  SimSock server;    /* the cross-traffic server's socket */
  SimAddr seen_src;  /* source of the last datagram the server received */
  SimTime sent_at;   /* when the phone sent */
  SimTime up_rx;     /* when the server received */
  SimTime down_rx;   /* when the phone received the echo */
  SimTime echo_at;   /* when the server echoed */
  guint server_rx;   /* datagrams the server received */
  guint phone_rx;    /* datagrams the phone received */
  gboolean echo;     /* server echoes each datagram */
} Probe;

#define PAYLOAD 172 /* a G.711 20 ms RTP packet: 160 + 12 */

static void
server_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Probe *p = ctx;
  p->seen_src = from;
  p->up_rx = sim_now();
  p->server_rx++;
  if (p->echo) {
    p->echo_at = sim_now();
    sim_udp_send(sock, from, data, len);
  }
}

static void
phone_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Probe *p = ctx;
  p->down_rx = sim_now();
  p->phone_rx++;
}

static void
phone_send(void *data)
{
  Probe *p = data;
  static const guint8 payload[PAYLOAD];
  p->sent_at = sim_now();
  sim_udp_send(p->phone, (SimAddr){0xc633641e /* 198.51.100.30 */, 9}, payload, sizeof payload);
}

static Topology *
build(Probe *p, guint64 seed, const char *first, ...)
{
  g_autoptr(GError) error = NULL;
  tu_world(seed);
  g_autoptr(Config) cfg = tu_config("topology.phones=1", NULL);
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *))
    g_assert_true(cfg_set_arg(cfg, a, NULL));
  va_end(ap);
  Topology *t = topology_build(cfg, &error);
  g_assert_no_error(error);
  static const SimSockOps sops = {.recv = server_recv};
  static const SimSockOps pops = {.recv = phone_recv};
  p->server = sim_udp_open(t->server.node, (SimAddr){t->server.addr, 9}, &sops, p, &error);
  g_assert_no_error(error);
  p->phone = sim_udp_open(t->phones[0].node, (SimAddr){0, 4000}, &pops, p, &error);
  g_assert_no_error(error);
  return t;
}

/* Serialization time of an IPv4/UDP datagram with PPP framing at `kbps`, in ns, as ns-3 computes it. */
static SimTime
tx_ns(guint payload, guint64 kbps)
{
  double bits = (payload + 8 + 20 + 2) * 8.0;
  return SIM_TIME_FROM_S(bits / (kbps * 1000.0));
}

static void
test_home_nat_addresses_and_delays(void)
{
  Probe p = {.echo = TRUE};
  Topology *t = build(&p, 1, "access.up_kbps=1000", "access.down_kbps=8000", "access.up_delay_ms=7",
                      "access.down_delay_ms=3", "core.delay_ms=20", "lan.delay_ms=0.1", NULL);
  sim_schedule(SIM_MS(100), phone_send, &p);
  sim_run(SIM_S(2));
  g_assert_cmpuint(p.server_rx, ==, 1);
  g_assert_cmpuint(p.phone_rx, ==, 1);
  char buf[16];
  g_assert_cmpstr(sim_addr_format(p.seen_src.addr, buf), ==, "203.0.113.2");
  g_assert_cmpuint(p.seen_src.port, ==, 4000); /* the default router preserves the port */

  /* Up: LAN link, access up (1 Mbit/s, 7 ms), core link (1 Gbit/s, 20 ms). */
  SimTime up = tx_ns(PAYLOAD, 100000) + SIM_US(100) + tx_ns(PAYLOAD, 1000) + SIM_MS(7) +
               tx_ns(PAYLOAD, 1000000) + SIM_MS(20);
  SimTime down = tx_ns(PAYLOAD, 1000000) + SIM_MS(20) + tx_ns(PAYLOAD, 8000) + SIM_MS(3) +
                 tx_ns(PAYLOAD, 100000) + SIM_US(100);
  g_test_message("up %" G_GINT64_FORMAT " ns (expected %" G_GINT64_FORMAT "), down %" G_GINT64_FORMAT
                 " ns (expected %" G_GINT64_FORMAT ")",
                 p.up_rx - p.sent_at, up, p.down_rx - p.echo_at, down);
  g_assert_cmpint(llabs((p.up_rx - p.sent_at) - up), <=, 3);
  g_assert_cmpint(llabs((p.down_rx - p.echo_at) - down), <=, 3);
  topology_free(t);
  sim_reset();
}

static void
test_carrier_nat(void)
{
  Probe p = {.echo = TRUE};
  Topology *t = build(&p, 1, "topology.carrier_nat=true", "cgn.port_alloc=random", NULL);
  g_assert_nonnull(t->home);
  g_assert_nonnull(t->cgn);
  sim_schedule(SIM_MS(100), phone_send, &p);
  sim_run(SIM_S(2));
  g_assert_cmpuint(p.phone_rx, ==, 1); /* the echo came back through both NATs */
  char buf[16];
  g_assert_cmpstr(sim_addr_format(p.seen_src.addr, buf), ==, "203.0.113.2");
  g_assert_cmpuint(p.seen_src.port, !=, 4000); /* the carrier NAT picked a random port */
  g_assert_cmpuint(router_stats(t->cgn)->tx_wan, ==, 1);
  g_assert_cmpuint(router_stats(t->home)->tx_wan, ==, 1);
  topology_free(t);
  sim_reset();
}

static void
test_bypass(void)
{
  Probe p = {.echo = TRUE};
  Topology *t = build(&p, 1, "topology.mode=bypass", NULL);
  g_assert_null(t->home);
  g_assert_cmpint(t->lan_host.node, ==, -1);
  g_assert_cmpuint(t->phones[0].addr, ==, t->public_addr);
  sim_schedule(SIM_MS(100), phone_send, &p);
  sim_run(SIM_S(2));
  g_assert_cmpuint(p.phone_rx, ==, 1);
  g_assert_cmpuint(p.seen_src.addr, ==, t->public_addr);
  topology_free(t);
  sim_reset();
}

static void
send_many(void *data)
{
  Probe *p = data;
  phone_send(p);
  if (p->server_rx + 1000 > 0 && sim_now() < SIM_MS(100) + SIM_MS(20) * 999)
    sim_schedule(SIM_MS(20), send_many, p);
}

static guint
lossy_run(guint64 seed)
{
  Probe p = {.echo = FALSE};
  Topology *t = build(&p, seed, "core.loss=0.2", NULL);
  sim_schedule(SIM_MS(100), send_many, &p);
  sim_run(SIM_S(30));
  topology_free(t);
  sim_reset();
  return p.server_rx;
}

static void
test_core_loss_seeded(void)
{
  guint a = lossy_run(7), b = lossy_run(7), c = lossy_run(8);
  g_test_message("received of 1000 with 20%% loss: seed 7: %u, %u; seed 8: %u", a, b, c);
  g_assert_cmpuint(a, ==, b);
  g_assert_cmpuint(a, >, 740);
  g_assert_cmpuint(a, <, 860);
  g_assert_cmpuint(c, >, 740);
  g_assert_cmpuint(c, <, 860);
  g_assert_cmpuint(a, !=, c);
}

typedef struct {
  const char *assignments[3];
  const char *message;
} BadTopo;

static const BadTopo bad_topos[] = {
  {{"topology.mode=bypass", "topology.phones=2", NULL}, "[topology] phones: bypass mode puts one phone"},
  {{"topology.mode=bypass", "topology.carrier_nat=true", NULL}, "[topology] carrier_nat: not available"},
};

static void
test_errors_name_the_key(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(bad_topos); i++) {
    g_autoptr(GError) error = NULL;
    tu_world(1);
    g_autoptr(Config) cfg = tu_config(bad_topos[i].assignments[0], bad_topos[i].assignments[1], NULL);
    Topology *t = topology_build(cfg, &error);
    g_assert_null(t);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, bad_topos[i].message));
    sim_reset();
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/topology/home-nat/public-source-and-exact-one-way-delays", test_home_nat_addresses_and_delays);
  g_test_add_func("/topology/carrier-nat/two-translations", test_carrier_nat);
  g_test_add_func("/topology/bypass/phone-holds-public-address", test_bypass);
  g_test_add_func("/topology/core-loss/seeded-and-near-configured-rate", test_core_loss_seeded);
  g_test_add_func("/topology/errors-name-the-key", test_errors_name_the_key);
  return g_test_run();
}
