/* test-engine.c — the engine itself (sim.h on ns-3): event order, scheduling and cancellation,
 * random streams, argument validation, sim_reset(), determinism of traces and address text.
 * Packet delivery over links, UDP, TCP and pcap is tested in test-engine-net.c. */
#include <math.h>
#include <string.h>

#include "test-engine-topo.h"

/* ---- Events -------------------------------------------------------------------------------------- */

static GString *order_log;

static void
log_event(void *data)
{
  g_string_append_printf(order_log, "%s@%" G_GINT64_FORMAT " ", (const char *)data, sim_now());
}

static void
schedule_more(void *data)
{
  log_event(data);
  sim_schedule(0, log_event, "late1");
  sim_schedule(0, log_event, "late2");
}

static void
test_events_equal_time_in_insertion_order(void)
{
  tu_world(1);
  order_log = g_string_new("");
  sim_schedule(SIM_US(5), log_event, "e1");
  sim_schedule_at(SIM_US(5), log_event, "e2");
  sim_schedule(SIM_US(5), schedule_more, "e3");
  sim_schedule(SIM_US(5), log_event, "e4");
  sim_schedule(SIM_US(1), log_event, "first");
  sim_run(SIM_TIME_NEVER);
  g_assert_cmpstr(order_log->str, ==,
                  "first@1000 e1@5000 e2@5000 e3@5000 e4@5000 late1@5000 late2@5000 ");
  g_assert_cmpuint(sim_events_executed(), ==, 7);
  g_string_free(order_log, TRUE);
  sim_reset();
}

typedef struct {
  SimEvent self;   /* this event's own id */
  SimEvent victim; /* another event to cancel */
  int ran;         /* times run */
} CancelCase;

static void
cancel_inside(void *data)
{
  CancelCase *c = data;
  c->ran++;
  g_assert_false(sim_event_pending(c->self));
  g_assert_false(sim_cancel(c->self)); /* already running: harmless */
  if (c->victim != 0)
    g_assert_true(sim_cancel(c->victim));
}

static void
count_run(void *data)
{
  (*(int *)data)++;
}

static void
test_events_cancel(void)
{
  int n_a = 0, n_b = 0, n_c = 0;
  CancelCase inside = {0};

  tu_world(1);
  SimEvent a = sim_schedule(SIM_MS(1), count_run, &n_a);
  g_assert_cmpuint(a, !=, 0);
  g_assert_true(sim_event_pending(a));
  g_assert_true(sim_cancel(a));
  g_assert_false(sim_cancel(a)); /* duplicate */
  g_assert_false(sim_event_pending(a));
  /* The freed slot is reused; the stale id must not cancel the new event. */
  SimEvent b = sim_schedule(SIM_MS(1), count_run, &n_b);
  g_assert_cmpuint(b, !=, a);
  g_assert_false(sim_cancel(a));
  g_assert_true(sim_event_pending(b));
  /* Garbage ids. */
  g_assert_false(sim_cancel(0));
  g_assert_false(sim_cancel(G_MAXUINT64));
  g_assert_false(sim_cancel((SimEvent)1 << 32 | 12345));
  /* An event that cancels a later one at the same time. */
  inside.self = sim_schedule(SIM_MS(2), cancel_inside, &inside);
  inside.victim = sim_schedule(SIM_MS(2), count_run, &n_c);
  sim_run(SIM_TIME_NEVER);
  g_assert_cmpint(n_a, ==, 0);
  g_assert_cmpint(n_b, ==, 1);
  g_assert_cmpint(n_c, ==, 0);
  g_assert_cmpint(inside.ran, ==, 1);
  g_assert_false(sim_cancel(b)); /* fired */
  g_assert_cmpuint(sim_events_executed(), ==, 2);
  sim_reset();
}

static void
stop_now(void *data)
{
  (*(int *)data)++;
  sim_stop();
}

static void
schedule_zero(void *data)
{
  (*(int *)data)++;
  sim_schedule(0, count_run, data);
}

static void
test_events_run_until_is_inclusive(void)
{
  int n = 0;

  tu_world(1);
  sim_schedule(SIM_NS(10), count_run, &n);
  sim_schedule(SIM_NS(20), schedule_zero, &n); /* adds one more at 20 while running */
  sim_schedule(SIM_NS(21), count_run, &n);
  sim_run(SIM_NS(20));
  g_assert_cmpint(n, ==, 3);
  g_assert_cmpint(sim_now(), ==, 20);
  sim_run(SIM_NS(5)); /* in the past: nothing */
  g_assert_cmpint(n, ==, 3);
  sim_run(SIM_NS(1000)); /* time advances to the horizon even without events */
  g_assert_cmpint(n, ==, 4);
  g_assert_cmpint(sim_now(), ==, 1000);
  /* sim_stop() ends the run after the current event; the rest stays queued. */
  sim_schedule(SIM_NS(10), stop_now, &n);
  sim_schedule(SIM_NS(20), count_run, &n);
  sim_run(SIM_TIME_NEVER);
  g_assert_cmpint(n, ==, 5);
  g_assert_cmpint(sim_now(), ==, 1010);
  sim_run(SIM_TIME_NEVER);
  g_assert_cmpint(n, ==, 6);
  g_assert_cmpuint(sim_schedule(-1, count_run, &n), ==, 0);
  g_assert_cmpuint(sim_schedule(SIM_TIME_NEVER, count_run, &n), ==, 0);
  g_assert_cmpuint(sim_schedule_at(5, count_run, &n), ==, 0);
  g_assert_cmpuint(sim_schedule(0, NULL, NULL), ==, 0);
  sim_reset();
}

/* ---- Determinism and reset ------------------------------------------------------------------------ */

/* 200 datagrams over a lossy link; returns the trace hash, sets *delivered. */
static char *
lossy_run(guint64 seed, guint32 replica, guint *delivered)
{
  g_autoptr(GError) error = NULL;
  SimWorldParams p = {.seed = seed, .cell = 0, .replica = replica};
  Net n;
  Rx rx;

  if (sim_is_setup())
    sim_reset();
  g_assert_true(sim_setup(&p, &error));
  rx_init(&rx);
  SimLinkParams lp = link_params(10000000, SIM_MS(2), 200, 200);
  lp.loss_ab = 0.3;
  lp.loss_stream = SIM_STREAM_LINK_LOSS;
  net_build(&n, FALSE, lp, NULL);
  sim_udp_open(n.b, (SimAddr){0, PORT}, &rx_ops, &rx, &error);
  SimSock ts = sim_udp_open(n.a, (SimAddr){0, 0}, &rx_ops, NULL, &error);
  g_assert_no_error(error);
  TxJob job = {ts, {B_ADDR, PORT}, 100, 200};
  sim_schedule_at(SIM_MS(1), tx_job, &job);
  sim_run(SIM_TIME_NEVER);
  *delivered = rx.times->len;
  rx_clear(&rx);
  char *hash = sim_trace_hash();
  sim_reset();
  return hash;
}

static void
test_determinism_same_seed_same_trace(void)
{
  guint d1, d2, d3, d4;
  g_autofree char *h1 = lossy_run(7, 0, &d1);
  g_autofree char *h2 = lossy_run(7, 0, &d2);
  g_autofree char *h3 = lossy_run(8, 0, &d3);
  g_autofree char *h4 = lossy_run(7, 1, &d4);

  g_assert_cmpstr(h1, ==, h2);
  g_assert_cmpuint(d1, ==, d2);
  /* 30 % loss: about 140 of 200 arrive; another seed or replica loses other packets. */
  g_assert_cmpuint(d1, >, 100);
  g_assert_cmpuint(d1, <, 180);
  g_assert_cmpstr(h1, !=, h3);
  g_assert_cmpstr(h1, !=, h4);
}

static void
test_reset_leaves_no_state(void)
{
  g_autoptr(GError) error = NULL;
  int ran = 0;
  Net n;
  Rx rx;

  tu_world(3);
  rx_init(&rx);
  net_build(&n, TRUE, link_params(10000000, SIM_MS(5), 0, 0), NULL);
  SimSock s = sim_udp_open(n.b, (SimAddr){B_ADDR, PORT}, &rx_ops, &rx, &error);
  g_assert_no_error(error);
  SimEvent ev = sim_schedule(SIM_S(5), count_run, &ran);
  sim_trace("test", "before reset");
  sim_run(SIM_S(1));
  g_assert_cmpuint(sim_node_count(), ==, 3);
  g_assert_cmpuint(sim_dev_count(), ==, 4);
  sim_reset();
  g_assert_false(sim_is_setup());
  g_assert_cmpuint(sim_node_count(), ==, 0);
  g_assert_cmpuint(sim_dev_count(), ==, 0);
  g_assert_cmpint(sim_now(), ==, 0);
  g_assert_cmpuint(sim_events_executed(), ==, 0);
  g_assert_false(sim_event_pending(ev));
  g_assert_false(sim_udp_send(s, (SimAddr){A_ADDR, 1}, (const guint8 *)"x", 1));
  tu_world(3);
  g_assert_cmpuint(sim_trace_lines(), ==, 0);
  g_assert_false(sim_event_pending(ev));
  net_clear(&n);
  /* The same names, addresses and ports are free again. */
  net_build(&n, TRUE, link_params(10000000, SIM_MS(5), 0, 0), NULL);
  g_assert_cmpint(sim_udp_open(n.b, (SimAddr){B_ADDR, PORT}, &rx_ops, &rx, &error), ==, 0);
  g_assert_no_error(error);
  /* The first slot is taken again; the old world's id still names nothing. */
  SimEvent fresh = sim_schedule(SIM_S(5), count_run, &ran);
  g_assert_cmpuint(fresh, !=, ev);
  g_assert_false(sim_cancel(ev));
  g_assert_true(sim_cancel(fresh));
  sim_run(SIM_S(10));
  g_assert_cmpint(ran, ==, 0);
  rx_clear(&rx);
  net_clear(&n);
  sim_reset();
}

static void
test_rand_streams_from_params_only(void)
{
  SimWorldParams p = {.seed = 42, .cell = 3, .replica = 1};
  g_autoptr(GError) error = NULL;

  if (sim_is_setup())
    sim_reset();
  g_assert_null(sim_rand_new(SIM_STREAM_NAT)); /* no world */
  g_assert_true(sim_setup(&p, &error));
  GRand *a = sim_rand_new(SIM_STREAM_NAT);
  GRand *other = sim_rand_new(SIM_STREAM_NAT + 1);
  GRand *b = sim_rand_new_for(&p, SIM_STREAM_NAT);
  guint32 va = g_rand_int(a), vo = g_rand_int(other), vb = g_rand_int(b);
  g_assert_cmpuint(va, ==, vb);
  g_assert_cmpuint(va, !=, vo);
  g_rand_free(a);
  g_rand_free(other);
  g_rand_free(b);
  sim_reset();
}

/* ---- Argument validation --------------------------------------------------------------------------- */

static void
noop_recv(void *ctx, SimDev dev, guint8 *ip, gsize len)
{
}

static void
test_validation_before_setup(void)
{
  g_autoptr(GError) error = NULL;
  SimLinkParams lp = link_params(1000, 0, 0, 0);

  if (sim_is_setup())
    sim_reset();
  g_assert_cmpint(sim_host_new("h", &error), ==, -1);
  g_assert_error(error, SIM_ERROR, SIM_ERROR_STATE);
  g_clear_error(&error);
  g_assert_cmpint(sim_router_new("r", noop_recv, NULL, &error), ==, -1);
  g_assert_error(error, SIM_ERROR, SIM_ERROR_STATE);
  g_clear_error(&error);
  g_assert_false(sim_link_new(0, 1, &lp, NULL, NULL, &error));
  g_assert_error(error, SIM_ERROR, SIM_ERROR_STATE);
  g_clear_error(&error);
  g_assert_cmpint(sim_udp_open(0, (SimAddr){0, 0}, NULL, NULL, &error), ==, -1);
  g_assert_error(error, SIM_ERROR, SIM_ERROR_STATE);
  g_clear_error(&error);
  g_assert_cmpuint(sim_schedule(0, count_run, NULL), ==, 0);
  g_assert_false(sim_cancel(1));
  sim_run(SIM_S(1));
  sim_stop();
  sim_reset();
  g_assert_cmpint(sim_now(), ==, 0);
  g_assert_cmpuint(sim_node_count(), ==, 0);
  g_assert_null(sim_node_name(0));
  g_assert_false(sim_dev_send_ip(0, (const guint8 *)"01234567890123456789", 20));
  g_assert_false(sim_dev_can_send(0));
  sim_dev_set_idle_cb(0, NULL, NULL);
  g_assert_false(sim_host_add_address(0, A_ADDR, 24, &error));
  g_assert_error(error, SIM_ERROR, SIM_ERROR_STATE);
  g_clear_error(&error);
  sim_sock_close(0);
  g_assert_false(sim_sock_set_tos(0, 0));
  g_assert_cmpuint(sim_tcp_send(0, (const guint8 *)"x", 1), ==, 0);
}

typedef struct {
  const char *what;      /* what is wrong */
  SimError code;         /* expected error code */
  gboolean (*call)(const Net *n, GError **error);
} BadCall;

static gboolean
bad_setup_twice(const Net *n, GError **error)
{
  SimWorldParams p = {0};
  return sim_setup(&p, error);
}

static gboolean
bad_host_no_name(const Net *n, GError **error)
{
  return sim_host_new(NULL, error) >= 0;
}

static gboolean
bad_host_empty_name(const Net *n, GError **error)
{
  return sim_host_new("", error) >= 0;
}

static gboolean
bad_host_dup_name(const Net *n, GError **error)
{
  return sim_host_new("a", error) >= 0;
}

static gboolean
bad_router_no_recv(const Net *n, GError **error)
{
  return sim_router_new("r2", NULL, NULL, error) >= 0;
}

static gboolean
link_with(const Net *n, SimNode a, SimNode b, SimLinkParams p, GError **error)
{
  SimDev da = -5, db = -5;
  gboolean ok = sim_link_new(a, b, &p, &da, &db, error);
  g_assert_true(ok || (da == -5 && db == -5)); /* outputs untouched on error */
  return ok;
}

#define LP(rate) link_params(rate, SIM_MS(1), 0, 0)

static gboolean
bad_link_node(const Net *n, GError **error)
{
  return link_with(n, n->a, 99, LP(1000), error);
}

static gboolean
bad_link_negative_node(const Net *n, GError **error)
{
  return link_with(n, -1, n->b, LP(1000), error);
}

static gboolean
bad_link_self(const Net *n, GError **error)
{
  return link_with(n, n->a, n->a, LP(1000), error);
}

static gboolean
bad_link_rate(const Net *n, GError **error)
{
  return link_with(n, n->a, n->b, LP(0), error);
}

static gboolean
bad_link_null_params(const Net *n, GError **error)
{
  return sim_link_new(n->a, n->b, NULL, NULL, NULL, error);
}

static gboolean
bad_link_loss(const Net *n, GError **error)
{
  SimLinkParams p = LP(1000);
  p.loss_ab = 1.5;
  p.loss_stream = 1;
  return link_with(n, n->a, n->b, p, error);
}

static gboolean
bad_link_loss_nan(const Net *n, GError **error)
{
  SimLinkParams p = LP(1000);
  p.loss_ba = NAN;
  p.loss_stream = 1;
  return link_with(n, n->a, n->b, p, error);
}

static gboolean
bad_link_loss_no_stream(const Net *n, GError **error)
{
  SimLinkParams p = LP(1000);
  p.loss_ab = 0.1;
  return link_with(n, n->a, n->b, p, error);
}

static gboolean
bad_link_mtu(const Net *n, GError **error)
{
  SimLinkParams p = LP(1000);
  p.mtu = 20;
  return link_with(n, n->a, n->b, p, error);
}

static gboolean
bad_link_delay(const Net *n, GError **error)
{
  return link_with(n, n->a, n->b, link_params(1000, -1, 0, 0), error);
}

static gboolean
bad_addr_on_router(const Net *n, GError **error)
{
  return sim_host_add_address(n->fwd.dev[0], A_GW, 24, error);
}

static gboolean
bad_addr_prefix(const Net *n, GError **error)
{
  return sim_host_add_address(n->a_dev, ADDR(10, 9, 9, 9), 33, error);
}

static gboolean
bad_addr_zero(const Net *n, GError **error)
{
  return sim_host_add_address(n->a_dev, 0, 24, error);
}

static gboolean
bad_addr_dup(const Net *n, GError **error)
{
  return sim_host_add_address(n->a_dev, A_ADDR, 24, error);
}

static gboolean
bad_addr_dev(const Net *n, GError **error)
{
  return sim_host_add_address(77, ADDR(10, 9, 9, 9), 24, error);
}

static gboolean
bad_route_bits(const Net *n, GError **error)
{
  return sim_host_add_route(n->a, ADDR(10, 1, 2, 3), 16, 0, n->a_dev, error);
}

static gboolean
bad_route_router(const Net *n, GError **error)
{
  return sim_host_add_route(n->r, 0, 0, 0, n->fwd.dev[0], error);
}

static gboolean
bad_route_foreign_dev(const Net *n, GError **error)
{
  return sim_host_add_route(n->a, 0, 0, 0, n->b_dev, error);
}

static gboolean
bad_forwarding_router(const Net *n, GError **error)
{
  return sim_host_set_forwarding(n->r, TRUE, error);
}

static gboolean
bad_udp_on_router(const Net *n, GError **error)
{
  return sim_udp_open(n->r, (SimAddr){0, 0}, NULL, NULL, error) >= 0;
}

static gboolean
bad_udp_foreign_addr(const Net *n, GError **error)
{
  return sim_udp_open(n->a, (SimAddr){B_ADDR, 1}, NULL, NULL, error) >= 0;
}

static gboolean
bad_udp_port_taken(const Net *n, GError **error)
{
  return sim_udp_open(n->a, (SimAddr){0, PORT}, NULL, NULL, error) >= 0;
}

static gboolean
bad_tcp_listen_no_port(const Net *n, GError **error)
{
  return sim_tcp_listen(n->a, (SimAddr){0, 0}, NULL, NULL, error) >= 0;
}

static gboolean
bad_tcp_connect_no_remote(const Net *n, GError **error)
{
  return sim_tcp_connect(n->a, (SimAddr){0, 0}, (SimAddr){0, 80}, NULL, NULL, error) >= 0;
}

static gboolean
bad_pcap_dev(const Net *n, GError **error)
{
  return sim_pcap_enable(-1, "/tmp/x.pcap", error);
}

static const BadCall bad_calls[] = {
  {"second world", SIM_ERROR_STATE, bad_setup_twice},
  {"host without name", SIM_ERROR_INVALID, bad_host_no_name},
  {"host with empty name", SIM_ERROR_INVALID, bad_host_empty_name},
  {"duplicate node name", SIM_ERROR_RESOURCE, bad_host_dup_name},
  {"router without callback", SIM_ERROR_INVALID, bad_router_no_recv},
  {"link to a missing node", SIM_ERROR_INVALID, bad_link_node},
  {"link from node -1", SIM_ERROR_INVALID, bad_link_negative_node},
  {"link to itself", SIM_ERROR_INVALID, bad_link_self},
  {"link rate 0", SIM_ERROR_INVALID, bad_link_rate},
  {"link without params", SIM_ERROR_INVALID, bad_link_null_params},
  {"loss above 1", SIM_ERROR_INVALID, bad_link_loss},
  {"loss NaN", SIM_ERROR_INVALID, bad_link_loss_nan},
  {"loss without a stream", SIM_ERROR_INVALID, bad_link_loss_no_stream},
  {"mtu 20", SIM_ERROR_INVALID, bad_link_mtu},
  {"negative delay", SIM_ERROR_INVALID, bad_link_delay},
  {"address on a router device", SIM_ERROR_INVALID, bad_addr_on_router},
  {"prefix 33", SIM_ERROR_INVALID, bad_addr_prefix},
  {"address 0.0.0.0", SIM_ERROR_INVALID, bad_addr_zero},
  {"duplicate address", SIM_ERROR_RESOURCE, bad_addr_dup},
  {"address on a missing device", SIM_ERROR_INVALID, bad_addr_dev},
  {"route with host bits", SIM_ERROR_INVALID, bad_route_bits},
  {"route on a router", SIM_ERROR_INVALID, bad_route_router},
  {"route via another node's device", SIM_ERROR_INVALID, bad_route_foreign_dev},
  {"forwarding on a router", SIM_ERROR_INVALID, bad_forwarding_router},
  {"UDP socket on a router", SIM_ERROR_INVALID, bad_udp_on_router},
  {"UDP bound to another host's address", SIM_ERROR_INVALID, bad_udp_foreign_addr},
  {"UDP port taken", SIM_ERROR_RESOURCE, bad_udp_port_taken},
  {"TCP listen without port", SIM_ERROR_INVALID, bad_tcp_listen_no_port},
  {"TCP connect without remote address", SIM_ERROR_INVALID, bad_tcp_connect_no_remote},
  {"pcap on device -1", SIM_ERROR_INVALID, bad_pcap_dev},
};

/* A TCP listener nobody connects to, so that its callbacks never run. */
static const SimSockOps listener_ops = {.accepted = NULL};

static void
test_validation_returns_errors(void)
{
  g_autoptr(GError) error = NULL;
  guint8 ip[40] = {0x45};
  Net n;

  tu_world(1);
  net_build(&n, TRUE, link_params(10000000, SIM_MS(1), 0, 0), NULL);
  SimSock u = sim_udp_open(n.a, (SimAddr){0, PORT}, &rx_ops, NULL, &error);
  SimSock l = sim_tcp_listen(n.a, (SimAddr){0, 80}, &listener_ops, NULL, &error);
  g_assert_no_error(error);
  for (gsize i = 0; i < G_N_ELEMENTS(bad_calls); i++) {
    g_test_message("%s", bad_calls[i].what);
    g_assert_false(bad_calls[i].call(&n, &error));
    g_assert_error(error, SIM_ERROR, (gint)bad_calls[i].code);
    g_assert_nonnull(strstr(error->message, "sim_"));
    g_clear_error(&error);
  }
  /* Calls without GError: FALSE, 0, -1 or nothing, never a crash. */
  g_assert_false(sim_dev_send_ip(n.a_dev, ip, sizeof ip));       /* host device */
  g_assert_false(sim_dev_send_ip(n.fwd.dev[1], ip, 19));         /* shorter than a header */
  g_assert_false(sim_dev_send_ip(n.fwd.dev[1], NULL, 40));
  g_assert_false(sim_dev_send_ip(999, ip, sizeof ip));
  g_assert_false(sim_dev_can_send(-1));
  g_assert_cmpint(sim_dev_node(999), ==, -1);
  g_assert_cmpint(sim_dev_peer(-3), ==, -1);
  g_assert_cmpuint(sim_dev_mtu(999), ==, 0);
  g_assert_null(sim_node_name(17));
  g_assert_false(sim_node_is_host(n.r));
  g_assert_false(sim_udp_send(l, (SimAddr){B_ADDR, 1}, ip, 1));  /* TCP listener */
  g_assert_false(sim_udp_send(u, (SimAddr){B_ADDR, 0}, ip, 1));  /* port 0 */
  g_assert_false(sim_udp_send(u, (SimAddr){B_ADDR, 1}, NULL, 5));
  g_assert_false(sim_udp_send(u, (SimAddr){B_ADDR, 1}, ip, 70000));
  g_assert_false(sim_udp_send(-1, (SimAddr){B_ADDR, 1}, ip, 1));
  g_assert_cmpuint(sim_tcp_send(u, ip, 1), ==, 0);                /* UDP socket */
  g_assert_cmpuint(sim_tcp_send(l, ip, 1), ==, 0);                /* listener */
  g_assert_cmpuint(sim_tcp_send_space(12345), ==, 0);
  g_assert_false(sim_sock_set_tos(-1, 0));
  g_assert_cmpuint(sim_sock_local(99).port, ==, 0);
  sim_sock_set_ops(99, NULL, NULL);
  sim_sock_close(-1);
  sim_sock_close(99);
  sim_run(SIM_MS(10));
  net_clear(&n);
  sim_reset();
  sim_reset(); /* twice: harmless */
}

static void
test_addr_parse_format(void)
{
  static const struct {
    const char *text; /* input */
    gboolean ok;      /* parses */
    guint32 addr;     /* value if it does */
  } cases[] = {
    {"192.168.1.50", TRUE, ADDR(192, 168, 1, 50)}, {"0.0.0.0", TRUE, 0},
    {"255.255.255.255", TRUE, G_MAXUINT32},       {"256.1.1.1", FALSE, 0},
    {"1.2.3", FALSE, 0},                          {"1.2.3.4.5", FALSE, 0},
    {"1..2.3", FALSE, 0},                         {" 1.2.3.4", FALSE, 0},
    {"1.2.3.4 ", FALSE, 0},                       {"0001.2.3.4", FALSE, 0},
    {"", FALSE, 0},                               {"-1.2.3.4", FALSE, 0},
  };
  char buf[16];

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    guint32 a = 0xdeadbeef;
    g_assert_cmpint(sim_addr_parse(cases[i].text, &a), ==, cases[i].ok);
    if (cases[i].ok) {
      g_assert_cmphex(a, ==, cases[i].addr);
      g_assert_cmpstr(sim_addr_format(a, buf), ==, cases[i].text);
    }
  }
  g_assert_false(sim_addr_parse(NULL, NULL));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/engine/events/equal-time-run-in-insertion-order",
                  test_events_equal_time_in_insertion_order);
  g_test_add_func("/engine/events/cancel-is-o1-and-stale-ids-are-harmless", test_events_cancel);
  g_test_add_func("/engine/events/run-until-includes-the-horizon",
                  test_events_run_until_is_inclusive);
  g_test_add_func("/engine/determinism/same-seed-same-trace-other-seed-differs",
                  test_determinism_same_seed_same_trace);
  g_test_add_func("/engine/reset/leaves-no-state", test_reset_leaves_no_state);
  g_test_add_func("/engine/rand/streams-derive-from-params-only",
                  test_rand_streams_from_params_only);
  g_test_add_func("/engine/validation/before-setup-is-an-error", test_validation_before_setup);
  g_test_add_func("/engine/validation/bad-arguments-return-errors",
                  test_validation_returns_errors);
  g_test_add_func("/engine/addr/parse-and-format", test_addr_parse_format);
  return g_test_run();
}
