/* test-engine-net.c — packets through the engine (sim.h on ns-3): link timing to the nanosecond,
 * stackless routers and their idle callback, host forwarding, UDP checksums and addresses, TCP
 * through a C forwarder, and pcap output. */
#include <glib/gstdio.h>
#include <string.h>

#include "test-engine-topo.h"

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

/* A connection attempt whose SYNs never reach the server is given up: ns-3 answers Close() in
 * SYN_SENT with a bare RST, which reaches B's listener before any SYN has.  RFC 9293 §3.10.7.2: a
 * LISTEN socket ignores it and keeps accepting.  ns-3 3.37 armed the listener's zero-window
 * persist timer instead, and its expiry 6 s later dereferenced an empty send buffer (segfault,
 * first seen with the tls-reporter ALG and the nat-aware PBX). */

typedef struct {
  Net n;            /* A -- r -- B */
  SimSock first;    /* A's attempt whose SYNs are lost */
  guint rst_passed; /* packets r forwarded after the first attempt was given up */
  int second;       /* the later attempt: 1 connected, -1 failed, 0 not yet */
  guint accepted;   /* connections B accepted */
} Stray;

static void
stray_connected(void *ctx, SimSock sock, gboolean ok)
{
  ((Stray *)ctx)->second = ok ? 1 : -1;
}

static void
stray_accepted(void *ctx, SimSock listener, SimSock conn, SimAddr peer)
{
  ((Stray *)ctx)->accepted++;
}

static const SimSockOps stray_client_ops = {.connected = stray_connected};
static const SimSockOps stray_server_ops = {.accepted = stray_accepted};

static void
stray_connect(Stray *s, SimSock *out)
{
  g_autoptr(GError) error = NULL;
  *out = sim_tcp_connect(s->n.a, (SimAddr){A_ADDR, 0}, (SimAddr){B_ADDR, 80}, &stray_client_ops,
                         s, &error);
  g_assert_no_error(error);
}

static void
stray_first(void *data)
{
  Stray *s = data;
  stray_connect(s, &s->first);
}

static void
stray_give_up(void *data)
{
  Stray *s = data;
  s->n.fwd.blackhole = FALSE;
  s->n.fwd.forwarded = 0;
  sim_sock_close(s->first); /* SYN_SENT: ns-3 sends a bare RST */
}

static void
stray_second(void *data)
{
  Stray *s = data;
  SimSock second;
  s->rst_passed = s->n.fwd.forwarded;
  stray_connect(s, &second);
}

static void
test_tcp_listener_ignores_stray_rst(void)
{
  g_autoptr(GError) error = NULL;
  Stray s = {0};

  tu_world(1);
  net_build(&s.n, TRUE, link_params(10000000, SIM_MS(5), 0, 0), NULL);
  g_assert_cmpint(sim_tcp_listen(s.n.b, (SimAddr){B_ADDR, 80}, &stray_server_ops, &s, &error), >=,
                  0);
  g_assert_no_error(error);
  s.n.fwd.blackhole = TRUE;
  sim_schedule_at(SIM_MS(1), stray_first, &s);
  sim_schedule_at(SIM_S(2), stray_give_up, &s);
  sim_schedule_at(SIM_S(30), stray_second, &s);
  sim_run(SIM_S(60)); /* the persist timer would have fired at about 8 s */
  g_assert_cmpuint(s.rst_passed, ==, 1);
  g_assert_cmpint(s.second, ==, 1);
  g_assert_cmpuint(s.accepted, ==, 1);
  net_clear(&s.n);
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

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
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
  g_test_add_func("/engine/tcp/listener-ignores-stray-rst", test_tcp_listener_ignores_stray_rst);
  g_test_add_func("/engine/pcap/file-written-as-ppp", test_pcap_written_as_ppp);
  return g_test_run();
}
