/* test-router.c — the home router through the simulator: hosts built by hand with sim.h
 * (phone A and LAN host B - router - server S, and a raw-packet injector on the LAN), UDP both
 * ways, a TCP transfer through the NAT while a test ALG changes payload lengths in both
 * directions (sequence adjustment), hairpinning between two LAN hosts (with APDF hole punching),
 * fragments with WAN MTU 1500 under each router.fragments policy, DF and ICMP
 * fragmentation-needed, table overflow, a scheduled reboot, extra access delay, and identical
 * traces for identical seeds. */
#include <string.h>

#include "nat/nat.h"
#include "router.h"
#include "test-util.h"

#define A_ADDR 0xc0a80132u   /* 192.168.1.50 */
#define B_ADDR 0xc0a80133u   /* 192.168.1.51 */
#define INJ_ADDR 0xc0a8013cu /* 192.168.1.60 */
#define PUBLIC 0xcb007102u   /* 203.0.113.2 */
#define S_ADDR 0xcb00710au   /* 203.0.113.10 */

typedef struct {
  guint n;           /* datagrams received */
  gsize bytes;       /* bytes received */
  gsize last_len;    /* length of the last one */
  SimAddr from;      /* source of the last one */
  SimTime at;        /* arrival time of the last one */
  gboolean echo;     /* send each datagram back to its source */
  gsize echo_len;    /* echo this many bytes (0: the same length) */
} Rx;

typedef struct {
  Router *r;                 /* the router */
  SimNode a, b, s, inj;      /* hosts and the injector (-1 if absent) */
  SimDev a_dev, b_dev, s_dev, inj_dev; /* their devices */
  SimDev r_a, r_b, r_w, r_inj; /* the router's devices */
  SimSock sa, sb, ss;        /* UDP sockets on A:5000, B:6000, S:5060 */
  Rx rx_a, rx_b, rx_s;       /* what they received */
  GPtrArray *injected;       /* packets the injector received (GBytes) */
} World;

static World *current; /* for socket callbacks that need the world */

static void
rx_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Rx *rx = ctx;
  rx->n++;
  rx->bytes += len;
  rx->last_len = len;
  rx->from = from;
  rx->at = sim_now();
  if (rx->echo) {
    gsize n = rx->echo_len ? rx->echo_len : len;
    g_autofree guint8 *buf = g_malloc0(n);
    sim_udp_send(sock, from, buf, n);
  }
}

static const SimSockOps udp_ops = { .recv = rx_recv };

static void
inj_recv(void *ctx, SimDev dev, guint8 *ip, gsize len)
{
  World *w = ctx;
  g_ptr_array_add(w->injected, g_bytes_new(ip, len));
}

static void
host_setup(SimNode host, SimDev dev, guint32 addr)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(sim_host_add_address(dev, addr, 24, &error));
  g_assert_true(sim_host_add_route(host, 0, 0, 0, dev, &error));
  g_assert_no_error(error);
}

static SimLinkParams
link_params(guint64 rate, SimTime delay, guint32 mtu)
{
  SimLinkParams p = { .rate_ab_bps = rate, .rate_ba_bps = rate, .delay = delay, .mtu = mtu,
                      .queue_b_pkts = 1 };
  return p;
}

/* A (and B, and the injector) - router - S.  lan_mtu is A's link MTU. */
static World *
world_new(guint64 seed, const Config *cfg, guint32 lan_mtu)
{
  tu_world(seed);
  g_autoptr(GError) error = NULL;
  World *w = g_new0(World, 1);
  current = w;
  w->injected = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  RouterSetup setup = { .name = "home", .nat_group = "nat", .index = 0, .uplink_queue = TRUE };
  w->r = router_new(cfg, &setup, &error);
  g_assert_no_error(error);
  SimNode rn = router_node(w->r);
  w->a = sim_host_new("a", &error);
  w->b = sim_host_new("b", &error);
  w->s = sim_host_new("s", &error);
  w->inj = sim_router_new("inj", inj_recv, w, &error);
  g_assert_no_error(error);
  /* Router sides get a one-packet device queue (sim.h); the router queues itself. */
  SimLinkParams la = link_params(100000000, SIM_MS(1), lan_mtu);
  SimLinkParams lb = link_params(100000000, SIM_MS(1), 0);
  SimLinkParams lw = link_params(10000000, SIM_MS(5), 0);
  lw.queue_b_pkts = 0;
  lw.queue_a_pkts = 1;
  g_assert_true(sim_link_new(w->a, rn, &la, &w->a_dev, &w->r_a, &error));
  g_assert_true(sim_link_new(w->b, rn, &lb, &w->b_dev, &w->r_b, &error));
  g_assert_true(sim_link_new(w->inj, rn, &lb, &w->inj_dev, &w->r_inj, &error));
  g_assert_true(sim_link_new(rn, w->s, &lw, &w->r_w, &w->s_dev, &error));
  g_assert_no_error(error);
  host_setup(w->a, w->a_dev, A_ADDR);
  host_setup(w->b, w->b_dev, B_ADDR);
  host_setup(w->s, w->s_dev, S_ADDR);
  g_assert_true(router_add_lan(w->r, w->r_a, A_ADDR, 32, &error));
  g_assert_true(router_add_lan(w->r, w->r_b, B_ADDR, 32, &error));
  g_assert_true(router_add_lan(w->r, w->r_inj, INJ_ADDR, 32, &error));
  g_assert_true(router_set_wan(w->r, w->r_w, PUBLIC, &error));
  w->sa = sim_udp_open(w->a, (SimAddr){ 0, 5000 }, &udp_ops, &w->rx_a, &error);
  w->sb = sim_udp_open(w->b, (SimAddr){ 0, 6000 }, &udp_ops, &w->rx_b, &error);
  w->ss = sim_udp_open(w->s, (SimAddr){ 0, 5060 }, &udp_ops, &w->rx_s, &error);
  g_assert_no_error(error);
  return w;
}

static void
world_free(World *w)
{
  router_free(w->r);
  g_ptr_array_unref(w->injected);
  g_free(w);
  current = NULL;
  sim_reset();
}

/* A datagram to send at a time. */
typedef struct {
  SimSock sock;   /* from */
  SimAddr to;     /* to */
  gsize len;      /* bytes */
} Send;

static void
send_fire(void *p)
{
  Send *s = p;
  g_autofree guint8 *buf = g_malloc0(s->len);
  g_assert_true(sim_udp_send(s->sock, s->to, buf, s->len));
}

static void
send_at(Send *s, SimTime t)
{
  sim_schedule_at(t, send_fire, s);
}

/* ---- UDP ------------------------------------------------------------------------------------- */

static void
test_udp_both_ways(void)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  World *w = world_new(1, cfg, 0);
  w->rx_s.echo = TRUE;
  Send out = { w->sa, { S_ADDR, 5060 }, 200 };
  send_at(&out, SIM_MS(10));
  /* Unsolicited: S to an unmapped public port. */
  Send unsolicited = { w->ss, { PUBLIC, 7777 }, 100 };
  send_at(&unsolicited, SIM_MS(100));
  sim_run(SIM_S(1));
  g_assert_cmpuint(w->rx_s.n, ==, 1);
  g_assert_cmpuint(w->rx_s.from.addr, ==, PUBLIC);
  g_assert_cmpuint(w->rx_s.from.port, ==, 5000); /* Linux preserves the port */
  g_assert_cmpuint(w->rx_a.n, ==, 1);
  g_assert_cmpuint(w->rx_a.from.addr, ==, S_ADDR);
  g_assert_cmpuint(w->rx_a.last_len, ==, 200);
  const RouterStats *st = router_stats(w->r);
  g_assert_cmpuint(st->rx_lan, ==, 1);
  g_assert_cmpuint(st->tx_wan, ==, 1);
  g_assert_cmpuint(st->rx_wan, ==, 2);
  g_assert_cmpuint(st->tx_lan, ==, 1);
  g_assert_cmpuint(st->dropped_no_binding, ==, 1);
  world_free(w);
}

static void
test_trace_deterministic(void)
{
  char *hash[2];
  for (int i = 0; i < 2; i++) {
    g_autoptr(Config) cfg = tu_config("nat.port_alloc=random", NULL);
    World *w = world_new(42, cfg, 0);
    w->rx_s.echo = TRUE;
    Send s1 = { w->sa, { S_ADDR, 5060 }, 300 }, s2 = { w->sb, { S_ADDR, 5060 }, 300 };
    send_at(&s1, SIM_MS(1));
    send_at(&s2, SIM_MS(1));
    sim_run(SIM_S(200)); /* past the UDP timeouts */
    hash[i] = sim_trace_hash();
    world_free(w);
  }
  g_assert_cmpstr(hash[0], ==, hash[1]);
  g_free(hash[0]);
  g_free(hash[1]);
}

/* ---- TCP through the NAT with a length-changing ALG ------------------------------------------ */

#define N_MSGS 20
#define BULK (120 * 1024)

typedef struct {
  SimSock client, server;  /* connections */
  guint sent_msgs;         /* client messages sent */
  GByteArray *at_server;   /* bytes the server received */
  GByteArray *at_client;   /* bytes the client received */
  GByteArray *expect_server; /* what the server should receive */
  GByteArray *expect_client; /* what the client should receive */
  gsize bulk_sent;         /* server bulk bytes queued */
  gboolean bulk_started;   /* server started its bulk */
  gsize client_bulk_sent;  /* client bulk bytes queued */
  guint alg_out, alg_in;   /* rewrites made */
} Tcp;

static Tcp tcp_state;

static char *
client_msg(guint i)
{
  /* Lengths vary; each holds one or two markers the ALG lengthens by 4 bytes. */
  return g_strdup_printf("MSG %u AAAA %.*s%s\n", i, (int)(i * 7 % 40), "0123456789012345678901234567890123456789",
                         i % 3 == 0 ? " AAAA" : "");
}

static void
client_next(Tcp *t)
{
  if (t->sent_msgs < N_MSGS) {
    g_autofree char *m = client_msg(t->sent_msgs++);
    g_assert_cmpuint(sim_tcp_send(t->client, (const guint8 *)m, strlen(m)), ==, strlen(m));
    return;
  }
  /* Then a bulk upload: lowercase bytes, which no rewrite matches. */
  while (t->client_bulk_sent < BULK) {
    guint8 chunk[1000];
    for (gsize i = 0; i < sizeof chunk; i++)
      chunk[i] = (guint8)('a' + (t->client_bulk_sent + i) % 26);
    gsize n = sim_tcp_send(t->client, chunk, MIN(sizeof chunk, BULK - t->client_bulk_sent));
    if (n == 0)
      return;
    t->client_bulk_sent += n;
  }
}

static void
server_bulk(Tcp *t)
{
  while (t->bulk_sent < BULK) {
    guint8 chunk[1000];
    for (gsize i = 0; i < sizeof chunk; i++)
      chunk[i] = (guint8)('a' + (t->bulk_sent + i) % 26);
    gsize n = sim_tcp_send(t->server, chunk, MIN(sizeof chunk, BULK - t->bulk_sent));
    if (n == 0)
      return;
    t->bulk_sent += n;
  }
}

static void
c_connected(void *ctx, SimSock sock, gboolean ok)
{
  g_assert_true(ok);
  client_next(ctx);
}

static void
c_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Tcp *t = ctx;
  g_byte_array_append(t->at_client, data, (guint)len);
  /* One reply per message ("OKAY\n" after the ALG): then send the next. */
  if (data[len - 1] == '\n' && t->sent_msgs <= N_MSGS)
    client_next(t);
}

static void
c_writable(void *ctx, SimSock sock, gsize space)
{
  Tcp *t = ctx;
  if (t->sent_msgs == N_MSGS)
    client_next(t);
}

static void
s_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Tcp *t = ctx;
  g_byte_array_append(t->at_server, data, (guint)len);
  for (gsize i = 0; i < len; i++)
    if (data[i] == '\n')
      g_assert_cmpuint(sim_tcp_send(sock, (const guint8 *)"OK\n", 3), ==, 3);
  if (t->at_server->len == t->expect_server->len && !t->bulk_started) {
    t->bulk_started = TRUE;
    server_bulk(t);
  }
}

static void
s_writable(void *ctx, SimSock sock, gsize space)
{
  Tcp *t = ctx;
  if (t->bulk_started)
    server_bulk(t);
}

static const SimSockOps client_ops = { .connected = c_connected, .recv = c_recv,
                                       .writable = c_writable };
static const SimSockOps server_ops = { .recv = s_recv, .writable = s_writable };

static void
s_accepted(void *ctx, SimSock listener, SimSock conn, SimAddr peer)
{
  Tcp *t = ctx;
  t->server = conn;
  g_assert_cmpuint(peer.addr, ==, PUBLIC);
  sim_sock_set_ops(conn, &server_ops, t);
}

static const SimSockOps listen_ops = { .accepted = s_accepted };

/* The test ALG: outbound "AAAA" -> "BBBBBBBB", inbound "OK\n" -> "OKAY\n". */
static NatAlgVerdict
tcp_alg(void *ctx, NatAlgPacket *p)
{
  Tcp *t = ctx;
  if (p->proto != NET_PROTO_TCP)
    return NAT_ALG_PASS;
  const char *find = p->dir == NAT_DIR_OUT ? "AAAA" : "OK\n";
  const char *repl = p->dir == NAT_DIR_OUT ? "BBBBBBBB" : "OKAY\n";
  gsize fl = strlen(find), rl = strlen(repl);
  for (gsize off = 0; off + fl <= p->payload_len;) {
    if (memcmp(p->pkt->data + p->payload_off + off, find, fl) == 0) {
      g_assert_true(nat_alg_mangle(p, off, fl, (const guint8 *)repl, rl));
      if (p->dir == NAT_DIR_OUT)
        t->alg_out++;
      else
        t->alg_in++;
      off += rl;
    } else {
      off++;
    }
  }
  return NAT_ALG_PASS;
}

static void
append_rewritten(GByteArray *out, const char *s, const char *find, const char *repl)
{
  g_autoptr(GString) g = g_string_new(s);
  g_string_replace(g, find, repl, 0);
  g_byte_array_append(out, (const guint8 *)g->str, (guint)g->len);
}

static void
test_tcp_alg_seqadj(void)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  World *w = world_new(3, cfg, 0);
  Tcp *t = &tcp_state;
  memset(t, 0, sizeof *t);
  t->at_server = g_byte_array_new();
  t->at_client = g_byte_array_new();
  t->expect_server = g_byte_array_new();
  t->expect_client = g_byte_array_new();
  for (guint i = 0; i < N_MSGS; i++) {
    g_autofree char *m = client_msg(i);
    append_rewritten(t->expect_server, m, "AAAA", "BBBBBBBB");
    append_rewritten(t->expect_client, "OK\n", "OK\n", "OKAY\n");
  }
  for (gsize i = 0; i < BULK; i++) {
    guint8 c = (guint8)('a' + i % 26);
    g_byte_array_append(t->expect_server, &c, 1);
    g_byte_array_append(t->expect_client, &c, 1);
  }
  nat_set_alg_hook(router_nat(w->r), tcp_alg, t);
  g_autoptr(GError) error = NULL;
  SimSock l = sim_tcp_listen(w->s, (SimAddr){ S_ADDR, 5061 }, &listen_ops, t, &error);
  g_assert_no_error(error);
  g_assert_cmpint(l, >=, 0);
  t->client = sim_tcp_connect(w->a, (SimAddr){ 0, 0 }, (SimAddr){ S_ADDR, 5061 }, &client_ops,
                              t, &error);
  g_assert_no_error(error);
  sim_run(SIM_S(60));
  g_assert_cmpuint(t->alg_out, ==, N_MSGS + (N_MSGS + 2) / 3);
  g_assert_cmpuint(t->alg_in, ==, N_MSGS);
  /* Both streams arrive complete and exactly as rewritten: every later segment's sequence and
   * acknowledgement numbers were adjusted, or TCP would have stalled or corrupted them. */
  g_assert_cmpmem(t->at_server->data, t->at_server->len, t->expect_server->data,
                  t->expect_server->len);
  g_assert_cmpmem(t->at_client->data, t->at_client->len, t->expect_client->data,
                  t->expect_client->len);
  const RouterStats *st = router_stats(w->r);
  g_assert_cmpuint(st->dropped_malformed + st->dropped_no_binding, ==, 0);
  g_byte_array_unref(t->at_server);
  g_byte_array_unref(t->at_client);
  g_byte_array_unref(t->expect_server);
  g_byte_array_unref(t->expect_client);
  world_free(w);
}

/* ---- Hairpinning ------------------------------------------------------------------------------- */

static void
test_hairpin(void)
{
  const struct {
    const char *hairpin;
    guint b_received;
    guint64 dropped_hairpin;
  } cases[] = { { "nat.hairpin=true", 1, 0 }, { "nat.hairpin=false", 0, 2 } };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(Config) cfg = tu_config(cases[i].hairpin, NULL);
    World *w = world_new(1, cfg, 0);
    /* B learns its public endpoint (PUBLIC:6000), then punches towards A's (PUBLIC:5000),
     * which is not mapped yet; then A sends to B's public endpoint.  With the default APDF,
     * B's binding to PUBLIC:5000 is what admits A's packet. */
    Send b_to_s = { w->sb, { S_ADDR, 5060 }, 50 };
    Send b_punch = { w->sb, { PUBLIC, 5000 }, 50 };
    Send a_to_b = { w->sa, { PUBLIC, 6000 }, 80 };
    send_at(&b_to_s, SIM_MS(10));
    send_at(&b_punch, SIM_MS(20));
    send_at(&a_to_b, SIM_MS(30));
    sim_run(SIM_S(1));
    g_assert_cmpuint(w->rx_b.n, ==, cases[i].b_received);
    if (cases[i].b_received) {
      /* RFC 4787 REQ-9b: B sees A's public endpoint. */
      g_assert_cmpuint(w->rx_b.from.addr, ==, PUBLIC);
      g_assert_cmpuint(w->rx_b.from.port, ==, 5000);
      g_assert_cmpuint(w->rx_b.last_len, ==, 80);
      g_assert_cmpuint(router_stats(w->r)->dropped_no_binding, ==, 1); /* the early punch */
    }
    g_assert_cmpuint(router_stats(w->r)->dropped_hairpin, ==, cases[i].dropped_hairpin);
    world_free(w);
  }
}

/* ---- Fragments and MTU ------------------------------------------------------------------------- */

static void
test_fragments(void)
{
  const struct {
    const char *policy;
    guint a_received;       /* S's 3000-byte reply (fragmented by S's stack) */
    guint64 reassembled;
    guint64 dropped_mtu;
  } cases[] = {
    { "router.fragments=reassemble", 1, 1, 0 },
    { "router.fragments=per-fragment", 1, 0, 0 },
    { "router.fragments=drop", 0, 0, 3 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(Config) cfg = tu_config(cases[i].policy, NULL);
    World *w = world_new(1, cfg, 9000); /* A's link carries 3028 bytes whole */
    w->rx_s.echo = TRUE;
    Send big = { w->sa, { S_ADDR, 5060 }, 3000 };
    send_at(&big, SIM_MS(10));
    sim_run(SIM_S(2));
    const RouterStats *st = router_stats(w->r);
    /* Outbound the router itself cuts 3028 bytes for the 1500-byte WAN, in every policy. */
    g_assert_cmpuint(st->fragments_out, ==, 3);
    g_assert_cmpuint(w->rx_s.n, ==, 1);
    g_assert_cmpuint(w->rx_s.last_len, ==, 3000);
    g_assert_cmpuint(w->rx_a.n, ==, cases[i].a_received);
    if (cases[i].a_received)
      g_assert_cmpuint(w->rx_a.last_len, ==, 3000);
    g_assert_cmpuint(st->reassembled, ==, cases[i].reassembled);
    g_assert_cmpuint(st->dropped_mtu, ==, cases[i].dropped_mtu);
    world_free(w);
  }
}

static void
inject_fire(void *p)
{
  GBytes *b = p;
  gsize len;
  const guint8 *d = g_bytes_get_data(b, &len);
  g_assert_true(sim_dev_send_ip(current->inj_dev, d, len));
}

static void
test_mtu_df_and_ttl(void)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  World *w = world_new(1, cfg, 0);
  guint8 buf[3100], payload[3000] = { 0 };
  Ipv4Build ip = { .src = INJ_ADDR, .dst = S_ADDR, .df = TRUE, .id = 1 };
  gsize n = ipv4_build_udp(buf, sizeof buf, &ip, 5000, 5060, payload, sizeof payload, FALSE);
  GBytes *df = g_bytes_new(buf, n);
  Ipv4Build ip1 = { .src = INJ_ADDR, .dst = S_ADDR, .ttl = 1, .id = 2 };
  n = ipv4_build_udp(buf, sizeof buf, &ip1, 5000, 5060, payload, 100, FALSE);
  GBytes *ttl1 = g_bytes_new(buf, n);
  sim_schedule_at(SIM_MS(10), inject_fire, df);
  sim_schedule_at(SIM_MS(20), inject_fire, ttl1);
  sim_run(SIM_S(1));
  const RouterStats *st = router_stats(w->r);
  g_assert_cmpuint(st->dropped_mtu, ==, 1);
  g_assert_cmpuint(st->dropped_ttl, ==, 1);
  g_assert_cmpuint(w->rx_s.n, ==, 0);
  /* RFC 1191: fragmentation needed, next-hop MTU 1500; RFC 1812: TTL exceeded. */
  g_assert_cmpuint(w->injected->len, ==, 2);
  const struct {
    guint8 type, code;
    guint16 mtu;
  } want[] = { { ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 1500 }, { ICMP_TIME_EXCEEDED, 0, 0 } };
  for (guint i = 0; i < 2; i++) {
    gsize len;
    const guint8 *d = g_bytes_get_data(w->injected->pdata[i], &len);
    g_assert_true(ipv4_checksums_ok(d, len));
    Ipv4Info h, in;
    IcmpInfo m;
    gsize in_off, l4;
    g_assert_cmpint(ipv4_parse(d, len, 0, &h), ==, 1);
    g_assert_cmpuint(h.dst, ==, INJ_ADDR);
    g_assert_cmpint(icmp_parse(d, len, &h, &m), ==, 1);
    g_assert_cmpuint(m.type, ==, want[i].type);
    g_assert_cmpuint(m.code, ==, want[i].code);
    g_assert_cmpuint(m.rest & 0xffff, ==, want[i].mtu);
    g_assert_cmpint(icmp_quote_parse(d, len, &m, &in, &in_off, &l4), ==, 1);
    g_assert_cmpuint(in.src, ==, INJ_ADDR); /* the quote is what the sender sent, before NAT */
    g_assert_cmpuint(net_get16(d + l4), ==, 5000);
  }
  g_bytes_unref(df);
  g_bytes_unref(ttl1);
  world_free(w);
}

/* ---- Table overflow, reboot, delay ------------------------------------------------------------- */

static void
test_overflow(void)
{
  g_autoptr(Config) cfg = tu_config("nat.max_bindings=2", NULL);
  World *w = world_new(1, cfg, 0);
  g_autoptr(GError) error = NULL;
  SimSock extra[2];
  Send sends[3];
  for (int i = 0; i < 2; i++)
    extra[i] = sim_udp_open(w->a, (SimAddr){ 0, (guint16)(5001 + i) }, &udp_ops, &w->rx_a, &error);
  sends[0] = (Send){ w->sa, { S_ADDR, 5060 }, 10 };
  sends[1] = (Send){ extra[0], { S_ADDR, 5060 }, 10 };
  sends[2] = (Send){ extra[1], { S_ADDR, 5060 }, 10 };
  for (int i = 0; i < 3; i++)
    send_at(&sends[i], SIM_MS(10 * (i + 1)));
  sim_run(SIM_S(1));
  g_assert_cmpuint(w->rx_s.n, ==, 2);
  g_assert_cmpuint(router_stats(w->r)->dropped_table_full, ==, 1);
  world_free(w);
}

static void
test_reboot_clears_bindings(void)
{
  const struct {
    const char *reboot;
    guint a_received;  /* of two inbound packets, at 3 s and 8 s */
    guint64 no_binding;
    guint64 down;
  } cases[] = {
    { "router.reboot_at_s=0", 2, 0, 0 },
    { "router.reboot_at_s=5", 1, 1, 0 },
    { "router.reboot_at_s=2.5", 0, 1, 1 }, /* with a 1 s downtime: the 3 s packet is lost */
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(Config) cfg = tu_config(cases[i].reboot, "router.reboot_downtime_s=1", NULL);
    World *w = world_new(1, cfg, 0);
    Send out = { w->sa, { S_ADDR, 5060 }, 10 };
    Send in1 = { w->ss, { PUBLIC, 5000 }, 20 }, in2 = { w->ss, { PUBLIC, 5000 }, 20 };
    send_at(&out, SIM_MS(10));
    send_at(&in1, SIM_S(3));
    send_at(&in2, SIM_S(8));
    sim_run(SIM_S(10));
    g_assert_cmpuint(w->rx_a.n, ==, cases[i].a_received);
    g_assert_cmpuint(router_stats(w->r)->dropped_no_binding, ==, cases[i].no_binding);
    g_assert_cmpuint(router_stats(w->r)->dropped_down, ==, cases[i].down);
    world_free(w);
  }
}

static void
test_extra_delay(void)
{
  SimTime arrival[2];
  for (int i = 0; i < 2; i++) {
    g_autoptr(Config) cfg = tu_config(NULL, NULL);
    World *w = world_new(1, cfg, 0);
    if (i == 1)
      router_set_extra_delay(w->r, w->r_w, SIM_MS(50));
    Send out = { w->sa, { S_ADDR, 5060 }, 100 };
    send_at(&out, SIM_MS(10));
    sim_run(SIM_S(1));
    g_assert_cmpuint(w->rx_s.n, ==, 1);
    arrival[i] = w->rx_s.at;
    world_free(w);
  }
  g_assert_cmpint(arrival[1] - arrival[0], ==, SIM_MS(50));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/router/udp/both-ways-and-unsolicited-dropped", test_udp_both_ways);
  g_test_add_func("/router/trace/same-seed-same-trace", test_trace_deterministic);
  g_test_add_func("/router/tcp/alg-length-change-with-seqadj", test_tcp_alg_seqadj);
  g_test_add_func("/router/hairpin/between-lan-hosts", test_hairpin);
  g_test_add_func("/router/fragments/3000-bytes-wan-mtu-1500", test_fragments);
  g_test_add_func("/router/mtu/df-frag-needed-and-ttl-exceeded", test_mtu_df_and_ttl);
  g_test_add_func("/router/nat/table-overflow-refuses", test_overflow);
  g_test_add_func("/router/reboot/clears-bindings", test_reboot_clears_bindings);
  g_test_add_func("/router/delay/extra-access-delay", test_extra_delay);
  return g_test_run();
}
