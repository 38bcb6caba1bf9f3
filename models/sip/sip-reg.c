/* sip-reg.c — a phone's registration client: REGISTER, digest retry, 423 retry, refresh, retry
 * after failure and unregistration (RFC 3261 §10.2, §22.2; RFC 2617 §3.2.2, §3.3; RFC 3581 §3).
 *
 * One attempt starts with a REGISTER and ends with a 200 (registered), a final error, a second
 * non-stale digest rejection, or a transaction failure.  Inside an attempt a 401/407 is answered
 * once with fresh credentials (again only when the server says stale=true) and a 423 is answered
 * with the Min-Expires it names.  Refreshes reuse the cached challenge with the next nonce-count,
 * as RFC 2617 §3.3 allows; a server that has retired the nonce answers 401 stale=true and the
 * client re-authenticates without counting it as a failure.
 */
#include "sip-reg.h"

#include <string.h>

#include "sip-auth.h"

const CfgKeyDef sip_reg_keys[] = {
  {"phone.user", CFG_STRING, "", "1001", NULL,
   "Account user: the AOR user part in To/From (RFC 3261 §10.2) and the digest username."},
  {"phone.password", CFG_STRING, "", "secret", NULL, "Account password for digest authentication (RFC 2617)."},
  {"phone.register_expires_s", CFG_INT, "s", "3600", "1..",
   "Expiry the phone asks for in REGISTER; 3600 s is the common phone default and Kamailio's default_expires (design.md §4)."},
  {"phone.register_refresh", CFG_DOUBLE, "", "0.5", "0.05..1",
   "Fraction of a granted expiry above 64 s after which the phone re-registers; grants of 64 s or less refresh 5 s "
   "before expiry (JsSIP Registrator: half the expiry above 64 s, expiry minus 5 s below; its random spread is left out)."},
  {"phone.rport", CFG_BOOL, "", "true", NULL,
   "Ask for responses on the NAT's source port with ;rport in the Via (RFC 3581 §3), as current phones do."},
  {"phone.register_strict_contact", CFG_BOOL, "", "false", NULL,
   "Count a 200 OK to REGISTER that lists other Contacts but not the phone's own (as after an ALG rewrote it) as a "
   "failure, as some phones do; false keeps the Expires header or the expiry asked for, as PJSIP does (RFC 3261 "
   "§10.2.4 leaves it open)."},
  {"phone.register_retry_s", CFG_INT, "s", "30", "1..86400",
   "Wait after a failed registration before a new attempt (RFC 5626 §4.5 base-time of 30 s when all flows failed, without its backoff)."},
  {NULL},
};

#define MAX_AUTH_ROUNDS 3 /* credentials sent per attempt; more would loop on stale=true */
#define MAX_423_ROUNDS 2  /* Min-Expires retries per attempt (RFC 3261 §10.2.8) */

struct SipReg {
  SipStack *stack;         /* the phone's stack (borrowed) */
  SipRegParams p;          /* parameters; strings point at the copies below */
  char *user;              /* owned copy of p.user */
  char *password;          /* owned copy of p.password */
  char *domain;            /* owned copy of p.domain */
  SipRegOps ops;           /* callbacks */
  void *ctx;               /* their context */
  SipRegState state;       /* current state */
  char *call_id;           /* the same for every REGISTER (§10.2.4) */
  char *from_tag;          /* From tag, also kept across refreshes */
  char *contact_uri;       /* our Contact URI as written */
  char *ruri;              /* "sip:<domain>" (§10.2: the registrar's domain) */
  guint32 cseq;            /* last CSeq used */
  guint32 want_expires;    /* expiry we ask for now (raised by a 423) */
  SipChallenge ch;         /* last challenge, reused for refreshes */
  gboolean have_ch;        /* ch is valid */
  gboolean ch_fresh;       /* ch arrived in the current attempt */
  guint32 nc;              /* nonce-count used with ch */
  SipTxn *txn;             /* the REGISTER in flight, or NULL */
  SipFlow flow;            /* flow to the registrar (connection kept for streams) */
  SimEvent timer_ev;       /* refresh or retry */
  SimTime timer_at;        /* when timer_ev fires */
  gboolean unregistering;  /* the attempt in flight has Expires 0 */
  gboolean sent_creds;     /* the request in flight carried credentials */
  guint auth_rounds;       /* credentials sent in this attempt */
  guint rounds_423;        /* 423 retries in this attempt */
  SipRegResult cur;        /* the attempt in progress */
  SipRegResult first;      /* the first attempt's outcome */
  SipRegResult last;       /* the latest finished attempt's outcome */
  SipRegStats stats;       /* counters */
};

const char *
sip_reg_state_name(SipRegState s)
{
  static const char *const names[] = {"idle", "registering", "registered", "failed", "unregistering",
                                      "unregistered"};
  return (guint)s < G_N_ELEMENTS(names) ? names[s] : "?";
}

const char *
sip_reg_failure_name(SipRegFailure f)
{
  static const char *const names[] = {"none", "timeout", "rejected", "auth rejected", "transport"};
  return (guint)f < G_N_ELEMENTS(names) ? names[f] : "?";
}

void
sip_reg_params_from_config(const Config *cfg, SipRegParams *p)
{
  memset(p, 0, sizeof *p);
  p->user = cfg_str(cfg, "phone.user");
  p->password = cfg_str(cfg, "phone.password");
  p->net = SIP_NET_UDP;
  p->expires_s = (guint32)cfg_int(cfg, "phone.register_expires_s");
  p->refresh_fraction = cfg_double(cfg, "phone.register_refresh");
  p->strict_contact = cfg_bool(cfg, "phone.register_strict_contact");
  p->rport = cfg_bool(cfg, "phone.rport");
  p->retry_interval = SIM_S(cfg_int(cfg, "phone.register_retry_s"));
}

static void send_register(SipReg *r);
static void start_attempt(SipReg *r, gboolean refresh);

static void
set_state(SipReg *r, SipRegState st, SipRegFailure why, guint status)
{
  gboolean changed = st != r->state;
  r->state = st;
  sim_trace("sipreg", "%s %s %s %s %u", sip_stack_name(r->stack), r->user, sip_reg_state_name(st),
            sip_reg_failure_name(why), status);
  if (changed && r->ops.state_changed)
    r->ops.state_changed(r->ctx, r, st, why, status);
}

/* ---- Timers ---------------------------------------------------------------------------------- */

static void
timer_fired(void *data)
{
  SipReg *r = data;
  r->timer_ev = 0;
  r->timer_at = 0;
  start_attempt(r, r->state == SIP_REG_REGISTERED);
}

static void
arm_timer(SipReg *r, SimTime delay)
{
  sim_cancel(r->timer_ev);
  r->timer_at = sim_now() + delay;
  r->timer_ev = sim_schedule(delay, timer_fired, r);
}

/* When to refresh a grant: the configured fraction above 64 s, else 5 s before expiry (JsSIP). */
static SimTime
refresh_delay(const SipReg *r, guint32 granted)
{
  if (granted > 64)
    return SIM_TIME_FROM_S(granted * r->p.refresh_fraction);
  return granted > 6 ? SIM_S(granted - 5) : SIM_S(1);
}

/* ---- Outcomes -------------------------------------------------------------------------------- */

static void
finish_attempt(SipReg *r, gboolean ok, SipRegFailure why, guint status)
{
  r->cur.done = TRUE;
  r->cur.ok = ok;
  r->cur.failure = why;
  r->cur.status = status;
  r->cur.finished = sim_now();
  r->last = r->cur;
  if (!r->first.done)
    r->first = r->cur;
}

static void
fail(SipReg *r, SipRegFailure why, guint status)
{
  r->txn = NULL;
  r->stats.failures++;
  finish_attempt(r, FALSE, why, status);
  sip_challenge_clear(&r->ch); /* start the next attempt from a clean challenge */
  r->have_ch = FALSE;
  if (r->unregistering) {
    r->unregistering = FALSE;
    set_state(r, SIP_REG_FAILED, why, status);
    return;
  }
  arm_timer(r, r->p.retry_interval);
  set_state(r, SIP_REG_FAILED, why, status);
}

/* The expiry granted to our Contact (§10.2.4): its expires parameter, else Expires, else what we
 * asked.  When the 200 lists other Contacts but not ours (an ALG rewrote ours on the way): FALSE
 * for a strict phone, else the Expires header or what we asked. */
static gboolean
granted_expiry(const SipReg *r, const SipMsg *resp, guint32 *granted)
{
  SipNameAddr na;
  gboolean any = FALSE;
  for (guint n = 0; sip_msg_contact(resp, n, &na) == 1; n++) {
    any = TRUE;
    if (na.star || na.uri.len != strlen(r->contact_uri) ||
        memcmp(resp->buf + na.uri.off, r->contact_uri, na.uri.len) != 0)
      continue;
    SipSpan v;
    gboolean hv;
    guint32 secs;
    if (sip_param_find(resp->buf, na.params, "expires", &v, &hv) == 1 && hv &&
        sip_span_uint(resp->buf, v, G_MAXUINT32, &secs) == 1) {
      *granted = secs;
      return TRUE;
    }
    any = FALSE; /* ours, without a parameter: fall through to Expires */
    break;
  }
  if (any && r->p.strict_contact)
    return FALSE;
  guint32 secs;
  *granted = sip_msg_expires(resp, &secs) == 1 ? secs : r->want_expires;
  return TRUE;
}

static void
on_success(SipReg *r, const SipMsg *resp)
{
  r->txn = NULL;
  if (r->unregistering) {
    r->unregistering = FALSE;
    finish_attempt(r, TRUE, SIP_REG_FAIL_NONE, resp->status);
    set_state(r, SIP_REG_UNREGISTERED, SIP_REG_FAIL_NONE, resp->status);
    return;
  }
  guint32 granted = 0;
  if (!granted_expiry(r, resp, &granted) || granted == 0) {
    fail(r, SIP_REG_FAIL_REJECTED, resp->status); /* the registrar did not keep our binding */
    return;
  }
  r->stats.successes++;
  r->stats.last_success = sim_now();
  r->stats.granted_s = granted;
  finish_attempt(r, TRUE, SIP_REG_FAIL_NONE, resp->status);
  arm_timer(r, refresh_delay(r, granted));
  set_state(r, SIP_REG_REGISTERED, SIP_REG_FAIL_NONE, resp->status);
}

static void
on_challenge(SipReg *r, const SipMsg *resp)
{
  r->stats.challenges++;
  SipChallenge ch;
  if (sip_msg_challenge(resp, &ch) != 1) {
    fail(r, SIP_REG_FAIL_REJECTED, resp->status); /* no Digest challenge we can answer */
    return;
  }
  /* RFC 2617 §3.2.1: a rejection of credentials built on this attempt's own challenge is final
   * unless the server says the nonce was merely stale. */
  gboolean again = r->sent_creds && r->ch_fresh && !ch.stale;
  if (again || r->auth_rounds >= MAX_AUTH_ROUNDS) {
    sip_challenge_clear(&ch);
    fail(r, SIP_REG_FAIL_AUTH, resp->status);
    return;
  }
  sip_challenge_clear(&r->ch);
  r->ch = ch;
  r->have_ch = TRUE;
  r->ch_fresh = TRUE;
  r->nc = 0;
  send_register(r);
}

static void
on_response(void *ctx, SipTxn *t, const SipMsg *resp, const SipFlow *flow)
{
  SipReg *r = ctx;
  if (t != r->txn || resp->status < 200)
    return;
  if (resp->status < 300) {
    on_success(r, resp);
  } else if (resp->status == 401 || resp->status == 407) {
    on_challenge(r, resp);
  } else if (resp->status == 423) {
    /* §10.2.8: retry with an expiry no shorter than Min-Expires. */
    const SipHeader *h = sip_msg_header(resp, SIP_HDR_MIN_EXPIRES, 0);
    guint32 min = 0;
    if (!h || sip_span_uint(resp->buf, h->value, G_MAXUINT32, &min) != 1 || min <= r->want_expires ||
        ++r->rounds_423 > MAX_423_ROUNDS || r->unregistering) {
      fail(r, SIP_REG_FAIL_REJECTED, resp->status);
      return;
    }
    r->want_expires = min;
    send_register(r);
  } else {
    fail(r, SIP_REG_FAIL_REJECTED, resp->status);
  }
}

static void
on_failed(void *ctx, SipTxn *t, SipTxnFailure why)
{
  SipReg *r = ctx;
  if (t != r->txn)
    return;
  fail(r, why == SIP_TXN_TRANSPORT ? SIP_REG_FAIL_TRANSPORT : SIP_REG_FAIL_TIMEOUT, 0);
}

static const SipClientOps reg_client_ops = {.response = on_response, .failed = on_failed};

/* ---- Requests -------------------------------------------------------------------------------- */

static void
send_register(SipReg *r)
{
  char host[16];
  sim_addr_format(r->p.contact.addr, host);
  g_autofree char *branch = sip_stack_branch(r->stack);
  guint32 expires = r->unregistering ? 0 : r->want_expires;
  SipBuilder *b = sip_builder_request("REGISTER", r->ruri);
  sip_builder_addf(b, SIP_HDR_VIA, "SIP/2.0/%s %s:%u;branch=%s%s", sip_net_name(r->p.net), host,
                   r->p.contact.port, branch, r->p.rport ? ";rport" : "");
  sip_builder_add(b, SIP_HDR_MAX_FORWARDS, "70");
  sip_builder_addf(b, SIP_HDR_FROM, "<sip:%s@%s>;tag=%s", r->user, r->domain, r->from_tag);
  sip_builder_addf(b, SIP_HDR_TO, "<sip:%s@%s>", r->user, r->domain);
  sip_builder_add(b, SIP_HDR_CALL_ID, r->call_id);
  sip_builder_addf(b, SIP_HDR_CSEQ, "%u REGISTER", ++r->cseq); /* §10.2.4: one higher each time */
  if (r->p.expires_param)
    sip_builder_addf(b, SIP_HDR_CONTACT, "<%s>;expires=%u", r->contact_uri, expires);
  else
    sip_builder_addf(b, SIP_HDR_CONTACT, "<%s>", r->contact_uri);
  r->sent_creds = FALSE;
  if (r->have_ch) {
    g_autofree char *cnonce = sip_stack_tag(r->stack);
    g_autofree char *cred = sip_credentials_build(&r->ch, r->user, r->password, "REGISTER", r->ruri,
                                                  ++r->nc, cnonce);
    sip_builder_add(b, r->ch.proxy ? SIP_HDR_PROXY_AUTHORIZATION : SIP_HDR_AUTHORIZATION, cred);
    r->sent_creds = TRUE;
    r->auth_rounds++;
  }
  if (!r->p.expires_param)
    sip_builder_addf(b, SIP_HDR_EXPIRES, "%u", expires);
  g_autoptr(GBytes) req = sip_builder_finish(b, NULL, NULL, 0);
  if (r->txn)
    sip_txn_detach(r->txn);
  r->stats.requests++;
  r->stats.last_request = sim_now();
  r->stats.last_cseq = r->cseq;
  r->cur.requests++;
  r->txn = sip_txn_client(r->stack, req, &r->flow, &reg_client_ops, r);
  if (r->txn)
    r->flow = *sip_txn_flow(r->txn);
}

static void
start_attempt(SipReg *r, gboolean refresh)
{
  sim_cancel(r->timer_ev);
  r->timer_ev = 0;
  r->timer_at = 0;
  r->cur = (SipRegResult){.started = sim_now()};
  r->auth_rounds = 0;
  r->rounds_423 = 0;
  r->ch_fresh = FALSE;
  r->want_expires = MAX(r->want_expires, r->p.expires_s);
  if (refresh)
    r->stats.refreshes++;
  else
    set_state(r, SIP_REG_REGISTERING, SIP_REG_FAIL_NONE, 0);
  send_register(r);
}

/* ---- Public ---------------------------------------------------------------------------------- */

SipReg *
sip_reg_new(SipStack *stack, const SipRegParams *params, const SipRegOps *ops, void *ctx)
{
  g_return_val_if_fail(stack != NULL && params != NULL && params->user && params->password && params->domain,
                       NULL);
  SipReg *r = g_new0(SipReg, 1);
  r->stack = stack;
  r->p = *params;
  r->user = g_strdup(params->user);
  r->password = g_strdup(params->password);
  r->domain = g_strdup(params->domain);
  r->p.user = r->user;
  r->p.password = r->password;
  r->p.domain = r->domain;
  if (r->p.refresh_fraction <= 0 || r->p.refresh_fraction > 1)
    r->p.refresh_fraction = 0.5;
  if (r->p.retry_interval <= 0)
    r->p.retry_interval = SIM_S(30);
  if (ops)
    r->ops = *ops;
  r->ctx = ctx;
  char host[16];
  sim_addr_format(params->contact.addr, host);
  g_autofree char *a = sip_stack_tag(stack);
  g_autofree char *b = sip_stack_tag(stack);
  r->call_id = g_strdup_printf("%s%s@%s", a, b, host);
  r->from_tag = sip_stack_tag(stack);
  /* The Contact as the phone believes it: its own (private) address and port (§10.2.1). */
  static const char *const tp[] = {"", ";transport=tcp", ";transport=tls"};
  r->contact_uri = g_strdup_printf("sip:%s@%s:%u%s", r->user, host, params->contact.port, tp[params->net]);
  r->ruri = g_strdup_printf("sip:%s", r->domain);
  r->flow = (SipFlow){.net = params->net, .remote = params->registrar};
  r->state = SIP_REG_IDLE;
  return r;
}

void
sip_reg_free(SipReg *r)
{
  if (!r)
    return;
  sim_cancel(r->timer_ev);
  if (r->txn)
    sip_txn_detach(r->txn);
  sip_challenge_clear(&r->ch);
  g_free(r->user);
  g_free(r->password);
  g_free(r->domain);
  g_free(r->call_id);
  g_free(r->from_tag);
  g_free(r->contact_uri);
  g_free(r->ruri);
  g_free(r);
}

void
sip_reg_start(SipReg *r)
{
  g_return_if_fail(r != NULL);
  r->unregistering = FALSE;
  start_attempt(r, FALSE);
}

void
sip_reg_unregister(SipReg *r)
{
  g_return_if_fail(r != NULL);
  sim_cancel(r->timer_ev);
  r->timer_ev = 0;
  r->timer_at = 0;
  r->cur = (SipRegResult){.started = sim_now()};
  r->auth_rounds = 0;
  r->rounds_423 = 0;
  r->ch_fresh = FALSE;
  r->unregistering = TRUE;
  set_state(r, SIP_REG_UNREGISTERING, SIP_REG_FAIL_NONE, 0);
  send_register(r);
}

SipRegState
sip_reg_state(const SipReg *r)
{
  return r->state;
}

const SipRegResult *
sip_reg_first_result(const SipReg *r)
{
  return &r->first;
}

const SipRegResult *
sip_reg_last_result(const SipReg *r)
{
  return &r->last;
}

const SipRegStats *
sip_reg_stats(const SipReg *r)
{
  return &r->stats;
}

const char *
sip_reg_call_id(const SipReg *r)
{
  return r->call_id;
}

const SipFlow *
sip_reg_flow(const SipReg *r)
{
  return &r->flow;
}

SimTime
sip_reg_next_refresh(const SipReg *r)
{
  return r->timer_at;
}
