/* ice-check.c — ICE connectivity checks on the wire (RFC 8445 §7): Binding requests and their
 * transactions, and the answers to the peer's checks.
 *
 * A check is a Binding request with USERNAME "remote-ufrag:local-ufrag", PRIORITY (the priority a
 * peer-reflexive candidate would get, §7.1.1), ICE-CONTROLLING or ICE-CONTROLLED with the
 * tie-breaker, USE-CANDIDATE when the controlling agent nominates, MESSAGE-INTEGRITY keyed with
 * the remote password (short-term credentials, RFC 8489 §9.1) and FINGERPRINT.  Its first RTO is
 * MAX(ice.rto_ms, Ta x (Waiting + In-Progress pairs)) (RFC 8445 §14.3); it is retransmitted after
 * RTO, 2 RTO, ... up to ice.max_sends transmissions, then fails Rm (16) RTO after the last one
 * (RFC 8489 §6.2.1).  A cancelled transaction (§7.2.5.4) is not retransmitted and does not fail,
 * but its response still counts until it would have timed out.
 *
 * Answers (§7.3): a request for our ufrag without MESSAGE-INTEGRITY, PRIORITY or a role attribute
 * gets 400, a wrong MESSAGE-INTEGRITY 401 (RFC 8489 §9.1.3), unknown comprehension-required
 * attributes 420; a role conflict is settled by the tie-breakers (487 or a role switch, §7.3.1.1);
 * otherwise a success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY (local password) and
 * FINGERPRINT, then peer-reflexive learning (§7.3.1.3), a triggered check (§7.3.1.4) and
 * USE-CANDIDATE handling (§7.3.1.5).  Responses (§7.2.5): a 487 switches the role and retries; a
 * success must come back symmetrically (§7.2.5.2.1), and its XOR-MAPPED-ADDRESS gives the valid
 * pair, perhaps through a new local peer-reflexive candidate (§7.2.5.3).
 */
#include <string.h>

#include "ice-private.h"

void
ice_txn_free(gpointer p)
{
  IceTxn *t = p;
  sim_cancel(t->timer);
  g_bytes_unref(t->request);
  g_free(t);
}

static void
txn_finish(IceAgent *a, IceTxn *t)
{
  if (t->pair->txn == t)
    t->pair->txn = NULL;
  g_ptr_array_remove(a->txns, t); /* frees it */
}

static GBytes *
build_request(IceAgent *a, const IceTxn *t)
{
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, t->tid);
  g_autofree char *user = g_strdup_printf("%s:%s", a->rufrag, a->lufrag);
  stun_add_text(&b, STUN_ATTR_USERNAME, user);
  stun_add_u32(&b, STUN_ATTR_PRIORITY, t->priority);
  guint8 tb[8];
  for (int i = 0; i < 8; i++)
    tb[i] = (guint8)(a->tie_breaker >> (56 - 8 * i));
  stun_add_raw(&b, t->controlling ? STUN_ATTR_ICE_CONTROLLING : STUN_ATTR_ICE_CONTROLLED, tb, 8);
  if (t->use_candidate)
    stun_add_raw(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
  stun_add_integrity(&b, (const guint8 *)a->rpwd, strlen(a->rpwd));
  stun_add_fingerprint(&b);
  return stun_builder_steal(&b);
}

static void
transmit(IceAgent *a, IceTxn *t)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(t->request, &len);
  t->sends++;
  a->ops.send(a->ctx, t->pair->lbase, t->pair->rcand->addr, data, len);
}

static void
txn_timer_cb(void *data)
{
  IceTxn *t = data;
  IceAgent *a = t->agent;
  t->timer = 0;
  if (t->consent || t->cancelled) {
    txn_finish(a, t); /* its time to be answered is over */
    return;
  }
  char tid[25];
  if (t->sends < a->params.max_sends) {
    transmit(a, t);
    a->stats.retransmissions++;
    ice_trace_pair(a, t->pair, "check-retransmit");
    t->wait = t->sends == a->params.max_sends ? t->first_rto * ICE_RM : t->wait * 2;
    t->timer = sim_schedule(t->wait, txn_timer_cb, t);
    return;
  }
  IcePair *p = t->pair;
  sim_trace("ice", "%s check-timeout tid=%s after %u sends", a->name, stun_fmt_tid(t->tid, tid),
            t->sends);
  txn_finish(a, t);
  ice_after_failure(a, p);
}

void
ice_send_check(IceAgent *a, IcePair *p, gboolean use_candidate, gboolean consent,
               gboolean triggered)
{
  IceTxn *t = g_new0(IceTxn, 1);
  t->agent = a;
  for (int i = 0; i < STUN_TID_LEN; i++)
    t->tid[i] = (guint8)g_rand_int_range(a->rand, 0, 256);
  t->pair = p;
  /* RFC 8445 §7.1.1: PRIORITY is what a peer-reflexive candidate from this base would get. */
  t->priority = ice_priority(ICE_TYPE_PREF_PRFLX, p->lbase->local_pref, p->pub.component);
  t->controlling = a->controlling;
  t->use_candidate = use_candidate && a->controlling;
  t->consent = consent;
  t->request = build_request(a, t);
  g_ptr_array_add(a->txns, t);
  char tid[25];
  if (consent) {
    /* RFC 7675 §5.1: no retransmission; a late answer still counts until consent would expire. */
    t->wait = SIM_S(a->params.consent_timeout_s);
    a->stats.consent_sent++;
    sim_trace("ice", "%s consent-sent c=%u tid=%s", a->name, p->pub.component, stun_fmt_tid(t->tid, tid));
  } else {
    if (p->txn != NULL)
      ice_txn_cancel(a, p->txn);
    p->txn = t;
    guint n = 0;
    for (guint i = 0; i < a->checklist->len; i++) {
      IcePairState s = ((IcePair *)a->checklist->pdata[i])->pub.state;
      n += s == ICE_PAIR_WAITING || s == ICE_PAIR_IN_PROGRESS;
    }
    if (p->pub.state != ICE_PAIR_SUCCEEDED)
      ice_pair_set_state(a, p, ICE_PAIR_IN_PROGRESS);
    t->first_rto = MAX(SIM_MS(a->params.rto_ms), SIM_MS(a->params.ta_ms) * (SimTime)n);
    t->wait = a->params.max_sends == 1 ? t->first_rto * ICE_RM : t->first_rto;
    t->deadline =
      sim_now() + t->first_rto * (((SimTime)1 << (a->params.max_sends - 1)) - 1 + ICE_RM);
    a->stats.checks_sent++;
    a->stats.triggered_checks += triggered;
    char l[24], r[24];
    sim_trace("ice", "%s check-sent c=%u %s -> %s tid=%s %s%s%s", a->name, p->pub.component,
              stun_fmt_addr(p->lbase->addr, l), stun_fmt_addr(p->rcand->addr, r),
              stun_fmt_tid(t->tid, tid), t->controlling ? "controlling" : "controlled",
              triggered ? " triggered" : "", t->use_candidate ? " use-candidate" : "");
  }
  t->timer = sim_schedule(t->wait, txn_timer_cb, t);
  transmit(a, t);
}

void
ice_txn_cancel(IceAgent *a, IceTxn *t)
{
  /* RFC 8445 §7.2.5.4: no more retransmissions, no failure on timeout; a response still counts. */
  (void)a;
  if (t->pair->txn == t)
    t->pair->txn = NULL;
  if (t->cancelled || t->consent)
    return;
  t->cancelled = TRUE;
  sim_cancel(t->timer);
  t->timer = sim_schedule_at(MAX(t->deadline, sim_now()), txn_timer_cb, t);
}

/* ---- Answering (RFC 8445 §7.3) ------------------------------------------------------------------- */

static void
send_answer(IceAgent *a, const IceCandidate *lbase, SimAddr to, GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);
  a->ops.send(a->ctx, lbase, to, data, len);
}

static void
send_error(IceAgent *a, const IceCandidate *lbase, SimAddr from, const StunMsg *m, guint code,
           gboolean integrity, const guint16 *unknown, guint n_unknown)
{
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_ERROR, m->tid);
  stun_add_error(&b, code, stun_error_reason(code));
  if (n_unknown > 0)
    stun_add_unknown(&b, unknown, n_unknown);
  if (integrity) /* not for 400/401: the request was not authenticated (RFC 8489 §9.1.3) */
    stun_add_integrity(&b, (const guint8 *)a->lpwd, strlen(a->lpwd));
  stun_add_fingerprint(&b);
  g_autoptr(GBytes) bytes = stun_builder_steal(&b);
  send_answer(a, lbase, from, bytes);
  a->stats.errors_sent++;
  char f[24];
  sim_trace("ice", "%s error-sent %u to %s", a->name, code, stun_fmt_addr(from, f));
}

static void
send_success(IceAgent *a, const IceCandidate *lbase, SimAddr from, const StunMsg *m)
{
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, m->tid);
  stun_add_address(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, from.addr, from.port);
  stun_add_integrity(&b, (const guint8 *)a->lpwd, strlen(a->lpwd));
  stun_add_fingerprint(&b);
  g_autoptr(GBytes) bytes = stun_builder_steal(&b);
  send_answer(a, lbase, from, bytes);
}

/* The 64-bit value of ICE-CONTROLLING/ICE-CONTROLLED: 1 found, 0 absent, -1 malformed. */
static int
get_u64(const StunMsg *m, guint16 type, guint64 *v)
{
  StunAttr at;
  if (stun_msg_find(m, type, &at) != 1)
    return 0;
  if (at.len != 8)
    return -1;
  *v = 0;
  for (int i = 0; i < 8; i++)
    *v = *v << 8 | m->buf[at.off + i];
  return 1;
}

void
ice_handle_early(IceAgent *a, const IceEarly *e)
{
  guint c = e->lbase->component;
  IceCandidate *r = ice_remote_find(a, c, e->from);
  if (r == NULL)
    r = ice_remote_learn_prflx(a, c, e->from, e->priority); /* RFC 8445 §7.3.1.3 */
  IcePair *p = ice_pair_find(a, a->all_pairs, e->lbase, r);
  if (a->params.lite) {
    /* RFC 8445 §2.5, §7.3.1.5: a lite agent takes the pair the peer nominates. */
    if (!e->use_candidate || a->controlling)
      return;
    if (p == NULL)
      p = ice_pair_new(a, e->lbase, r);
    ice_after_success(a, p, p, TRUE);
    return;
  }
  if (a->checklist_done)
    return; /* Completed or Failed: answer only */
  /* RFC 8445 §7.3.1.4: the triggered check. */
  if (p == NULL) {
    p = ice_pair_new(a, e->lbase, r);
    ice_checklist_add(a, p);
    ice_trace_pair(a, p, "pair-added");
  } else if (!p->on_checklist) {
    ice_checklist_add(a, p);
  }
  switch (p->pub.state) {
  case ICE_PAIR_SUCCEEDED:
    break;
  case ICE_PAIR_IN_PROGRESS:
    if (p->txn != NULL)
      ice_txn_cancel(a, p->txn);
    /* fall through */
  case ICE_PAIR_FROZEN:
  case ICE_PAIR_WAITING:
  case ICE_PAIR_FAILED:
    ice_pair_set_state(a, p, ICE_PAIR_WAITING);
    ice_trigger(a, p);
    break;
  }
  /* RFC 8445 §7.3.1.5: USE-CANDIDATE at the controlled agent. */
  if (e->use_candidate && !a->controlling) {
    if (p->pub.state == ICE_PAIR_SUCCEEDED) {
      for (guint i = 0; i < a->valid->len; i++) {
        IcePair *v = a->valid->pdata[i];
        if (v->gen == p) {
          ice_nominated(a, v);
          break;
        }
      }
    } else {
      p->nominate_on_success = TRUE;
    }
  }
}

static gboolean
handle_request(IceAgent *a, IceCandidate *lbase, SimAddr from, const StunMsg *m)
{
  const char *user;
  gsize ulen, lf = strlen(a->lufrag);
  if (stun_msg_get_text(m, STUN_ATTR_USERNAME, &user, &ulen) != 1 || ulen <= lf ||
      memcmp(user, a->lufrag, lf) != 0 || user[lf] != ':')
    return FALSE; /* not a check for this agent */
  if (m->mi_index < 0) {
    send_error(a, lbase, from, m, 400, FALSE, NULL, 0);
    return TRUE;
  }
  if (stun_msg_check_integrity(m, (const guint8 *)a->lpwd, strlen(a->lpwd)) != 1) {
    send_error(a, lbase, from, m, 401, FALSE, NULL, 0);
    return TRUE;
  }
  guint16 unknown[8];
  guint n_unknown = stun_msg_unknown_required(m, NULL, 0, unknown, G_N_ELEMENTS(unknown));
  if (n_unknown > 0) {
    send_error(a, lbase, from, m, 420, TRUE, unknown, MIN(n_unknown, G_N_ELEMENTS(unknown)));
    return TRUE;
  }
  guint32 priority;
  guint64 ctl = 0, ctd = 0;
  int has_ctl = get_u64(m, STUN_ATTR_ICE_CONTROLLING, &ctl);
  int has_ctd = get_u64(m, STUN_ATTR_ICE_CONTROLLED, &ctd);
  if (stun_msg_get_u32(m, STUN_ATTR_PRIORITY, &priority) != 1 || priority == 0 || has_ctl < 0 ||
      has_ctd < 0 || has_ctl + has_ctd != 1) {
    send_error(a, lbase, from, m, 400, TRUE, NULL, 0); /* RFC 8445 §7.1.1, §7.1.3 */
    return TRUE;
  }
  /* RFC 8445 §7.3.1.1: both think they control (or are controlled): the tie-breakers decide. */
  if (a->controlling && has_ctl == 1) {
    a->stats.role_conflicts++;
    if (a->tie_breaker >= ctl) {
      send_error(a, lbase, from, m, 487, TRUE, NULL, 0);
      return TRUE;
    }
    ice_switch_role(a, FALSE);
  } else if (!a->controlling && has_ctd == 1) {
    a->stats.role_conflicts++;
    if (a->tie_breaker < ctd) {
      send_error(a, lbase, from, m, 487, TRUE, NULL, 0);
      return TRUE;
    }
    ice_switch_role(a, TRUE);
  }
  send_success(a, lbase, from, m);
  a->stats.checks_received++;
  IceEarly e = { .lbase = lbase, .from = from, .priority = priority,
                 .use_candidate = stun_msg_find(m, STUN_ATTR_USE_CANDIDATE, NULL) == 1 };
  char l[24], f[24];
  sim_trace("ice", "%s check-received c=%u %s <- %s%s", a->name, lbase->component,
            stun_fmt_addr(lbase->addr, l), stun_fmt_addr(from, f),
            e.use_candidate ? " use-candidate" : "");
  if (!a->started)
    g_array_append_val(a->early, e); /* handled at start, once the checklist exists */
  else
    ice_handle_early(a, &e);
  return TRUE;
}

/* ---- Responses (RFC 8445 §7.2.5) ------------------------------------------------------------------ */

static gboolean
handle_response(IceAgent *a, IceCandidate *lbase, SimAddr from, const StunMsg *m)
{
  IceTxn *t = NULL;
  for (guint i = 0; i < a->txns->len && t == NULL; i++) {
    IceTxn *x = a->txns->pdata[i];
    if (memcmp(x->tid, m->tid, STUN_TID_LEN) == 0)
      t = x;
  }
  if (t == NULL)
    return FALSE;
  IcePair *p = t->pair;
  gboolean consent = t->consent, cancelled = t->cancelled, use_candidate = t->use_candidate;
  gboolean sent_controlling = t->controlling;
  guint32 priority = t->priority;
  char tid[25];
  stun_fmt_tid(t->tid, tid);
  gboolean authentic = stun_msg_check_integrity(m, (const guint8 *)a->rpwd, strlen(a->rpwd)) == 1;
  if (m->klass == STUN_CLASS_ERROR) {
    guint code = 0;
    stun_msg_get_error(m, &code, NULL, NULL);
    if (code == 487 && !authentic)
      return TRUE; /* a forged role conflict is ignored */
    sim_trace("ice", "%s check-error %u tid=%s", a->name, code, tid);
    txn_finish(a, t);
    if (consent)
      return TRUE; /* consent is simply not refreshed */
    if (code == 487) {
      /* RFC 8445 §7.2.5.1: switch the role the request claimed, then check again. */
      a->stats.role_conflicts++;
      if (sent_controlling == a->controlling)
        ice_switch_role(a, !sent_controlling);
      if (p->pub.state != ICE_PAIR_SUCCEEDED)
        ice_pair_set_state(a, p, ICE_PAIR_WAITING);
      ice_trigger(a, p);
      return TRUE;
    }
    if (!cancelled)
      ice_after_failure(a, p); /* RFC 8445 §7.2.5.2.4: an unrecoverable error */
    return TRUE;
  }
  if (!authentic) {
    sim_trace("ice", "%s response-discarded tid=%s (integrity)", a->name, tid);
    return TRUE; /* RFC 8489 §9.1.4: keep waiting for an authentic one */
  }
  txn_finish(a, t);
  if (from.addr != p->rcand->addr.addr || from.port != p->rcand->addr.port || lbase != p->lbase) {
    /* RFC 8445 §7.2.5.2.1: a response from elsewhere, or to another base, fails the check. */
    sim_trace("ice", "%s check-non-symmetric tid=%s", a->name, tid);
    if (!consent && !cancelled)
      ice_after_failure(a, p);
    return TRUE;
  }
  if (consent) {
    ice_consent_ok(a, p->pub.component);
    return TRUE;
  }
  StunAddress xma;
  if (stun_msg_get_address(m, STUN_ATTR_XOR_MAPPED_ADDRESS, &xma) != 1 ||
      xma.family != STUN_FAMILY_IPV4) {
    sim_trace("ice", "%s check-error no-mapped-address tid=%s", a->name, tid);
    if (!cancelled)
      ice_after_failure(a, p);
    return TRUE;
  }
  SimAddr mapped = { .addr = xma.v4, .port = xma.port };
  IceCandidate *l = ice_local_find(a, p->pub.component, mapped);
  if (l == NULL)
    l = ice_local_learn_prflx(a, p, mapped, priority); /* RFC 8445 §7.2.5.3.1 */
  /* RFC 8445 §7.2.5.3.2: the valid pair is (mapped local candidate, checked remote). */
  IcePair *v = l == p->lcand ? p : ice_pair_find(a, a->all_pairs, l, p->rcand);
  if (v == NULL)
    v = ice_pair_new(a, l, p->rcand);
  if (v->gen == NULL)
    v->gen = p;
  /* RFC 8445 §7.2.5.3.4: nominated when our USE-CANDIDATE check, or (controlled) a pair whose
   * USE-CANDIDATE arrived earlier, succeeds. */
  gboolean nominated = a->controlling ? use_candidate : p->nominate_on_success;
  sim_trace("ice", "%s check-success tid=%s", a->name, tid);
  ice_after_success(a, p, v, nominated);
  return TRUE;
}

gboolean
ice_agent_receive(IceAgent *a, const IceCandidate *local_base, SimAddr from, const guint8 *buf,
                  gsize len)
{
  g_return_val_if_fail(a != NULL && local_base != NULL && buf != NULL, FALSE);
  StunMsg m;
  if (!stun_looks_like(buf, len) || stun_msg_parse(buf, len, &m, NULL) != 1 ||
      m.method != STUN_METHOD_BINDING)
    return FALSE;
  IceCandidate *lbase = ice_local_base_find(a, local_base->addr);
  if (lbase == NULL)
    return FALSE;
  if (m.klass == STUN_CLASS_REQUEST)
    return handle_request(a, lbase, from, &m);
  if (m.klass == STUN_CLASS_SUCCESS || m.klass == STUN_CLASS_ERROR)
    return handle_response(a, lbase, from, &m);
  return FALSE;
}
