/* sip-session.c — the session manager of one SIP stack: configuration keys, dispatch of requests
 * to dialogs (RFC 3261 §12.2.2: 481 when none matches, 500 for an out-of-order CSeq), BYE
 * (§15.1), ending a session with its cause, trace rows and the per-call report.
 *
 * The initial INVITE in both roles lives in sip-session-invite.c; re-INVITE, UPDATE and session
 * timers in sip-session-timer.c.
 */
#include "sip-session-private.h"

#include <stdarg.h>
#include <string.h>

const CfgKeyDef sip_session_keys[] = {
  {"sip.session_timer", CFG_BOOL, "", "true", NULL,
   "Whether user agents support SIP session timers (RFC 4028: Supported: timer, Session-Expires)."},
  {"sip.session_expires_s", CFG_INT, "s", "1800", "90..86400",
   "Session-Expires a user agent asks for (RFC 4028 §4 recommends 1800 s)."},
  {"sip.min_se_s", CFG_INT, "s", "90", "90..86400",
   "Smallest session interval a user agent accepts, sent as Min-SE (RFC 4028 §4: at least 90 s)."},
  {"sip.session_refresh", CFG_ENUM, "", "reinvite", "reinvite|update",
   "How the refresher refreshes the session: re-INVITE or UPDATE (RFC 4028 §10, RFC 3311)."},
  {"sip.ring_time_ms", CFG_INT, "ms", "3000", "0..600000",
   "How long a called user agent rings (180 Ringing) before it answers with 200 OK."},
  {NULL},
};

void
sip_session_config_default(SipSessionConfig *c)
{
  memset(c, 0, sizeof *c);
  c->timer = TRUE;
  c->session_expires_s = 1800; /* RFC 4028 §4 */
  c->min_se_s = 90;            /* RFC 4028 §4 */
  c->refresh = SIP_REFRESH_REINVITE;
  c->refresher = SIP_REFRESHER_UAC;
  c->ring_time = SIM_MS(3000);
  c->local.rport = TRUE;
}

void
sip_session_config_from(const Config *cfg, SipSessionConfig *c)
{
  c->timer = cfg_bool(cfg, "sip.session_timer");
  c->session_expires_s = (guint32)cfg_int(cfg, "sip.session_expires_s");
  c->min_se_s = (guint32)cfg_int(cfg, "sip.min_se_s");
  c->refresh = cfg_enum(cfg, "sip.session_refresh") == 1 ? SIP_REFRESH_UPDATE : SIP_REFRESH_REINVITE;
  c->ring_time = SIM_MS(cfg_int(cfg, "sip.ring_time_ms"));
}

const char *
sip_end_cause_name(SipEndCause c)
{
  static const char *const names[] = {
    "none", "setup-failed", "cancelled", "local-bye", "remote-bye", "ack-timeout",
    "session-timer-expired", "refresh-failed", "request-failed",
  };
  return (guint)c < G_N_ELEMENTS(names) ? names[c] : "?";
}

const char *
sip_session_state_name(SipSessionState st)
{
  static const char *const names[] = {"calling", "proceeding", "early", "confirmed", "terminated"};
  return (guint)st < G_N_ELEMENTS(names) ? names[st] : "?";
}

/* ---- Shared helpers --------------------------------------------------------------------------- */

void
session_trace(SipSession *ss, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sim_trace("sip", "%s session %s %s", sip_stack_name(ss->m->s), ss->call_id, text);
}

void
session_set_state(SipSession *ss, SipSessionState st)
{
  if (ss->state == st)
    return;
  ss->state = st;
  if (st == SIP_SESSION_EARLY || st == SIP_SESSION_CONFIRMED)
    session_trace(ss, "%s", sip_session_state_name(st));
  if (ss->m->ops.state_changed && !ss->forgotten)
    ss->m->ops.state_changed(ss->m->ctx, ss, st);
}

void
session_add_key(SipSession *ss)
{
  if (ss->key) {
    g_hash_table_remove(ss->m->dialogs, ss->key);
    g_clear_pointer(&ss->key, g_free);
  }
  if (!ss->dialog)
    return;
  ss->key = sip_dialog_id(ss->dialog);
  g_hash_table_replace(ss->m->dialogs, ss->key, ss);
}

guint32
session_random(SipSession *ss)
{
  return sip_stack_random(ss->m->s);
}

/* Report a body from the peer (offer or answer) and remember it. */
void
session_remote_body(SipSession *ss, const SipMsg *m, gboolean offer)
{
  if (m->body.len == 0)
    return;
  SipSpan type, params;
  g_autofree char *ctype = sip_msg_content_type(m, &type, &params) == 1 ? sip_span_dup(m->buf, type)
                                                                       : g_strdup("application/sdp");
  g_clear_pointer(&ss->remote_body, g_bytes_unref);
  g_free(ss->remote_type);
  ss->remote_body = g_bytes_new(m->buf + m->body.off, m->body.len);
  ss->remote_type = g_strdup(ctype);
  if (ss->m->ops.remote_sdp && !ss->forgotten)
    ss->m->ops.remote_sdp(ss->m->ctx, ss, ss->remote_type, ss->remote_body, offer);
}

/* A response without a session (481, 500, 422 before a session exists). */
void
session_respond(SipTxn *st, const SipMsg *req, guint status, const char *tag)
{
  if (!st)
    return;
  SipBuilder *b = sip_builder_response_to(req, status, NULL, tag);
  sip_txn_respond(st, sip_builder_finish(b, NULL, NULL, 0));
}

SipBuilder *
session_dialog_request(SipSession *ss, const char *method, SipFlow *flow)
{
  SipBuilder *b = sip_dialog_request(ss->dialog, ss->m->s, method, flow);
  if (strcmp(method, "INVITE") == 0 || strcmp(method, "UPDATE") == 0) {
    /* §12.2.1.1 (INVITE is a target refresh), RFC 3311 §5.1 (UPDATE carries Contact). */
    g_autofree char *contact = sip_local_contact(&ss->m->cfg.local, flow->net);
    sip_builder_add(b, SIP_HDR_CONTACT, contact);
  }
  return b;
}

SipTxn *
session_start_txn(SipSession *ss, GBytes *req, const SipFlow *flow, gboolean detach)
{
  SipTxn *t = sip_txn_client(ss->m->s, req, flow, detach ? NULL : &session_client_ops, ss);
  if (t && detach)
    sip_txn_detach(t);
  return t;
}

/* §15.1.1: BYE in the dialog; the session is over as soon as it is sent, so nobody waits for the
 * answer (the transaction still retransmits it). */
void
session_bye(SipSession *ss)
{
  if (!ss->dialog)
    return;
  SipFlow flow;
  SipBuilder *b = session_dialog_request(ss, "BYE", &flow);
  g_autoptr(GBytes) req = sip_builder_finish(b, NULL, NULL, 0);
  session_start_txn(ss, req, &flow, TRUE);
}

static void
session_stop_timers(SipSession *ss)
{
  sim_cancel(ss->cancel_ev);
  sim_cancel(ss->answer_ev);
  sim_cancel(ss->glare_ev);
  ss->cancel_ev = ss->answer_ev = ss->glare_ev = 0;
  uas_stop_2xx(ss);
  sst_stop(ss);
}

void
session_end(SipSession *ss, SipEndCause cause, guint status, const char *failure, gboolean bye)
{
  if (ss->state == SIP_SESSION_TERMINATED)
    return;
  if (bye && ss->dialog && ss->state == SIP_SESSION_CONFIRMED)
    session_bye(ss);
  session_stop_timers(ss);
  /* A UAS that ends before its final response still owes the INVITE one (§15.1.2: 487). */
  if (ss->invite_st) {
    SipTxn *st = g_steal_pointer(&ss->invite_st);
    session_respond(st, sip_txn_request(st), 487, ss->local_tag);
  }
  if (ss->invite_txn) {
    sip_txn_detach(ss->invite_txn);
    ss->invite_txn = NULL;
  }
  if (ss->mid_txn) {
    sip_txn_detach(ss->mid_txn);
    ss->mid_txn = NULL;
  }
  if (ss->key) {
    g_hash_table_remove(ss->m->dialogs, ss->key);
    g_clear_pointer(&ss->key, g_free);
  }
  SipSessionReport *r = &ss->report;
  r->end_cause = cause;
  r->end_status = status;
  r->end_failure = failure;
  r->ended_at = sim_now();
  if (status)
    session_trace(ss, "ended %s %u", sip_end_cause_name(cause), status);
  else if (failure)
    session_trace(ss, "ended %s (%s)", sip_end_cause_name(cause), failure);
  else
    session_trace(ss, "ended %s", sip_end_cause_name(cause));
  session_set_state(ss, SIP_SESSION_TERMINATED);
}

/* ---- Manager ---------------------------------------------------------------------------------- */

static void
session_free(gpointer data)
{
  SipSession *ss = data;
  session_stop_timers(ss);
  sip_dialog_free(ss->dialog);
  g_free(ss->call_id);
  g_free(ss->local_tag);
  g_free(ss->key);
  g_free(ss->local_type);
  g_free(ss->remote_type);
  g_free(ss->inv_ruri);
  g_free(ss->inv_from);
  g_free(ss->inv_to);
  g_free(ss->inv_route);
  g_free(ss->answer_type);
  g_free(ss->offer_type);
  GBytes *bytes[] = {ss->local_body, ss->remote_body, ss->invite, ss->ack, ss->uas_req, ss->resp_2xx,
                     ss->answer_body, ss->offer_body};
  for (guint i = 0; i < G_N_ELEMENTS(bytes); i++)
    if (bytes[i])
      g_bytes_unref(bytes[i]);
  g_free(ss);
}

SipSessionMgr *
sip_session_mgr_new(SipStack *s, const SipSessionConfig *cfg, const SipSessionOps *ops, void *ctx)
{
  g_return_val_if_fail(s != NULL && cfg != NULL, NULL);
  SipSessionMgr *m = g_new0(SipSessionMgr, 1);
  m->s = s;
  m->cfg = *cfg;
  m->user = g_strdup(cfg->local.user);
  m->cfg.local.user = m->user;
  if (m->cfg.min_se_s < 90)
    m->cfg.min_se_s = 90; /* RFC 4028 §4: Min-SE is never below 90 s */
  if (m->cfg.session_expires_s < m->cfg.min_se_s)
    m->cfg.session_expires_s = m->cfg.min_se_s;
  if (ops)
    m->ops = *ops;
  m->ctx = ctx;
  m->dialogs = g_hash_table_new(g_str_hash, g_str_equal);
  m->sessions = g_ptr_array_new_with_free_func(session_free);
  return m;
}

void
sip_session_mgr_free(SipSessionMgr *m)
{
  if (!m)
    return;
  g_hash_table_destroy(m->dialogs);
  g_ptr_array_unref(m->sessions);
  g_free(m->user);
  g_free(m);
}

guint
sip_session_mgr_active(const SipSessionMgr *m)
{
  guint n = 0;
  for (guint i = 0; i < m->sessions->len; i++) {
    const SipSession *ss = m->sessions->pdata[i];
    n += ss->state != SIP_SESSION_TERMINATED && !ss->forgotten;
  }
  return n;
}

/* A request inside a dialog we know. */
static void
dialog_request(SipSession *ss, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  if (req->method_id == SIP_METHOD_ACK) {
    uas_ack(ss, req);
    return;
  }
  if (!sip_dialog_accept_cseq(ss->dialog, req, flow)) {
    session_respond(st, req, 500, NULL); /* §12.2.2 */
    return;
  }
  switch (req->method_id) {
  case SIP_METHOD_BYE:
    /* §15.1.2: 200 to the BYE; an unanswered INVITE gets 487 (session_end). */
    session_respond(st, req, 200, NULL);
    session_end(ss, SIP_END_REMOTE_BYE, 0, NULL, FALSE);
    break;
  case SIP_METHOD_INVITE:
  case SIP_METHOD_UPDATE:
    mid_request(ss, st, req, flow);
    break;
  default:
    session_respond(st, req, 501, NULL);
  }
}

gboolean
sip_session_mgr_request(SipSessionMgr *m, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  g_return_val_if_fail(m != NULL && req != NULL && flow != NULL, FALSE);
  SipSpan to_tag;
  gboolean in_dialog = sip_msg_tag(req, SIP_HDR_TO, &to_tag) == 1 && to_tag.len > 0;
  if (req->method_id == SIP_METHOD_CANCEL) {
    uas_cancel(m, st, req);
    return TRUE;
  }
  if (in_dialog) {
    g_autofree char *id = sip_dialog_id_for_request(req);
    SipSession *ss = id ? g_hash_table_lookup(m->dialogs, id) : NULL;
    if (ss) {
      if (req->method_id != SIP_METHOD_INVITE && req->method_id != SIP_METHOD_UPDATE &&
          req->method_id != SIP_METHOD_BYE && req->method_id != SIP_METHOD_ACK)
        return FALSE; /* INFO, OPTIONS, NOTIFY...: the owner's */
      dialog_request(ss, st, req, flow);
      return TRUE;
    }
    if (req->method_id == SIP_METHOD_ACK)
      return TRUE; /* an ACK for a dialog that is gone: nothing to answer (§17) */
    /* §12.2.2: a request with a To tag that matches no dialog gets 481. */
    g_autofree char *cid = NULL;
    SipSpan c;
    if (sip_msg_call_id(req, &c) == 1)
      cid = sip_span_dup(req->buf, c);
    sim_trace("sip", "%s session %s no-dialog %s 481", sip_stack_name(m->s), cid ? cid : "-",
              sip_method_name(req->method_id) ? sip_method_name(req->method_id) : "?");
    session_respond(st, req, 481, NULL);
    return TRUE;
  }
  switch (req->method_id) {
  case SIP_METHOD_INVITE:
    uas_incoming(m, st, req, flow);
    return TRUE;
  case SIP_METHOD_BYE:
  case SIP_METHOD_UPDATE:
    session_respond(st, req, 481, NULL); /* need a dialog (§15.1.2, RFC 3311 §5.2) */
    return TRUE;
  case SIP_METHOD_ACK:
    return FALSE;
  default:
    return FALSE;
  }
}

gboolean
sip_session_mgr_response(SipSessionMgr *m, const SipMsg *resp, const SipFlow *flow)
{
  g_return_val_if_fail(m != NULL && resp != NULL, FALSE);
  g_autofree char *id = sip_dialog_id_for_response(resp);
  SipSession *ss = id ? g_hash_table_lookup(m->dialogs, id) : NULL;
  if (!ss) {
    /* A 2xx retransmission for a session that already ended still deserves its ACK. */
    for (guint i = 0; i < m->sessions->len && !ss; i++) {
      SipSession *c = m->sessions->pdata[i];
      if (c->dialog && c->ack) {
        g_autofree char *cid = sip_dialog_id(c->dialog);
        if (g_strcmp0(cid, id) == 0)
          ss = c;
      }
    }
  }
  return ss && uac_resend_ack(ss, resp);
}

/* ---- Owner calls -------------------------------------------------------------------------------- */

void
sip_session_hangup(SipSession *ss)
{
  g_return_if_fail(ss != NULL);
  if (ss->state == SIP_SESSION_TERMINATED || ss->forgotten)
    return;
  if (ss->state == SIP_SESSION_CONFIRMED) {
    session_end(ss, SIP_END_LOCAL_BYE, 0, NULL, TRUE);
    return;
  }
  if (ss->role == SIP_SESSION_UAC)
    sip_session_cancel(ss);
  else
    sip_session_reject(ss, 480);
}

void
sip_session_forget(SipSession *ss)
{
  g_return_if_fail(ss != NULL);
  if (ss->invite_st) { /* a server transaction must still get a final response */
    SipTxn *st = g_steal_pointer(&ss->invite_st);
    session_respond(st, sip_txn_request(st), 500, ss->local_tag);
  }
  session_stop_timers(ss);
  if (ss->invite_txn)
    sip_txn_detach(ss->invite_txn);
  if (ss->mid_txn)
    sip_txn_detach(ss->mid_txn);
  ss->invite_txn = ss->mid_txn = NULL;
  if (ss->key) {
    g_hash_table_remove(ss->m->dialogs, ss->key);
    g_clear_pointer(&ss->key, g_free);
  }
  ss->forgotten = TRUE;
  session_trace(ss, "forgotten");
}

void
sip_session_set_local_body(SipSession *ss, const char *content_type, GBytes *body)
{
  g_return_if_fail(ss != NULL);
  g_clear_pointer(&ss->local_body, g_bytes_unref);
  g_free(ss->local_type);
  ss->local_type = body ? g_strdup(content_type ? content_type : "application/sdp") : NULL;
  ss->local_body = body ? g_bytes_ref(body) : NULL;
}

SipSessionState
sip_session_state(const SipSession *ss)
{
  return ss->state;
}

SipSessionRole
sip_session_role(const SipSession *ss)
{
  return ss->role;
}

const char *
sip_session_call_id(const SipSession *ss)
{
  return ss->call_id;
}

const SipDialog *
sip_session_dialog(const SipSession *ss)
{
  return ss->dialog;
}

const SipSessionReport *
sip_session_report(const SipSession *ss)
{
  return &ss->report;
}

GBytes *
sip_session_remote_body(const SipSession *ss)
{
  return ss->remote_body;
}

void
sip_session_set_data(SipSession *ss, void *data)
{
  ss->data = data;
}

void *
sip_session_get_data(const SipSession *ss)
{
  return ss->data;
}
