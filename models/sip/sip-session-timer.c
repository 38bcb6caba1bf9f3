/* sip-session-timer.c — requests inside a confirmed session: re-INVITE (RFC 3261 §14) and UPDATE
 * (RFC 3311) in both directions, glare (§14.1/§14.2: 491 and the randomized retry), and session
 * timers (RFC 4028).
 *
 * Session timers: requests carry Supported: timer, Session-Expires (with refresher= when we ask
 * for a role) and Min-SE (§7.1); a UAS rejects an interval below its Min-SE with 422 and its Min-SE
 * (§8.1), and the UAC retries with the larger value (§7.4); the 2xx carries the interval and the
 * refresher, with Require: timer when the refresher is the UAC (§9).  Every 2xx to a re-INVITE or
 * UPDATE starts a new interval (§10): the refresher sends its refresh at half of it, the other side
 * sends BYE if nothing came by the interval minus min(32 s, interval/3).  A refresh that times out
 * or gets 408 or 481 ends the session with BYE (§10; RFC 5057 §5.1 for any in-dialog request).
 */
#include "sip-session-private.h"

#include <string.h>

/* ---- Header values ------------------------------------------------------------------------------ */

/* Session-Expires: delta-seconds and refresher (0 absent, 1 uac, 2 uas).  1 found, 0 absent. */
static int
parse_se(const SipMsg *m, guint32 *secs, int *refresher)
{
  SipSpan v;
  *refresher = 0;
  if (sip_msg_value(m, SIP_HDR_SESSION_EXPIRES, 0, &v) != 1)
    return 0;
  guint n = 0;
  while (n < v.len && g_ascii_isdigit(m->buf[v.off + n]))
    n++;
  SipSpan digits = {v.off, n};
  if (sip_span_uint(m->buf, digits, 86400 * 365, secs) != 1)
    return 0;
  guint semi = n;
  while (semi < v.len && m->buf[v.off + semi] != ';')
    semi++;
  if (semi < v.len) {
    SipSpan params = {v.off + semi, v.len - semi}, val;
    gboolean has;
    if (sip_param_find(m->buf, params, "refresher", &val, &has) == 1 && has)
      *refresher = sip_span_case_eq(m->buf, val, "uac") ? 1 : sip_span_case_eq(m->buf, val, "uas") ? 2 : 0;
  }
  return 1;
}

guint32
sst_min_se_of(const SipMsg *m)
{
  SipSpan v;
  if (sip_msg_value(m, SIP_HDR_MIN_SE, 0, &v) != 1)
    return 0;
  guint n = 0;
  while (n < v.len && g_ascii_isdigit(m->buf[v.off + n]))
    n++;
  guint32 secs = 0;
  SipSpan digits = {v.off, n};
  return sip_span_uint(m->buf, digits, 86400 * 365, &secs) == 1 ? secs : 0;
}

static gboolean
has_option(const SipMsg *m, SipHdr id, const char *tag)
{
  guint n = sip_msg_value_count(m, id);
  for (guint i = 0; i < n; i++) {
    SipSpan v;
    if (sip_msg_value(m, id, i, &v) == 1 && sip_span_case_eq(m->buf, v, tag))
      return TRUE;
  }
  return FALSE;
}

int
sst_negotiate(const SipSessionConfig *cfg, const SipMsg *req, guint32 *se, gboolean *ref_uac)
{
  guint32 v;
  int refresher;
  gboolean uac_supports = has_option(req, SIP_HDR_SUPPORTED, "timer") || has_option(req, SIP_HDR_REQUIRE, "timer");
  if (parse_se(req, &v, &refresher)) {
    if (v < cfg->min_se_s)
      return 422; /* RFC 4028 §8.1 */
    *se = v;
    /* §9: keep the UAC's choice; if it made none, the UAC refreshes when it supports timers. */
    *ref_uac = refresher == 1 || (refresher == 0 && uac_supports);
    return 0;
  }
  /* §9: the UAS may ask for a session timer itself; without UAC support it must refresh. */
  *se = MAX(cfg->session_expires_s, sst_min_se_of(req));
  *ref_uac = uac_supports;
  return 0;
}

void
sst_request_headers(SipSession *ss, SipBuilder *b, gboolean initial)
{
  const SipSessionConfig *cfg = &ss->m->cfg;
  if (!cfg->timer)
    return;
  const char *ref = NULL;
  guint32 se = ss->req_se;
  if (initial) {
    ref = cfg->refresher == SIP_REFRESHER_UAC ? "uac" : cfg->refresher == SIP_REFRESHER_UAS ? "uas" : NULL;
  } else if (ss->se) {
    se = MAX(ss->se, ss->min_se);
    ref = ss->we_refresh ? "uac" : "uas"; /* §10: the refresher stays the same */
  }
  sip_builder_add(b, SIP_HDR_SUPPORTED, "timer");
  if (ref)
    sip_builder_addf(b, SIP_HDR_SESSION_EXPIRES, "%u;refresher=%s", se, ref);
  else
    sip_builder_addf(b, SIP_HDR_SESSION_EXPIRES, "%u", se);
  sip_builder_addf(b, SIP_HDR_MIN_SE, "%u", ss->min_se);
}

void
sst_response_headers(SipSession *ss, SipBuilder *b)
{
  if (!ss->m->cfg.timer)
    return;
  sip_builder_add(b, SIP_HDR_SUPPORTED, "timer");
  if (!ss->uas_se)
    return;
  sip_builder_addf(b, SIP_HDR_SESSION_EXPIRES, "%u;refresher=%s", ss->uas_se, ss->uas_ref_uac ? "uac" : "uas");
  if (ss->uas_ref_uac)
    sip_builder_add(b, SIP_HDR_REQUIRE, "timer"); /* §9 */
}

/* ---- Timers ------------------------------------------------------------------------------------- */

void
sst_stop(SipSession *ss)
{
  sim_cancel(ss->refresh_ev);
  sim_cancel(ss->expire_ev);
  ss->refresh_ev = ss->expire_ev = 0;
}

static void
refresh_fired(void *data)
{
  SipSession *ss = data;
  ss->refresh_ev = 0;
  if (ss->mid_txn || sim_event_pending(ss->glare_ev))
    return; /* a re-INVITE or UPDATE already in progress refreshes the session when it succeeds */
  mid_send(ss, ss->m->cfg.refresh == SIP_REFRESH_UPDATE ? SIP_METHOD_UPDATE : SIP_METHOD_INVITE, TRUE);
}

static void
expire_fired(void *data)
{
  SipSession *ss = data;
  ss->expire_ev = 0;
  session_end(ss, SIP_END_SESSION_EXPIRED, 0, NULL, TRUE); /* §10: BYE */
}

/* A new interval starts now (a 2xx to a session refresh was sent or received, §10). */
static void
sst_arm(SipSession *ss)
{
  sst_stop(ss);
  ss->report.session_expires_s = ss->se;
  ss->report.we_refresh = ss->we_refresh;
  if (!ss->se || ss->state == SIP_SESSION_TERMINATED)
    return;
  SimTime se_ms = (SimTime)ss->se * 1000;
  if (ss->we_refresh) {
    ss->refresh_ev = sim_schedule(SIM_MS(se_ms / 2), refresh_fired, ss); /* §10: half the interval */
    ss->expire_ev = sim_schedule(SIM_MS(se_ms), expire_fired, ss);
  } else {
    /* §10: BYE before expiry, by the smaller of 32 s and a third of the interval. */
    ss->expire_ev = sim_schedule(SIM_MS(se_ms - MIN(32000, se_ms / 3)), expire_fired, ss);
  }
  session_trace(ss, "timer se=%u refresher=%s", ss->se, ss->we_refresh ? "us" : "peer");
}

void
sst_uas_committed(SipSession *ss)
{
  if (!ss->m->cfg.timer)
    return;
  ss->se = ss->uas_se;
  ss->we_refresh = ss->se && !ss->uas_ref_uac;
  sst_arm(ss);
}

void
sst_uac_response(SipSession *ss, const SipMsg *resp)
{
  if (!ss->m->cfg.timer)
    return;
  guint32 v;
  int refresher;
  if (parse_se(resp, &v, &refresher)) {
    ss->se = v;
    ss->we_refresh = refresher != 2; /* we are the UAC of this transaction */
  } else {
    ss->se = 0; /* §7.2: no Session-Expires in the 2xx: no session timer */
  }
  sst_arm(ss);
}

/* ---- Our re-INVITE / UPDATE --------------------------------------------------------------------- */

gboolean
mid_send(SipSession *ss, SipMethod method, gboolean refresh)
{
  if (ss->state != SIP_SESSION_CONFIRMED || !ss->dialog || ss->mid_txn || ss->forgotten)
    return FALSE;
  gboolean invite = method == SIP_METHOD_INVITE;
  SipFlow flow;
  SipBuilder *b = session_dialog_request(ss, invite ? "INVITE" : "UPDATE", &flow);
  sip_builder_add(b, SIP_HDR_ALLOW, "INVITE, ACK, CANCEL, BYE, UPDATE, OPTIONS");
  sst_request_headers(ss, b, FALSE);
  /* A re-INVITE always carries an offer: a new one, or for a refresh the current one unchanged
   * (RFC 4028 §10 leaves the session description as it was); an UPDATE refresh carries none. */
  ss->mid_offer = !refresh && ss->offer_body;
  GBytes *body = ss->mid_offer ? ss->offer_body : invite ? ss->local_body : NULL;
  const char *type = ss->mid_offer ? ss->offer_type : ss->local_type;
  g_autoptr(GBytes) req = sip_builder_finish(b, body ? type : NULL, body ? g_bytes_get_data(body, NULL) : NULL,
                                             body ? g_bytes_get_size(body) : 0);
  ss->mid_method = method;
  ss->mid_refresh = refresh;
  if (invite)
    ss->report.invites_sent++;
  else
    ss->report.updates_sent++;
  session_trace(ss, "%s cseq=%u%s", invite ? "reinvite" : "update", ss->dialog->local_cseq, refresh ? " refresh" : "");
  ss->mid_txn = session_start_txn(ss, req, &flow, FALSE);
  return ss->mid_txn != NULL;
}

static void
glare_fired(void *data)
{
  SipSession *ss = data;
  ss->glare_ev = 0;
  mid_send(ss, ss->mid_method, ss->mid_refresh);
}

void
mid_response(SipSession *ss, const SipMsg *resp)
{
  if (resp->status < 200 || ss->state == SIP_SESSION_TERMINATED)
    return;
  ss->mid_txn = NULL;
  gboolean invite = ss->mid_method == SIP_METHOD_INVITE;
  if (resp->status < 300) {
    if (invite)
      uac_send_ack(ss, resp);
    sip_dialog_refresh_target(ss->dialog, resp); /* §12.2.1.2, RFC 3311 §5.1 */
    if (ss->mid_offer) {
      sip_session_set_local_body(ss, ss->offer_type, ss->offer_body);
      g_clear_pointer(&ss->offer_body, g_bytes_unref);
    }
    session_remote_body(ss, resp, FALSE);
    ss->report.refreshes++;
    session_trace(ss, "refreshed %u", resp->status);
    sst_uac_response(ss, resp);
    return;
  }
  switch (resp->status) {
  case 491: {
    /* §14.1: retry after a random time, 2.1-4 s if we own the Call-ID, else 0-2 s, in 10 ms units. */
    guint32 r = session_random(ss);
    SimTime delay = ss->dialog->uac ? SIM_MS(2100 + 10 * (r % 191)) : SIM_MS(10 * (r % 201));
    ss->report.glare_retries++;
    session_trace(ss, "glare retry in %u ms", (guint)(delay / SIM_MS(1)));
    ss->glare_ev = sim_schedule(delay, glare_fired, ss);
    return;
  }
  case 422: {
    guint32 min = sst_min_se_of(resp); /* RFC 4028 §7.4 */
    if (min > ss->min_se) {
      ss->min_se = min;
      ss->req_se = MAX(ss->req_se, min);
      ss->se = MAX(ss->se, min);
      mid_send(ss, ss->mid_method, ss->mid_refresh);
      return;
    }
    break;
  }
  case 405:
  case 501:
    if (!invite && ss->mid_refresh) { /* the peer has no UPDATE (RFC 3311 §5.2): refresh by re-INVITE */
      mid_send(ss, SIP_METHOD_INVITE, TRUE);
      return;
    }
    break;
  case 408:
  case 481:
    /* RFC 4028 §10 (refresh) and RFC 5057 §5.1 (any in-dialog request): the dialog is gone. */
    session_end(ss, ss->mid_refresh ? SIP_END_REFRESH_FAILED : SIP_END_REQUEST_FAILED, resp->status, NULL, TRUE);
    return;
  default:
    break;
  }
  /* §14.1: any other failure leaves the session as it was. */
  g_clear_pointer(&ss->offer_body, g_bytes_unref);
  session_trace(ss, "%s rejected %u", invite ? "reinvite" : "update", resp->status);
}

void
mid_failed(SipSession *ss, SipTxnFailure why)
{
  session_end(ss, ss->mid_refresh ? SIP_END_REFRESH_FAILED : SIP_END_REQUEST_FAILED, 0, sip_txn_failure_name(why),
              TRUE);
}

gboolean
sip_session_reinvite(SipSession *ss, const char *content_type, GBytes *body)
{
  g_return_val_if_fail(ss != NULL && body != NULL, FALSE);
  if (ss->state != SIP_SESSION_CONFIRMED || ss->mid_txn || sim_event_pending(ss->glare_ev))
    return FALSE;
  g_clear_pointer(&ss->offer_body, g_bytes_unref);
  g_free(ss->offer_type);
  ss->offer_type = g_strdup(content_type ? content_type : "application/sdp");
  ss->offer_body = g_bytes_ref(body);
  return mid_send(ss, SIP_METHOD_INVITE, FALSE);
}

gboolean
sip_session_refresh(SipSession *ss)
{
  g_return_val_if_fail(ss != NULL, FALSE);
  if (sim_event_pending(ss->glare_ev))
    return FALSE;
  return mid_send(ss, ss->m->cfg.refresh == SIP_REFRESH_UPDATE ? SIP_METHOD_UPDATE : SIP_METHOD_INVITE, TRUE);
}

/* ---- The peer's re-INVITE / UPDATE -------------------------------------------------------------- */

void
mid_request(SipSession *ss, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  gboolean invite = req->method_id == SIP_METHOD_INVITE;
  if (ss->state != SIP_SESSION_CONFIRMED || ss->invite_st) {
    /* §14.2: an INVITE while ours to the peer is unanswered: 500 with Retry-After. */
    SipBuilder *b = sip_builder_response_to(req, 500, NULL, NULL);
    sip_builder_add(b, SIP_HDR_RETRY_AFTER, "1");
    sip_txn_respond(st, sip_builder_finish(b, NULL, NULL, 0));
    return;
  }
  /* §14.2 and RFC 3311 §5.2: an offer while our own offer or INVITE is in progress: 491. */
  if (ss->mid_txn && (ss->mid_method == SIP_METHOD_INVITE || ss->mid_offer) && (invite || req->body.len)) {
    session_trace(ss, "glare 491");
    session_respond(st, req, 491, NULL);
    return;
  }
  if (ss->m->cfg.timer) {
    guint32 se = 0;
    gboolean ref_uac = FALSE;
    if (sst_negotiate(&ss->m->cfg, req, &se, &ref_uac) == 422) {
      SipBuilder *b = sip_builder_response_to(req, 422, NULL, NULL);
      sip_builder_addf(b, SIP_HDR_MIN_SE, "%u", ss->m->cfg.min_se_s);
      sip_txn_respond(st, sip_builder_finish(b, NULL, NULL, 0));
      return;
    }
    ss->uas_se = se;
    ss->uas_ref_uac = ref_uac;
  }
  sip_dialog_refresh_target(ss->dialog, req); /* §12.2.2: target refresh */
  gboolean offered = req->body.len > 0;
  session_remote_body(ss, req, TRUE); /* the owner may set its answer now */
  if (ss->state != SIP_SESSION_CONFIRMED)
    return; /* the owner hung up from the callback */
  gboolean with_body = (offered || invite) && ss->local_body;
  if (invite) {
    uas_take_request(ss, st, req, flow);
    SipBuilder *b = uas_response(ss, req, 200);
    sst_response_headers(ss, b);
    GBytes *resp = sip_builder_finish(b, with_body ? ss->local_type : NULL,
                                      with_body ? g_bytes_get_data(ss->local_body, NULL) : NULL,
                                      with_body ? g_bytes_get_size(ss->local_body) : 0);
    ss->answer_in_ack = !offered && with_body;
    uas_send_2xx(ss, resp);
  } else {
    SipBuilder *b = uas_response(ss, req, 200);
    sst_response_headers(ss, b);
    sip_txn_respond(st, sip_builder_finish(b, with_body ? ss->local_type : NULL,
                                           with_body ? g_bytes_get_data(ss->local_body, NULL) : NULL,
                                           with_body ? g_bytes_get_size(ss->local_body) : 0));
  }
  ss->report.refreshes++;
  session_trace(ss, "refreshed by peer %s", invite ? "reinvite" : "update");
  sst_uas_committed(ss);
}
