/* test-engine.c — the engine (sim.h on ns-3): event order and cancellation, link timing to the
 * nanosecond, hosts and stackless routers, UDP and TCP through a C forwarder, checksums,
 * argument validation, determinism across sim_reset(), the idle callback and pcap output. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "test-util.h"

#define ADDR(a, b, c, d) ((guint32)(a) << 24 | (guint32)(b) << 16 | (guint32)(c) << 8 | (guint32)(d))
#define A_ADDR ADDR(10, 0, 1, 2)  /* host A, behind the router's first device */
#define A_GW ADDR(10, 0, 1, 1)    /* router side of A's link */
#define B_ADDR ADDR(10, 0, 2, 2)  /* host B, behind the router's second device */
#define B_ADDR2 ADDR(10, 0, 2, 3) /* B's second address on the same device */
#define B_GW ADDR(10, 0, 2, 1)    /* router side of B's link */
#define PORT 5000

/* ---- A tiny stackless forwarder: two devices, a FIFO per output, optional corruption ---------- */

typedef struct {
  SimDev dev[2];      /* the router's devices: [0] towards A, [1] towards B */
  GQueue q[2];        /* packets waiting for device [i] (GBytes) */
  guint forwarded;    /* packets handed to a device */
  int corrupt_offset; /* >= 0: flip this byte of the next packet (counted from the end if < 0) */
  gboolean corrupt;   /* corrupt the next packet */
  guint8 last_tos;    /* TOS byte of the last packet seen */
  gboolean blackhole; /* drop everything */
} Fwd;

static void
fwd_drain(Fwd *f, int out)
{
  while (!g_queue_is_empty(&f->q[out]) && sim_dev_can_send(f->dev[out])) {
    g_autoptr(GBytes) b = g_queue_pop_head(&f->q[out]);
    gsize len;
    const guint8 *ip = g_bytes_get_data(b, &len);
    g_assert_true(sim_dev_send_ip(f->dev[out], ip, len));
    f->forwarded++;
  }
}

static void
fwd_idle(void *ctx, SimDev dev)
{
  Fwd *f = ctx;
  fwd_drain(f, dev == f->dev[0] ? 0 : 1);
}

static void
fwd_recv(void *ctx, SimDev dev, guint8 *ip, gsize len)
{
  Fwd *f = ctx;
  int out = dev == f->dev[0] ? 1 : 0;

  f->last_tos = ip[1];
  if (f->blackhole)
    return;
  if (f->corrupt) {
    f->corrupt = FALSE;
    ip[f->corrupt_offset >= 0 ? (gsize)f->corrupt_offset : len - 1] ^= 0x5a;
  }
  g_queue_push_tail(&f->q[out], g_bytes_new(ip, len));
  fwd_drain(f, out);
}

/* ---- Topologies ------------------------------------------------------------------------------- */

typedef struct {
  SimNode a, b, r; /* hosts A and B, router r (-1 when A and B share a link) */
  SimDev a_dev;    /* A's device */
  SimDev b_dev;    /* B's device */
  Fwd fwd;         /* the router's state */
} Net;

static SimLinkParams
link_params(guint64 rate, SimTime delay, guint32 qa, guint32 qb)
{
  SimLinkParams p = {.rate_ab_bps = rate, .rate_ba_bps = rate, .delay = delay,
                     .queue_a_pkts = qa, .queue_b_pkts = qb};
  return p;
}

static void
net_host_setup(SimNode host, SimDev dev, guint32 addr, guint8 prefix, guint32 gw)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(sim_host_add_address(dev, addr, prefix, &error));
  g_assert_no_error(error);
  g_assert_true(sim_host_add_route(host, 0, 0, gw, dev, &error));
  g_assert_no_error(error);
}

/* A -- B on one link, or A -- r -- B with the C forwarder.  `b_link` overrides the r--B link. */
static void
net_build(Net *n, gboolean via_router, SimLinkParams a_link, const SimLinkParams *b_link)
{
  g_autoptr(GError) error = NULL;

  memset(n, 0, sizeof *n);
  n->a = sim_host_new("a", &error);
  n->b = sim_host_new("b", &error);
  g_assert_no_error(error);
  if (!via_router) {
    n->r = -1;
    g_assert_true(sim_link_new(n->a, n->b, &a_link, &n->a_dev, &n->b_dev, &error));
    net_host_setup(n->a, n->a_dev, A_ADDR, 16, 0);
    net_host_setup(n->b, n->b_dev, B_ADDR, 16, 0);
    return;
  }
  n->r = sim_router_new("r", fwd_recv, &n->fwd, &error);
  g_assert_no_error(error);
  a_link.queue_b_pkts = 1;
  g_assert_true(sim_link_new(n->a, n->r, &a_link, &n->a_dev, &n->fwd.dev[0], &error));
  SimLinkParams bl = b_link ? *b_link : a_link;
  bl.queue_a_pkts = 1;
  g_assert_true(sim_link_new(n->r, n->b, &bl, &n->fwd.dev[1], &n->b_dev, &error));
  g_assert_no_error(error);
  sim_dev_set_idle_cb(n->fwd.dev[0], fwd_idle, &n->fwd);
  sim_dev_set_idle_cb(n->fwd.dev[1], fwd_idle, &n->fwd);
  net_host_setup(n->a, n->a_dev, A_ADDR, 24, A_GW);
  net_host_setup(n->b, n->b_dev, B_ADDR, 24, B_GW);
}

static void
net_clear(Net *n)
{
  for (int i = 0; i < 2; i++)
    g_queue_clear_full(&n->fwd.q[i], (GDestroyNotify)g_bytes_unref);
}

/* ---- UDP helpers -------------------------------------------------------------------------------- */

typedef struct {
  GArray *times;   /* arrival time of each datagram (SimTime) */
  GArray *lens;    /* length of each datagram (gsize) */
  SimAddr from;    /* source of the last datagram */
  guint8 last[64]; /* first bytes of the last datagram */
  gboolean close_on_recv; /* close the socket from inside the first recv */
} Rx;

static void
rx_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Rx *rx = ctx;
  SimTime now = sim_now();

  g_array_append_val(rx->times, now);
  g_array_append_val(rx->lens, len);
  rx->from = from;
  memcpy(rx->last, data, MIN(len, sizeof rx->last));
  sim_trace("test", "rx len=%zu from=%u:%u first=%u", len, from.addr, from.port,
            len ? data[0] : 0);
  if (rx->close_on_recv)
    sim_sock_close(sock);
}

static void
rx_init(Rx *rx)
{
  memset(rx, 0, sizeof *rx);
  rx->times = g_array_new(FALSE, FALSE, sizeof(SimTime));
  rx->lens = g_array_new(FALSE, FALSE, sizeof(gsize));
}

static void
rx_clear(Rx *rx)
{
  g_array_unref(rx->times);
  g_array_unref(rx->lens);
}

static const SimSockOps rx_ops = {.recv = rx_recv};

typedef struct {
  SimSock sock;  /* sending socket */
  SimAddr to;    /* destination */
  gsize len;     /* datagram size */
  guint count;   /* datagrams to send at once */
} TxJob;

static void
tx_job(void *data)
{
  TxJob *job = data;
  guint8 buf[2000];

  for (guint i = 0; i < job->count; i++) {
    memset(buf, (int)(i & 0xff), sizeof buf);
    g_assert_true(sim_udp_send(job->sock, job->to, buf, job->len));
  }
}

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

/* ---- Link timing -------------------------------------------------------------------------------- */

typedef struct {
  const char *what;   /* description */
  gboolean via_router; /* through the stackless C forwarder */
  gsize payload;      /* UDP payload bytes */
  guint64 rate;       /* bit/s */
  SimTime delay;      /* propagation delay */
} TimingCase;

static const TimingCase timing_cases[] = {
  {"direct, 8 Mbit/s", FALSE, 100, 8000000, SIM_MS(10)},
  {"direct, 1 Gbit/s, empty datagram", FALSE, 0, 1000000000, SIM_US(1)},
  {"direct, 1 Mbit/s, 1472 bytes", FALSE, 1472, 1000000, SIM_NS(123457)},
  {"via C router, 8 Mbit/s", TRUE, 100, 8000000, SIM_MS(10)},
  {"via C router, 100 Mbit/s", TRUE, 1000, 100000000, SIM_MS(3)},
};

static void
test_link_udp_timing_exact(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(timing_cases); i++) {
    const TimingCase *c = &timing_cases[i];
    g_autoptr(GError) error = NULL;
    Net n;
    Rx rx;

    tu_world(1);
    rx_init(&rx);
    net_build(&n, c->via_router, link_params(c->rate, c->delay, 0, 0), NULL);
    SimSock rs = sim_udp_open(n.b, (SimAddr){0, PORT}, &rx_ops, &rx, &error);
    SimSock ts = sim_udp_open(n.a, (SimAddr){0, 0}, &rx_ops, NULL, &error);
    g_assert_no_error(error);
    TxJob job = {ts, {B_ADDR, PORT}, c->payload, 1};
    SimTime t0 = SIM_MS(1);
    sim_schedule_at(t0, tx_job, &job);
    sim_run(SIM_S(10));
    g_test_message("%s", c->what);
    g_assert_cmpuint(rx.times->len, ==, 1);
    /* Serialization of payload + 20 IPv4 + 8 UDP + 2 PPP bytes, plus propagation, per hop. */
    guint64 bits = (c->payload + 30) * 8;
    SimTime hop = (SimTime)(bits * 1000000000ULL / c->rate) + c->delay;
    g_assert_cmpint(g_array_index(rx.times, SimTime, 0), ==, t0 + (c->via_router ? 2 : 1) * hop);
    g_assert_cmpuint(g_array_index(rx.lens, gsize, 0), ==, c->payload);
    g_assert_cmpuint(rx.from.addr, ==, A_ADDR);
    g_assert_cmpuint(rx.from.port, ==, sim_sock_local(ts).port);
    g_assert_cmpuint(sim_sock_local(rs).port, ==, PORT);
    rx_clear(&rx);
    net_clear(&n);
    sim_reset();
  }
}

static void
test_link_asymmetric_delay(void)
{
  g_autoptr(GError) error = NULL;
  Net n;
  Rx rx_a, rx_b;

  tu_world(1);
  rx_init(&rx_a);
  rx_init(&rx_b);
  SimLinkParams p = link_params(8000000, SIM_MS(5), 0, 0);
  p.rate_ba_bps = 1000000;
  p.delay_ba = SIM_MS(20);
  net_build(&n, FALSE, p, NULL);
  SimSock sa = sim_udp_open(n.a, (SimAddr){A_ADDR, PORT}, &rx_ops, &rx_a, &error);
  SimSock sb = sim_udp_open(n.b, (SimAddr){B_ADDR, PORT}, &rx_ops, &rx_b, &error);
  g_assert_no_error(error);
  TxJob ja = {sa, {B_ADDR, PORT}, 70, 1}, jb = {sb, {A_ADDR, PORT}, 70, 1};
  sim_schedule_at(SIM_MS(1), tx_job, &ja);
  sim_schedule_at(SIM_MS(1), tx_job, &jb);
  sim_run(SIM_TIME_NEVER);
  g_assert_cmpuint(rx_a.times->len, ==, 1);
  g_assert_cmpuint(rx_b.times->len, ==, 1);
  g_assert_cmpint(g_array_index(rx_b.times, SimTime, 0), ==, SIM_MS(1) + 100 * 1000 + SIM_MS(5));
  g_assert_cmpint(g_array_index(rx_a.times, SimTime, 0), ==, SIM_MS(1) + 100 * 8000 + SIM_MS(20));
  g_assert_cmpuint(sim_dev_rate_bps(n.a_dev), ==, 8000000);
  g_assert_cmpuint(sim_dev_rate_bps(n.b_dev), ==, 1000000);
  g_assert_cmpint(sim_dev_peer(n.a_dev), ==, n.b_dev);
  g_assert_cmpint(sim_dev_node(n.b_dev), ==, n.b);
  g_assert_cmpuint(sim_dev_mtu(n.a_dev), ==, 1500);
  rx_clear(&rx_a);
  rx_clear(&rx_b);
  sim_reset();
}

/* ---- Idle callback: back-to-back at line rate ------------------------------------------------- */

static void
test_router_idle_callback_keeps_line_busy(void)
{
  g_autoptr(GError) error = NULL;
  Net n;
  Rx rx;
  const guint count = 50;
  const gsize payload = 970; /* 1000 bytes on the wire: 800 us at 10 Mbit/s */

  tu_world(1);
  rx_init(&rx);
  SimLinkParams fast = link_params(1000000000, SIM_US(10), 0, 0);
  SimLinkParams slow = link_params(10000000, SIM_MS(1), 0, 0);
  net_build(&n, TRUE, fast, &slow);
  sim_udp_open(n.b, (SimAddr){0, PORT}, &rx_ops, &rx, &error);
  SimSock ts = sim_udp_open(n.a, (SimAddr){0, 0}, &rx_ops, NULL, &error);
  g_assert_no_error(error);
  TxJob job = {ts, {B_ADDR, PORT}, payload, count};
  sim_schedule_at(SIM_MS(1), tx_job, &job);
  sim_run(SIM_TIME_NEVER);
  g_assert_cmpuint(rx.times->len, ==, count);
  for (guint i = 1; i < count; i++) {
    SimTime gap = g_array_index(rx.times, SimTime, i) - g_array_index(rx.times, SimTime, i - 1);
    g_assert_cmpint(gap, ==, SIM_US(800));
  }
  g_assert_cmpuint(n.fwd.forwarded, ==, count);
  rx_clear(&rx);
  net_clear(&n);
  sim_reset();
}

/* A stackful host between A and B forwards only when told to (Linux ip_forward defaults to 0). */
static void
test_host_forwarding_off_by_default(void)
{
  for (int on = 0; on <= 1; on++) {
    g_autoptr(GError) error = NULL;
    SimDev ad, h0, h1, bd;
    Rx rx;

    tu_world(1);
    rx_init(&rx);
    SimNode a = sim_host_new("a", &error), h = sim_host_new("h", &error);
    SimNode b = sim_host_new("b", &error);
    SimLinkParams lp = link_params(10000000, SIM_MS(1), 0, 0);
    g_assert_true(sim_link_new(a, h, &lp, &ad, &h0, &error));
    g_assert_true(sim_link_new(h, b, &lp, &h1, &bd, &error));
    net_host_setup(a, ad, A_ADDR, 24, A_GW);
    net_host_setup(b, bd, B_ADDR, 24, B_GW);
    g_assert_true(sim_host_add_address(h0, A_GW, 24, &error));
    g_assert_true(sim_host_add_address(h1, B_GW, 24, &error));
    if (on)
      g_assert_true(sim_host_set_forwarding(h, TRUE, &error));
    g_assert_no_error(error);
    sim_udp_open(b, (SimAddr){0, PORT}, &rx_ops, &rx, &error);
    SimSock ts = sim_udp_open(a, (SimAddr){0, 0}, &rx_ops, NULL, &error);
    TxJob job = {ts, {B_ADDR, PORT}, 10, 1};
    sim_schedule_at(SIM_MS(1), tx_job, &job);
    sim_run(SIM_TIME_NEVER);
    g_assert_cmpuint(rx.times->len, ==, (guint)on);
    rx_clear(&rx);
    sim_reset();
  }
}

/* ---- Checksums ------------------------------------------------------------------------------------ */

typedef struct {
  const char *what;   /* description */
  int offset;         /* byte to flip; -1: the last payload byte; -2: none */
  guint expected;     /* datagrams delivered out of 3 */
} CorruptCase;

static const CorruptCase corrupt_cases[] = {
  {"no corruption: all delivered", -2, 3},
  {"UDP payload byte flipped: UDP checksum drops it", -1, 2},
  {"IPv4 TTL flipped: header checksum drops it", 8, 2},
  {"UDP source port flipped: UDP checksum drops it", 21, 2},
};

static void
corrupt_second(void *data)
{
  Fwd *f = data;
  f->corrupt = TRUE;
}

static void
test_udp_checksums_verified(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(corrupt_cases); i++) {
    const CorruptCase *c = &corrupt_cases[i];
    g_autoptr(GError) error = NULL;
    Net n;
    Rx rx;

    tu_world(1);
    rx_init(&rx);
    net_build(&n, TRUE, link_params(10000000, SIM_MS(1), 0, 0), NULL);
    sim_udp_open(n.b, (SimAddr){0, PORT}, &rx_ops, &rx, &error);
    SimSock ts = sim_udp_open(n.a, (SimAddr){0, 0}, &rx_ops, NULL, &error);
    g_assert_no_error(error);
    TxJob job = {ts, {B_ADDR, PORT}, 200, 1};
    n.fwd.corrupt_offset = c->offset;
    for (int k = 0; k < 3; k++)
      sim_schedule_at(SIM_MS(10 * (k + 1)), tx_job, &job);
    if (c->offset != -2)
      sim_schedule_at(SIM_MS(15), corrupt_second, &n.fwd);
    sim_run(SIM_TIME_NEVER);
    g_test_message("%s", c->what);
    g_assert_cmpuint(rx.times->len, ==, c->expected);
    rx_clear(&rx);
    net_clear(&n);
    sim_reset();
  }
}

/* ---- Addresses, TOS, close from a callback ------------------------------------------------------ */

static void
test_udp_bound_address_is_source(void)
{
  g_autoptr(GError) error = NULL;
  Net n;
  Rx rx_a, rx_b1, rx_b2;

  tu_world(1);
  rx_init(&rx_a);
  rx_init(&rx_b1);
  rx_init(&rx_b2);
  net_build(&n, TRUE, link_params(10000000, SIM_MS(1), 0, 0), NULL);
  g_assert_true(sim_host_add_address(n.b_dev, B_ADDR2, 24, &error));
  SimSock sa = sim_udp_open(n.a, (SimAddr){A_ADDR, PORT}, &rx_ops, &rx_a, &error);
  SimSock s1 = sim_udp_open(n.b, (SimAddr){B_ADDR, 3478}, &rx_ops, &rx_b1, &error);
  SimSock s2 = sim_udp_open(n.b, (SimAddr){B_ADDR2, 3478}, &rx_ops, &rx_b2, &error);
  g_assert_no_error(error);
  g_assert_true(sim_sock_set_tos(s2, 0xb8));
  TxJob j1 = {s1, {A_ADDR, PORT}, 10, 1}, j2 = {s2, {A_ADDR, PORT}, 10, 1};
  TxJob ja = {sa, {B_ADDR2, 3478}, 10, 1};
  sim_schedule_at(SIM_MS(1), tx_job, &j1);
  sim_schedule_at(SIM_MS(10), tx_job, &j2);
  sim_schedule_at(SIM_MS(20), tx_job, &ja);
  sim_run(SIM_MS(15));
  g_assert_cmpuint(rx_a.times->len, ==, 2);
  g_assert_cmpuint(rx_a.from.addr, ==, B_ADDR2);
  g_assert_cmpuint(rx_a.from.port, ==, 3478);
  g_assert_cmpuint(n.fwd.last_tos, ==, 0xb8);
  sim_run(SIM_TIME_NEVER);
  g_assert_cmpuint(rx_b1.times->len, ==, 0);
  g_assert_cmpuint(rx_b2.times->len, ==, 1);
  g_assert_cmpuint(sim_sock_local(s2).addr, ==, B_ADDR2);
  rx_clear(&rx_a);
  rx_clear(&rx_b1);
  rx_clear(&rx_b2);
  net_clear(&n);
  sim_reset();
}

static void
test_udp_close_inside_callback(void)
{
  g_autoptr(GError) error = NULL;
  Net n;
  Rx rx;

  tu_world(1);
  rx_init(&rx);
  rx.close_on_recv = TRUE;
  net_build(&n, FALSE, link_params(10000000, SIM_MS(1), 0, 0), NULL);
  SimSock rs = sim_udp_open(n.b, (SimAddr){0, PORT}, &rx_ops, &rx, &error);
  SimSock ts = sim_udp_open(n.a, (SimAddr){0, 0}, &rx_ops, NULL, &error);
  g_assert_no_error(error);
  TxJob job = {ts, {B_ADDR, PORT}, 10, 5};
  sim_schedule_at(SIM_MS(1), tx_job, &job);
  sim_run(SIM_TIME_NEVER);
  g_assert_cmpuint(rx.times->len, ==, 1);
  g_assert_false(sim_udp_send(rs, (SimAddr){A_ADDR, 9}, (const guint8 *)"x", 1));
  sim_sock_close(rs); /* again: harmless */
  /* The port is free again. */
  g_assert_cmpint(sim_udp_open(n.b, (SimAddr){0, PORT}, &rx_ops, &rx, &error), >=, 0);
  g_assert_no_error(error);
  rx_clear(&rx);
  sim_reset();
}

/* ---- TCP through the C forwarder --------------------------------------------------------------- */

#define TCP_TOTAL (1024 * 1024)

typedef struct {
  SimSock client;      /* A's connecting socket */
  gsize sent;          /* bytes A's socket accepted */
  gsize received;      /* bytes B received */
  gboolean corrupted;  /* a received byte differed from the pattern */
  int connected;       /* 1 ok, -1 failed, 0 not yet */
  int closed_normal;   /* normal close callbacks at B */
  int closed_error;    /* error close callbacks at B */
  SimAddr peer;        /* peer reported by accept */
} Tcp;

static guint8
pattern(gsize i)
{
  return (guint8)(i * 7 % 251);
}

static void
tcp_push(Tcp *t)
{
  guint8 buf[16384];

  while (t->sent < TCP_TOTAL) {
    gsize n = MIN(sizeof buf, TCP_TOTAL - t->sent);
    for (gsize i = 0; i < n; i++)
      buf[i] = pattern(t->sent + i);
    gsize k = sim_tcp_send(t->client, buf, n);
    t->sent += k;
    if (k < n)
      return; /* wait for the writable callback */
  }
  sim_sock_close(t->client); /* FIN follows the queued bytes */
}

static void
tcp_connected(void *ctx, SimSock sock, gboolean ok)
{
  Tcp *t = ctx;
  t->connected = ok ? 1 : -1;
  sim_trace("test", "connected %d", ok);
  if (ok)
    tcp_push(t);
  else
    sim_sock_close(sock);
}

static void
tcp_writable(void *ctx, SimSock sock, gsize space)
{
  g_assert_cmpuint(space, >, 0);
  tcp_push(ctx);
}

static void
tcp_accepted(void *ctx, SimSock listener, SimSock conn, SimAddr peer)
{
  Tcp *t = ctx;
  t->peer = peer;
  sim_trace("test", "accepted %u:%u", peer.addr, peer.port);
}

static void
tcp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Tcp *t = ctx;
  for (gsize i = 0; i < len; i++)
    if (data[i] != pattern(t->received + i))
      t->corrupted = TRUE;
  t->received += len;
  sim_trace("test", "tcp rx %zu total %zu", len, t->received);
}

static void
tcp_closed(void *ctx, SimSock sock, gboolean error)
{
  Tcp *t = ctx;
  if (error)
    t->closed_error++;
  else
    t->closed_normal++;
  sim_trace("test", "closed %d", error);
  sim_sock_close(sock);
}

static const SimSockOps client_ops = {.connected = tcp_connected, .writable = tcp_writable};
static const SimSockOps server_ops = {
  .accepted = tcp_accepted, .recv = tcp_recv, .closed = tcp_closed};

static void
start_connect(void *data)
{
  Tcp *t = data;
  g_autoptr(GError) error = NULL;
  t->client = sim_tcp_connect(0 /* host a */, (SimAddr){0, 0}, (SimAddr){B_ADDR, 80},
                              &client_ops, t, &error);
  g_assert_no_error(error);
}

/* Runs the 1 MB transfer in a fresh world; returns its trace hash. */
static char *
tcp_transfer(Tcp *t, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  Net n;

  tu_world(seed);
  memset(t, 0, sizeof *t);
  net_build(&n, TRUE, link_params(10000000, SIM_MS(5), 0, 0), NULL);
  g_assert_cmpint(n.a, ==, 0);
  SimSock l = sim_tcp_listen(n.b, (SimAddr){B_ADDR, 80}, &server_ops, t, &error);
  g_assert_no_error(error);
  g_assert_cmpint(l, >=, 0);
  sim_schedule_at(SIM_MS(1), start_connect, t);
  sim_run(SIM_S(60));
  net_clear(&n);
  char *hash = sim_trace_hash();
  sim_reset();
  return hash;
}

static void
test_tcp_transfer_through_c_router(void)
{
  Tcp t;
  g_autofree char *h1 = tcp_transfer(&t, 1);

  g_assert_cmpint(t.connected, ==, 1);
  g_assert_cmpuint(t.sent, ==, TCP_TOTAL);
  g_assert_cmpuint(t.received, ==, TCP_TOTAL);
  g_assert_false(t.corrupted);
  g_assert_cmpint(t.closed_normal, ==, 1);
  g_assert_cmpint(t.closed_error, ==, 0);
  g_assert_cmpuint(t.peer.addr, ==, A_ADDR);
  /* The same world again after sim_reset() gives the same trace. */
  g_autofree char *h2 = tcp_transfer(&t, 1);
  g_assert_cmpstr(h1, ==, h2);
}

static void
test_tcp_connect_refused(void)
{
  Tcp t = {0};
  Net n;

  tu_world(1);
  net_build(&n, TRUE, link_params(10000000, SIM_MS(5), 0, 0), NULL);
  sim_schedule_at(SIM_MS(1), start_connect, &t); /* nobody listens on B:80 */
  sim_run(SIM_S(60));
  g_assert_cmpint(t.connected, ==, -1);
  g_assert_cmpuint(t.sent, ==, 0);
  net_clear(&n);
  sim_reset();
}

typedef struct {
  int connected;     /* 1 ok, -1 failed */
  int closed_error;  /* error close callbacks */
  int closed_normal; /* normal close callbacks */
  SimTime closed_at; /* when the close was reported */
  gsize received;    /* bytes received before closing */
} Conn;

static void
conn_connected(void *ctx, SimSock sock, gboolean ok)
{
  static guint8 block[8000];
  Conn *c = ctx;
  c->connected = ok ? 1 : -1;
  if (ok)
    g_assert_cmpuint(sim_tcp_send(sock, block, sizeof block), ==, sizeof block);
}

static void
conn_closed(void *ctx, SimSock sock, gboolean error)
{
  Conn *c = ctx;
  if (error)
    c->closed_error++;
  else
    c->closed_normal++;
  c->closed_at = sim_now();
  sim_sock_close(sock);
}

static void
conn_recv_then_close(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Conn *c = ctx;
  c->received += len;
  sim_sock_close(sock); /* from inside the callback: no more callbacks for this socket */
}

static const SimSockOps conn_client_ops = {.connected = conn_connected, .closed = conn_closed};
static const SimSockOps conn_server_ops = {.recv = conn_recv_then_close, .closed = conn_closed};

static void
blackhole_on(void *data)
{
  ((Fwd *)data)->blackhole = TRUE;
}

/* Builds A -- r -- B, listens on B:80 with `server`, connects from A with the client ops. */
static void
conn_setup(Net *n, Conn *client, Conn *server)
{
  g_autoptr(GError) error = NULL;

  tu_world(1);
  memset(client, 0, sizeof *client);
  memset(server, 0, sizeof *server);
  net_build(n, TRUE, link_params(10000000, SIM_MS(5), 0, 0), NULL);
  g_assert_cmpint(sim_tcp_listen(n->b, (SimAddr){0, 80}, &conn_server_ops, server, &error), >=, 0);
  g_assert_cmpint(sim_tcp_connect(n->a, (SimAddr){A_ADDR, 0}, (SimAddr){B_ADDR, 80},
                                  &conn_client_ops, client, &error), >=, 0);
  g_assert_no_error(error);
}

static void
test_tcp_timeout_reports_error_close(void)
{
  Conn client, server;
  Net n;

  conn_setup(&n, &client, &server);
  /* The handshake completes at about 20 ms; then the path goes dark and the data never gets
   * through: retransmissions run out and the connection ends with an error. */
  sim_schedule_at(SIM_MS(25), blackhole_on, &n.fwd);
  server.received = 0;
  sim_run(SIM_S(600));
  g_assert_cmpint(client.connected, ==, 1);
  g_assert_cmpint(client.closed_error, ==, 1);
  g_assert_cmpint(client.closed_normal, ==, 0);
  g_assert_cmpint(client.closed_at, >, SIM_S(5));
  net_clear(&n);
  sim_reset();
}

static void
test_tcp_close_inside_recv_callback(void)
{
  Conn client, server;
  Net n;

  conn_setup(&n, &client, &server);
  sim_run(SIM_S(60));
  g_assert_cmpint(client.connected, ==, 1);
  g_assert_cmpuint(server.received, >, 0);
  g_assert_cmpuint(server.received, <=, 8000);
  /* The server closed with unread data, so its peer is told, normally or by a reset. */
  g_assert_cmpint(client.closed_error + client.closed_normal, ==, 1);
  g_assert_cmpint(server.closed_error + server.closed_normal, ==, 0);
  net_clear(&n);
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

/* ---- pcap ---------------------------------------------------------------------------------------- */

static void
test_pcap_written_as_ppp(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("engine-pcap-XXXXXX", &error);
  g_autofree char *path = g_build_filename(dir, "a.pcap", NULL);
  g_autofree char *bad = g_build_filename(dir, "missing", "a.pcap", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  Net n;
  Rx rx;

  tu_world(1);
  rx_init(&rx);
  net_build(&n, FALSE, link_params(10000000, SIM_MS(1), 0, 0), NULL);
  g_assert_true(sim_pcap_enable(n.a_dev, path, &error));
  g_assert_no_error(error);
  g_assert_false(sim_pcap_enable(n.a_dev, bad, &error));
  g_assert_error(error, SIM_ERROR, SIM_ERROR_RESOURCE);
  g_clear_error(&error);
  sim_udp_open(n.b, (SimAddr){0, PORT}, &rx_ops, &rx, &error);
  SimSock ts = sim_udp_open(n.a, (SimAddr){0, 0}, &rx_ops, NULL, &error);
  TxJob job = {ts, {B_ADDR, PORT}, 100, 3};
  sim_schedule_at(SIM_MS(1), tx_job, &job);
  sim_run(SIM_TIME_NEVER);
  sim_reset(); /* closes the file */
  g_assert_true(g_file_get_contents(path, &contents, &len, &error));
  /* Global header (24) + 3 x (record header 16 + PPP 2 + IPv4 20 + UDP 8 + 100). */
  g_assert_cmpuint(len, ==, 24 + 3 * (16 + 2 + 20 + 8 + 100));
  guint32 magic, linktype;
  memcpy(&magic, contents, 4);
  memcpy(&linktype, contents + 20, 4);
  g_assert_cmphex(magic, ==, 0xa1b2c3d4);
  g_assert_cmpuint(linktype, ==, 9); /* DLT_PPP */
  g_assert_cmphex((guint8)contents[24 + 16 + 1], ==, 0x21); /* PPP protocol: IPv4 */
  rx_clear(&rx);
  g_unlink(path);
  g_rmdir(dir);
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

static void
test_validation_returns_errors(void)
{
  g_autoptr(GError) error = NULL;
  guint8 ip[40] = {0x45};
  Net n;

  tu_world(1);
  net_build(&n, TRUE, link_params(10000000, SIM_MS(1), 0, 0), NULL);
  SimSock u = sim_udp_open(n.a, (SimAddr){0, PORT}, &rx_ops, NULL, &error);
  SimSock l = sim_tcp_listen(n.a, (SimAddr){0, 80}, &server_ops, NULL, &error);
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
  g_test_add_func("/engine/link/udp-arrives-after-exact-serialization-and-delay",
                  test_link_udp_timing_exact);
  g_test_add_func("/engine/link/rate-and-delay-per-direction", test_link_asymmetric_delay);
  g_test_add_func("/engine/router/idle-callback-keeps-line-busy",
                  test_router_idle_callback_keeps_line_busy);
  g_test_add_func("/engine/host/forwards-only-when-enabled", test_host_forwarding_off_by_default);
  g_test_add_func("/engine/udp/corrupted-packets-fail-checksums", test_udp_checksums_verified);
  g_test_add_func("/engine/udp/bound-address-is-the-source", test_udp_bound_address_is_source);
  g_test_add_func("/engine/udp/close-inside-recv-callback", test_udp_close_inside_callback);
  g_test_add_func("/engine/tcp/1mb-through-c-router-exact-and-closed",
                  test_tcp_transfer_through_c_router);
  g_test_add_func("/engine/tcp/connect-refused-reports-failure", test_tcp_connect_refused);
  g_test_add_func("/engine/tcp/retransmission-timeout-reports-error-close",
                  test_tcp_timeout_reports_error_close);
  g_test_add_func("/engine/tcp/close-inside-recv-callback", test_tcp_close_inside_recv_callback);
  g_test_add_func("/engine/determinism/same-seed-same-trace-other-seed-differs",
                  test_determinism_same_seed_same_trace);
  g_test_add_func("/engine/reset/leaves-no-state", test_reset_leaves_no_state);
  g_test_add_func("/engine/rand/streams-derive-from-params-only",
                  test_rand_streams_from_params_only);
  g_test_add_func("/engine/pcap/file-written-as-ppp", test_pcap_written_as_ppp);
  g_test_add_func("/engine/validation/before-setup-is-an-error", test_validation_before_setup);
  g_test_add_func("/engine/validation/bad-arguments-return-errors",
                  test_validation_returns_errors);
  g_test_add_func("/engine/addr/parse-and-format", test_addr_parse_format);
  return g_test_run();
}
