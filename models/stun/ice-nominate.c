/* ice-nominate.c — what the ICE agent does with the outcome of its checks: the valid list,
 * unfreezing, regular nomination, selection, checklist completion and failure (RFC 8445 §7.2.5.3,
 * §8.1), role switches (§7.2.5.1, §7.3.1.1) and consent freshness (RFC 7675).
 *
 * Regular nomination (RFC 8445 §8.1.1): the controlling agent waits until every component has a
 * valid pair, then, per component, nominates the highest-priority valid pair as soon as no pair of
 * higher priority is still Frozen, Waiting or In-Progress, or once ice.nomination_wait_ms have
 * passed since it first could have.  It nominates by sending a new check with USE-CANDIDATE on the
 * pair that produced the valid pair; when that check succeeds the pair is nominated and selected.
 * With a pair selected for every component the checklist is Completed: Waiting and Frozen pairs
 * are removed and In-Progress ones stop retransmitting (§8.1.2).  The checklist Fails when no pair
 * is left to check and some component has no valid pair (§8.1.2), but not before the ICE PAC
 * patience time, one STUN transaction timeout after the start (RFC 8863 §4).
 *
 * Consent (RFC 7675 §5.1): a full agent sends a Binding request on each selected pair every
 * consent_interval_s, each interval drawn uniformly from 0.8 to 1.2 times it, with a new
 * transaction id and no retransmission; consent is lost when no authenticated success response
 * arrived for consent_timeout_s.  A lite agent sends no requests (RFC 8445 §2.5) and so runs none.
 */
#include <string.h>

#include "ice-private.h"

void
ice_set_state(IceAgent *a, IceState s)
{
  if (a->state == s)
    return;
  a->state = s;
  sim_trace("ice", "%s state %s", a->name, ice_state_name(s));
  if (a->ops.on_state != NULL)
    a->ops.on_state(a->ctx, s);
}

static IcePair *
best_valid(IceAgent *a, guint c)
{
  IcePair *best = NULL;
  for (guint i = 0; i < a->valid->len; i++) {
    IcePair *v = a->valid->pdata[i];
    IcePair *g = v->gen;
    if (v->pub.component != c || !v->pub.valid || (g != NULL && g->pub.state == ICE_PAIR_FAILED))
      continue;
    if (best == NULL || v->pub.priority > best->pub.priority)
      best = v;
  }
  return best;
}

static void
update_state(IceAgent *a)
{
  if (!a->started || a->state == ICE_STATE_FAILED || a->state == ICE_STATE_DISCONNECTED ||
      a->state == ICE_STATE_COMPLETED)
    return;
  gboolean all_valid = TRUE, all_selected = TRUE;
  for (guint c = 1; c <= a->params.components; c++) {
    all_selected = all_selected && a->selected[c] != NULL;
    all_valid = all_valid && (a->selected[c] != NULL || best_valid(a, c) != NULL);
  }
  if (all_valid)
    ice_set_state(a, ICE_STATE_CONNECTED);
  if (all_selected)
    ice_set_state(a, ICE_STATE_COMPLETED);
}

static void
fail_checklist(IceAgent *a)
{
  a->checklist_done = TRUE;
  sim_cancel(a->tick);
  sim_cancel(a->nominate_timer);
  sim_cancel(a->pac_timer);
  sim_trace("ice", "%s checklist failed", a->name);
  ice_set_state(a, ICE_STATE_FAILED);
}

/* ---- Nomination (RFC 8445 §8.1.1) -------------------------------------------------------------- */

static gboolean
better_pending(IceAgent *a, guint c, guint64 priority)
{
  for (guint i = 0; i < a->checklist->len; i++) {
    IcePair *p = a->checklist->pdata[i];
    if (p->pub.component == c && p->pub.priority > priority &&
        (p->pub.state == ICE_PAIR_FROZEN || p->pub.state == ICE_PAIR_WAITING ||
         p->pub.state == ICE_PAIR_IN_PROGRESS))
      return TRUE;
  }
  return FALSE;
}

static gboolean
nominating_for(IceAgent *a, guint c)
{
  for (guint i = 0; i < a->all_pairs->len; i++) {
    IcePair *p = a->all_pairs->pdata[i];
    if (p->nominating && p->pub.component == c)
      return TRUE;
  }
  return FALSE;
}

static void maybe_nominate(IceAgent *a);

static void
nominate_timer_cb(void *data)
{
  IceAgent *a = data;
  a->nominate_timer = 0;
  a->nominate_now = TRUE;
  maybe_nominate(a);
}

static void
maybe_nominate(IceAgent *a)
{
  if (!a->controlling || a->params.lite || !a->started || a->checklist_done)
    return;
  IcePair *best[ICE_MAX_COMPONENTS + 1] = { NULL };
  for (guint c = 1; c <= a->params.components; c++) {
    best[c] = best_valid(a, c);
    if (best[c] == NULL && a->selected[c] == NULL)
      return; /* not before every component has a valid pair */
  }
  gboolean wait = FALSE;
  for (guint c = 1; c <= a->params.components; c++) {
    if (a->selected[c] != NULL || nominating_for(a, c))
      continue;
    IcePair *g = best[c]->gen;
    if (!a->nominate_now && better_pending(a, c, g->pub.priority)) {
      wait = TRUE;
      continue;
    }
    g->nominating = TRUE;
    ice_trace_pair(a, best[c], "nominating");
    ice_trigger(a, g);
  }
  if (wait && !a->nominate_now && !sim_event_pending(a->nominate_timer))
    a->nominate_timer = sim_schedule(SIM_MS(a->params.nomination_wait_ms), nominate_timer_cb, a);
}

/* ---- Completion and failure ------------------------------------------------------------------- */

static void
complete(IceAgent *a)
{
  a->stats.completed_at = sim_now();
  if (a->params.lite)
    return;
  a->checklist_done = TRUE;
  sim_cancel(a->tick);
  sim_cancel(a->nominate_timer);
  sim_cancel(a->pac_timer);
  /* RFC 8445 §8.1.2: remove Waiting and Frozen pairs; In-Progress ones stop retransmitting. */
  for (guint i = a->checklist->len; i-- > 0;) {
    IcePair *p = a->checklist->pdata[i];
    if (p->pub.state == ICE_PAIR_WAITING || p->pub.state == ICE_PAIR_FROZEN) {
      g_ptr_array_remove_index(a->checklist, i);
      p->on_checklist = FALSE;
      ice_trace_pair(a, p, "pair-removed");
    } else if (p->txn != NULL) {
      ice_txn_cancel(a, p->txn);
    }
  }
  IcePair *p;
  while ((p = g_queue_pop_head(&a->triggered)) != NULL)
    p->queued = FALSE;
  sim_trace("ice", "%s checklist completed", a->name);
}

static void
pac_cb(void *data)
{
  IceAgent *a = data;
  a->pac_timer = 0;
  ice_check_done(a);
}

void
ice_check_done(IceAgent *a)
{
  if (!a->started || a->params.lite || a->checklist_done)
    return;
  for (guint i = 0; i < a->checklist->len; i++) {
    IcePairState s = ((IcePair *)a->checklist->pdata[i])->pub.state;
    if (s == ICE_PAIR_FROZEN || s == ICE_PAIR_WAITING || s == ICE_PAIR_IN_PROGRESS)
      return;
  }
  if (!g_queue_is_empty(&a->triggered))
    return;
  for (guint i = 0; i < a->all_pairs->len; i++)
    if (((IcePair *)a->all_pairs->pdata[i])->nominating)
      return;
  for (guint c = 1; c <= a->params.components; c++) {
    if (a->selected[c] == NULL && best_valid(a, c) == NULL) {
      /* RFC 8863 §4: not before the patience time, one STUN transaction timeout (39.5 s by
       * default) after the start: the peer's checks may still bring peer-reflexive pairs. */
      SimTime rto = SIM_MS(a->params.rto_ms);
      SimTime patience = a->stats.started_at +
                         rto * (((SimTime)1 << (a->params.max_sends - 1)) - 1 + ICE_RM);
      if (sim_now() < patience) {
        if (!sim_event_pending(a->pac_timer))
          a->pac_timer = sim_schedule_at(patience, pac_cb, a);
        return;
      }
      fail_checklist(a);
      return;
    }
  }
  /* Nothing better can come: the controlling agent nominates now; the controlled one waits. */
  a->nominate_now = TRUE;
  maybe_nominate(a);
}

/* ---- Consent freshness (RFC 7675 §5.1) -------------------------------------------------------- */

static void consent_send_cb(void *data);

static void
consent_schedule_next(IceAgent *a, guint c)
{
  double f = g_rand_double_range(a->rand, 0.8, 1.2);
  SimTime d = (SimTime)(f * (double)SIM_S(a->params.consent_interval_s));
  a->consent_next[c] = sim_schedule(d, consent_send_cb, &a->slots[c]);
}

static void
consent_expired_cb(void *data)
{
  IceSlot *s = data;
  IceAgent *a = s->agent;
  guint c = s->component;
  a->consent_expiry[c] = 0;
  sim_cancel(a->consent_next[c]);
  a->consent_lost[c] = TRUE;
  ice_trace_pair(a, a->selected[c], "consent-lost");
  ice_set_state(a, ICE_STATE_DISCONNECTED);
  if (a->ops.on_consent_lost != NULL)
    a->ops.on_consent_lost(a->ctx, c, &a->selected[c]->pub);
}

static void
consent_send_cb(void *data)
{
  IceSlot *s = data;
  IceAgent *a = s->agent;
  guint c = s->component;
  a->consent_next[c] = 0;
  IcePair *v = a->selected[c];
  if (a->consent_lost[c] || v == NULL)
    return;
  ice_send_check(a, v->gen != NULL ? v->gen : v, FALSE, TRUE, FALSE);
  consent_schedule_next(a, c);
}

static void
consent_start(IceAgent *a, guint c)
{
  consent_schedule_next(a, c);
  a->consent_expiry[c] =
    sim_schedule(SIM_S(a->params.consent_timeout_s), consent_expired_cb, &a->slots[c]);
}

void
ice_consent_ok(IceAgent *a, guint c)
{
  a->stats.consent_ok++;
  if (a->consent_lost[c] || !sim_event_pending(a->consent_expiry[c]))
    return;
  sim_cancel(a->consent_expiry[c]);
  a->consent_expiry[c] =
    sim_schedule(SIM_S(a->params.consent_timeout_s), consent_expired_cb, &a->slots[c]);
}

/* ---- Outcomes of checks ------------------------------------------------------------------------ */

void
ice_nominated(IceAgent *a, IcePair *v)
{
  guint c = v->pub.component;
  if (!v->pub.nominated) {
    v->pub.nominated = TRUE;
    ice_trace_pair(a, v, "nominated");
  }
  if (a->selected[c] == NULL) {
    /* RFC 8445 §8.1.1: once nominated, a pair stays selected for the session. */
    a->selected[c] = v;
    ice_trace_pair(a, v, "selected");
    if (a->ops.on_selected != NULL)
      a->ops.on_selected(a->ctx, c, &v->pub);
    if (!a->params.lite)
      consent_start(a, c);
  }
  gboolean all = TRUE;
  for (guint k = 1; k <= a->params.components; k++)
    all = all && a->selected[k] != NULL;
  if (all && a->stats.completed_at < 0)
    complete(a);
  update_state(a);
}

void
ice_after_success(IceAgent *a, IcePair *checked, IcePair *valid, gboolean nominated)
{
  ice_pair_set_state(a, checked, ICE_PAIR_SUCCEEDED);
  valid->pub.state = ICE_PAIR_SUCCEEDED;
  if (valid->gen == NULL)
    valid->gen = checked;
  /* RFC 8445 §7.2.5.3.3: Frozen pairs with the same foundation become Waiting. */
  for (guint i = 0; i < a->checklist->len; i++) {
    IcePair *p = a->checklist->pdata[i];
    if (p->pub.state == ICE_PAIR_FROZEN && strcmp(p->foundation, checked->foundation) == 0)
      ice_pair_set_state(a, p, ICE_PAIR_WAITING);
  }
  if (!valid->pub.valid) {
    valid->pub.valid = TRUE;
    g_ptr_array_add(a->valid, valid);
    ice_trace_pair(a, valid, "valid");
  }
  if (nominated)
    ice_nominated(a, valid);
  else if (checked->nominating && a->controlling)
    ice_trigger(a, checked); /* an ordinary check ended first: the nomination check still goes */
  maybe_nominate(a);
  ice_check_done(a);
  update_state(a);
  ice_arm_tick(a);
}

void
ice_after_failure(IceAgent *a, IcePair *p)
{
  ice_pair_set_state(a, p, ICE_PAIR_FAILED);
  a->stats.checks_failed++;
  if (p->nominating) {
    /* The nomination check failed: the pairs it had validated are no longer usable. */
    p->nominating = FALSE;
    for (guint i = a->valid->len; i-- > 0;) {
      IcePair *v = a->valid->pdata[i];
      if (v->gen == p) {
        v->pub.valid = FALSE;
        g_ptr_array_remove_index(a->valid, i);
        ice_trace_pair(a, v, "invalid");
      }
    }
  }
  maybe_nominate(a);
  ice_check_done(a);
  update_state(a);
  ice_arm_tick(a);
}

void
ice_switch_role(IceAgent *a, gboolean controlling)
{
  if (a->controlling == controlling)
    return;
  a->controlling = controlling;
  a->stats.role_switches++;
  sim_trace("ice", "%s role %s", a->name, controlling ? "controlling" : "controlled");
  if (!controlling)
    for (guint i = 0; i < a->all_pairs->len; i++)
      ((IcePair *)a->all_pairs->pdata[i])->nominating = FALSE;
  ice_recompute_priorities(a); /* RFC 8445 §7.2.5.1: pair priorities depend on the role */
  maybe_nominate(a);
}
