/* test-sip-txn.c — SIP transactions and transports between two hosts on one 10 ms link: the exact
 * retransmission schedules of Timers A/B and E/F (RFC 3261 §17.1), no retransmission over TCP, the
 * ACK for a non-2xx response and Timer H when it is lost (§17.2.1), absorbed retransmissions,
 * response routing with and without rport (RFC 3581 §4), RFC 6026 2xx retransmissions, CRLF
 * keepalives over TCP (RFC 5626 §3.5.1) and SIP over the TLS model. */
#include <string.h>

#include "sip/sip-txn.h"
#include "test-util.h"

#define A_ADDR 0x0a000001u /* 10.0.0.1 */
#define B_ADDR 0x0a000002u /* 10.0.0.2 */
#define DELAY SIM_MS(10)

typedef struct {
  SimNode a, b;          /* the two hosts */
  SimTime arrivals[64];  /* raw socket arrival times */
  guint n_arrivals;      /* entries used */
  GPtrArray *raw_msgs;   /* raw socket datagrams, as strings */
  guint tu_requests;     /* server TU: requests handed up */
  guint tu_acks;         /* server TU: ACKs handed up */
  guint tu_responses;    /* client TU: responses */
  guint last_status;     /* client TU: last status */
  gint failed;           /* client TU: failure kind, -1 none */
  SimTime failed_at;     /* when */
  guint server_timeouts; /* Timer H reports */
  SimTime timeout_at;    /* when */
  guint answer;          /* server TU answers with this status (0: never) */
  guint pings, pongs;    /* keepalives seen by a and b stacks */
  SipStack *sa, *sb;     /* stacks */
  SimTime request_at;    /* when the server TU got its last request */
} T;

static void
world(T *t)
{
  g_autoptr(GError) error = NULL;
  tu_world(1);
  t->a = sim_host_new("a", &error);
  t->b = sim_host_new("b", &error);
  SimLinkParams lp = {.rate_ab_bps = 100000000, .rate_ba_bps = 100000000, .delay = DELAY};
  SimDev da, db;
  g_assert_true(sim_link_new(t->a, t->b, &lp, &da, &db, &error));
  g_assert_true(sim_host_add_address(da, A_ADDR, 24, &error));
  g_assert_true(sim_host_add_address(db, B_ADDR, 24, &error));
  g_assert_true(sim_host_add_route(t->a, 0, 0, 0, da, &error));
  g_assert_true(sim_host_add_route(t->b, 0, 0, 0, db, &error));
  t->failed = -1;
  t->raw_msgs = g_ptr_array_new_with_free_func(g_free);
}

static void
done(T *t)
{
  sip_stack_free(t->sa);
  sip_stack_free(t->sb);
  g_ptr_array_unref(t->raw_msgs);
  sim_reset();
}

/* ---- A raw peer: counts what arrives, answers nothing ---- */

static void
raw_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  T *t = ctx;
  if (t->n_arrivals < G_N_ELEMENTS(t->arrivals))
    t->arrivals[t->n_arrivals++] = sim_now();
  g_ptr_array_add(t->raw_msgs, g_strndup((const char *)data, len));
}

static const SimSockOps raw_ops = {.recv = raw_recv};

/* ---- TU callbacks ---- */

static void
tu_request(void *ctx, SipStack *s, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  T *t = ctx;
  if (!st) {
    t->tu_acks++;
    return;
  }
  t->tu_requests++;
  t->request_at = sim_now();
  if (t->answer) {
    SipBuilder *b = sip_builder_response_to(req, t->answer, NULL, "totag1");
    sip_txn_respond(st, sip_builder_finish(b, NULL, NULL, 0));
  }
}

static void
tu_server_timeout(void *ctx, SipStack *s, SipTxn *st)
{
  T *t = ctx;
  t->server_timeouts++;
  t->timeout_at = sim_now();
}

static void
tu_keepalive(void *ctx, SipStack *s, const SipFlow *flow, gboolean pong)
{
  T *t = ctx;
  if (pong)
    t->pongs++;
  else
    t->pings++;
}

static const SipStackOps server_ops = {
  .request = tu_request, .server_timeout = tu_server_timeout, .keepalive = tu_keepalive};

static void
client_response(void *ctx, SipTxn *txn, const SipMsg *resp, const SipFlow *flow)
{
  T *t = ctx;
  t->tu_responses++;
  t->last_status = resp->status;
}

static void
client_failed(void *ctx, SipTxn *txn, SipTxnFailure why)
{
  T *t = ctx;
  t->failed = (gint)why;
  t->failed_at = sim_now();
}

static const SipClientOps client_ops = {.response = client_response, .failed = client_failed};

/* A stack on `host` with UDP on `port` (and TCP/TLS listeners on port/port+1 if asked). */
static SipStack *
stack_full(T *t, SimNode host, guint32 addr, guint16 port, gboolean listen_streams, guint32 stream,
           const SipStackOps *ops, gboolean honour_rport)
{
  g_autoptr(GError) error = NULL;
  SipStackParams p = {.honour_rport = honour_rport, .rand_stream = SIM_STREAM_MODEL + stream};
  p.tl.name = host == t->a ? "a" : "b";
  p.tl.addr = addr;
  p.tl.udp_port = port;
  if (listen_streams) {
    p.tl.tcp_port = port;
    p.tl.tls_port = port + 1;
  }
  tls_params_default(&p.tl.tls);
  sip_timers_default(&p.timers);
  SipStack *s = sip_stack_new(host, &p, ops, t, &error);
  g_assert_no_error(error);
  return s;
}

static SipStack *
stack(T *t, SimNode host, guint32 addr, guint16 port, gboolean listen_streams, guint32 stream)
{
  return stack_full(t, host, addr, port, listen_streams, stream, &server_ops, TRUE);
}

static GBytes *
request(SipStack *s, const char *method, SipNet net, guint16 via_port, gboolean rport)
{
  g_autofree char *branch = s ? sip_stack_branch(s) : g_strdup("z9hG4bKfixedbranch1");
  SipBuilder *b = sip_builder_request(method, "sip:bob@10.0.0.2");
  sip_builder_addf(b, SIP_HDR_VIA, "SIP/2.0/%s 10.0.0.1:%u;branch=%s%s", sip_net_name(net), via_port, branch,
                   rport ? ";rport" : "");
  sip_builder_add(b, SIP_HDR_MAX_FORWARDS, "70");
  sip_builder_add(b, SIP_HDR_FROM, "<sip:alice@10.0.0.1>;tag=fromtag1");
  sip_builder_add(b, SIP_HDR_TO, "<sip:bob@10.0.0.2>");
  sip_builder_add(b, SIP_HDR_CALL_ID, "call1@10.0.0.1");
  sip_builder_addf(b, SIP_HDR_CSEQ, "1 %s", method);
  return sip_builder_finish(b, NULL, NULL, 0);
}

static void
assert_schedule(const T *t, const double *expect_s, guint n)
{
  g_assert_cmpuint(t->n_arrivals, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint(t->arrivals[i] - t->arrivals[0], ==, SIM_TIME_FROM_S(expect_s[i]));
}

/* ---- Tests ---- */

typedef struct {
  const char *method;
  double sends[16];
  guint n;
  SipTxnFailure failure;
} ScheduleCase;

static const ScheduleCase schedules[] = {
  /* Timer A doubles from T1 without bound; Timer B = 64*T1 (§17.1.1.2). */
  {"INVITE", {0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5}, 7, SIP_TXN_TIMER_B},
  /* Timer E doubles up to T2 = 4 s; Timer F = 64*T1 (§17.1.2.2). */
  {"OPTIONS", {0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5}, 11, SIP_TXN_TIMER_F},
};

static void
test_udp_schedules(gconstpointer data)
{
  const ScheduleCase *c = data;
  T t = {0};
  world(&t);
  g_assert_cmpint(sim_udp_open(t.b, (SimAddr){B_ADDR, 5060}, &raw_ops, &t, NULL), >=, 0);
  t.sa = stack(&t, t.a, A_ADDR, 5060, FALSE, 1);
  g_autoptr(GBytes) req = request(t.sa, c->method, SIP_NET_UDP, 5060, TRUE);
  SipFlow flow = {.net = SIP_NET_UDP, .remote = {B_ADDR, 5060}};
  g_assert_nonnull(sip_txn_client(t.sa, req, &flow, &client_ops, &t));
  sim_run(SIM_S(60));
  assert_schedule(&t, c->sends, c->n);
  g_assert_cmpint(t.failed, ==, c->failure);
  g_assert_cmpint(t.failed_at, ==, SIM_S(32));
  g_assert_cmpuint(sip_stack_txn_count(t.sa), ==, 0);
  done(&t);
}

static void
raw_accepted(void *ctx, SimSock listener, SimSock sock, SimAddr peer)
{
  sim_sock_set_ops(sock, &raw_ops, ctx);
}

static void
test_tcp_no_retransmission(void)
{
  T t = {0};
  world(&t);
  static const SimSockOps lsn = {.accepted = raw_accepted};
  g_assert_cmpint(sim_tcp_listen(t.b, (SimAddr){B_ADDR, 5060}, &lsn, &t, NULL), >=, 0);
  t.sa = stack(&t, t.a, A_ADDR, 5060, FALSE, 1);
  g_autoptr(GBytes) req = request(t.sa, "INVITE", SIP_NET_TCP, 5060, FALSE);
  SipFlow flow = {.net = SIP_NET_TCP, .remote = {B_ADDR, 5060}};
  g_assert_nonnull(sip_txn_client(t.sa, req, &flow, &client_ops, &t));
  sim_run(SIM_S(60));
  g_assert_cmpuint(t.n_arrivals, ==, 1); /* §17.1.1.2: Timer A only for unreliable transports */
  g_assert_cmpint(t.failed, ==, SIP_TXN_TIMER_B);
  g_assert_cmpint(t.failed_at, ==, SIM_S(32));
  done(&t);
}

static void
test_non2xx_ack_absorbed(void)
{
  T t = {0};
  world(&t);
  t.answer = 486;
  t.sa = stack(&t, t.a, A_ADDR, 5060, FALSE, 1);
  t.sb = stack(&t, t.b, B_ADDR, 5060, FALSE, 2);
  g_autoptr(GBytes) req = request(t.sa, "INVITE", SIP_NET_UDP, 5060, TRUE);
  SipFlow flow = {.net = SIP_NET_UDP, .remote = {B_ADDR, 5060}};
  sip_txn_client(t.sa, req, &flow, &client_ops, &t);
  sim_run(SIM_S(60));
  g_assert_cmpuint(t.tu_requests, ==, 1);
  g_assert_cmpuint(t.tu_responses, ==, 1);
  g_assert_cmpuint(t.last_status, ==, 486);
  g_assert_cmpuint(t.tu_acks, ==, 0);      /* the ACK for a non-2xx ends in the transaction */
  g_assert_cmpuint(t.server_timeouts, ==, 0);
  g_assert_cmpint(t.failed, ==, -1);
  g_assert_cmpuint(sip_stack_stats(t.sb)->absorbed, ==, 1);
  g_assert_cmpuint(sip_stack_stats(t.sb)->retransmissions, ==, 0);
  g_assert_cmpuint(sip_stack_txn_count(t.sa) + sip_stack_txn_count(t.sb), ==, 0);
  done(&t);
}

static void
raw_send(T *t, SimSock s, GBytes *msg)
{
  sim_udp_send(s, (SimAddr){B_ADDR, 5060}, g_bytes_get_data(msg, NULL), g_bytes_get_size(msg));
}

typedef struct {
  T *t;
  SimSock sock;
  GBytes *msg;
} RawSend;

static void
raw_send_event(void *data)
{
  RawSend *r = data;
  raw_send(r->t, r->sock, r->msg);
}

static void
test_timer_h_when_ack_lost(void)
{
  T t = {0};
  world(&t);
  t.answer = 486;
  t.sb = stack(&t, t.b, B_ADDR, 5060, FALSE, 2);
  SimSock raw = sim_udp_open(t.a, (SimAddr){A_ADDR, 5060}, &raw_ops, &t, NULL);
  g_autoptr(GBytes) req = request(NULL, "INVITE", SIP_NET_UDP, 5060, FALSE);
  raw_send(&t, raw, req);
  sim_run(SIM_S(60));
  /* Timer G: 486 at 0, then every T1 doubling up to T2 (§17.2.1); Timer H at 64*T1 after it. */
  static const double g[] = {0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5};
  assert_schedule(&t, g, G_N_ELEMENTS(g));
  g_assert_cmpuint(t.server_timeouts, ==, 1);
  g_assert_cmpint(t.timeout_at - t.request_at, ==, SIM_S(32)); /* answered at once */
  done(&t);
}

static void
test_retransmission_absorbed(void)
{
  T t = {0};
  world(&t);
  t.answer = 200;
  t.sb = stack(&t, t.b, B_ADDR, 5060, FALSE, 2);
  SimSock raw = sim_udp_open(t.a, (SimAddr){A_ADDR, 5060}, &raw_ops, &t, NULL);
  g_autoptr(GBytes) req = request(NULL, "OPTIONS", SIP_NET_UDP, 5060, FALSE);
  RawSend rs = {&t, raw, req};
  raw_send(&t, raw, req);
  sim_schedule(SIM_MS(500), raw_send_event, &rs);
  sim_run(SIM_S(5));
  g_assert_cmpuint(t.tu_requests, ==, 1); /* §17.2.3: the retransmission matched the transaction */
  g_assert_cmpuint(t.n_arrivals, ==, 2);  /* and got the last response again */
  g_assert_nonnull(strstr(t.raw_msgs->pdata[1], "SIP/2.0 200 OK"));
  done(&t);
}

typedef struct {
  gboolean rport;        /* the request's Via has ;rport */
  gboolean honour;       /* the server honours rport */
  guint16 expect_port;   /* where the response goes */
} RportCase;

static const RportCase rport_cases[] = {
  {TRUE, TRUE, 5099},   /* RFC 3581 §4: to the source port */
  {FALSE, TRUE, 5060},  /* §18.2.2: to the sent-by port */
  {TRUE, FALSE, 5060},  /* a server without RFC 3581 ignores rport */
};

static void
test_response_routing(gconstpointer data)
{
  const RportCase *c = data;
  T t = {0};
  world(&t);
  t.answer = 200;
  t.sb = stack_full(&t, t.b, B_ADDR, 5060, FALSE, 2, &server_ops, c->honour);
  guint got5060 = 0, got5099 = 0;
  T sink60 = {0}, sink99 = {0};
  sink60.raw_msgs = g_ptr_array_new_with_free_func(g_free);
  sink99.raw_msgs = g_ptr_array_new_with_free_func(g_free);
  sim_udp_open(t.a, (SimAddr){A_ADDR, 5060}, &raw_ops, &sink60, NULL);
  SimSock from = sim_udp_open(t.a, (SimAddr){A_ADDR, 5099}, &raw_ops, &sink99, NULL);
  g_autoptr(GBytes) req = request(NULL, "REGISTER", SIP_NET_UDP, 5060, c->rport);
  raw_send(&t, from, req); /* from port 5099, as a NAT would have re-ported it */
  sim_run(SIM_S(5));
  got5060 = sink60.n_arrivals;
  got5099 = sink99.n_arrivals;
  g_assert_cmpuint(c->expect_port == 5099 ? got5099 : got5060, ==, 1);
  g_assert_cmpuint(c->expect_port == 5099 ? got5060 : got5099, ==, 0);
  /* RFC 3581 §4: the response's Via tells the client where its request came from. */
  const char *resp = (c->expect_port == 5099 ? sink99.raw_msgs : sink60.raw_msgs)->pdata[0];
  g_test_message("%s", resp);
  if (c->rport && c->honour)
    g_assert_nonnull(strstr(resp, ";rport=5099;received=10.0.0.1"));
  else
    g_assert_null(strstr(resp, "received="));
  g_ptr_array_unref(sink60.raw_msgs);
  g_ptr_array_unref(sink99.raw_msgs);
  done(&t);
}

typedef struct {
  T *t;
  SipTxn *st;
  GBytes *resp;
  guint left;
} Retx2xx;

static void
resend_2xx(void *data)
{
  Retx2xx *r = data;
  const SipMsg *req = sip_txn_request(r->st);
  SipFlow flow = {.net = SIP_NET_UDP, .remote = {A_ADDR, 5060}};
  sip_stack_send_response(r->t->sb, req, &flow, r->resp);
  if (--r->left)
    sim_schedule(SIM_MS(500), resend_2xx, r);
}

static Retx2xx retx2xx;

static void
tu_request_200_retx(void *ctx, SipStack *s, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  T *t = ctx;
  if (!st)
    return;
  t->tu_requests++;
  SipBuilder *b = sip_builder_response_to(req, 200, NULL, "totag1");
  GBytes *resp = sip_builder_finish(b, NULL, NULL, 0);
  retx2xx = (Retx2xx){t, st, g_bytes_ref(resp), 2};
  sim_schedule(SIM_MS(500), resend_2xx, &retx2xx); /* the UAS core retransmits 2xx (§13.3.1.4) */
  sip_txn_respond(st, resp);
}

static void
test_2xx_retransmissions_reach_tu(void)
{
  T t = {0};
  world(&t);
  static const SipStackOps ops = {.request = tu_request_200_retx};
  t.sb = stack_full(&t, t.b, B_ADDR, 5060, FALSE, 2, &ops, TRUE);
  t.sa = stack(&t, t.a, A_ADDR, 5060, FALSE, 1);
  g_autoptr(GBytes) req = request(t.sa, "INVITE", SIP_NET_UDP, 5060, TRUE);
  SipFlow flow = {.net = SIP_NET_UDP, .remote = {B_ADDR, 5060}};
  sip_txn_client(t.sa, req, &flow, &client_ops, &t);
  sim_run(SIM_S(5));
  g_assert_cmpuint(t.tu_responses, ==, 3); /* RFC 6026 §7.2: the Accepted state passes them up */
  g_assert_cmpuint(t.last_status, ==, 200);
  g_assert_cmpint(t.failed, ==, -1);
  g_bytes_unref(retx2xx.resp);
  done(&t);
}

static void
test_stream_transports(gconstpointer data)
{
  SipNet net = GPOINTER_TO_INT(data);
  T t = {0};
  world(&t);
  t.answer = 200;
  t.sa = stack(&t, t.a, A_ADDR, 5060, FALSE, 1);
  t.sb = stack(&t, t.b, B_ADDR, 5060, TRUE, 2);
  guint16 port = net == SIP_NET_TLS ? 5061 : 5060;
  g_autoptr(GBytes) req = request(t.sa, "OPTIONS", net, 5060, FALSE);
  SipFlow flow = {.net = net, .remote = {B_ADDR, port}};
  SipTxn *txn = sip_txn_client(t.sa, req, &flow, &client_ops, &t);
  g_assert_nonnull(txn);
  sim_run(SIM_S(2));
  g_assert_cmpuint(t.tu_requests, ==, 1);
  g_assert_cmpuint(t.last_status, ==, 200);
  /* A CRLF ping on the same connection is answered with a pong (RFC 5626 §4.4.1). */
  SipFlow ka = {.net = net, .remote = {B_ADDR, port}};
  g_assert_true(sip_tl_send_ping(sip_stack_tl(t.sa), &ka));
  sim_run(SIM_S(4));
  g_assert_cmpuint(t.pings, ==, 1);
  g_assert_cmpuint(t.pongs, ==, 1);
  g_assert_cmpuint(sip_tl_stats(sip_stack_tl(t.sa))->conns_opened, ==, 1); /* reused (§18.1.1) */
  g_assert_cmpuint(sip_tl_stats(sip_stack_tl(t.sb))->conns_accepted, ==, 1);
  done(&t);
}

/* RFC 3261 §18.1.1: a request above the limit goes over TCP, its Via saying so; with the limit
 * off (0) it goes over UDP as it is. */
static void
test_large_request_to_tcp(gconstpointer data)
{
  guint limit = GPOINTER_TO_UINT(data);
  T t = {0};
  world(&t);
  t.answer = 200;
  g_autoptr(GError) error = NULL;
  SipStackParams p = {.honour_rport = TRUE, .rand_stream = SIM_STREAM_MODEL + 1, .udp_max_bytes = limit};
  p.tl.name = "a";
  p.tl.addr = A_ADDR;
  p.tl.udp_port = 5060;
  tls_params_default(&p.tl.tls);
  sip_timers_default(&p.timers);
  t.sa = sip_stack_new(t.a, &p, &server_ops, &t, &error);
  g_assert_no_error(error);
  t.sb = stack(&t, t.b, B_ADDR, 5060, TRUE, 2);
  g_autofree char *branch = sip_stack_branch(t.sa);
  g_autofree char *pad = g_strnfill(1400, 'x');
  SipBuilder *b = sip_builder_request("OPTIONS", "sip:bob@10.0.0.2");
  sip_builder_addf(b, SIP_HDR_VIA, "SIP/2.0/UDP 10.0.0.1:5060;branch=%s;rport", branch);
  sip_builder_add(b, SIP_HDR_FROM, "<sip:alice@10.0.0.1>;tag=f");
  sip_builder_add(b, SIP_HDR_TO, "<sip:bob@10.0.0.2>");
  sip_builder_add(b, SIP_HDR_CALL_ID, "big@10.0.0.1");
  sip_builder_add(b, SIP_HDR_CSEQ, "1 OPTIONS");
  sip_builder_add_named(b, "X-Padding", pad);
  g_autoptr(GBytes) req = sip_builder_finish(b, NULL, NULL, 0);
  SipFlow flow = {.net = SIP_NET_UDP, .remote = {B_ADDR, 5060}};
  SipTxn *txn = sip_txn_client(t.sa, req, &flow, &client_ops, &t);
  g_assert_cmpint(sip_txn_flow(txn)->net, ==, limit ? SIP_NET_TCP : SIP_NET_UDP);
  sim_run(SIM_S(2));
  g_assert_cmpuint(t.tu_requests, ==, 1);
  g_assert_cmpuint(t.last_status, ==, 200);
  g_assert_cmpuint(sip_tl_stats(sip_stack_tl(t.sb))->conns_accepted, ==, limit ? 1 : 0);
  done(&t);
}

/* RFC 5626 §4.4.2: a STUN Binding request on the SIP port is answered and counted as a ping; the
 * answer counts as a pong at the sender. */
static void
test_stun_keepalive(void)
{
  T t = {0};
  world(&t);
  t.sa = stack(&t, t.a, A_ADDR, 5060, FALSE, 1);
  t.sb = stack(&t, t.b, B_ADDR, 5060, FALSE, 2);
  static const guint8 tid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  SipFlow flow = {.net = SIP_NET_UDP, .remote = {B_ADDR, 5060}};
  g_assert_true(sip_tl_send_stun_ping(sip_stack_tl(t.sa), &flow, tid));
  sim_run(SIM_S(1));
  g_assert_cmpuint(t.pings, ==, 1); /* at b */
  g_assert_cmpuint(t.pongs, ==, 1); /* at a */
  g_assert_cmpuint(sip_tl_stats(sip_stack_tl(t.sb))->rx_malformed, ==, 0);
  g_assert_cmpuint(sip_tl_stats(sip_stack_tl(t.sa))->tx_msgs, ==, 0); /* not a SIP message */
  done(&t);
}

static void
test_malformed_datagram(void)
{
  T t = {0};
  world(&t);
  t.sb = stack(&t, t.b, B_ADDR, 5060, FALSE, 2);
  SimSock raw = sim_udp_open(t.a, (SimAddr){A_ADDR, 5060}, &raw_ops, &t, NULL);
  static const char junk[] = "INVITE sip:bob SIP/2.0\r\nVia: \r\n\r\n\x01\x02";
  sim_udp_send(raw, (SimAddr){B_ADDR, 5060}, (const guint8 *)junk, sizeof junk - 1);
  static const char ping[] = "\r\n\r\n";
  sim_udp_send(raw, (SimAddr){B_ADDR, 5060}, (const guint8 *)ping, 4);
  sim_run(SIM_S(1));
  const SipTlStats *st = sip_tl_stats(sip_stack_tl(t.sb));
  g_assert_cmpuint(st->rx_msgs + st->rx_malformed, ==, 1);
  g_assert_cmpuint(st->rx_keepalive, ==, 1);
  g_assert_cmpuint(t.n_arrivals, ==, 0); /* nothing answered a broken request */
  done(&t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_data_func("/sip/txn/invite-udp-timer-a-then-b", &schedules[0], test_udp_schedules);
  g_test_add_data_func("/sip/txn/non-invite-udp-timer-e-then-f", &schedules[1], test_udp_schedules);
  g_test_add_func("/sip/txn/tcp-never-retransmits", test_tcp_no_retransmission);
  g_test_add_func("/sip/txn/non-2xx-ack-ends-in-transaction", test_non2xx_ack_absorbed);
  g_test_add_func("/sip/txn/timer-g-then-h-when-ack-lost", test_timer_h_when_ack_lost);
  g_test_add_func("/sip/txn/retransmitted-request-absorbed", test_retransmission_absorbed);
  g_test_add_data_func("/sip/txn/response-to-rport-source-port", &rport_cases[0], test_response_routing);
  g_test_add_data_func("/sip/txn/response-to-via-port-without-rport", &rport_cases[1], test_response_routing);
  g_test_add_data_func("/sip/txn/rport-ignored-by-old-server", &rport_cases[2], test_response_routing);
  g_test_add_func("/sip/txn/2xx-retransmissions-reach-tu", test_2xx_retransmissions_reach_tu);
  g_test_add_data_func("/sip/transport/tcp-request-response-ping-pong", GINT_TO_POINTER(SIP_NET_TCP),
                       test_stream_transports);
  g_test_add_data_func("/sip/transport/tls-request-response-ping-pong", GINT_TO_POINTER(SIP_NET_TLS),
                       test_stream_transports);
  g_test_add_func("/sip/transport/malformed-dropped-keepalive-counted", test_malformed_datagram);
  g_test_add_func("/sip/transport/stun-keepalive-answered", test_stun_keepalive);
  g_test_add_data_func("/sip/transport/request-over-1300-bytes-goes-tcp", GUINT_TO_POINTER(1300),
                       test_large_request_to_tcp);
  g_test_add_data_func("/sip/transport/large-request-as-is-when-rule-off", GUINT_TO_POINTER(0),
                       test_large_request_to_tcp);
  return g_test_run();
}
