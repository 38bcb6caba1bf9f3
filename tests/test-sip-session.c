/* test-sip-session.c — INVITE sessions between two SIP stacks, on one 10 ms link and through the
 * home NAT of the topology: the basic call (180, 200, ACK, BYE from either side), rejection, CANCEL
 * (RFC 3261 §9), the UAS core's 2xx retransmissions and its give-up at 64*T1 when ACKs are lost
 * (§13.3.1.4), session timers (RFC 4028 §10 refresh at half the interval, BYE at interval minus
 * min(32 s, interval/3), 422 and Min-SE), a refresh answered 481 (RFC 5057 §5.1), re-INVITE glare
 * (§14.1) and calls over TCP and TLS.  Timings are read from the trace rows the sessions write. */
#include <stdio.h>
#include <string.h>

#include "nat/nat.h"
#include "router.h"
#include "sip/sip-session.h"
#include "test-util.h"
#include "topology.h"

#define A_ADDR 0x0a000001u /* 10.0.0.1 */
#define B_ADDR 0x0a000002u /* 10.0.0.2 */
#define SDP_A "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
#define SDP_B "v=0\r\no=- 2 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"

typedef enum {
  UAS_ANSWER, /* 180 now, 200 after ring time */
  UAS_REJECT, /* 486 Busy Here */
  UAS_RING,   /* 180 only */
} UasMode;

typedef struct W W;

typedef struct {
  W *w;               /* the world */
  SipStack *s;        /* the stack */
  SipSessionMgr *m;   /* its sessions */
  SipSession *ss;     /* its (last) session */
  guint offers;       /* offers reported */
  guint answers;      /* answers reported */
} Side;

struct W {
  Side a, b;          /* caller (a) and callee (b) */
  UasMode mode;       /* what b does with an INVITE */
  SimTime ring;       /* b's ring time */
  Topology *topo;     /* NULL on the direct link */
  char *trace;        /* trace text */
  size_t trace_len;   /* its size */
  FILE *trace_fp;     /* memstream */
  guint invites_seen; /* NAT hook: INVITEs from the phone */
  guint invites_pass; /* NAT hook: pass this many INVITEs, drop the rest (0: all pass) */
  gboolean drop_acks; /* NAT hook: drop ACKs from the phone */
  SimTime acks[32];   /* NAT hook: when ACKs crossed */
  guint n_acks;       /* entries used */
};

/* ---- Callbacks ------------------------------------------------------------------------------ */

static void
on_request(void *ctx, SipStack *s, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  Side *side = ctx;
  if (!sip_session_mgr_request(side->m, st, req, flow) && st) {
    SipBuilder *b = sip_builder_response_to(req, 405, NULL, NULL);
    sip_txn_respond(st, sip_builder_finish(b, NULL, NULL, 0));
  }
}

static void
on_stray(void *ctx, SipStack *s, const SipMsg *resp, const SipFlow *flow)
{
  Side *side = ctx;
  sip_session_mgr_response(side->m, resp, flow);
}

static const SipStackOps stack_ops = {.request = on_request, .stray_response = on_stray};

static void
on_incoming(void *ctx, SipSession *ss, const SipMsg *invite)
{
  Side *side = ctx;
  side->ss = ss;
  g_autoptr(GBytes) sdp = g_bytes_new_static(SDP_B, strlen(SDP_B));
  switch (side->w->mode) {
  case UAS_ANSWER:
    sip_session_answer_after(ss, side->w->ring, "application/sdp", sdp);
    break;
  case UAS_REJECT:
    sip_session_reject(ss, 486);
    break;
  case UAS_RING:
    sip_session_ring(ss, 180, NULL, NULL);
    break;
  }
}

static void
on_sdp(void *ctx, SipSession *ss, const char *type, GBytes *body, gboolean offer)
{
  Side *side = ctx;
  g_assert_cmpstr(type, ==, "application/sdp");
  if (offer)
    side->offers++;
  else
    side->answers++;
}

static const SipSessionOps session_ops = {.incoming = on_incoming, .remote_sdp = on_sdp};

/* ---- Worlds --------------------------------------------------------------------------------- */

typedef void (*CfgFn)(SipSessionConfig *c);

static void
side_init(W *w, Side *side, SimNode host, guint32 addr, const char *name, guint32 stream, CfgFn tweak)
{
  g_autoptr(GError) error = NULL;
  side->w = w;
  SipStackParams p = {.honour_rport = TRUE, .rand_stream = SIM_STREAM_MODEL + stream};
  p.tl.name = name;
  p.tl.addr = addr;
  p.tl.udp_port = 5060;
  p.tl.tcp_port = 5060;
  p.tl.tls_port = 5061;
  tls_params_default(&p.tl.tls);
  sip_timers_default(&p.timers);
  side->s = sip_stack_new(host, &p, &stack_ops, side, &error);
  g_assert_no_error(error);
  SipSessionConfig c;
  sip_session_config_default(&c);
  c.local = (SipLocal){.user = name, .addr = addr, .port = 5060, .tls_port = 5061, .rport = TRUE};
  if (tweak)
    tweak(&c);
  side->m = sip_session_mgr_new(side->s, &c, &session_ops, side);
}

static void
trace_start(W *w)
{
  w->trace_fp = open_memstream(&w->trace, &w->trace_len);
  sim_trace_set_file(w->trace_fp);
  w->ring = SIM_S(2);
}

static void
world_direct(W *w, CfgFn ta, CfgFn tb)
{
  g_autoptr(GError) error = NULL;
  tu_world(1);
  trace_start(w);
  SimNode a = sim_host_new("a", &error), b = sim_host_new("b", &error);
  SimLinkParams lp = {.rate_ab_bps = 100000000, .rate_ba_bps = 100000000, .delay = SIM_MS(10)};
  SimDev da, db;
  g_assert_true(sim_link_new(a, b, &lp, &da, &db, &error));
  g_assert_true(sim_host_add_address(da, A_ADDR, 24, &error));
  g_assert_true(sim_host_add_address(db, B_ADDR, 24, &error));
  g_assert_true(sim_host_add_route(a, 0, 0, 0, da, &error));
  g_assert_true(sim_host_add_route(b, 0, 0, 0, db, &error));
  side_init(w, &w->a, a, A_ADDR, "a", 1, ta);
  side_init(w, &w->b, b, B_ADDR, "b", 2, tb);
}

/* The ALG hook of the home router: sees the phone's SIP after translation. */
static NatAlgVerdict
alg_hook(void *ctx, NatAlgPacket *p)
{
  W *w = ctx;
  if (p->dir != NAT_DIR_OUT || p->proto != NET_PROTO_UDP)
    return NAT_ALG_PASS;
  const char *pl = (const char *)p->pkt->data + p->payload_off;
  if (p->payload_len > 4 && memcmp(pl, "ACK ", 4) == 0) {
    if (w->n_acks < G_N_ELEMENTS(w->acks))
      w->acks[w->n_acks++] = p->now;
    return w->drop_acks ? NAT_ALG_DROP : NAT_ALG_PASS;
  }
  if (p->payload_len > 7 && memcmp(pl, "INVITE ", 7) == 0) {
    w->invites_seen++;
    if (w->invites_pass && w->invites_seen > w->invites_pass)
      return NAT_ALG_DROP;
  }
  return NAT_ALG_PASS;
}

/* phones[0] (a, the caller) behind the home NAT; the PBX host (b) answers and, as a NAT-aware
 * server, sends its in-dialog requests back on the flow the phone's requests come on. */
static void
reuse_flow(SipSessionConfig *c)
{
  c->reuse_flow = TRUE;
}

static void
world_nat(W *w, CfgFn ta)
{
  g_autoptr(GError) error = NULL;
  tu_world(7);
  trace_start(w);
  g_autoptr(Config) cfg = tu_config("topology.phones=1", NULL);
  w->topo = topology_build(cfg, &error);
  g_assert_no_error(error);
  side_init(w, &w->a, w->topo->phones[0].node, w->topo->phones[0].addr, "phone", 1, ta);
  side_init(w, &w->b, w->topo->pbx.node, w->topo->pbx.addr, "pbx", 2, reuse_flow);
  nat_set_alg_hook(router_nat(w->topo->home), alg_hook, w);
}

static void
world_done(W *w)
{
  sip_stack_free(w->a.s);
  sip_stack_free(w->b.s);
  sip_session_mgr_free(w->a.m);
  sip_session_mgr_free(w->b.m);
  if (w->topo)
    topology_free(w->topo);
  sim_trace_set_file(NULL);
  fclose(w->trace_fp);
  if (g_getenv("SIP_SESSION_TRACE")) /* for debugging: the whole trace as TAP comments */
    g_test_message("%s", w->trace);
  g_free(w->trace);
  sim_reset();
}

static SipSession *
call(W *w, SipNet net)
{
  char to[64];
  char b[16];
  guint32 baddr = w->topo ? w->topo->pbx.addr : B_ADDR;
  g_snprintf(to, sizeof to, "sip:b@%s", sim_addr_format(baddr, b));
  g_autofree char *to_na = g_strdup_printf("<%s>", to);
  g_autoptr(GBytes) sdp = g_bytes_new_static(SDP_A, strlen(SDP_A));
  SipInviteParams p = {.ruri = to, .from = "<sip:a@example.net>", .to = to_na,
                       .flow = {.net = net, .remote = {baddr, net == SIP_NET_TLS ? 5061 : 5060}},
                       .content_type = "application/sdp", .body = sdp};
  w->a.ss = sip_session_invite(w->a.m, &p);
  g_assert_nonnull(w->a.ss);
  return w->a.ss;
}

/* Time of the nth trace row (0 = first) containing `needle`, or -1. */
static SimTime
trace_at(W *w, const char *needle, guint n)
{
  fflush(w->trace_fp);
  const char *line = w->trace;
  while (line && *line) {
    const char *end = strchr(line, '\n');
    g_autofree char *l = end ? g_strndup(line, end - line) : g_strdup(line);
    if (strstr(l, needle) && n-- == 0)
      return g_ascii_strtoll(l, NULL, 10);
    line = end ? end + 1 : NULL;
  }
  return -1;
}

static guint
trace_count(W *w, const char *needle)
{
  guint n = 0;
  while (trace_at(w, needle, n) >= 0)
    n++;
  return n;
}

static void
hangup_cb(void *data)
{
  sip_session_hangup(data);
}

/* ---- Tests ---------------------------------------------------------------------------------- */

static void
test_basic_call(gconstpointer data)
{
  gboolean callee_hangs_up = GPOINTER_TO_INT(data);
  W w = {0};
  world_direct(&w, NULL, NULL);
  call(&w, SIP_NET_UDP);
  sim_run(SIM_S(1));
  g_assert_cmpint(sip_session_state(w.a.ss), ==, SIP_SESSION_EARLY); /* 180 with a To tag */
  g_assert_cmpint(sip_session_state(w.b.ss), ==, SIP_SESSION_EARLY);
  sim_run(SIM_S(5));
  const SipSessionReport *ra = sip_session_report(w.a.ss), *rb = sip_session_report(w.b.ss);
  g_assert_cmpint(sip_session_state(w.a.ss), ==, SIP_SESSION_CONFIRMED);
  g_assert_cmpuint(ra->setup_status, ==, 200);
  /* The callee answers exactly the ring time after the INVITE arrived; the caller sees it one
   * link delay (10 ms) plus two serialisation times later than 2 s after sending. */
  g_assert_cmpint(rb->setup_time, ==, SIM_S(2));
  g_assert_cmpint(ra->setup_time, >=, SIM_MS(2020));
  g_assert_cmpint(ra->setup_time, <, SIM_MS(2021));
  g_assert_cmpuint(ra->acks_sent, ==, 1);
  g_assert_cmpuint(rb->retransmits_2xx, ==, 0); /* the ACK came 20 ms after the 2xx, before T1 */
  g_assert_cmpint(trace_at(&w, "b session", 0), >=, 0);
  g_assert_cmpint(trace_at(&w, "acked cseq=1", 0) - rb->answered_at, >=, SIM_MS(20));
  g_assert_cmpint(trace_at(&w, "acked cseq=1", 0) - rb->answered_at, <, SIM_MS(21));
  g_assert_cmpuint(w.b.offers, ==, 1);
  g_assert_cmpuint(w.a.answers, ==, 1);
  g_assert_cmpmem(g_bytes_get_data(sip_session_remote_body(w.a.ss), NULL),
                  g_bytes_get_size(sip_session_remote_body(w.a.ss)), SDP_B, strlen(SDP_B));
  /* RFC 4028 defaults: 1800 s, the caller refreshes. */
  g_assert_cmpuint(ra->session_expires_s, ==, 1800);
  g_assert_true(ra->we_refresh);
  g_assert_false(rb->we_refresh);
  sim_schedule_at(SIM_S(10), hangup_cb, callee_hangs_up ? w.b.ss : w.a.ss);
  sim_run(SIM_S(20));
  Side *hanger = callee_hangs_up ? &w.b : &w.a, *other = callee_hangs_up ? &w.a : &w.b;
  g_assert_cmpint(sip_session_report(hanger->ss)->end_cause, ==, SIP_END_LOCAL_BYE);
  g_assert_cmpint(sip_session_report(hanger->ss)->ended_at, ==, SIM_S(10));
  g_assert_cmpint(sip_session_report(other->ss)->end_cause, ==, SIP_END_REMOTE_BYE);
  g_assert_cmpint(sip_session_report(other->ss)->ended_at - SIM_S(10), >=, SIM_MS(10));
  g_assert_cmpint(sip_session_report(other->ss)->ended_at - SIM_S(10), <, SIM_MS(11));
  g_assert_cmpuint(sip_session_mgr_active(w.a.m) + sip_session_mgr_active(w.b.m), ==, 0);
  g_assert_cmpuint(trace_count(&w, "ended remote-bye"), ==, 1);
  g_assert_cmpuint(sip_stack_stats(w.b.s)->timeouts + sip_stack_stats(w.a.s)->timeouts, ==, 0);
  world_done(&w);
}

static void
test_rejected(void)
{
  W w = {0};
  world_direct(&w, NULL, NULL);
  w.mode = UAS_REJECT;
  call(&w, SIP_NET_UDP);
  sim_run(SIM_S(40));
  g_assert_cmpint(sip_session_state(w.a.ss), ==, SIP_SESSION_TERMINATED);
  g_assert_cmpuint(sip_session_report(w.a.ss)->setup_status, ==, 486);
  g_assert_cmpint(sip_session_report(w.a.ss)->end_cause, ==, SIP_END_SETUP_FAILED);
  g_assert_cmpint(sip_session_report(w.a.ss)->answered_at, ==, -1);
  g_assert_cmpuint(sip_session_report(w.b.ss)->setup_status, ==, 486);
  g_assert_null(sip_session_dialog(w.a.ss)); /* a final error makes no dialog */
  g_assert_cmpuint(sip_stack_stats(w.b.s)->timeouts, ==, 0); /* the transaction's ACK came */
  world_done(&w);
}

static void
cancel_cb(void *data)
{
  g_assert_true(sip_session_cancel(data));
}

static void
test_cancel_after_180(void)
{
  W w = {0};
  world_direct(&w, NULL, NULL);
  w.mode = UAS_RING;
  call(&w, SIP_NET_UDP);
  sim_schedule_at(SIM_S(1), cancel_cb, w.a.ss);
  sim_run(SIM_S(40));
  const SipSessionReport *ra = sip_session_report(w.a.ss), *rb = sip_session_report(w.b.ss);
  g_assert_cmpint(ra->end_cause, ==, SIP_END_CANCELLED);
  g_assert_cmpuint(ra->setup_status, ==, 487);
  g_assert_cmpint(rb->end_cause, ==, SIP_END_CANCELLED);
  g_assert_cmpuint(rb->setup_status, ==, 487);
  /* CANCEL at 1 s reaches the callee 10 ms later; its 487 reaches the caller 10 ms after that. */
  g_assert_cmpint(rb->ended_at - SIM_S(1), >=, SIM_MS(10));
  g_assert_cmpint(rb->ended_at - SIM_S(1), <, SIM_MS(11));
  g_assert_cmpint(ra->ended_at - rb->ended_at, >=, SIM_MS(10));
  g_assert_cmpint(ra->ended_at - rb->ended_at, <, SIM_MS(11));
  g_assert_cmpuint(sip_stack_stats(w.a.s)->timeouts + sip_stack_stats(w.b.s)->timeouts, ==, 0);
  world_done(&w);
}

static void
test_cancel_waits_for_provisional(void)
{
  /* §9.1: a CANCEL asked for before any provisional response waits for one. */
  W w = {0};
  world_direct(&w, NULL, NULL);
  w.mode = UAS_RING;
  call(&w, SIP_NET_UDP);
  g_assert_true(sip_session_cancel(w.a.ss));
  g_assert_cmpint(trace_at(&w, "a session", 0), >=, 0);
  sim_run(SIM_S(40));
  g_assert_cmpint(trace_at(&w, " cancel", 0), >=, SIM_MS(20)); /* after the 180 arrived */
  g_assert_cmpint(sip_session_report(w.a.ss)->end_cause, ==, SIP_END_CANCELLED);
  g_assert_cmpuint(sip_session_report(w.b.ss)->setup_status, ==, 487);
  world_done(&w);
}

static void
test_timer_b_no_answer(void)
{
  W w = {0};
  world_direct(&w, NULL, NULL);
  g_autoptr(GBytes) sdp = g_bytes_new_static(SDP_A, strlen(SDP_A));
  SipInviteParams p = {.ruri = "sip:x@10.0.0.2", .from = "<sip:a@example.net>", .to = "<sip:x@10.0.0.2>",
                       .flow = {.net = SIP_NET_UDP, .remote = {B_ADDR, 5999}}, .content_type = "application/sdp",
                       .body = sdp};
  SipSession *ss = sip_session_invite(w.a.m, &p);
  sim_run(SIM_S(40));
  g_assert_cmpint(sip_session_report(ss)->end_cause, ==, SIP_END_SETUP_FAILED);
  g_assert_cmpstr(sip_session_report(ss)->setup_failure, ==, "timer B");
  g_assert_cmpint(sip_session_report(ss)->ended_at, ==, SIM_S(32)); /* 64*T1 */
  world_done(&w);
}

static void
test_ack_lost_timer_h(void)
{
  W w = {0};
  world_nat(&w, NULL);
  w.drop_acks = TRUE;
  call(&w, SIP_NET_UDP);
  sim_run(SIM_S(60));
  const SipSessionReport *ra = sip_session_report(w.a.ss), *rb = sip_session_report(w.b.ss);
  g_assert_cmpuint(rb->setup_status, ==, 200);
  /* §13.3.1.4: the 2xx again at T1, 2*T1, ... capped at T2; each one gets the same ACK again. */
  static const double offsets[] = {0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5};
  g_assert_cmpuint(w.n_acks, ==, G_N_ELEMENTS(offsets));
  for (guint i = 0; i < G_N_ELEMENTS(offsets); i++)
    g_assert_cmpint(w.acks[i] - w.acks[0], ==, SIM_TIME_FROM_S(offsets[i]));
  g_assert_cmpuint(rb->retransmits_2xx, ==, 10);
  g_assert_cmpuint(ra->acks_sent, ==, 11);
  /* 64*T1 = 32 s after the 2xx the callee gives up and sends BYE. */
  g_assert_cmpint(rb->end_cause, ==, SIP_END_ACK_TIMEOUT);
  g_assert_cmpstr(rb->end_failure, ==, "timer H");
  g_assert_cmpint(rb->ended_at - rb->answered_at, ==, SIM_S(32));
  g_assert_cmpint(ra->end_cause, ==, SIP_END_REMOTE_BYE);
  g_assert_cmpint(trace_at(&w, "ended ack-timeout (timer H)", 0), ==, rb->ended_at);
  world_done(&w);
}

static void
se90_uac(SipSessionConfig *c)
{
  c->session_expires_s = 90;
  c->refresher = SIP_REFRESHER_UAC;
}

static void
test_session_timer_refresh(gconstpointer data)
{
  gboolean update = GPOINTER_TO_INT(data);
  W w = {0};
  world_direct(&w, se90_uac, NULL);
  if (update) {
    /* The knob is per manager: rebuild a's with UPDATE refreshes. */
    sip_session_mgr_free(w.a.m);
    SipSessionConfig c;
    sip_session_config_default(&c);
    c.local = (SipLocal){.user = "a", .addr = A_ADDR, .port = 5060, .tls_port = 5061, .rport = TRUE};
    se90_uac(&c);
    c.refresh = SIP_REFRESH_UPDATE;
    w.a.m = sip_session_mgr_new(w.a.s, &c, &session_ops, &w.a);
  }
  call(&w, SIP_NET_UDP);
  sim_run(SIM_S(200));
  const SipSessionReport *ra = sip_session_report(w.a.ss), *rb = sip_session_report(w.b.ss);
  g_assert_cmpint(sip_session_state(w.a.ss), ==, SIP_SESSION_CONFIRMED);
  g_assert_cmpint(sip_session_state(w.b.ss), ==, SIP_SESSION_CONFIRMED);
  g_assert_cmpuint(ra->session_expires_s, ==, 90);
  g_assert_true(ra->we_refresh);
  /* RFC 4028 §10: each refresh leaves exactly 45 s after the 2xx that began the interval. */
  SimTime start = ra->answered_at;
  for (guint i = 0; i < 4; i++) {
    g_autofree char *needle = g_strdup_printf("%s cseq=%u refresh", update ? "update" : "reinvite", i + 2);
    SimTime at = trace_at(&w, needle, 0);
    g_assert_cmpint(at - start, ==, SIM_S(45));
    g_autofree char *done = g_strdup_printf("a session %s refreshed 200", sip_session_call_id(w.a.ss));
    start = trace_at(&w, done, i);
    g_assert_cmpint(start - at, >=, SIM_MS(20));
    g_assert_cmpint(start - at, <, SIM_MS(21));
  }
  g_assert_cmpuint(ra->refreshes, ==, 4);
  g_assert_cmpuint(rb->refreshes, ==, 4);
  g_assert_cmpuint(update ? ra->updates_sent : ra->invites_sent - 1, ==, 4);
  g_assert_cmpuint(update ? ra->invites_sent : ra->updates_sent, ==, update ? 1 : 0);
  g_assert_cmpuint(w.b.offers, ==, update ? 1 : 5); /* a refresh re-INVITE repeats the offer */
  world_done(&w);
}

static void
test_session_timer_expiry(gconstpointer data)
{
  guint pass = GPOINTER_TO_UINT(data); /* INVITEs the NAT lets through: 1 = no refresh arrives */
  W w = {0};
  world_nat(&w, se90_uac);
  w.invites_pass = pass;
  call(&w, SIP_NET_UDP);
  sim_run(SIM_S(300));
  const SipSessionReport *ra = sip_session_report(w.a.ss), *rb = sip_session_report(w.b.ss);
  g_assert_cmpint(rb->end_cause, ==, SIP_END_SESSION_EXPIRED);
  /* The non-refresher sends BYE at SE - min(32, SE/3) = 60 s after the last interval began. */
  g_autofree char *last = g_strdup_printf("pbx session %s refreshed by peer", sip_session_call_id(w.b.ss));
  SimTime began = pass == 1 ? rb->answered_at : trace_at(&w, last, pass - 2);
  g_assert_cmpint(began, >, 0);
  g_assert_cmpint(rb->ended_at - began, ==, SIM_S(60));
  g_assert_cmpuint(rb->refreshes, ==, pass - 1);
  g_assert_cmpint(ra->end_cause, ==, SIP_END_REMOTE_BYE);
  g_assert_cmpint(trace_at(&w, "ended session-timer-expired", 0), ==, rb->ended_at);
  world_done(&w);
}

static void
forget_cb(void *data)
{
  sip_session_forget(data);
}

static void
test_refresh_481_ends_call(void)
{
  W w = {0};
  world_direct(&w, se90_uac, NULL);
  call(&w, SIP_NET_UDP);
  sim_run(SIM_S(5));
  sim_schedule_at(SIM_S(10), forget_cb, w.b.ss); /* the callee loses the dialog (a restart) */
  sim_run(SIM_S(100));
  const SipSessionReport *ra = sip_session_report(w.a.ss);
  g_assert_cmpint(ra->end_cause, ==, SIP_END_REFRESH_FAILED);
  g_assert_cmpuint(ra->end_status, ==, 481);
  SimTime sent = trace_at(&w, "reinvite cseq=2 refresh", 0);
  g_assert_cmpint(sent - ra->answered_at, ==, SIM_S(45));
  g_assert_cmpint(ra->ended_at - sent, >=, SIM_MS(20));
  g_assert_cmpint(ra->ended_at - sent, <, SIM_MS(21));
  g_assert_cmpuint(trace_count(&w, "no-dialog INVITE 481"), ==, 1);
  g_assert_cmpuint(trace_count(&w, "no-dialog BYE 481"), ==, 1); /* RFC 4028 §10: BYE anyway */
  world_done(&w);
}

static void
min_se_120(SipSessionConfig *c)
{
  c->min_se_s = 120;
}

static void
timer_off(SipSessionConfig *c)
{
  c->timer = FALSE;
}

static void
test_timer_off_at_callee(void)
{
  /* RFC 4028 §7.2: a 2xx without Session-Expires means no session timer, so no refreshes. */
  W w = {0};
  world_direct(&w, se90_uac, timer_off);
  call(&w, SIP_NET_UDP);
  sim_run(SIM_S(200));
  const SipSessionReport *ra = sip_session_report(w.a.ss);
  g_assert_cmpint(sip_session_state(w.a.ss), ==, SIP_SESSION_CONFIRMED);
  g_assert_cmpuint(ra->session_expires_s, ==, 0);
  g_assert_cmpuint(ra->invites_sent, ==, 1);
  g_assert_cmpuint(sip_session_report(w.b.ss)->session_expires_s, ==, 0);
  world_done(&w);
}

static void
test_422_retry_with_min_se(void)
{
  W w = {0};
  world_direct(&w, se90_uac, min_se_120);
  call(&w, SIP_NET_UDP);
  sim_run(SIM_S(100));
  const SipSessionReport *ra = sip_session_report(w.a.ss);
  g_assert_cmpint(sip_session_state(w.a.ss), ==, SIP_SESSION_CONFIRMED);
  g_assert_cmpuint(ra->setup_status, ==, 200);
  g_assert_cmpuint(ra->session_expires_s, ==, 120); /* RFC 4028 §7.4: raised to the 422's Min-SE */
  g_assert_cmpuint(trace_count(&w, "retry 422 min-se=120"), ==, 1);
  g_assert_cmpint(trace_at(&w, "reinvite cseq=3 refresh", 0) - ra->answered_at, ==, SIM_S(60));
  g_assert_cmpuint(sip_session_report(w.b.ss)->session_expires_s, ==, 120);
  world_done(&w);
}

typedef struct {
  W *w;
  GBytes *a_sdp, *b_sdp;
} Glare;

static void
glare_cb(void *data)
{
  Glare *g = data;
  g_assert_true(sip_session_reinvite(g->w->a.ss, "application/sdp", g->a_sdp));
  g_assert_true(sip_session_reinvite(g->w->b.ss, "application/sdp", g->b_sdp));
}

static guint
glare_delay_ms(W *w, const char *who)
{
  g_autofree char *needle = g_strdup_printf("%s session", who);
  fflush(w->trace_fp);
  for (const char *p = w->trace; (p = strstr(p, needle)); p++) {
    const char *eol = strchr(p, '\n');
    const char *g = strstr(p, "glare retry in ");
    if (g && (!eol || g < eol))
      return (guint)g_ascii_strtoull(g + strlen("glare retry in "), NULL, 10);
  }
  return G_MAXUINT;
}

static void
test_glare_491_retry(void)
{
  W w = {0};
  world_direct(&w, NULL, NULL);
  call(&w, SIP_NET_UDP);
  static const char hold_a[] = "v=0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n";
  static const char hold_b[] = "v=0\r\nm=audio 5000 RTP/AVP 0\r\na=sendonly\r\n";
  Glare g = {&w, g_bytes_new_static(hold_a, strlen(hold_a)), g_bytes_new_static(hold_b, strlen(hold_b))};
  sim_schedule_at(SIM_S(5), glare_cb, &g);
  sim_run(SIM_S(20));
  const SipSessionReport *ra = sip_session_report(w.a.ss), *rb = sip_session_report(w.b.ss);
  g_assert_cmpuint(ra->glare_retries, ==, 1);
  g_assert_cmpuint(rb->glare_retries, ==, 1);
  /* §14.1: the Call-ID owner (caller) waits 2.1-4 s, the other 0-2 s, in 10 ms steps. */
  guint da = glare_delay_ms(&w, "a"), db = glare_delay_ms(&w, "b");
  g_assert_cmpuint(da, >=, 2100);
  g_assert_cmpuint(da, <=, 4000);
  g_assert_cmpuint(db, <=, 2000);
  g_assert_cmpuint(da % 10 + db % 10, ==, 0);
  /* Both offers went through in the end: each side holds the other's new description. */
  g_assert_true(g_bytes_equal(sip_session_remote_body(w.a.ss), g.b_sdp));
  g_assert_true(g_bytes_equal(sip_session_remote_body(w.b.ss), g.a_sdp));
  g_assert_cmpint(sip_session_state(w.a.ss), ==, SIP_SESSION_CONFIRMED);
  g_assert_cmpint(sip_session_state(w.b.ss), ==, SIP_SESSION_CONFIRMED);
  g_assert_cmpuint(trace_count(&w, "glare 491"), ==, 2);
  g_bytes_unref(g.a_sdp);
  g_bytes_unref(g.b_sdp);
  world_done(&w);
}

static void
test_stream_call(gconstpointer data)
{
  SipNet net = GPOINTER_TO_INT(data);
  W w = {0};
  world_direct(&w, NULL, NULL);
  call(&w, net);
  sim_schedule_at(SIM_S(10), hangup_cb, w.a.ss);
  sim_run(SIM_S(20));
  const SipSessionReport *ra = sip_session_report(w.a.ss), *rb = sip_session_report(w.b.ss);
  g_assert_cmpuint(ra->setup_status, ==, 200);
  g_assert_cmpint(ra->end_cause, ==, SIP_END_LOCAL_BYE);
  g_assert_cmpint(rb->end_cause, ==, SIP_END_REMOTE_BYE);
  g_assert_cmpuint(rb->retransmits_2xx, ==, 0);
  g_assert_cmpint(sip_session_dialog(w.a.ss) ? 1 : 0, ==, 1);
  g_assert_cmpint(sip_session_dialog(w.a.ss)->net, ==, net);
  g_assert_cmpuint(sip_tl_stats(sip_stack_tl(w.a.s))->tx_failed + sip_tl_stats(sip_stack_tl(w.b.s))->tx_failed, ==,
                   0);
  world_done(&w);
}

static void
reinvite_cb(void *data)
{
  static const char hold[] = "v=0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n";
  g_autoptr(GBytes) sdp = g_bytes_new_static(hold, strlen(hold));
  g_assert_true(sip_session_reinvite(data, "application/sdp", sdp));
}

static void
test_reinvite_timeout_ends_call(void)
{
  /* RFC 5057 §5.1: an in-dialog request that times out ends the dialog (and the session). */
  W w = {0};
  world_direct(&w, NULL, NULL);
  call(&w, SIP_NET_UDP);
  sim_run(SIM_S(5));
  g_assert_cmpint(sip_session_state(w.a.ss), ==, SIP_SESSION_CONFIRMED);
  g_clear_pointer(&w.b.s, sip_stack_free); /* the callee vanishes */
  sim_schedule_at(SIM_S(10), reinvite_cb, w.a.ss);
  sim_run(SIM_S(60));
  const SipSessionReport *ra = sip_session_report(w.a.ss);
  g_assert_cmpint(ra->end_cause, ==, SIP_END_REQUEST_FAILED);
  g_assert_cmpstr(ra->end_failure, ==, "timer B");
  g_assert_cmpint(ra->ended_at, ==, SIM_S(10) + SIM_S(32));
  g_assert_cmpuint(ra->invites_sent, ==, 2);
  world_done(&w);
}

static char *
basic_call_hash(void)
{
  W w = {0};
  world_direct(&w, se90_uac, NULL);
  call(&w, SIP_NET_UDP);
  sim_schedule_at(SIM_S(100), hangup_cb, w.a.ss);
  sim_run(SIM_S(120));
  char *hash = sim_trace_hash();
  world_done(&w);
  return hash;
}

static void
test_deterministic(void)
{
  g_autofree char *h1 = basic_call_hash();
  g_autofree char *h2 = basic_call_hash();
  g_assert_cmpstr(h1, ==, h2);
}

/* ---- Dialog state without a network ---- */

typedef struct {
  const char *record_route; /* the 2xx's Record-Route lines */
  const char *ruri;         /* expected BYE Request-URI */
  const char *routes;       /* expected Route values, in order, joined by '|' */
  guint16 hop_port;         /* expected next-hop port */
} RouteCase;

static const RouteCase route_cases[] = {
  /* §12.1.2: the UAC reverses Record-Route; §12.2.1.1 loose first route: R-URI = remote target. */
  {"Record-Route: <sip:10.0.0.9:5070;lr>\r\nRecord-Route: <sip:10.0.0.8:5080;lr>\r\n", "sip:b@10.0.0.2:5062",
   "<sip:10.0.0.8:5080;lr>|<sip:10.0.0.9:5070;lr>", 5080},
  /* Strict first route: R-URI = that route, the remote target goes last in Route. */
  {"Record-Route: <sip:10.0.0.8:5080>\r\n", "sip:10.0.0.8:5080", "<sip:b@10.0.0.2:5062>", 5080},
  /* No route set: R-URI = remote target, next hop from the Contact. */
  {"", "sip:b@10.0.0.2:5062", "", 5062},
};

static void
test_dialog_routes(gconstpointer data)
{
  const RouteCase *c = data;
  tu_world(1);
  g_autoptr(GError) error = NULL;
  SimNode a = sim_host_new("a", &error);
  SipStackParams p = {.rand_stream = SIM_STREAM_MODEL};
  p.tl.name = "a";
  SipStack *s = sip_stack_new(a, &p, NULL, NULL, &error);
  g_assert_no_error(error);
  static const char inv[] = "INVITE sip:b@example.net SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
                            "From: <sip:a@example.net>;tag=aa\r\nTo: <sip:b@example.net>\r\nCall-ID: c1\r\n"
                            "CSeq: 7 INVITE\r\nContact: <sip:a@10.0.0.1>\r\nContent-Length: 0\r\n\r\n";
  g_autofree char *ok = g_strdup_printf("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n%s"
                                        "From: <sip:a@example.net>;tag=aa\r\nTo: <sip:b@example.net>;tag=bb\r\n"
                                        "Call-ID: c1\r\nCSeq: 7 INVITE\r\nContact: <sip:b@10.0.0.2:5062>\r\n"
                                        "Content-Length: 0\r\n\r\n",
                                        c->record_route);
  SipMsg req, resp;
  g_assert_cmpint(sip_msg_parse((const guint8 *)inv, strlen(inv), SIP_TP_STREAM, &req, NULL), ==, 1);
  g_assert_cmpint(sip_msg_parse((const guint8 *)ok, strlen(ok), SIP_TP_STREAM, &resp, NULL), ==, 1);
  SipLocal local = {.addr = A_ADDR, .port = 5060};
  g_autoptr(SipDialog) d = sip_dialog_new_uac(&req, &resp, NULL, SIP_NET_UDP, &local);
  g_assert_nonnull(d);
  g_autofree char *id = sip_dialog_id(d);
  g_assert_cmpstr(id, ==, "c1|aa|bb");
  SipFlow flow;
  g_autoptr(GBytes) bye = sip_builder_finish(sip_dialog_request(d, s, "BYE", &flow), NULL, NULL, 0);
  SipMsg m;
  gsize len;
  const guint8 *bytes = g_bytes_get_data(bye, &len);
  g_assert_cmpint(sip_msg_parse(bytes, len, SIP_TP_STREAM, &m, NULL), ==, 1);
  g_autofree char *ruri = sip_span_dup(m.buf, m.ruri);
  g_assert_cmpstr(ruri, ==, c->ruri);
  GString *routes = g_string_new(NULL);
  for (guint i = 0; i < sip_msg_value_count(&m, SIP_HDR_ROUTE); i++) {
    SipSpan v;
    g_assert_cmpint(sip_msg_value(&m, SIP_HDR_ROUTE, i, &v), ==, 1);
    g_autofree char *r = sip_span_dup(m.buf, v);
    g_string_append_printf(routes, "%s%s", i ? "|" : "", r);
  }
  g_assert_cmpstr(routes->str, ==, c->routes);
  g_string_free(routes, TRUE);
  guint32 num;
  SipMethod meth;
  SipSpan ms;
  g_assert_cmpint(sip_msg_cseq(&m, &num, &meth, &ms), ==, 1);
  g_assert_cmpuint(num, ==, 8); /* §12.2.1.1: one more than the INVITE's */
  g_assert_cmpuint(flow.remote.port, ==, c->hop_port);
  sip_stack_free(s);
  sim_reset();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_data_func("/sip/session/basic-call-caller-hangs-up", GINT_TO_POINTER(FALSE), test_basic_call);
  g_test_add_data_func("/sip/session/basic-call-callee-hangs-up", GINT_TO_POINTER(TRUE), test_basic_call);
  g_test_add_func("/sip/session/486-fails-setup", test_rejected);
  g_test_add_func("/sip/session/cancel-after-180-gets-487", test_cancel_after_180);
  g_test_add_func("/sip/session/cancel-waits-for-provisional", test_cancel_waits_for_provisional);
  g_test_add_func("/sip/session/no-answer-timer-b", test_timer_b_no_answer);
  g_test_add_func("/sip/session/nat-ack-lost-2xx-retransmitted-then-bye-at-64t1", test_ack_lost_timer_h);
  g_test_add_data_func("/sip/session/timer/reinvite-refresh-at-half-interval", GINT_TO_POINTER(FALSE),
                       test_session_timer_refresh);
  g_test_add_data_func("/sip/session/timer/update-refresh-at-half-interval", GINT_TO_POINTER(TRUE),
                       test_session_timer_refresh);
  g_test_add_data_func("/sip/session/timer/nat-no-refresh-bye-at-60s", GUINT_TO_POINTER(1),
                       test_session_timer_expiry);
  g_test_add_data_func("/sip/session/timer/nat-refresh-lost-bye-60s-after-last", GUINT_TO_POINTER(2),
                       test_session_timer_expiry);
  g_test_add_func("/sip/session/timer/refresh-481-ends-call", test_refresh_481_ends_call);
  g_test_add_func("/sip/session/timer/422-retry-with-min-se", test_422_retry_with_min_se);
  g_test_add_func("/sip/session/timer/off-at-callee-no-refresh", test_timer_off_at_callee);
  g_test_add_func("/sip/session/reinvite-glare-491-randomized-retry", test_glare_491_retry);
  g_test_add_data_func("/sip/session/tcp-call", GINT_TO_POINTER(SIP_NET_TCP), test_stream_call);
  g_test_add_data_func("/sip/session/tls-call", GINT_TO_POINTER(SIP_NET_TLS), test_stream_call);
  g_test_add_func("/sip/session/reinvite-timeout-ends-call", test_reinvite_timeout_ends_call);
  g_test_add_func("/sip/session/same-seed-same-trace", test_deterministic);
  g_test_add_data_func("/sip/dialog/loose-route-set-reversed", &route_cases[0], test_dialog_routes);
  g_test_add_data_func("/sip/dialog/strict-route-target-last", &route_cases[1], test_dialog_routes);
  g_test_add_data_func("/sip/dialog/no-route-set-contact-is-next-hop", &route_cases[2], test_dialog_routes);
  return g_test_run();
}
