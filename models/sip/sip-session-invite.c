/* sip-session-invite.c — the initial INVITE of a session in both roles (RFC 3261 §13), CANCEL
 * (§9), the UAC's ACK for 2xx (§13.2.2.4) and the UAS core's 2xx retransmission (§13.3.1.4).
 *
 * UAC: INVITE -> 1xx (an 18x with a To tag makes an early dialog, §12.1.2) -> 2xx (confirmed: ACK
 * with a new branch, re-sent for every 2xx retransmission) or 3xx-6xx (failed with the status; a
 * 422 is retried once with the larger Min-SE, RFC 4028 §7.4) or Timer B / transport error.  CANCEL
 * goes out only after a provisional response (§9.1) and a 2xx that crosses it is ACKed and BYEd.
 * UAS: an INVITE becomes a session reported to the owner; its 2xx is re-sent at T1, 2*T1, ... capped
 * at T2 until the ACK, and after 64*T1 without one the session ends with BYE (§13.3.1.4: Timer H's
 * duration); CANCEL gets 200 and the INVITE 487 (§9.2).
 */
#include "sip-session-private.h"

#include <string.h>

static const char allow[] = "INVITE, ACK, CANCEL, BYE, UPDATE, OPTIONS";

SipSession *
session_new(SipSessionMgr *m, SipSessionRole role)
{
  SipSession *ss = g_new0(SipSession, 1);
  ss->m = m;
  ss->role = role;
  ss->state = SIP_SESSION_CALLING;
  ss->req_se = m->cfg.session_expires_s;
  ss->min_se = m->cfg.min_se_s;
  ss->report.role = role;
  ss->report.invite_at = sim_now();
  ss->report.answered_at = ss->report.setup_time = ss->report.ended_at = -1;
  g_ptr_array_add(m->sessions, ss);
  return ss;
}

/* ---- Client transaction callbacks --------------------------------------------------------------- */

gboolean
uac_resend_ack(SipSession *ss, const SipMsg *resp)
{
  guint32 num;
  SipMethod meth;
  SipSpan ms;
  if (!ss->ack || resp->status < 200 || resp->status >= 300 || sip_msg_cseq(resp, &num, &meth, &ms) != 1 ||
      meth != SIP_METHOD_INVITE || num != ss->ack_cseq)
    return FALSE;
  /* §13.2.2.4: every retransmission of the 2xx gets the same ACK again. */
  sip_stack_send(ss->m->s, &ss->ack_flow, ss->ack);
  ss->report.acks_sent++;
  return TRUE;
}

void
uac_send_ack(SipSession *ss, const SipMsg *resp)
{
  guint32 num;
  SipMethod meth;
  SipSpan ms;
  if (sip_msg_cseq(resp, &num, &meth, &ms) != 1)
    return;
  /* §13.2.2.4: built by the core like any request in the dialog, with the INVITE's CSeq number
   * and a new branch; sent straight to the transport. */
  guint32 saved = ss->dialog->local_cseq;
  ss->dialog->local_cseq = num;
  SipFlow flow;
  SipBuilder *b = sip_dialog_request(ss->dialog, ss->m->s, "ACK", &flow);
  ss->dialog->local_cseq = MAX(saved, num);
  g_clear_pointer(&ss->ack, g_bytes_unref);
  ss->ack = sip_builder_finish(b, NULL, NULL, 0);
  ss->ack_cseq = num;
  ss->ack_flow = flow;
  sip_stack_send(ss->m->s, &ss->ack_flow, ss->ack);
  ss->report.acks_sent++;
}

static void
cancel_timeout(void *data)
{
  SipSession *ss = data;
  ss->cancel_ev = 0;
  /* §9.1: no final response 64*T1 after the CANCEL: the INVITE is considered cancelled. */
  if (ss->invite_txn) {
    sip_txn_detach(ss->invite_txn);
    ss->invite_txn = NULL;
  }
  session_end(ss, SIP_END_CANCELLED, 0, "no final response to CANCEL", FALSE);
}

static void
send_cancel(SipSession *ss)
{
  g_autoptr(GBytes) cancel = sip_build_cancel(&ss->invite_msg);
  SipFlow flow = *sip_txn_flow(ss->invite_txn); /* §9.1: the same destination as the INVITE */
  session_start_txn(ss, cancel, &flow, TRUE);
  ss->cancelled = TRUE;
  session_trace(ss, "cancel");
  ss->cancel_ev = sim_schedule(64 * sip_stack_timers(ss->m->s)->t1, cancel_timeout, ss);
}

/* Make (or, for a different To tag, replace) the UAC dialog from a tagged response. */
static gboolean
uac_dialog(SipSession *ss, const SipMsg *resp, const SipFlow *flow)
{
  SipSpan tag;
  if (sip_msg_tag(resp, SIP_HDR_TO, &tag) != 1 || tag.len == 0)
    return FALSE;
  if (ss->dialog && sip_span_eq(resp->buf, tag, ss->dialog->remote_tag))
    return TRUE;
  SipDialog *d = sip_dialog_new_uac(&ss->invite_msg, resp, flow, ss->inv_flow.net, &ss->m->cfg.local);
  if (!d)
    return FALSE;
  sip_dialog_free(ss->dialog);
  ss->dialog = d;
  d->reuse_flow = ss->m->cfg.reuse_flow;
  session_add_key(ss);
  return TRUE;
}

static void
uac_invite_response(SipSession *ss, const SipMsg *resp, const SipFlow *flow)
{
  if (ss->state == SIP_SESSION_TERMINATED)
    return;
  if (resp->status < 200) {
    ss->got_provisional = TRUE;
    if (resp->status > 100 && uac_dialog(ss, resp, flow)) {
      session_remote_body(ss, resp, FALSE); /* early media answer, if any */
      session_set_state(ss, SIP_SESSION_EARLY);
    } else if (ss->state == SIP_SESSION_CALLING) {
      session_set_state(ss, SIP_SESSION_PROCEEDING);
    }
    if (ss->cancel_wanted && !ss->cancelled)
      send_cancel(ss); /* §9.1: held back until a provisional response */
    return;
  }
  ss->invite_txn = NULL;
  SipSessionReport *r = &ss->report;
  if (resp->status < 300) {
    if (!uac_dialog(ss, resp, flow)) {
      r->setup_status = resp->status;
      session_end(ss, SIP_END_SETUP_FAILED, resp->status, "2xx without To tag", FALSE);
      return;
    }
    sim_cancel(ss->cancel_ev);
    ss->cancel_ev = 0;
    ss->dialog->early = FALSE;
    sip_dialog_refresh_target(ss->dialog, resp);
    uac_send_ack(ss, resp);
    r->setup_status = resp->status;
    r->answered_at = sim_now();
    r->setup_time = r->answered_at - r->invite_at;
    session_remote_body(ss, resp, ss->local_body == NULL);
    sst_uac_response(ss, resp);
    session_set_state(ss, SIP_SESSION_CONFIRMED);
    if (ss->cancelled) /* §9.1/§15: a 2xx that crossed our CANCEL: ACK it, then BYE */
      session_end(ss, SIP_END_CANCELLED, 0, NULL, TRUE);
    return;
  }
  if (resp->status == 422 && ss->m->cfg.timer && ss->retries_422 < 2 && !ss->cancelled) {
    /* RFC 4028 §7.4: retry with Min-SE and Session-Expires raised to the 422's Min-SE. */
    guint32 min = sst_min_se_of(resp);
    if (min > ss->min_se) {
      ss->retries_422++;
      ss->min_se = min;
      ss->req_se = MAX(ss->req_se, min);
      session_trace(ss, "retry 422 min-se=%u", min);
      if (ss->key) {
        g_hash_table_remove(ss->m->dialogs, ss->key);
        g_clear_pointer(&ss->key, g_free);
      }
      g_clear_pointer(&ss->dialog, sip_dialog_free);
      ss->got_provisional = FALSE;
      uac_send_invite(ss);
      return;
    }
  }
  r->setup_status = resp->status;
  session_end(ss, ss->cancelled && resp->status == 487 ? SIP_END_CANCELLED : SIP_END_SETUP_FAILED, resp->status,
              NULL, FALSE);
}

static void
client_response(void *ctx, SipTxn *t, const SipMsg *resp, const SipFlow *flow)
{
  SipSession *ss = ctx;
  if (ss->forgotten)
    return;
  if (uac_resend_ack(ss, resp))
    return;
  if (t == ss->invite_txn)
    uac_invite_response(ss, resp, flow);
  else if (t == ss->mid_txn)
    mid_response(ss, resp);
}

static void
client_failed(void *ctx, SipTxn *t, SipTxnFailure why)
{
  SipSession *ss = ctx;
  if (ss->forgotten)
    return;
  if (t == ss->invite_txn) {
    ss->invite_txn = NULL;
    ss->report.setup_failure = sip_txn_failure_name(why);
    session_end(ss, ss->cancelled ? SIP_END_CANCELLED : SIP_END_SETUP_FAILED, 0, sip_txn_failure_name(why), FALSE);
  } else if (t == ss->mid_txn) {
    ss->mid_txn = NULL;
    mid_failed(ss, why);
  }
}

const SipClientOps session_client_ops = {.response = client_response, .failed = client_failed};

/* ---- UAC ---------------------------------------------------------------------------------------- */

void
uac_send_invite(SipSession *ss)
{
  SipSessionMgr *m = ss->m;
  SipNet net = ss->inv_flow.net;
  SipBuilder *b = sip_builder_request("INVITE", ss->inv_ruri);
  g_autofree char *branch = sip_stack_branch(m->s);
  g_autofree char *via = sip_local_via(&m->cfg.local, net, branch);
  g_autofree char *contact = sip_local_contact(&m->cfg.local, net);
  /* §8.1.1: To, From (with our tag), Call-ID, CSeq, Max-Forwards, Via; §13.2.1: Contact, Allow. */
  sip_builder_add(b, SIP_HDR_VIA, via);
  sip_builder_add(b, SIP_HDR_MAX_FORWARDS, "70");
  sip_builder_addf(b, SIP_HDR_FROM, "%s;tag=%s", ss->inv_from, ss->local_tag);
  sip_builder_add(b, SIP_HDR_TO, ss->inv_to);
  sip_builder_add(b, SIP_HDR_CALL_ID, ss->call_id);
  sip_builder_addf(b, SIP_HDR_CSEQ, "%u INVITE", ++ss->cseq);
  if (ss->inv_route)
    sip_builder_add(b, SIP_HDR_ROUTE, ss->inv_route);
  sip_builder_add(b, SIP_HDR_CONTACT, contact);
  sip_builder_add(b, SIP_HDR_ALLOW, allow);
  sst_request_headers(ss, b, TRUE);
  g_clear_pointer(&ss->invite, g_bytes_unref);
  ss->invite = sip_builder_finish(b, ss->local_type, ss->local_body ? g_bytes_get_data(ss->local_body, NULL) : NULL,
                                  ss->local_body ? g_bytes_get_size(ss->local_body) : 0);
  gsize len;
  const guint8 *data = g_bytes_get_data(ss->invite, &len);
  sip_msg_parse(data, len, SIP_TP_STREAM, &ss->invite_msg, NULL);
  ss->report.invites_sent++;
  session_trace(ss, "invite cseq=%u", ss->cseq);
  ss->invite_txn = session_start_txn(ss, ss->invite, &ss->inv_flow, FALSE);
}

SipSession *
sip_session_invite(SipSessionMgr *m, const SipInviteParams *p)
{
  g_return_val_if_fail(m != NULL && p != NULL && p->ruri && p->from && p->to, NULL);
  SipSession *ss = session_new(m, SIP_SESSION_UAC);
  char a[16];
  ss->local_tag = sip_stack_tag(m->s);
  g_autofree char *rnd = sip_stack_tag(m->s);
  ss->call_id = g_strdup_printf("%s%s@%s", rnd, ss->local_tag, sim_addr_format(m->cfg.local.addr, a));
  ss->inv_ruri = g_strdup(p->ruri);
  ss->inv_from = g_strdup(p->from);
  ss->inv_to = g_strdup(p->to);
  ss->inv_route = g_strdup(p->route);
  ss->inv_flow = p->flow;
  ss->inv_flow.conn = 0;
  if (p->body)
    sip_session_set_local_body(ss, p->content_type, p->body);
  uac_send_invite(ss);
  return ss;
}

gboolean
sip_session_cancel(SipSession *ss)
{
  g_return_val_if_fail(ss != NULL, FALSE);
  if (ss->role != SIP_SESSION_UAC || !ss->invite_txn || ss->cancelled || ss->forgotten)
    return FALSE;
  if (ss->got_provisional)
    send_cancel(ss);
  else
    ss->cancel_wanted = TRUE; /* §9.1: not before a provisional response */
  return TRUE;
}

/* ---- UAS ---------------------------------------------------------------------------------------- */

void
uas_take_request(SipSession *ss, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  ss->invite_st = st;
  g_clear_pointer(&ss->uas_req, g_bytes_unref);
  ss->uas_req = g_bytes_new(req->buf, req->msg_len);
  gsize len;
  const guint8 *data = g_bytes_get_data(ss->uas_req, &len);
  sip_msg_parse(data, len, req->transport, &ss->uas_req_msg, NULL);
  ss->uas_req_flow = *flow;
}

void
uas_incoming(SipSessionMgr *m, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  if (!st)
    return;
  if (!m->ops.incoming) {
    session_respond(st, req, 480, NULL);
    return;
  }
  guint32 se = 0;
  gboolean ref_uac = FALSE;
  if (m->cfg.timer && sst_negotiate(&m->cfg, req, &se, &ref_uac) == 422) {
    /* RFC 4028 §8.1: the interval is below our Min-SE: 422 with our Min-SE. */
    SipBuilder *b = sip_builder_response_to(req, 422, NULL, NULL);
    sip_builder_addf(b, SIP_HDR_MIN_SE, "%u", m->cfg.min_se_s);
    sip_txn_respond(st, sip_builder_finish(b, NULL, NULL, 0));
    return;
  }
  g_autofree char *tag = sip_stack_tag(m->s);
  SipDialog *d = sip_dialog_new_uas(req, flow, tag, &m->cfg.local);
  if (!d) {
    session_respond(st, req, 400, NULL);
    return;
  }
  SipSession *ss = session_new(m, SIP_SESSION_UAS);
  ss->local_tag = g_steal_pointer(&tag);
  ss->call_id = g_strdup(d->call_id);
  ss->dialog = d;
  d->reuse_flow = m->cfg.reuse_flow;
  session_add_key(ss);
  uas_take_request(ss, st, req, flow);
  ss->uas_se = se;
  ss->uas_ref_uac = ref_uac;
  session_trace(ss, "incoming");
  session_remote_body(ss, &ss->uas_req_msg, TRUE);
  m->ops.incoming(m->ctx, ss, &ss->uas_req_msg);
}

SipBuilder *
uas_response(SipSession *ss, const SipMsg *req, guint status)
{
  SipBuilder *b = sip_builder_response_to(req, status, NULL, ss->local_tag);
  if (status > 100 && status < 300) {
    /* §12.1.1: Record-Route copied into dialog-creating responses, and a Contact; §13.3.1: Allow. */
    for (guint i = 0; i < req->n_headers; i++)
      if (req->headers[i].id == SIP_HDR_RECORD_ROUTE)
        sip_builder_add_raw(b, req, &req->headers[i]);
    g_autofree char *contact = sip_local_contact(&ss->m->cfg.local, ss->dialog->net);
    sip_builder_add(b, SIP_HDR_CONTACT, contact);
    sip_builder_add(b, SIP_HDR_ALLOW, allow);
  }
  return b;
}

void
uas_stop_2xx(SipSession *ss)
{
  sim_cancel(ss->retx_ev);
  sim_cancel(ss->ack_timeout_ev);
  ss->retx_ev = ss->ack_timeout_ev = 0;
  g_clear_pointer(&ss->resp_2xx, g_bytes_unref);
}

static void
retx_2xx_fired(void *data)
{
  SipSession *ss = data;
  ss->retx_ev = 0;
  if (!ss->resp_2xx)
    return;
  sip_stack_send_response(ss->m->s, &ss->uas_req_msg, &ss->uas_req_flow, ss->resp_2xx);
  ss->report.retransmits_2xx++;
  /* §13.3.1.4: the interval starts at T1 and doubles up to T2. */
  ss->retx = MIN(2 * ss->retx, sip_stack_timers(ss->m->s)->t2);
  ss->retx_ev = sim_schedule(ss->retx, retx_2xx_fired, ss);
}

static void
ack_timeout_fired(void *data)
{
  SipSession *ss = data;
  ss->ack_timeout_ev = 0;
  /* §13.3.1.4: no ACK within 64*T1: the dialog is confirmed but the session ends with a BYE. */
  session_end(ss, SIP_END_ACK_TIMEOUT, 0, "timer H", TRUE);
}

void
uas_send_2xx(SipSession *ss, GBytes *resp)
{
  uas_stop_2xx(ss);
  guint32 num = 0;
  SipMethod meth;
  SipSpan ms;
  sip_msg_cseq(&ss->uas_req_msg, &num, &meth, &ms);
  ss->resp_2xx = g_bytes_ref(resp);
  ss->resp_2xx_cseq = num;
  SipTxn *st = g_steal_pointer(&ss->invite_st);
  sip_txn_respond(st, resp); /* takes resp */
  const SipTimers *t = sip_stack_timers(ss->m->s);
  ss->retx = t->t1;
  ss->retx_ev = sim_schedule(ss->retx, retx_2xx_fired, ss);
  ss->ack_timeout_ev = sim_schedule(64 * t->t1, ack_timeout_fired, ss);
}

void
uas_ack(SipSession *ss, const SipMsg *ack)
{
  guint32 num;
  SipMethod meth;
  SipSpan ms;
  if (!ss->resp_2xx || sip_msg_cseq(ack, &num, &meth, &ms) != 1 || num != ss->resp_2xx_cseq)
    return;
  uas_stop_2xx(ss);
  session_trace(ss, "acked cseq=%u", num);
  if (ss->answer_in_ack) {
    ss->answer_in_ack = FALSE;
    session_remote_body(ss, ack, FALSE);
  }
}

gboolean
sip_session_ring(SipSession *ss, guint status, const char *content_type, GBytes *body)
{
  g_return_val_if_fail(ss != NULL && status > 100 && status < 200, FALSE);
  if (ss->role != SIP_SESSION_UAS || !ss->invite_st || ss->state == SIP_SESSION_CONFIRMED)
    return FALSE;
  SipBuilder *b = uas_response(ss, &ss->uas_req_msg, status);
  GBytes *resp = sip_builder_finish(b, body ? content_type : NULL, body ? g_bytes_get_data(body, NULL) : NULL,
                                    body ? g_bytes_get_size(body) : 0);
  sip_txn_respond(ss->invite_st, resp);
  session_set_state(ss, SIP_SESSION_EARLY);
  return TRUE;
}

gboolean
sip_session_answer(SipSession *ss, const char *content_type, GBytes *body)
{
  g_return_val_if_fail(ss != NULL, FALSE);
  if (ss->role != SIP_SESSION_UAS || !ss->invite_st || ss->state == SIP_SESSION_TERMINATED)
    return FALSE;
  sim_cancel(ss->answer_ev);
  ss->answer_ev = 0;
  if (body)
    sip_session_set_local_body(ss, content_type, body);
  SipBuilder *b = uas_response(ss, &ss->uas_req_msg, 200);
  sst_response_headers(ss, b);
  GBytes *resp = sip_builder_finish(b, ss->local_type, ss->local_body ? g_bytes_get_data(ss->local_body, NULL) : NULL,
                                    ss->local_body ? g_bytes_get_size(ss->local_body) : 0);
  ss->answer_in_ack = ss->uas_req_msg.body.len == 0 && ss->local_body; /* our 2xx is the offer */
  uas_send_2xx(ss, resp);
  ss->dialog->early = FALSE;
  SipSessionReport *r = &ss->report;
  r->setup_status = 200;
  r->answered_at = sim_now();
  r->setup_time = r->answered_at - r->invite_at;
  sst_uas_committed(ss);
  session_set_state(ss, SIP_SESSION_CONFIRMED);
  return TRUE;
}

static void
answer_fired(void *data)
{
  SipSession *ss = data;
  ss->answer_ev = 0;
  sip_session_answer(ss, ss->answer_type, ss->answer_body);
}

gboolean
sip_session_answer_after(SipSession *ss, SimTime delay, const char *content_type, GBytes *body)
{
  g_return_val_if_fail(ss != NULL, FALSE);
  if (!sip_session_ring(ss, 180, NULL, NULL))
    return FALSE;
  g_clear_pointer(&ss->answer_body, g_bytes_unref);
  g_free(ss->answer_type);
  ss->answer_type = g_strdup(content_type);
  ss->answer_body = body ? g_bytes_ref(body) : NULL;
  sim_cancel(ss->answer_ev);
  ss->answer_ev = sim_schedule(delay < 0 ? ss->m->cfg.ring_time : delay, answer_fired, ss);
  return TRUE;
}

gboolean
sip_session_reject(SipSession *ss, guint status)
{
  g_return_val_if_fail(ss != NULL && status >= 300 && status <= 699, FALSE);
  if (ss->role != SIP_SESSION_UAS || !ss->invite_st)
    return FALSE;
  SipTxn *st = g_steal_pointer(&ss->invite_st);
  session_respond(st, &ss->uas_req_msg, status, ss->local_tag);
  ss->report.setup_status = status;
  session_end(ss, SIP_END_SETUP_FAILED, status, NULL, FALSE);
  return TRUE;
}

void
uas_cancel(SipSessionMgr *m, SipTxn *st, const SipMsg *req)
{
  SipTxn *target = sip_stack_cancel_target(m->s, req);
  if (!target) {
    session_respond(st, req, 481, NULL); /* §9.2: no matching transaction */
    return;
  }
  session_respond(st, req, 200, NULL); /* §9.2: 200 to the CANCEL in any case */
  for (guint i = 0; i < m->sessions->len; i++) {
    SipSession *ss = m->sessions->pdata[i];
    if (ss->invite_st == target && ss->state != SIP_SESSION_TERMINATED) {
      /* §9.2: the INVITE gets 487 (sent by session_end for the pending transaction). */
      ss->report.setup_status = 487;
      session_end(ss, SIP_END_CANCELLED, 487, NULL, FALSE);
      return;
    }
  }
}
