/* sip-txn.c — the four RFC 3261 §17 transaction state machines and the stack that matches
 * messages to them.
 *
 * Client INVITE (§17.1.1, RFC 6026 §7.2): Calling --1xx--> Proceeding --300-699--> Completed (ACK
 * sent, Timer D) ; --2xx--> Accepted (Timer M, 2xx retransmissions passed up) ; Timer A retransmits
 * over UDP, Timer B gives up.  Client non-INVITE (§17.1.2): Trying/Proceeding, Timer E retransmits
 * (capped at T2), Timer F gives up, Timer K ends Completed.  Server INVITE (§17.2.1, RFC 6026 §7.1):
 * Proceeding (100 Trying after 200 ms if the TU is silent) --2xx--> Accepted (Timer L) ;
 * --300-699--> Completed (Timer G retransmits, Timer H gives up) --ACK--> Confirmed (Timer I).
 * Server non-INVITE (§17.2.2): Trying/Proceeding --final--> Completed (Timer J).
 * Matching follows §17.1.3 (branch + CSeq method) and §17.2.3 (branch + sent-by + method, ACK
 * matching its INVITE).  Every timer is a sim event cancelled when its transaction ends.
 */
#include "sip-txn.h"

#include <string.h>

const CfgKeyDef sip_txn_keys[] = {
  {"sip.t1_ms", CFG_INT, "ms", "500", "1..60000", "SIP Timer T1, the round-trip estimate (RFC 3261 §17.1.1.1)."},
  {"sip.t2_ms", CFG_INT, "ms", "4000", "1..600000",
   "SIP Timer T2, the longest retransmission interval (RFC 3261 §17.1.1.1)."},
  {"sip.t4_ms", CFG_INT, "ms", "5000", "1..600000",
   "SIP Timer T4, the longest a message stays in the network (RFC 3261 §17.1.1.1)."},
  {"sip.udp_max_bytes", CFG_INT, "bytes", "1300", "0..65535",
   "Requests larger than this go over TCP instead of UDP (RFC 3261 §18.1.1: 1300 when the path MTU is "
   "unknown); 0 sends them over UDP as they are, as some phones do."},
  {NULL},
};

typedef enum {
  TX_CALLING,    /* client INVITE, no response yet */
  TX_TRYING,     /* non-INVITE, no response yet */
  TX_PROCEEDING, /* provisional response seen (client) or request being handled (server) */
  TX_COMPLETED,  /* final response: waiting out retransmissions (or the ACK, server INVITE) */
  TX_ACCEPTED,   /* 2xx to an INVITE (RFC 6026) */
  TX_CONFIRMED,  /* server INVITE: ACK received */
  TX_TERMINATED, /* gone from the tables; freed by a zero-delay event */
} TxState;

struct SipTxn {
  SipStack *s;         /* owner */
  gboolean client;     /* client or server transaction */
  SipMethod method;    /* the request's method */
  char *key;           /* matching key in the stack's table */
  TxState state;       /* state */
  GBytes *req;         /* the request's bytes */
  SipMsg req_msg;      /* parsed view of req (server transactions and ACK building) */
  GBytes *last_resp;   /* server: last response sent; client INVITE: the ACK sent */
  SipFlow flow;        /* client: destination; server: the request's flow */
  SipClientOps ops;    /* client callbacks */
  void *ctx;           /* their context */
  gboolean detached;   /* the TU stopped listening */
  SimTime retx;        /* current retransmission interval (A, E, G) */
  SimEvent retx_ev;    /* retransmission timer */
  SimEvent timeout_ev; /* B, F or H; server INVITE: also the 100 Trying timer before a response */
  SimEvent end_ev;     /* D, K, I, J, L or M */
};

struct SipStack {
  char *name;          /* trace label */
  SipTl *tl;           /* transport layer */
  SipTimers timers;    /* T1, T2, T4 */
  gboolean honour_rport; /* RFC 3581 §4 */
  guint udp_max_bytes;   /* RFC 3261 §18.1.1 limit, 0 = none */
  GRand *rand;         /* branches and tags */
  SipStackOps ops;     /* TU callbacks */
  void *ctx;           /* their context */
  GHashTable *client;  /* key -> SipTxn* (owned) */
  GHashTable *server;  /* key -> SipTxn* (owned) */
  SipStackStats stats; /* counters */
  GPtrArray *zombies;  /* terminated transactions, freed by reap_ev */
  SimEvent reap_ev;    /* zero-delay event that frees the zombies */
};

void
sip_timers_default(SipTimers *t)
{
  t->t1 = SIM_MS(500);
  t->t2 = SIM_S(4);
  t->t4 = SIM_S(5);
}

void
sip_timers_from_config(const Config *cfg, SipTimers *t)
{
  t->t1 = SIM_MS(cfg_int(cfg, "sip.t1_ms"));
  t->t2 = SIM_MS(cfg_int(cfg, "sip.t2_ms"));
  t->t4 = SIM_MS(cfg_int(cfg, "sip.t4_ms"));
}

const char *
sip_txn_failure_name(SipTxnFailure f)
{
  switch (f) {
  case SIP_TXN_TIMER_B: return "timer B";
  case SIP_TXN_TIMER_F: return "timer F";
  case SIP_TXN_TRANSPORT: return "transport error";
  }
  return "?";
}

static gboolean
reliable(const SipTxn *t)
{
  return t->flow.net != SIP_NET_UDP;
}

/* ---- Keys ----------------------------------------------------------------------------------------- */

/* Client key: top Via branch and CSeq method (§17.1.3).  NULL if the message lacks either. */
static char *
client_key(const SipMsg *m)
{
  SipVia via;
  guint32 num;
  SipMethod method;
  SipSpan mspan;
  if (sip_msg_via(m, 0, &via) != 1 || via.branch.len == 0 || sip_msg_cseq(m, &num, &method, &mspan) != 1)
    return NULL;
  g_autofree char *branch = sip_span_dup(m->buf, via.branch);
  g_autofree char *meth = sip_span_dup(m->buf, mspan);
  return g_strdup_printf("%s|%s", branch, meth);
}

/* Server key: branch, sent-by and method, an ACK keyed as its INVITE (§17.2.3). */
static char *
server_key(const SipMsg *m, gboolean as_invite)
{
  SipVia via;
  if (sip_msg_via(m, 0, &via) != 1 || via.branch.len == 0)
    return NULL;
  g_autofree char *branch = sip_span_dup(m->buf, via.branch);
  g_autofree char *host = sip_span_dup(m->buf, via.host);
  g_autofree char *meth = sip_span_dup(m->buf, m->method);
  return g_strdup_printf("%s|%s:%u|%s", branch, host, via.port, as_invite ? "INVITE" : meth);
}

/* ---- Lifetime ------------------------------------------------------------------------------------- */

static void
txn_free(void *data)
{
  SipTxn *t = data;
  g_bytes_unref(t->req);
  if (t->last_resp)
    g_bytes_unref(t->last_resp);
  g_free(t->key);
  g_free(t);
}

static void
txn_cancel_timers(SipTxn *t)
{
  sim_cancel(t->retx_ev);
  sim_cancel(t->timeout_ev);
  sim_cancel(t->end_ev);
  t->retx_ev = t->timeout_ev = t->end_ev = 0;
}

static void
reap(void *data)
{
  SipStack *s = data;
  s->reap_ev = 0;
  g_ptr_array_set_size(s->zombies, 0);
}

/* Leave the tables at once; free after the current event, so callers up the stack stay safe. */
static void
txn_terminate(SipTxn *t)
{
  if (t->state == TX_TERMINATED)
    return;
  txn_cancel_timers(t);
  t->state = TX_TERMINATED;
  GHashTable *table = t->client ? t->s->client : t->s->server;
  if (g_hash_table_lookup(table, t->key) == t)
    g_hash_table_steal(table, t->key);
  g_ptr_array_add(t->s->zombies, t);
  if (!t->s->reap_ev)
    t->s->reap_ev = sim_schedule(0, reap, t->s);
}

static void
end_timer_fired(void *data)
{
  SipTxn *t = data;
  t->end_ev = 0;
  txn_terminate(t);
}

/* Start the timer that ends a state (D, K, I, J, L, M); a zero duration ends it now. */
static void
start_end_timer(SipTxn *t, SimTime d)
{
  sim_cancel(t->end_ev);
  if (d <= 0)
    txn_terminate(t);
  else
    t->end_ev = sim_schedule(d, end_timer_fired, t);
}

/* ---- Client transactions ---------------------------------------------------------------------------- */

static void
client_fail(SipTxn *t, SipTxnFailure why)
{
  sim_trace("sip", "%s txn-failed %s %s", t->s->name, t->key, sip_txn_failure_name(why));
  if (why != SIP_TXN_TRANSPORT)
    t->s->stats.timeouts++;
  SipClientOps ops = t->ops;
  void *ctx = t->ctx;
  gboolean detached = t->detached;
  txn_terminate(t);
  if (!detached && ops.failed)
    ops.failed(ctx, t, why);
}

static void
client_timeout_fired(void *data)
{
  SipTxn *t = data;
  t->timeout_ev = 0;
  /* Timer B only matters in Calling, Timer F in Trying or Proceeding (§17.1.1.2, §17.1.2.2). */
  if (t->state == TX_CALLING || t->state == TX_TRYING || (t->method != SIP_METHOD_INVITE && t->state == TX_PROCEEDING))
    client_fail(t, t->method == SIP_METHOD_INVITE ? SIP_TXN_TIMER_B : SIP_TXN_TIMER_F);
}

static void
client_retx_fired(void *data)
{
  SipTxn *t = data;
  t->retx_ev = 0;
  if (t->state != TX_CALLING && t->state != TX_TRYING && t->state != TX_PROCEEDING)
    return;
  if (t->method == SIP_METHOD_INVITE && t->state != TX_CALLING)
    return;
  t->s->stats.retransmissions++;
  if (!sip_tl_send(t->s->tl, &t->flow, g_bytes_get_data(t->req, NULL), g_bytes_get_size(t->req))) {
    client_fail(t, SIP_TXN_TRANSPORT);
    return;
  }
  /* Timer A doubles without bound (§17.1.1.2); Timer E doubles up to T2, and is T2 once a
   * provisional response came (§17.1.2.2). */
  if (t->method == SIP_METHOD_INVITE)
    t->retx *= 2;
  else
    t->retx = t->state == TX_PROCEEDING ? t->s->timers.t2 : MIN(2 * t->retx, t->s->timers.t2);
  t->retx_ev = sim_schedule(t->retx, client_retx_fired, t);
}

static void
client_send_failed(void *data)
{
  client_fail(data, SIP_TXN_TRANSPORT);
}

/* RFC 3261 §18.1.1: a request over UDP larger than the limit goes over TCP to the same place, with
 * its top Via saying so.  Returns the bytes to send (a new reference). */
static GBytes *
large_to_tcp(SipStack *s, GBytes *req, SipFlow *flow)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(req, &len);
  SipMsg m;
  SipSpan elem;
  SipVia via;
  if (flow->net != SIP_NET_UDP || !s->udp_max_bytes || len <= s->udp_max_bytes ||
      sip_msg_parse(data, len, SIP_TP_DGRAM, &m, NULL) != 1 || sip_msg_value(&m, SIP_HDR_VIA, 0, &elem) != 1 ||
      sip_via_parse(m.buf, elem, &via) != 1 || via.transport.len == 0)
    return g_bytes_ref(req);
  g_autoptr(SipEdits) e = sip_edits_new();
  sip_edits_replace_span(e, via.transport, "TCP");
  flow->net = SIP_NET_TCP;
  flow->conn = 0;
  sim_trace("sip", "%s udp-to-tcp %" G_GSIZE_FORMAT " bytes > %u", s->name, len, s->udp_max_bytes);
  return sip_edits_apply_msg(e, &m);
}

SipTxn *
sip_txn_client(SipStack *s, GBytes *req, const SipFlow *flow, const SipClientOps *ops, void *ctx)
{
  g_return_val_if_fail(s != NULL && req != NULL && flow != NULL, NULL);
  SipTxn *t = g_new0(SipTxn, 1);
  t->s = s;
  t->client = TRUE;
  t->flow = *flow;
  t->req = large_to_tcp(s, req, &t->flow);
  if (ops)
    t->ops = *ops;
  t->ctx = ctx;
  gsize len;
  const guint8 *data = g_bytes_get_data(t->req, &len);
  if (sip_msg_parse(data, len, reliable(t) ? SIP_TP_STREAM : SIP_TP_DGRAM, &t->req_msg, NULL) != 1 ||
      !t->req_msg.is_request || t->req_msg.method_id == SIP_METHOD_ACK || !(t->key = client_key(&t->req_msg))) {
    g_critical("sip_txn_client: not a request with a Via branch and CSeq (or an ACK)");
    txn_free(t);
    return NULL;
  }
  t->method = t->req_msg.method_id;
  t->state = t->method == SIP_METHOD_INVITE ? TX_CALLING : TX_TRYING;
  if (g_hash_table_contains(s->client, t->key))
    g_critical("sip_txn_client: branch %s is already in use", t->key);
  g_hash_table_replace(s->client, t->key, t);
  s->stats.client_started++;
  if (!sip_tl_send(s->tl, &t->flow, data, len)) {
    /* Report after the caller has its pointer. */
    t->timeout_ev = sim_schedule(0, client_send_failed, t);
    return t;
  }
  if (!reliable(t)) {
    t->retx = s->timers.t1;
    t->retx_ev = sim_schedule(t->retx, client_retx_fired, t);
  }
  t->timeout_ev = sim_schedule(64 * s->timers.t1, client_timeout_fired, t);
  return t;
}

/* The ACK for a non-2xx final response (§17.1.1.3): the request's Request-URI, top Via, From,
 * Call-ID, Route and CSeq number; the response's To. */
static GBytes *
build_ack(const SipTxn *t, const SipMsg *resp)
{
  const SipMsg *req = &t->req_msg;
  g_autofree char *ruri = sip_span_dup(req->buf, req->ruri);
  SipBuilder *b = sip_builder_request("ACK", ruri);
  guint32 num = 0;
  SipMethod m;
  SipSpan ms;
  sip_msg_cseq(req, &num, &m, &ms);
  const SipHeader *via = sip_msg_header(req, SIP_HDR_VIA, 0);
  if (via)
    sip_builder_add_raw(b, req, via);
  for (guint i = 0; i < req->n_headers; i++) {
    const SipHeader *h = &req->headers[i];
    if (h->id == SIP_HDR_FROM || h->id == SIP_HDR_CALL_ID || h->id == SIP_HDR_ROUTE)
      sip_builder_add_raw(b, req, h);
  }
  const SipHeader *to = sip_msg_header(resp, SIP_HDR_TO, 0);
  if (to)
    sip_builder_add_raw(b, resp, to);
  sip_builder_addf(b, SIP_HDR_CSEQ, "%u ACK", num);
  sip_builder_add(b, SIP_HDR_MAX_FORWARDS, "70");
  return sip_builder_finish(b, NULL, NULL, 0);
}

static void
client_response(SipStack *s, SipTxn *t, const SipMsg *resp, const SipFlow *flow)
{
  gboolean final = resp->status >= 200;
  gboolean deliver = TRUE;
  if (t->method == SIP_METHOD_INVITE) {
    switch (t->state) {
    case TX_CALLING:
    case TX_PROCEEDING:
      sim_cancel(t->retx_ev);
      t->retx_ev = 0;
      if (!final) {
        t->state = TX_PROCEEDING;
        sim_cancel(t->timeout_ev); /* Timer B matters only in Calling */
        t->timeout_ev = 0;
      } else if (resp->status < 300) {
        t->state = TX_ACCEPTED;
        sim_cancel(t->timeout_ev);
        start_end_timer(t, 64 * s->timers.t1); /* Timer M, RFC 6026 §8.4 */
      } else {
        t->last_resp = build_ack(t, resp);
        sip_tl_send(s->tl, &t->flow, g_bytes_get_data(t->last_resp, NULL), g_bytes_get_size(t->last_resp));
        t->state = TX_COMPLETED;
        sim_cancel(t->timeout_ev);
        start_end_timer(t, reliable(t) ? 0 : SIM_S(32)); /* Timer D: >= 32 s for UDP */
      }
      break;
    case TX_ACCEPTED:
      deliver = final && resp->status < 300; /* 2xx retransmissions go up; the TU re-sends its ACK */
      break;
    case TX_COMPLETED:
      if (final && t->last_resp) /* a retransmitted final response: send the ACK again */
        sip_tl_send(s->tl, &t->flow, g_bytes_get_data(t->last_resp, NULL), g_bytes_get_size(t->last_resp));
      s->stats.absorbed++;
      deliver = FALSE;
      break;
    default:
      deliver = FALSE;
    }
  } else {
    switch (t->state) {
    case TX_TRYING:
    case TX_PROCEEDING:
      if (!final) {
        t->state = TX_PROCEEDING;
      } else {
        t->state = TX_COMPLETED;
        txn_cancel_timers(t);
        start_end_timer(t, reliable(t) ? 0 : s->timers.t4); /* Timer K */
      }
      break;
    default:
      s->stats.absorbed++;
      deliver = FALSE;
    }
  }
  if (deliver && !t->detached && t->ops.response)
    t->ops.response(t->ctx, t, resp, flow);
}

void
sip_txn_detach(SipTxn *t)
{
  if (t)
    t->detached = TRUE;
}

const SipFlow *
sip_txn_flow(const SipTxn *t)
{
  return &t->flow;
}

SipMethod
sip_txn_method(const SipTxn *t)
{
  return t->method;
}

/* ---- Server transactions ---------------------------------------------------------------------------- */

gboolean
sip_stack_send_response(SipStack *s, const SipMsg *req, const SipFlow *req_flow, GBytes *resp)
{
  SipFlow flow = *req_flow;
  SipVia via;
  gboolean have_via = sip_msg_via(req, 0, &via) == 1;
  if (flow.net != SIP_NET_UDP) {
    /* §18.2.2: the connection the request came on; if it closed, a new one to the source address
     * and the sent-by port. */
    if (!sip_tl_flow_open(s->tl, &flow)) {
      flow.conn = 0;
      flow.remote.port = have_via && via.port ? via.port : (flow.net == SIP_NET_TLS ? 5061 : 5060);
    }
  } else {
    /* §18.2.2 and RFC 3581 §4: the source address ("received"); the source port with rport, else
     * the sent-by port (default 5060). */
    if (!(s->honour_rport && have_via && via.has_rport))
      flow.remote.port = have_via && via.port ? via.port : 5060;
  }
  return sip_tl_send(s->tl, &flow, g_bytes_get_data(resp, NULL), g_bytes_get_size(resp));
}

static void
server_resend(SipTxn *t)
{
  if (t->last_resp)
    sip_stack_send_response(t->s, &t->req_msg, &t->flow, t->last_resp);
}

static void
server_g_fired(void *data)
{
  SipTxn *t = data;
  t->retx_ev = 0;
  if (t->state != TX_COMPLETED)
    return;
  t->s->stats.retransmissions++;
  server_resend(t);
  t->retx = MIN(2 * t->retx, t->s->timers.t2); /* Timer G, §17.2.1 */
  t->retx_ev = sim_schedule(t->retx, server_g_fired, t);
}

static void
server_h_fired(void *data)
{
  SipTxn *t = data;
  t->timeout_ev = 0;
  if (t->state != TX_COMPLETED)
    return;
  SipStack *s = t->s;
  s->stats.timeouts++;
  sim_trace("sip", "%s txn-failed %s timer H", s->name, t->key);
  txn_terminate(t);
  if (s->ops.server_timeout)
    s->ops.server_timeout(s->ctx, s, t);
}

static void
server_trying_fired(void *data)
{
  SipTxn *t = data;
  t->timeout_ev = 0;
  /* §17.2.1: a 100 Trying if the TU has not answered within 200 ms. */
  if (t->state == TX_PROCEEDING && !t->last_resp) {
    SipBuilder *b = sip_builder_response_to(&t->req_msg, 100, NULL, NULL);
    sip_txn_respond(t, sip_builder_finish(b, NULL, NULL, 0));
  }
}

gboolean
sip_txn_respond(SipTxn *st, GBytes *resp)
{
  g_return_val_if_fail(st != NULL && !st->client && resp != NULL, FALSE);
  SipMsg m;
  gsize len;
  const guint8 *data = g_bytes_get_data(resp, &len);
  if (sip_msg_parse(data, len, SIP_TP_STREAM, &m, NULL) != 1 || m.is_request) {
    g_critical("sip_txn_respond: not a response");
    g_bytes_unref(resp);
    return FALSE;
  }
  if (st->state != TX_PROCEEDING && st->state != TX_TRYING) {
    g_bytes_unref(resp); /* already final: nothing more may be sent (§17.2) */
    return FALSE;
  }
  if (st->last_resp)
    g_bytes_unref(st->last_resp);
  st->last_resp = resp;
  gboolean ok = sip_stack_send_response(st->s, &st->req_msg, &st->flow, resp);
  SipStack *s = st->s;
  if (m.status < 200) {
    st->state = TX_PROCEEDING;
    return ok;
  }
  sim_cancel(st->timeout_ev);
  st->timeout_ev = 0;
  if (st->method == SIP_METHOD_INVITE) {
    if (m.status < 300) {
      st->state = TX_ACCEPTED;
      start_end_timer(st, 64 * s->timers.t1); /* Timer L, RFC 6026 §8.7 */
    } else {
      st->state = TX_COMPLETED;
      if (!reliable(st)) {
        st->retx = s->timers.t1;
        st->retx_ev = sim_schedule(st->retx, server_g_fired, st);
      }
      st->timeout_ev = sim_schedule(64 * s->timers.t1, server_h_fired, st);
    }
  } else {
    st->state = TX_COMPLETED;
    start_end_timer(st, reliable(st) ? 0 : 64 * s->timers.t1); /* Timer J */
  }
  return ok;
}

const SipMsg *
sip_txn_request(const SipTxn *st)
{
  return &st->req_msg;
}

SipTxn *
sip_stack_cancel_target(SipStack *s, const SipMsg *cancel)
{
  g_autofree char *key = server_key(cancel, TRUE);
  SipTxn *t = key ? g_hash_table_lookup(s->server, key) : NULL;
  return t && t->state != TX_TERMINATED ? t : NULL;
}

/* RFC 3261 §18.2.1 and RFC 3581 §4: the server transport notes where a request really came from in
 * its top Via, "received" when the source address differs from sent-by (always when rport was
 * asked for) and "rport" with the source port; responses copy this Via.  NULL when nothing
 * changes. */
static GBytes *
stamp_via(SipStack *s, const SipMsg *req, const SipFlow *flow)
{
  SipSpan elem;
  SipVia via;
  if (flow->net != SIP_NET_UDP && !s->honour_rport)
    return NULL;
  if (sip_msg_value(req, SIP_HDR_VIA, 0, &elem) != 1 || sip_via_parse(req->buf, elem, &via) != 1)
    return NULL;
  guint32 host = 0;
  gboolean same_host = sip_host_ipv4(req->buf, via.host, &host) == 1 && host == flow->remote.addr;
  gboolean rport = s->honour_rport && via.has_rport;
  if (same_host && !rport)
    return NULL;
  g_autoptr(SipEdits) e = sip_edits_new();
  char src[16], port[8];
  sim_addr_format(flow->remote.addr, src);
  g_snprintf(port, sizeof port, "%u", flow->remote.port);
  /* rport first: a bare ";rport" at the element's end and an appended "received" insert at the
   * same point, and insertions at one point keep their order. */
  if (rport)
    sip_edit_set_param(e, req->buf, elem, via.params, "rport", port);
  sip_edit_set_param(e, req->buf, elem, via.params, "received", src);
  return sip_edits_apply_msg(e, req);
}

static void
server_request(SipStack *s, const SipMsg *req, const SipFlow *flow)
{
  gboolean ack = req->method_id == SIP_METHOD_ACK;
  g_autofree char *key = server_key(req, ack);
  SipTxn *t = key ? g_hash_table_lookup(s->server, key) : NULL;
  if (t) {
    s->stats.absorbed++;
    if (ack) {
      if (t->state == TX_COMPLETED) { /* §17.2.1: the ACK for our non-2xx response */
        t->state = TX_CONFIRMED;
        txn_cancel_timers(t);
        start_end_timer(t, reliable(t) ? 0 : s->timers.t4); /* Timer I */
        return;
      }
      if (t->state != TX_ACCEPTED)
        return;
      /* An ACK for a 2xx that reused the INVITE's branch: the TU's business. */
    } else {
      /* A retransmitted request: repeat the last response (§17.2.1, §17.2.2), except in Trying
       * (nothing sent yet) and Accepted, where the UAS core retransmits the 2xx (RFC 6026 §7.1). */
      if (t->state == TX_PROCEEDING || t->state == TX_COMPLETED)
        server_resend(t);
      return;
    }
  }
  if (ack || !key) {
    if (s->ops.request)
      s->ops.request(s->ctx, s, NULL, req, flow);
    return;
  }
  t = g_new0(SipTxn, 1);
  t->s = s;
  t->key = g_steal_pointer(&key);
  t->flow = *flow;
  t->method = req->method_id;
  t->state = t->method == SIP_METHOD_INVITE ? TX_PROCEEDING : TX_TRYING;
  t->req = stamp_via(s, req, flow);
  if (!t->req)
    t->req = g_bytes_new(req->buf, req->msg_len);
  gsize len;
  const guint8 *data = g_bytes_get_data(t->req, &len);
  if (sip_msg_parse(data, len, req->transport, &t->req_msg, NULL) != 1) {
    g_bytes_unref(t->req); /* the stamp cannot break a message that parsed, but stay safe */
    t->req = g_bytes_new(req->buf, req->msg_len);
    data = g_bytes_get_data(t->req, &len);
    sip_msg_parse(data, len, req->transport, &t->req_msg, NULL);
  }
  g_hash_table_replace(s->server, t->key, t);
  if (t->method == SIP_METHOD_INVITE)
    t->timeout_ev = sim_schedule(SIM_MS(200), server_trying_fired, t);
  if (s->ops.request)
    s->ops.request(s->ctx, s, t, &t->req_msg, flow);
}

/* ---- The stack ------------------------------------------------------------------------------------- */

static void
tl_message(void *ctx, SipTl *tl, const SipMsg *msg, const SipFlow *flow)
{
  SipStack *s = ctx;
  if (msg->is_request) {
    server_request(s, msg, flow);
    return;
  }
  g_autofree char *key = client_key(msg);
  SipTxn *t = key ? g_hash_table_lookup(s->client, key) : NULL;
  if (t) {
    client_response(s, t, msg, flow);
    return;
  }
  s->stats.strays++;
  if (s->ops.stray_response)
    s->ops.stray_response(s->ctx, s, msg, flow);
}

static void
tl_keepalive(void *ctx, SipTl *tl, const SipFlow *flow, gboolean pong)
{
  SipStack *s = ctx;
  if (s->ops.keepalive)
    s->ops.keepalive(s->ctx, s, flow, pong);
}

static int
compare_txn_keys(gconstpointer a, gconstpointer b)
{
  return strcmp((*(SipTxn *const *)a)->key, (*(SipTxn *const *)b)->key);
}

static void
tl_flow_closed(void *ctx, SipTl *tl, const SipFlow *flow, const char *reason)
{
  SipStack *s = ctx;
  /* Client transactions waiting on the dead connection fail with a transport error (§17.1.4);
   * collected first, in key order, since failing one changes the table. */
  g_autoptr(GPtrArray) dead = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->client);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SipTxn *t = v;
    if (t->flow.conn == flow->conn && t->flow.net == flow->net &&
        (t->state == TX_CALLING || t->state == TX_TRYING || t->state == TX_PROCEEDING))
      g_ptr_array_add(dead, t);
  }
  g_ptr_array_sort(dead, compare_txn_keys);
  for (guint i = 0; i < dead->len; i++)
    client_fail(dead->pdata[i], SIP_TXN_TRANSPORT);
  if (s->ops.flow_closed)
    s->ops.flow_closed(s->ctx, s, flow, reason);
}

static const SipTlOps stack_tl_ops = {
  .message = tl_message,
  .keepalive = tl_keepalive,
  .flow_closed = tl_flow_closed,
};

SipStack *
sip_stack_new(SimNode host, const SipStackParams *params, const SipStackOps *ops, void *ctx, GError **error)
{
  g_return_val_if_fail(params != NULL, NULL);
  SipStack *s = g_new0(SipStack, 1);
  s->name = g_strdup(params->tl.name ? params->tl.name : "sip");
  s->timers = params->timers;
  if (s->timers.t1 <= 0)
    sip_timers_default(&s->timers);
  s->honour_rport = params->honour_rport;
  s->udp_max_bytes = params->udp_max_bytes;
  s->rand = sim_rand_new(params->rand_stream);
  if (ops)
    s->ops = *ops;
  s->ctx = ctx;
  s->client = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, txn_free);
  s->server = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, txn_free);
  s->zombies = g_ptr_array_new_with_free_func(txn_free);
  s->tl = sip_tl_new(host, &params->tl, &stack_tl_ops, s, error);
  if (!s->tl) {
    sip_stack_free(s);
    return NULL;
  }
  return s;
}

void
sip_stack_free(SipStack *s)
{
  if (!s)
    return;
  /* Live transactions go with their timers, terminated ones with the reap event. */
  GHashTable *tables[] = {s->client, s->server};
  for (int i = 0; i < 2; i++) {
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, tables[i]);
    while (g_hash_table_iter_next(&it, NULL, &v))
      txn_cancel_timers(v);
    g_hash_table_destroy(tables[i]);
  }
  sim_cancel(s->reap_ev);
  g_ptr_array_unref(s->zombies);
  sip_tl_free(s->tl);
  if (s->rand)
    g_rand_free(s->rand);
  g_free(s->name);
  g_free(s);
}

SipTl *
sip_stack_tl(SipStack *s)
{
  return s->tl;
}

const SipTimers *
sip_stack_timers(const SipStack *s)
{
  return &s->timers;
}

const char *
sip_stack_name(const SipStack *s)
{
  return s->name;
}

char *
sip_stack_branch(SipStack *s)
{
  /* RFC 3261 §8.1.1.7: the magic cookie, then something unique. */
  return g_strdup_printf("z9hG4bK%08x%08x", g_rand_int(s->rand), g_rand_int(s->rand));
}

char *
sip_stack_tag(SipStack *s)
{
  return g_strdup_printf("%08x", g_rand_int(s->rand));
}

guint32
sip_stack_random(SipStack *s)
{
  return g_rand_int(s->rand);
}

gboolean
sip_stack_send(SipStack *s, SipFlow *flow, GBytes *msg)
{
  return sip_tl_send(s->tl, flow, g_bytes_get_data(msg, NULL), g_bytes_get_size(msg));
}

const SipStackStats *
sip_stack_stats(const SipStack *s)
{
  return &s->stats;
}

guint
sip_stack_txn_count(const SipStack *s)
{
  return g_hash_table_size(s->client) + g_hash_table_size(s->server);
}
