/* test-tls.c — TLS connections over the engine's TCP: the full handshake takes two round trips
 * (TLS 1.3 shape: one), a large chain costs time on a slow link, data arrives intact and in
 * order, a middlebox that changes a byte or inserts non-TLS bytes gets the connection closed with
 * the right alert, close_notify closes cleanly, and the buffered TCP stream underneath works on
 * its own. */
#include "test-tls-util.h"

/* ---- Handshake timing ----------------------------------------------------------------------- */

typedef struct {
  TlsProtocol client;   /* the client's tls.version */
  TlsProtocol server;   /* the server's */
  guint rtts;           /* round trips from TCP connected to the client's establishment */
  guint16 version;      /* negotiated */
} RttCase;

static const RttCase rtt_cases[] = {
  {TLS_PROTO_1_2, TLS_PROTO_1_2, 2, 0x0303}, /* RFC 5246 §7.3 */
  {TLS_PROTO_1_3, TLS_PROTO_1_3, 1, 0x0304}, /* RFC 8446 §2 */
  {TLS_PROTO_1_3, TLS_PROTO_1_2, 2, 0x0303}, /* a 1.2 server: the client's 1.2 offer is taken */
  {TLS_PROTO_1_2, TLS_PROTO_1_3, 2, 0x0303}, /* a 1.2 client: a 1.3 server answers in 1.2 */
};

static void
test_handshake_round_trips(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(rtt_cases); i++) {
    const RttCase *rc = &rtt_cases[i];
    g_autoptr(GError) error = NULL;
    tu_world(1);
    Net n;
    const SimTime delay = SIM_MS(25); /* per link: RTT 100 ms */
    net_build(&n, 1000000000, delay, 0);
    Pair p;
    pair_init(&p);
    TlsParams sp = params_default(), cp = params_default();
    sp.protocol = rc->server;
    cp.protocol = rc->client;
    cp.index = 1;
    p.server = tls_server_listen(n.s, (SimAddr){S_ADDR, TLS_PORT}, &sp, pair_accept, &p, &error);
    p.cli.conn = tls_client_new(n.c, (SimAddr){0, 0}, (SimAddr){S_ADDR, TLS_PORT}, &cp,
                                &side_ops, &p.cli, &error);
    g_assert_no_error(error);
    sim_run(SIM_S(10));
    g_assert_cmpuint(p.cli.established_calls, ==, 1);
    g_assert_true(p.cli.established_ok);
    g_assert_true(p.srv.established_ok);
    const TlsStats *cs = tls_conn_stats(p.cli.conn);
    const TlsStats *ss = tls_conn_stats(p.srv.conn);
    g_assert_cmpuint(cs->version, ==, rc->version);
    g_assert_cmpuint(ss->version, ==, rc->version);
    SimTime rtt = 4 * delay;
    SimTime hs = cs->established_at - cs->started;
    g_test_message("case %zu: handshake %.6f s, RTT %.3f s", i, SIM_TIME_TO_S(hs),
                   SIM_TIME_TO_S(rtt));
    /* The round trips plus microseconds of serialization at 1 Gbit/s. */
    g_assert_cmpint(hs, >=, rc->rtts * rtt);
    g_assert_cmpint(hs, <, rc->rtts * rtt + SIM_MS(1));
    /* TCP's own handshake came first: connect took one RTT. */
    g_assert_cmpint(cs->started, >=, rtt);
    g_assert_cmpint(cs->started, <, rtt + SIM_MS(1));
    /* TLS 1.2: the server is done half a round trip before the client (it sends the last
     * Finished); TLS 1.3: half a round trip after (the client sends it). */
    g_assert_cmpint(ss->established_at, ==, p.srv.established_at);
    SimTime lead = rc->version == 0x0303 ? cs->established_at - ss->established_at
                                         : ss->established_at - cs->established_at;
    g_assert_cmpint(lead, >=, rtt / 2);
    g_assert_cmpint(lead, <, rtt / 2 + SIM_MS(1));
    /* Handshake sizes: the server's flight carries the certificate chain. */
    g_assert_cmpuint(cs->cert_chain_bytes, ==, ss->cert_chain_bytes);
    g_assert_cmpuint(cs->handshake_bytes_recv, ==, ss->handshake_bytes_sent);
    g_assert_cmpuint(ss->handshake_bytes_recv, ==, cs->handshake_bytes_sent);
    g_assert_cmpuint(cs->handshake_bytes_recv, >, sp.cert_chain_bytes);
    pair_clear(&p);
    net_clear(&n);
    sim_reset();
  }
}

/* Over a 256 kbit/s downstream, 12 KB more of certificates cost about 12000 * 8 / 256000 s. */
static void
test_handshake_cert_chain_costs_time_on_slow_link(void)
{
  SimTime took[2];
  const guint chain[2] = {3000, 15000};
  for (int i = 0; i < 2; i++) {
    tu_world(1);
    Net n;
    net_build(&n, 100000000, SIM_MS(10), 256000);
    Pair p;
    pair_init(&p);
    TlsParams params = params_default();
    params.cert_chain_bytes = chain[i];
    pair_start(&p, n.c, n.s, S_ADDR, &params);
    sim_run(SIM_S(20));
    g_assert_true(p.cli.established_ok);
    const TlsStats *cs = tls_conn_stats(p.cli.conn);
    took[i] = cs->established_at - cs->started;
    pair_clear(&p);
    net_clear(&n);
    sim_reset();
  }
  double extra = SIM_TIME_TO_S(took[1] - took[0]);
  double serial = (chain[1] - chain[0]) * 8.0 / 256000.0;
  g_test_message("3000 B: %.3f s, 15000 B: %.3f s", SIM_TIME_TO_S(took[0]), SIM_TIME_TO_S(took[1]));
  /* At least the serialization of the extra bytes (plus TCP/IP headers, slow start). */
  g_assert_cmpfloat(extra, >=, serial);
  g_assert_cmpfloat(extra, <, 3 * serial);
}

/* ---- Data ------------------------------------------------------------------------------------- */

static void
test_data_intact_in_order(void)
{
  tu_world(2);
  Net n;
  net_build(&n, 10000000, SIM_MS(5), 0);
  Pair p;
  pair_init(&p);
  TlsParams params = params_default();
  pair_start(&p, n.c, n.s, S_ADDR, &params);
  /* Queued before the handshake finishes; larger than TCP's 128 KiB send buffer; in pieces of
   * odd sizes so records straddle segments. */
  const gsize total = 300000;
  g_autofree guint8 *data = pattern(total, 9);
  const gsize pieces[] = {1, 999, 16384, 16385, 40000, 100000};
  gsize off = 0;
  for (gsize i = 0; i < G_N_ELEMENTS(pieces); i++) {
    g_assert_true(tls_send(p.cli.conn, data + off, pieces[i]));
    off += pieces[i];
  }
  g_assert_true(tls_send(p.cli.conn, data + off, total - off));
  sim_run(SIM_S(30));
  g_assert_cmpuint(p.srv.rx->len, ==, total);
  g_assert_cmpmem(p.srv.rx->data, p.srv.rx->len, data, total);
  const TlsStats *cs = tls_conn_stats(p.cli.conn);
  const TlsStats *ss = tls_conn_stats(p.srv.conn);
  g_assert_cmpuint(cs->app_bytes_sent, ==, total);
  g_assert_cmpuint(ss->app_bytes_recv, ==, total);
  /* Queued before the handshake finished, the data leaves as full records of 2^14 bytes. */
  g_assert_cmpuint(p.srv.recv_calls, ==, (total + TLS_MAX_PLAINTEXT - 1) / TLS_MAX_PLAINTEXT);
  g_assert_cmpuint(ss->wire_bytes_recv, ==, cs->wire_bytes_sent);
  g_assert_cmpuint(p.srv.closed_calls, ==, 0);
  g_assert_cmpuint(p.cli.closed_calls, ==, 0);
  pair_clear(&p);
  net_clear(&n);
  sim_reset();
}

/* Many small records in a burst share TCP segments; each comes out as its own record. */
static void
test_data_several_records_per_segment(void)
{
  tu_world(2);
  Net n;
  net_build(&n, 2000000, SIM_MS(20), 0);
  Pair p;
  pair_init(&p);
  TlsParams params = params_default();
  pair_start(&p, n.c, n.s, S_ADDR, &params);
  sim_run(SIM_S(2));
  g_assert_true(p.cli.established_ok);
  guint seg_before = n.fwd.data_segments;
  GByteArray *expect = g_byte_array_new();
  for (guint i = 0; i < 300; i++) {
    guint8 chunk[10];
    memset(chunk, (int)i, sizeof chunk);
    g_byte_array_append(expect, chunk, sizeof chunk);
    g_assert_true(tls_send(p.cli.conn, chunk, sizeof chunk));
  }
  sim_run(SIM_S(10));
  g_assert_cmpuint(p.srv.recv_calls, ==, 300);
  g_assert_cmpmem(p.srv.rx->data, p.srv.rx->len, expect->data, expect->len);
  guint segs = n.fwd.data_segments - seg_before;
  g_test_message("300 records in %u segments", segs);
  g_assert_cmpuint(segs, <, 300);
  g_byte_array_unref(expect);
  pair_clear(&p);
  net_clear(&n);
  sim_reset();
}

/* ---- Middleboxes -------------------------------------------------------------------------------- */

typedef struct {
  const char *what;          /* description */
  TlsProtocol protocol;      /* tls.version of both ends */
  Tamper tamper;             /* what the forwarder does */
  gboolean expect_est;       /* the handshake completes */
  TlsCloseReason srv_reason; /* the server's closed() reason */
  guint8 srv_alert;          /* its alert */
  TlsCloseReason cli_reason; /* the client's */
  guint8 cli_alert;          /* its alert */
} TamperCase;

static const TamperCase tamper_cases[] = {
  {"one ciphertext byte flipped: bad_record_mac", TLS_PROTO_1_2, TAMPER_FLIP_APPDATA, TRUE,
   TLS_CLOSED_INTEGRITY, TLS_ALERT_BAD_RECORD_MAC, TLS_CLOSED_ALERT, TLS_ALERT_BAD_RECORD_MAC},
  {"record header replaced by text: unexpected_message", TLS_PROTO_1_2, TAMPER_HEADER_APPDATA,
   TRUE, TLS_CLOSED_PROTOCOL, TLS_ALERT_UNEXPECTED_MESSAGE, TLS_CLOSED_ALERT,
   TLS_ALERT_UNEXPECTED_MESSAGE},
  {"certificate byte flipped: Finished fails (decrypt_error)", TLS_PROTO_1_2, TAMPER_FLIP_CERT,
   FALSE, TLS_CLOSED_PROTOCOL, TLS_ALERT_DECRYPT_ERROR, TLS_CLOSED_ALERT, TLS_ALERT_DECRYPT_ERROR},
  {"TLS 1.3: one ciphertext byte flipped: bad_record_mac", TLS_PROTO_1_3, TAMPER_FLIP_APPDATA,
   TRUE, TLS_CLOSED_INTEGRITY, TLS_ALERT_BAD_RECORD_MAC, TLS_CLOSED_ALERT,
   TLS_ALERT_BAD_RECORD_MAC},
  {"TLS 1.3: record header replaced by text: unexpected_message", TLS_PROTO_1_3,
   TAMPER_HEADER_APPDATA, TRUE, TLS_CLOSED_PROTOCOL, TLS_ALERT_UNEXPECTED_MESSAGE,
   TLS_CLOSED_ALERT, TLS_ALERT_UNEXPECTED_MESSAGE},
};

static void
test_tamper_detected(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(tamper_cases); i++) {
    const TamperCase *tc = &tamper_cases[i];
    g_test_message("%s", tc->what);
    tu_world(4);
    Net n;
    net_build(&n, 10000000, SIM_MS(5), 0);
    n.fwd.tamper = tc->tamper;
    n.fwd.skip23 = tc->protocol == TLS_PROTO_1_3; /* the client's Finished */
    Pair p;
    pair_init(&p);
    static const guint8 msg[300] = "REGISTER sip:example.net SIP/2.0\r\n";
    p.cli.send_on_est = msg;
    p.cli.send_on_est_len = sizeof msg;
    TlsParams params = params_default();
    params.protocol = tc->protocol;
    pair_start(&p, n.c, n.s, S_ADDR, &params);
    sim_run(SIM_S(10));
    g_assert_true(n.fwd.done);
    g_assert_cmpuint(p.cli.established_calls, ==, 1);
    g_assert_cmpint(p.cli.established_ok, ==, tc->expect_est);
    g_assert_cmpuint(p.srv.rx->len, ==, 0); /* nothing tampered reaches the application */
    g_assert_cmpuint(p.srv.closed_calls, ==, 1);
    g_assert_cmpint(p.srv.reason, ==, tc->srv_reason);
    g_assert_cmpuint(p.srv.alert, ==, tc->srv_alert);
    g_assert_cmpuint(p.cli.closed_calls, ==, 1);
    g_assert_cmpint(p.cli.reason, ==, tc->cli_reason);
    g_assert_cmpuint(p.cli.alert, ==, tc->cli_alert);
    g_assert_cmpint(tls_conn_stats(p.srv.conn)->alert_sent, ==, tc->srv_alert);
    g_assert_cmpint(tls_conn_stats(p.cli.conn)->alert_recv, ==, tc->cli_alert);
    g_assert_nonnull(tls_conn_stats(p.srv.conn)->error);
    pair_clear(&p);
    net_clear(&n);
    sim_reset();
  }
}

/* ---- A plain TCP peer: plaintext SIP to the TLS port, a silent server, an abrupt close ------- */

typedef struct {
  GByteArray *rx;   /* bytes received */
  GBytes *hello;    /* raw client: what to send instead of a SIP request */
  gboolean closed;  /* TCP closed by the peer */
  SimSock conn;     /* accepted socket (raw server) */
  gboolean hangup;  /* raw server: close right after accepting */
} Raw;

static void
raw_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  g_byte_array_append(((Raw *)ctx)->rx, data, (guint)len);
}

static void
raw_closed(void *ctx, SimSock sock, gboolean error)
{
  ((Raw *)ctx)->closed = TRUE;
}

static void
raw_connected(void *ctx, SimSock sock, gboolean ok)
{
  static const char sip[] = "OPTIONS sip:pbx.example.net SIP/2.0\r\nVia: SIP/2.0/TLS x\r\n\r\n";
  Raw *r = ctx;
  g_assert_true(ok);
  gsize len = strlen(sip);
  const guint8 *data = (const guint8 *)sip;
  if (r->hello)
    data = g_bytes_get_data(r->hello, &len);
  g_assert_cmpuint(sim_tcp_send(sock, data, len), ==, len);
}

static void
raw_accepted(void *ctx, SimSock listener, SimSock conn, SimAddr peer)
{
  Raw *r = ctx;
  r->conn = conn;
  if (r->hangup)
    sim_sock_close(conn);
}

static const SimSockOps raw_ops = {raw_recv, raw_connected, raw_accepted, raw_closed, NULL};

static void
test_plaintext_to_tls_port(void)
{
  g_autoptr(GError) error = NULL;
  tu_world(5);
  Net n;
  net_build(&n, 10000000, SIM_MS(5), 0);
  Pair p;
  pair_init(&p);
  TlsParams params = params_default();
  p.server = tls_server_listen(n.s, (SimAddr){S_ADDR, TLS_PORT}, &params, pair_accept, &p, &error);
  Raw raw = {.rx = g_byte_array_new()};
  g_assert_cmpint(sim_tcp_connect(n.c, (SimAddr){0, 0}, (SimAddr){S_ADDR, TLS_PORT}, &raw_ops, &raw,
                                  &error), >=, 0);
  g_assert_no_error(error);
  sim_run(SIM_S(5));
  g_assert_cmpuint(p.srv.closed_calls, ==, 1);
  g_assert_cmpint(p.srv.reason, ==, TLS_CLOSED_PROTOCOL);
  g_assert_cmpuint(p.srv.alert, ==, TLS_ALERT_UNEXPECTED_MESSAGE);
  g_assert_cmpuint(p.srv.established_calls, ==, 1);
  g_assert_false(p.srv.established_ok);
  /* A plaintext fatal alert record, then FIN (RFC 5246 §7.2). */
  static const guint8 alert[] = {21, 3, 3, 0, 2, 2, TLS_ALERT_UNEXPECTED_MESSAGE};
  g_assert_cmpmem(raw.rx->data, raw.rx->len, alert, sizeof alert);
  g_assert_true(raw.closed);
  g_byte_array_unref(raw.rx);
  pair_clear(&p);
  net_clear(&n);
  sim_reset();
}

/* A ClientHello whose only acceptable suite was replaced: the server refuses it. */
static void
test_no_common_suite(void)
{
  g_autoptr(GError) error = NULL;
  tu_world(5);
  Net n;
  net_build(&n, 10000000, SIM_MS(5), 0);
  Pair p;
  pair_init(&p);
  TlsParams params = params_default();
  p.server = tls_server_listen(n.s, (SimAddr){S_ADDR, TLS_PORT}, &params, pair_accept, &p, &error);
  static const guint8 rnd[TLS_RANDOM_LEN] = {7}, sid[32] = {8};
  GByteArray *rec = g_byte_array_new();
  g_byte_array_append(rec, (const guint8 *)"\x16\x03\x01\0\0", 5);
  tls_msg_client_hello(rec, rnd, sid, NULL, NULL);
  for (guint off = 5 + 4 + 2 + 32 + 1 + 32 + 2; off < 5 + 4 + 2 + 32 + 1 + 32 + 2 + 16; off += 2)
    if (rec->data[off] == 0xc0 && rec->data[off + 1] == 0x2f)
      rec->data[off + 1] = 0x31;
  rec->data[3] = (guint8)((rec->len - 5) >> 8);
  rec->data[4] = (guint8)(rec->len - 5);
  Raw raw = {.rx = g_byte_array_new(), .hello = g_byte_array_free_to_bytes(rec)};
  g_assert_cmpint(sim_tcp_connect(n.c, (SimAddr){0, 0}, (SimAddr){S_ADDR, TLS_PORT}, &raw_ops, &raw,
                                  &error), >=, 0);
  sim_run(SIM_S(5));
  g_assert_cmpuint(p.srv.closed_calls, ==, 1);
  g_assert_cmpint(p.srv.reason, ==, TLS_CLOSED_PROTOCOL);
  g_assert_cmpuint(p.srv.alert, ==, TLS_ALERT_HANDSHAKE_FAILURE);
  static const guint8 alert[] = {21, 3, 3, 0, 2, 2, TLS_ALERT_HANDSHAKE_FAILURE};
  g_assert_cmpmem(raw.rx->data, raw.rx->len, alert, sizeof alert);
  g_bytes_unref(raw.hello);
  g_byte_array_unref(raw.rx);
  pair_clear(&p);
  net_clear(&n);
  sim_reset();
}

static void
test_silent_server_times_out(void)
{
  g_autoptr(GError) error = NULL;
  tu_world(5);
  Net n;
  net_build(&n, 10000000, SIM_MS(5), 0);
  Raw raw = {.rx = g_byte_array_new()};
  g_assert_cmpint(sim_tcp_listen(n.s, (SimAddr){S_ADDR, TLS_PORT}, &raw_ops, &raw, &error), >=, 0);
  g_autoptr(Config) cfg = tu_config("tls.handshake_timeout_s=7.5", NULL);
  Side cli = {.rx = g_byte_array_new()};
  TlsParams params = params_default();
  tls_params_from_config(cfg, &params);
  g_assert_cmpint(params.handshake_timeout, ==, SIM_MS(7500));
  cli.conn = tls_client_new(n.c, (SimAddr){0, 0}, (SimAddr){S_ADDR, TLS_PORT}, &params, &side_ops,
                            &cli, &error);
  g_assert_no_error(error);
  sim_run(SIM_S(30));
  g_assert_cmpuint(cli.established_calls, ==, 1);
  g_assert_false(cli.established_ok);
  g_assert_cmpuint(cli.closed_calls, ==, 1);
  g_assert_cmpint(cli.reason, ==, TLS_CLOSED_TIMEOUT);
  g_assert_cmpint(cli.established_at, ==, SIM_MS(7500));
  g_assert_cmpuint(raw.rx->len, >, 100); /* the ClientHello arrived */
  g_assert_cmpuint(raw.rx->data[0], ==, 22);
  g_assert_true(raw.closed); /* and the client closed TCP */
  tls_conn_free(cli.conn);
  g_byte_array_unref(cli.rx);
  g_byte_array_unref(raw.rx);
  net_clear(&n);
  sim_reset();
}

static void
test_tcp_close_without_close_notify(void)
{
  g_autoptr(GError) error = NULL;
  tu_world(5);
  Net n;
  net_build(&n, 10000000, SIM_MS(5), 0);
  Raw raw = {.rx = g_byte_array_new(), .hangup = TRUE};
  g_assert_cmpint(sim_tcp_listen(n.s, (SimAddr){S_ADDR, TLS_PORT}, &raw_ops, &raw, &error), >=, 0);
  Side cli = {.rx = g_byte_array_new()};
  TlsParams params = params_default();
  cli.conn = tls_client_new(n.c, (SimAddr){0, 0}, (SimAddr){S_ADDR, TLS_PORT}, &params, &side_ops,
                            &cli, &error);
  sim_run(SIM_S(10));
  g_assert_cmpuint(cli.established_calls, ==, 1);
  g_assert_false(cli.established_ok);
  g_assert_cmpuint(cli.closed_calls, ==, 1);
  g_assert_cmpint(cli.reason, ==, TLS_CLOSED_TCP);
  tls_conn_free(cli.conn);
  g_byte_array_unref(cli.rx);
  g_byte_array_unref(raw.rx);
  net_clear(&n);
  sim_reset();
}

/* ---- Close ----------------------------------------------------------------------------------- */

static void
test_close_notify_clean(void)
{
  tu_world(6);
  Net n;
  net_build(&n, 10000000, SIM_MS(5), 0);
  Pair p;
  pair_init(&p);
  TlsParams params = params_default();
  pair_start(&p, n.c, n.s, S_ADDR, &params);
  sim_run(SIM_S(1));
  g_assert_true(p.cli.established_ok);
  /* Marked as SIP signalling (CS3, RFC 4594), data queued right before the close still arrives,
   * then the close. */
  g_assert_true(tls_conn_set_tos(p.cli.conn, 24 << 2));
  static const guint8 bye[] = "BYE sip:x SIP/2.0\r\n\r\n";
  g_assert_true(tls_send(p.cli.conn, bye, sizeof bye));
  tls_close(p.cli.conn);
  g_assert_false(tls_send(p.cli.conn, bye, sizeof bye));
  sim_run(SIM_S(5));
  g_assert_cmpmem(p.srv.rx->data, p.srv.rx->len, bye, sizeof bye);
  g_assert_cmpuint(n.fwd.last_tos, ==, 24 << 2);
  g_assert_cmpuint(p.srv.closed_calls, ==, 1);
  g_assert_cmpint(p.srv.reason, ==, TLS_CLOSED_PEER);
  g_assert_cmpint(tls_conn_stats(p.srv.conn)->alert_recv, ==, TLS_ALERT_CLOSE_NOTIFY);
  g_assert_cmpint(tls_conn_stats(p.srv.conn)->alert_sent, ==, TLS_ALERT_CLOSE_NOTIFY);
  g_assert_cmpuint(p.cli.closed_calls, ==, 0);
  g_assert_null(tls_conn_stats(p.srv.conn)->error);
  pair_clear(&p);
  net_clear(&n);
  sim_reset();
}

/* Freeing a connection from inside its own callbacks is allowed. */
static void
free_on_established(void *ctx, TlsConn *c, gboolean ok)
{
  *(gboolean *)ctx = TRUE;
  tls_conn_free(c);
}

static void
test_free_inside_callback(void)
{
  g_autoptr(GError) error = NULL;
  tu_world(6);
  Net n;
  net_build(&n, 10000000, SIM_MS(5), 0);
  Pair p;
  pair_init(&p);
  TlsParams params = params_default();
  p.server = tls_server_listen(n.s, (SimAddr){S_ADDR, TLS_PORT}, &params, pair_accept, &p, &error);
  gboolean called = FALSE;
  TlsConnOps ops = {.established = free_on_established};
  TlsConn *c = tls_client_new(n.c, (SimAddr){0, 0}, (SimAddr){S_ADDR, TLS_PORT}, &params, &ops,
                              &called, &error);
  g_assert_nonnull(c);
  sim_run(SIM_S(5));
  g_assert_true(called);
  /* The client vanished without close_notify: the server sees TCP go away. */
  g_assert_cmpuint(p.srv.closed_calls, ==, 1);
  g_assert_cmpint(p.srv.reason, ==, TLS_CLOSED_TCP);
  pair_clear(&p);
  net_clear(&n);
  sim_reset();
}

/* ---- The buffered TCP stream on its own (SIP over TCP uses it) ------------------------------ */

typedef struct {
  TcpStream *s;     /* the stream */
  GByteArray *rx;   /* bytes received */
  gboolean connected; /* connected(TRUE) seen */
  guint closed;     /* closed() calls */
  gboolean error;   /* their argument */
} StreamEnd;

static void
se_connected(void *ctx, TcpStream *s, gboolean ok)
{
  ((StreamEnd *)ctx)->connected = ok;
}

static void
se_recv(void *ctx, TcpStream *s, const guint8 *data, gsize len)
{
  g_byte_array_append(((StreamEnd *)ctx)->rx, data, (guint)len);
}

static void
se_closed(void *ctx, TcpStream *s, gboolean error)
{
  StreamEnd *e = ctx;
  e->closed++;
  e->error = error;
}

static const TcpStreamOps se_ops = {se_connected, se_recv, se_closed};

static void
se_accepted(void *ctx, SimSock listener, SimSock conn, SimAddr peer)
{
  StreamEnd *e = ctx;
  e->s = tcp_stream_wrap(conn, peer, &se_ops, e);
}

static void
test_stream_buffers_and_closes_after_flush(void)
{
  g_autoptr(GError) error = NULL;
  tu_world(9);
  Net n;
  net_build(&n, 10000000, SIM_MS(5), 0);
  StreamEnd cli = {.rx = g_byte_array_new()}, srv = {.rx = g_byte_array_new()};
  static const SimSockOps listen_ops = {.accepted = se_accepted};
  SimSock l = sim_tcp_listen(n.s, (SimAddr){S_ADDR, 5060}, &listen_ops, &srv, &error);
  g_assert_cmpint(l, >=, 0);
  cli.s = tcp_stream_connect(n.c, (SimAddr){0, 0}, (SimAddr){S_ADDR, 5060}, &se_ops, &cli, &error);
  g_assert_no_error(error);
  /* 400 kB before the connection is up: three times TCP's send buffer. */
  const gsize total = 400000;
  g_autofree guint8 *data = pattern(total, 3);
  g_assert_true(tcp_stream_send(cli.s, data, total));
  g_assert_cmpuint(tcp_stream_pending(cli.s), ==, total);
  tcp_stream_close(cli.s); /* the FIN follows the last byte */
  g_assert_false(tcp_stream_send(cli.s, data, 1));
  sim_run(SIM_S(30));
  g_assert_cmpmem(srv.rx->data, srv.rx->len, data, total);
  g_assert_cmpuint(srv.closed, ==, 1);
  g_assert_false(srv.error);
  g_assert_cmpuint(cli.closed, ==, 0); /* no callbacks after close, */
  g_assert_false(cli.connected);     /* not even connected() */
  g_assert_cmpuint(tcp_stream_pending(cli.s), ==, 0);
  tcp_stream_free(cli.s);
  tcp_stream_free(srv.s);
  sim_sock_close(l);
  g_byte_array_unref(cli.rx);
  g_byte_array_unref(srv.rx);
  net_clear(&n);
  sim_reset();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/tls/handshake/two-round-trips-for-1.2-one-for-1.3", test_handshake_round_trips);
  g_test_add_func("/tls/handshake/cert-chain-costs-time-on-slow-link",
                  test_handshake_cert_chain_costs_time_on_slow_link);
  g_test_add_func("/tls/handshake/silent-server-times-out", test_silent_server_times_out);
  g_test_add_func("/tls/handshake/no-common-suite-gets-handshake-failure", test_no_common_suite);
  g_test_add_func("/tls/data/intact-and-in-order", test_data_intact_in_order);
  g_test_add_func("/tls/data/several-records-per-segment", test_data_several_records_per_segment);
  g_test_add_func("/tls/middlebox/tamper-closes-with-alert", test_tamper_detected);
  g_test_add_func("/tls/middlebox/plaintext-to-tls-port-gets-unexpected-message",
                  test_plaintext_to_tls_port);
  g_test_add_func("/tls/close/close-notify-is-clean", test_close_notify_clean);
  g_test_add_func("/tls/close/tcp-close-without-close-notify", test_tcp_close_without_close_notify);
  g_test_add_func("/tls/close/free-inside-callback", test_free_inside_callback);
  g_test_add_func("/tls/stream/buffers-and-closes-after-flush",
                  test_stream_buffers_and_closes_after_flush);
  return g_test_run();
}
