/* test-stun-net.c — the STUN Binding server and client (RFC 5780 §6.1, RFC 8489 §6.2.1) over a
 * direct simulated link: mapped and other addresses, CHANGE-REQUEST, RESPONSE-PORT, the
 * retransmission schedule, malformed input at the server, and deterministic traces. */
#include <string.h>

#include "stun/stun-client.h"
#include "stun/stun-server.h"
#include "stun/stun.h"
#include "test-stun-util.h"
#include "test-util.h"

/* ---- Server and client over a direct link --------------------------------------------------- */

typedef struct {
  SimNode client_host, server_host; /* the two hosts */
  guint32 client_ip;                /* 10.0.0.1 */
  guint32 a1, a2;                   /* server addresses 10.0.0.2, 10.0.0.3 */
  StunServer *server;               /* NULL when absent */
} Link;

static void
link_world(Link *l, gboolean with_server, gboolean two_addresses)
{
  tu_world(42);
  g_autoptr(GError) error = NULL;
  l->client_host = sim_host_new("client", &error);
  l->server_host = sim_host_new("server", &error);
  g_assert_no_error(error);
  SimLinkParams lp = { .rate_ab_bps = 100000000, .rate_ba_bps = 100000000,
                       .delay = SIM_MS(1) };
  SimDev dc, ds;
  g_assert_true(sim_link_new(l->client_host, l->server_host, &lp, &dc, &ds, &error));
  l->client_ip = ip("10.0.0.1");
  l->a1 = ip("10.0.0.2");
  l->a2 = ip("10.0.0.3");
  g_assert_true(sim_host_add_address(dc, l->client_ip, 24, &error));
  g_assert_true(sim_host_add_address(ds, l->a1, 24, &error));
  g_assert_true(sim_host_add_address(ds, l->a2, 24, &error));
  g_assert_true(sim_host_add_route(l->client_host, 0, 0, 0, dc, &error));
  g_assert_true(sim_host_add_route(l->server_host, 0, 0, 0, ds, &error));
  l->server = NULL;
  if (with_server) {
    StunServerSetup setup = { .addr = l->a1, .addr2 = two_addresses ? l->a2 : 0, .port = 3478,
                              .port2 = 3479, .software = "algsim", .fingerprint = TRUE };
    l->server = stun_server_new(l->server_host, &setup, &error);
    g_assert_no_error(error);
  }
}

static void
link_clear(Link *l)
{
  stun_server_free(l->server);
  l->server = NULL;
}

typedef struct {
  gboolean done;          /* callback ran */
  StunBindingResult r;    /* its result */
} Capture;

static void
capture_cb(void *ctx, const StunBindingResult *r)
{
  Capture *c = ctx;
  g_assert_false(c->done);
  c->done = TRUE;
  c->r = *r;
}

static StunClient *
new_client(const Link *l, const StunClientParams *params, guint32 index)
{
  g_autoptr(GError) error = NULL;
  StunClientParams def;
  stun_client_params_default(&def);
  StunClient *c = stun_client_new(l->client_host, (SimAddr){ .addr = l->client_ip, .port = 0 },
                                  params ? params : &def, index, &error);
  g_assert_no_error(error);
  return c;
}

static void
test_binding_mapped_is_client_address(void)
{
  Link l;
  link_world(&l, TRUE, TRUE);
  g_autoptr(StunClient) c = new_client(&l, NULL, 0);
  Capture cap = { 0 };
  stun_client_binding(c, (SimAddr){ l.a1, 3478 }, NULL, capture_cb, &cap);
  sim_run(SIM_S(60));
  g_assert_true(cap.done);
  g_assert_cmpint(cap.r.status, ==, STUN_TXN_SUCCESS);
  g_assert_true(cap.r.has_mapped);
  SimAddr local = stun_client_local(c);
  g_assert_cmphex(cap.r.mapped.addr, ==, l.client_ip);
  g_assert_cmpuint(cap.r.mapped.port, ==, local.port);
  g_assert_true(cap.r.has_origin && cap.r.has_other);
  g_assert_cmphex(cap.r.response_origin.addr, ==, l.a1);
  g_assert_cmpuint(cap.r.response_origin.port, ==, 3478);
  g_assert_cmphex(cap.r.other_address.addr, ==, l.a2);
  g_assert_cmpuint(cap.r.other_address.port, ==, 3479);
  g_assert_cmpuint(cap.r.sends, ==, 1);
  g_assert_cmpuint(stun_server_stats(l.server)->responses, ==, 1);
  link_clear(&l);
}

typedef struct {
  guint32 change; /* CHANGE-REQUEST flags */
  gboolean alt_ip, alt_port; /* where the answer must come from */
} ChangeCase;

static void
test_change_request_answers_from_other_address(void)
{
  static const ChangeCase cases[] = {
    { 0, FALSE, FALSE },
    { STUN_CHANGE_PORT, FALSE, TRUE },
    { STUN_CHANGE_IP, TRUE, FALSE },
    { STUN_CHANGE_IP | STUN_CHANGE_PORT, TRUE, TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    Link l;
    link_world(&l, TRUE, TRUE);
    g_autoptr(StunClient) c = new_client(&l, NULL, 0);
    Capture cap = { 0 };
    StunBindingOpts opts = { .change = cases[i].change };
    stun_client_binding(c, (SimAddr){ l.a1, 3478 }, &opts, capture_cb, &cap);
    sim_run(SIM_S(60));
    g_assert_true(cap.done);
    g_assert_cmpint(cap.r.status, ==, STUN_TXN_SUCCESS);
    g_assert_cmphex(cap.r.from.addr, ==, cases[i].alt_ip ? l.a2 : l.a1);
    g_assert_cmpuint(cap.r.from.port, ==, cases[i].alt_port ? 3479 : 3478);
    g_assert_cmphex(cap.r.response_origin.addr, ==, cap.r.from.addr);
    g_assert_cmpuint(cap.r.response_origin.port, ==, cap.r.from.port);
    /* OTHER-ADDRESS depends on where the request arrived, not where the answer left. */
    g_assert_cmphex(cap.r.other_address.addr, ==, l.a2);
    g_assert_cmpuint(cap.r.other_address.port, ==, 3479);
    link_clear(&l);
  }
}

static void
test_change_request_without_alternate_gets_420(void)
{
  Link l;
  link_world(&l, TRUE, FALSE);
  g_autoptr(StunClient) c = new_client(&l, NULL, 0);
  Capture cap = { 0 }, cap2 = { 0 };
  StunBindingOpts opts = { .change = STUN_CHANGE_IP };
  stun_client_binding(c, (SimAddr){ l.a1, 3478 }, &opts, capture_cb, &cap);
  stun_client_binding(c, (SimAddr){ l.a1, 3478 }, NULL, capture_cb, &cap2);
  sim_run(SIM_S(60));
  g_assert_cmpint(cap.r.status, ==, STUN_TXN_ERROR);
  g_assert_cmpuint(cap.r.error_code, ==, 420);
  /* A single-address server never claims an OTHER-ADDRESS (RFC 5780 §7.4). */
  g_assert_cmpint(cap2.r.status, ==, STUN_TXN_SUCCESS);
  g_assert_false(cap2.r.has_other);
  link_clear(&l);
}

typedef struct {
  guint8 tid[STUN_TID_LEN]; /* transaction id to look for */
  gboolean seen;            /* a matching response arrived */
  SimAddr from;             /* from where */
} Redirect;

static void
redirect_cb(void *ctx, const StunMsg *msg, SimAddr from)
{
  Redirect *r = ctx;
  if (msg->klass == STUN_CLASS_SUCCESS && memcmp(msg->tid, r->tid, STUN_TID_LEN) == 0) {
    r->seen = TRUE;
    r->from = from;
  }
}

static void
test_response_port_redirects_answer(void)
{
  Link l;
  link_world(&l, TRUE, TRUE);
  g_autoptr(StunClient) x = new_client(&l, NULL, 0);
  g_autoptr(StunClient) y = new_client(&l, NULL, 1);
  Redirect red = { { 0 } };
  stun_client_set_unhandled(x, redirect_cb, &red);
  Capture cap = { 0 };
  StunBindingOpts opts = { .response_port = stun_client_local(x).port };
  guint id = stun_client_binding(y, (SimAddr){ l.a1, 3478 }, &opts, capture_cb, &cap);
  g_assert_true(stun_client_get_tid(y, id, red.tid));
  sim_run(SIM_S(1));
  g_assert_true(red.seen);
  g_assert_cmphex(red.from.addr, ==, l.a1);
  g_assert_false(cap.done);
  g_assert_true(stun_client_cancel(y, id));
  g_assert_false(stun_client_cancel(y, id));
  sim_run(SIM_S(60));
  g_assert_false(cap.done); /* cancelled: no callback, no more retransmissions */
  link_clear(&l);
}

typedef struct {
  const char *description;       /* the case */
  const char *rto_ms, *max_sends, *rm; /* stun.* keys */
  double sends_s[STUN_MAX_SENDS];      /* expected transmission times */
  guint n_sends;                       /* how many */
  double timeout_s;                    /* expected time of failure */
} ScheduleCase;

static void
test_retransmission_schedule(void)
{
  static const ScheduleCase cases[] = {
    { "RFC 8489 defaults", "500", "7", "16", { 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 }, 7, 39.5 },
    { "short RTO, 3 sends, Rm 4", "100", "3", "4", { 0, 0.1, 0.3 }, 3, 0.7 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    const ScheduleCase *sc = &cases[i];
    Link l;
    link_world(&l, FALSE, TRUE); /* no server: every request goes unanswered */
    g_autofree char *a = g_strdup_printf("stun.rto_ms=%s", sc->rto_ms);
    g_autofree char *b = g_strdup_printf("stun.max_sends=%s", sc->max_sends);
    g_autofree char *c = g_strdup_printf("stun.rm=%s", sc->rm);
    g_autoptr(Config) cfg = tu_config(a, b, c, NULL);
    StunClientParams params;
    stun_client_params_from_config(cfg, &params);
    g_autoptr(StunClient) client = new_client(&l, &params, 0);
    Capture cap = { 0 };
    stun_client_binding(client, (SimAddr){ l.a1, 3478 }, NULL, capture_cb, &cap);
    sim_run(SIM_S(100));
    g_assert_true(cap.done);
    g_assert_cmpint(cap.r.status, ==, STUN_TXN_TIMEOUT);
    g_assert_cmpuint(cap.r.sends, ==, sc->n_sends);
    for (guint k = 0; k < sc->n_sends; k++)
      g_assert_cmpint(cap.r.sent_at[k], ==, SIM_TIME_FROM_S(sc->sends_s[k]));
    g_assert_cmpint(cap.r.finished, ==, SIM_TIME_FROM_S(sc->timeout_s));
    link_clear(&l);
  }
}

/* ---- The server and bad input ------------------------------------------------------------------ */

typedef struct {
  guint count;      /* datagrams received */
  guint8 last[512]; /* the last one */
  gsize last_len;   /* its length */
} RawSink;

static void
raw_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  RawSink *s = ctx;
  s->count++;
  s->last_len = MIN(len, sizeof s->last);
  memcpy(s->last, data, s->last_len);
}

static const SimSockOps raw_ops = { .recv = raw_recv };

static SimSock
raw_open(const Link *l, RawSink *sink)
{
  g_autoptr(GError) error = NULL;
  SimSock raw = sim_udp_open(l->client_host, (SimAddr){ l->client_ip, 5000 }, &raw_ops, sink,
                             &error);
  g_assert_no_error(error);
  return raw;
}

static void
raw_send_hex(SimSock sock, SimAddr to, const char *hex)
{
  gsize len;
  g_autofree guint8 *buf = hex_bytes(hex, &len);
  sim_udp_send(sock, to, buf, len);
}

static void
test_server_drops_malformed_and_counts(void)
{
  Link l;
  link_world(&l, TRUE, TRUE);
  RawSink sink = { 0 };
  SimSock raw = raw_open(&l, &sink);
  SimAddr srv = { l.a1, 3478 };
  raw_send_hex(raw, srv, "80 00 00 10 de ad be ef 00 00 00 00 00 00 00 00 00 00 00 00"); /* RTP */
  raw_send_hex(raw, srv, "00 01 00 00 de ad be ef 00 00 00 00 00 00 00 00 00 00 00 00"); /* no cookie */
  raw_send_hex(raw, srv, "00 01 00 00 21 12 a4 42 00 01");                 /* truncated */
  raw_send_hex(raw, srv, HDR_REQ("00 08") "80 28 00 04 00 00 00 00");      /* bad fingerprint */
  raw_send_hex(raw, srv, HDR_REQ("00 08") "80 22 00 10 61 62 63 64");      /* overrun */
  raw_send_hex(raw, srv, "01 01 00 00 21 12 a4 42 00 01 02 03 04 05 06 07 08 09 0a 0b"); /* response */
  raw_send_hex(raw, srv, "00 11 00 00 21 12 a4 42 00 01 02 03 04 05 06 07 08 09 0a 0b"); /* indication */
  sim_run(SIM_S(1));
  const StunServerStats *st = stun_server_stats(l.server);
  g_assert_cmpuint(st->dropped_not_stun, ==, 2);
  g_assert_cmpuint(st->dropped_malformed, ==, 3);
  g_assert_cmpuint(st->dropped_not_request, ==, 2);
  g_assert_cmpuint(sink.count, ==, 0);
  g_assert_cmpuint(st->requests, ==, 0);
  /* The server still answers a good request afterwards. */
  raw_send_hex(raw, srv, HDR_REQ("00 00"));
  sim_run(SIM_S(2));
  g_assert_cmpuint(sink.count, ==, 1);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(sink.last, sink.last_len, &m, NULL), ==, 1);
  g_assert_cmpint(m.klass, ==, STUN_CLASS_SUCCESS);
  sim_sock_close(raw);
  link_clear(&l);
}

static void
test_server_unknown_required_attribute_gets_420(void)
{
  Link l;
  link_world(&l, TRUE, TRUE);
  RawSink sink = { 0 };
  SimSock raw = raw_open(&l, &sink);
  /* 0x0042 is comprehension-required and unknown; 0x8042 is optional and ignored. */
  raw_send_hex(raw, (SimAddr){ l.a1, 3478 },
               HDR_REQ("00 10") "00 42 00 04 00 00 00 00 80 42 00 04 00 00 00 00");
  sim_run(SIM_S(1));
  g_assert_cmpuint(sink.count, ==, 1);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(sink.last, sink.last_len, &m, NULL), ==, 1);
  g_assert_cmpint(m.klass, ==, STUN_CLASS_ERROR);
  guint code = 0;
  g_assert_cmpint(stun_msg_get_error(&m, &code, NULL, NULL), ==, 1);
  g_assert_cmpuint(code, ==, 420);
  guint16 types[4];
  g_assert_cmpint(stun_msg_get_unknown(&m, types, 4), ==, 1);
  g_assert_cmphex(types[0], ==, 0x0042);
  g_assert_cmpuint(stun_server_stats(l.server)->errors, ==, 1);
  sim_sock_close(raw);
  link_clear(&l);
}

static char *
run_for_hash(void)
{
  Link l;
  link_world(&l, TRUE, TRUE);
  g_autoptr(StunClient) c = new_client(&l, NULL, 3);
  Capture cap = { 0 };
  StunBindingOpts opts = { .change = STUN_CHANGE_IP };
  stun_client_binding(c, (SimAddr){ l.a1, 3478 }, &opts, capture_cb, &cap);
  sim_run(SIM_S(10));
  g_assert_true(cap.done);
  g_assert_cmpuint(sim_trace_lines(), >, 3);
  link_clear(&l);
  return sim_trace_hash();
}

static void
test_trace_deterministic(void)
{
  g_autofree char *h1 = run_for_hash();
  g_autofree char *h2 = run_for_hash();
  g_assert_cmpstr(h1, ==, h2);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/stun/binding/mapped-address-is-client-address", test_binding_mapped_is_client_address);
  g_test_add_func("/stun/binding/change-request-answers-from-other-address",
                  test_change_request_answers_from_other_address);
  g_test_add_func("/stun/binding/change-request-without-alternate-gets-420",
                  test_change_request_without_alternate_gets_420);
  g_test_add_func("/stun/binding/response-port-redirects-answer", test_response_port_redirects_answer);
  g_test_add_func("/stun/client/retransmission-schedule-and-timeout", test_retransmission_schedule);
  g_test_add_func("/stun/server/drops-malformed-and-counts", test_server_drops_malformed_and_counts);
  g_test_add_func("/stun/server/unknown-required-attribute-gets-420",
                  test_server_unknown_required_attribute_gets_420);
  g_test_add_func("/stun/trace/same-seed-same-hash", test_trace_deterministic);
  return g_test_run();
}
