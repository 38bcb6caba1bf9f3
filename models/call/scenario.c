/* scenario.c — runs one scripted call scenario and measures one outcome per call (design.md §3).
 *
 * Wiring: sim_setup(sim.seed) -> topology_build -> the PBX on the PBX host -> the STUN and TURN
 * servers when the phone traverses NATs with them -> phone 0 -> cross
 * traffic -> the plan's events -> sim_run -> outcomes from what the receivers counted and what the
 * session state machines did -> teardown.  With a trace directory the run also writes the trace,
 * a pcap per link, the SIP ladder and the NAT timeline (models/call/ladder.h, timeline.h).
 */
#include "scenario-private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "call/ladder.h"
#include "call/timeline.h"
#include "nat/nat.h"
#include "models.h"
#include "qos/cross.h"

const CfgKeyDef call_keys[] = {
  {"call.register", CFG_BOOL, "", "true", NULL, "Register the phone at time 0 (RFC 3261 §10)."},
  {"call.outbound", CFG_BOOL, "", "true", NULL, "Place outbound calls from the phone."},
  {"call.outbound_at_s", CFG_DOUBLE, "s", "2", "0..", "When the first outbound call is placed."},
  {"call.count", CFG_INT, "calls", "1", "0..1000", "Number of outbound calls, call.interval_s apart."},
  {"call.interval_s", CFG_DOUBLE, "s", "60", "0..", "Time between the starts of repeated outbound calls."},
  {"call.duration_s", CFG_DOUBLE, "s", "20", "0.1..", "Scripted length of each call, from its INVITE to the hang-up."},
  {"call.inbound_at_s", CFG_DOUBLE, "s", "0", "0..", "When the PBX calls the phone (an inbound call); 0 for none."},
  {"call.hold_at_s", CFG_DOUBLE, "s", "0", "0..", "Put each call on hold this long after its start; 0 for never."},
  {"call.resume_at_s", CFG_DOUBLE, "s", "0", "0..", "Resume a held call this long after its start; 0 for never."},
  {"call.reinvite_at_s", CFG_DOUBLE, "s", "0", "0..",
   "Send a re-INVITE with the same offer this long after each call's start; 0 for never."},
  {"call.end_s", CFG_DOUBLE, "s", "0", "0..",
   "When the simulation stops; 0 = 40 s after the last scripted hang-up (room for Timer B/H, 32 s)."},
  {"call.callee", CFG_STRING, "", "2000", NULL, "The remote party's number that outbound calls dial."},
  {NULL},
};

/* ---- Plan events ------------------------------------------------------------------------------ */

typedef struct {
  ScenarioRun *run; /* the run */
  PlanCall *pc;     /* the call */
  int what;         /* ACT_* */
} Action;

enum { ACT_START, ACT_HOLD, ACT_RESUME, ACT_REINVITE, ACT_HANGUP };

static guint64
nat_drops(ScenarioRun *run, gboolean filtered)
{
  if (run->topo->home == NULL)
    return 0;
  const RouterStats *st = router_stats(run->topo->home);
  return filtered ? st->dropped_filtered : st->dropped_no_binding;
}

/* Inbound packets the home NAT took for itself (nat.local_flow_entries); with `harm`, the packets
 * that an expectation would have admitted plus the outbound flows moved off such a flow's tuple. */
static guint64
nat_local_hits(ScenarioRun *run, gboolean harm)
{
  if (run->topo->home == NULL)
    return 0;
  const NatStats *st = nat_stats(router_nat(run->topo->home));
  return harm ? st->dropped[NAT_DROP_SHADOWED] + st->local_clashes : st->local_entry_hits;
}

static void
act(void *data)
{
  Action *a = data;
  ScenarioRun *run = a->run;
  PlanCall *pc = a->pc;
  switch (a->what) {
  case ACT_START:
    pc->placed = TRUE;
    pc->registered = sip_reg_state(phone_reg(run->phone)) == SIP_REG_REGISTERED;
    pc->nat_no_binding0 = nat_drops(run, FALSE);
    pc->nat_filtered0 = nat_drops(run, TRUE);
    pc->nat_local0 = nat_local_hits(run, FALSE);
    pc->nat_shadow0 = nat_local_hits(run, TRUE);
    sim_trace("call", "plan call%u start %s", pc->index, pc->inbound ? "inbound" : "outbound");
    if (pc->inbound) {
      pc->pbx = pbx_call_user(run->pbx, cfg_str(run->cfg, "phone.user"), run->callee);
      if (pc->pbx->call_id)
        pc->phone = phone_find_call(run->phone, pc->pbx->call_id); /* set later by call_started */
    } else {
      pc->phone = phone_call(run->phone, run->callee);
    }
    break;
  case ACT_HOLD:
  case ACT_RESUME:
    if (pc->phone && pc->phone->ss && sip_session_state(pc->phone->ss) == SIP_SESSION_CONFIRMED)
      phone_hold(run->phone, pc->phone, a->what == ACT_HOLD);
    break;
  case ACT_REINVITE:
    if (pc->phone && pc->phone->ss && sip_session_state(pc->phone->ss) == SIP_SESSION_CONFIRMED)
      phone_reinvite(run->phone, pc->phone);
    break;
  case ACT_HANGUP:
    sim_trace("call", "plan call%u hangup", pc->index);
    if (pc->phone && (pc->phone->ss == NULL || sip_session_state(pc->phone->ss) != SIP_SESSION_TERMINATED))
      phone_hangup(pc->phone);
    else if (pc->pbx && pc->pbx->ss && sip_session_state(pc->pbx->ss) != SIP_SESSION_TERMINATED)
      pbx_hangup(pc->pbx);
    break;
  }
}

static void
plan_at(ScenarioRun *run, GPtrArray *actions, PlanCall *pc, SimTime when, int what)
{
  Action *a = g_new0(Action, 1);
  *a = (Action){run, pc, what};
  g_ptr_array_add(actions, a);
  SimEvent ev = sim_schedule_at(when, act, a);
  g_array_append_val(run->events, ev);
}

/* The phone tells us about inbound calls as it sees them. */
static void
on_phone_call(void *ctx, Phone *p, PhoneCall *c)
{
  ScenarioRun *run = ctx;
  for (guint i = 0; i < run->plan->len; i++) {
    PlanCall *pc = run->plan->pdata[i];
    if (pc->inbound && pc->phone == NULL && pc->pbx && g_strcmp0(pc->pbx->call_id, c->call_id) == 0)
      pc->phone = c;
  }
}

static const PhoneOps phone_ops = {.call_started = on_phone_call};

static void
plan_build(ScenarioRun *run, GPtrArray *actions)
{
  const Config *cfg = run->cfg;
  SimTime dur = SIM_TIME_FROM_S(cfg_double(cfg, "call.duration_s"));
  GArray *starts = g_array_new(FALSE, FALSE, sizeof(SimTime));
  GArray *inbound = g_array_new(FALSE, FALSE, sizeof(gboolean));
  if (cfg_bool(cfg, "call.outbound")) {
    SimTime t0 = SIM_TIME_FROM_S(cfg_double(cfg, "call.outbound_at_s"));
    SimTime iv = SIM_TIME_FROM_S(cfg_double(cfg, "call.interval_s"));
    for (gint64 k = 0; k < cfg_int(cfg, "call.count"); k++) {
      SimTime t = t0 + k * iv;
      gboolean in = FALSE;
      g_array_append_val(starts, t);
      g_array_append_val(inbound, in);
    }
  }
  double in_at = cfg_double(cfg, "call.inbound_at_s");
  if (in_at > 0) {
    SimTime t = SIM_TIME_FROM_S(in_at);
    gboolean in = TRUE;
    g_array_append_val(starts, t);
    g_array_append_val(inbound, in);
  }
  for (guint i = 0; i < starts->len; i++) {
    PlanCall *pc = g_new0(PlanCall, 1);
    pc->index = i;
    pc->inbound = g_array_index(inbound, gboolean, i);
    pc->start = g_array_index(starts, SimTime, i);
    pc->hangup_at = pc->start + dur;
    g_ptr_array_add(run->plan, pc);
    plan_at(run, actions, pc, pc->start, ACT_START);
    if (run->hold_at)
      plan_at(run, actions, pc, pc->start + run->hold_at, ACT_HOLD);
    if (run->resume_at)
      plan_at(run, actions, pc, pc->start + run->resume_at, ACT_RESUME);
    if (run->reinvite_at)
      plan_at(run, actions, pc, pc->start + run->reinvite_at, ACT_REINVITE);
    plan_at(run, actions, pc, pc->hangup_at, ACT_HANGUP);
  }
  g_array_free(starts, TRUE);
  g_array_free(inbound, TRUE);
}

/* ---- Outcomes --------------------------------------------------------------------------------- */

static gboolean
failure_end(SipEndCause c)
{
  return c == SIP_END_ACK_TIMEOUT || c == SIP_END_SESSION_EXPIRED || c == SIP_END_REFRESH_FAILED ||
         c == SIP_END_REQUEST_FAILED;
}

/* Mean one-way delay a receiver measured (the send time rides in each payload), -1 if none. */
static double
delay_ms(MediaStream *ms)
{
  const MediaRecvStats *st = ms ? media_stream_recv_stats(ms) : NULL;
  return st && st->timed ? st->delay_mean_ms : -1;
}

/* What NAT traversal did, and what relaying cost: the TURN server's data bytes (this scenario's
 * only TURN user is phone 0, so the server total is the call's when there is one call). */
static void
traversal_of(ScenarioRun *run, PlanCall *pc, CallOutcome *o, MediaStream *pms, MediaStream *xms)
{
  PhoneTraversalInfo ti;
  if (pc->phone)
    phone_call_traversal(pc->phone, &ti);
  else
    ti = (PhoneTraversalInfo){.method = cfg_str(run->cfg, "phone.traversal"), .ice_state = "-",
                              .local_cand = "-", .remote_cand = "-", .ice_time_s = -1};
  g_free(o->traversal), o->traversal = g_strdup(ti.method);
  g_free(o->ice_state), o->ice_state = g_strdup(ti.ice_state);
  g_free(o->local_cand), o->local_cand = g_strdup(ti.local_cand);
  g_free(o->remote_cand), o->remote_cand = g_strdup(ti.remote_cand);
  o->ice_time_s = ti.ice_time_s;
  o->relayed = ti.relayed;
  if (run->turn) {
    const TurnServerStats *ts = turn_server_stats(run->turn);
    o->relay_bytes = ts->to_peer_bytes + ts->from_peer_bytes;
  }
  o->delay_out_ms = delay_ms(xms);
  o->delay_in_ms = delay_ms(pms);
}

static CallOutcome *
outcome_of(ScenarioRun *run, PlanCall *pc, double threshold, const EmodelParams *ep)
{
  CallOutcome *o = call_outcome_new(pc->index, pc->inbound ? "inbound" : "outbound");
  if (pc->pbx == NULL && pc->phone) /* outbound: the PBX's leg of the same dialog */
    pc->pbx = pbx_find_call(run->pbx, pc->phone->call_id);
  SipReg *reg = phone_reg(run->phone);
  const SipRegResult *rr = sip_reg_first_result(reg);
  o->registered = pc->registered;
  o->reg_status = rr->done ? rr->status : 0;
  o->reg_time_s = rr->done && rr->ok ? SIM_TIME_TO_S(rr->finished - rr->started) : -1;
  /* The caller's session tells whether the INVITE got its 2xx. */
  SipSession *caller = pc->inbound ? (pc->pbx ? pc->pbx->ss : NULL) : (pc->phone ? pc->phone->ss : NULL);
  const SipSessionReport *cr = caller ? sip_session_report(caller) : NULL;
  o->connected = cr && cr->answered_at >= 0;
  o->final_status = cr ? cr->setup_status : 0;
  o->setup_timer = g_strdup(cr ? cr->setup_failure : NULL);
  o->setup_time_s = o->connected ? SIM_TIME_TO_S(cr->setup_time) : -1;
  MediaStream *pms = pc->phone ? pc->phone->ms : NULL;
  /* The far end of the phone's audio: the remote party (through the PBX's relay) when there is one. */
  MediaStream *xms = pc->pbx ? (pc->pbx->party ? pc->pbx->party : pc->pbx->ms) : NULL;
  o->out_sent = pms ? media_stream_send_stats(pms)->packets : 0;
  o->out_recv = xms ? media_stream_recv_stats(xms)->received : 0;
  o->in_sent = xms ? media_stream_send_stats(xms)->packets : 0;
  o->in_recv = pms ? media_stream_recv_stats(pms)->received : 0;
  o->audio = o->connected ? audio_classify(o->out_sent, o->out_recv, o->in_sent, o->in_recv, threshold)
                          : AUDIO_NOT_SET_UP;
  o->mos_out = xms && media_heard(o->out_sent, o->out_recv, threshold) ? media_stream_mos(xms, ep) : 0;
  o->mos_in = pms && media_heard(o->in_sent, o->in_recv, threshold) ? media_stream_mos(pms, ep) : 0;
  /* The first side whose session ended, and why. */
  const SipSessionReport *first = NULL;
  const char *who = NULL;
  SipSession *sides[2] = {pc->phone ? pc->phone->ss : NULL, pc->pbx ? pc->pbx->ss : NULL};
  const char *names[2] = {"phone", "pbx"};
  for (int i = 0; i < 2; i++) {
    if (!sides[i])
      continue;
    const SipSessionReport *r = sip_session_report(sides[i]);
    if (r->end_cause == SIP_END_NONE || r->ended_at < 0)
      continue;
    if (!first || r->ended_at < first->ended_at)
      first = r, who = names[i];
  }
  if (o->connected && first) {
    gboolean early = first->ended_at < pc->hangup_at;
    o->dropped = early || failure_end(first->end_cause);
    if (o->dropped)
      o->drop_time_s = SIM_TIME_TO_S(first->ended_at - pc->start);
    o->end_cause = first->end_failure
                     ? g_strdup_printf("%s %s (%s)", who, sip_end_cause_name(first->end_cause), first->end_failure)
                     : g_strdup_printf("%s %s", who, sip_end_cause_name(first->end_cause));
  } else if (o->connected) {
    o->end_cause = g_strdup("still up");
  }
  traversal_of(run, pc, o, pms, xms);
  pc->nat_no_binding1 = nat_drops(run, FALSE);
  pc->nat_filtered1 = nat_drops(run, TRUE);
  pc->nat_local1 = nat_local_hits(run, FALSE);
  pc->nat_shadow1 = nat_local_hits(run, TRUE);
  scenario_explain(run, pc, o);
  return o;
}

/* ---- Trace outputs ---------------------------------------------------------------------------- */

static gboolean
write_views(const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename(dir, "trace.txt", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error))
    return FALSE;
  g_autoptr(Ladder) l = ladder_from_trace(text, len);
  g_autoptr(Timeline) t = timeline_from_trace(text, len);
  struct {
    const char *name;
    char *body;
  } out[] = {{"ladder.txt", ladder_to_text(l)}, {"ladder.svg", ladder_to_svg(l)},
             {"timeline.txt", timeline_to_text(t)}, {"timeline.svg", timeline_to_svg(t)}};
  gboolean ok = TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS(out); i++) {
    g_autofree char *p = g_build_filename(dir, out[i].name, NULL);
    if (ok && !g_file_set_contents(p, out[i].body, -1, error))
      ok = FALSE;
    g_free(out[i].body);
  }
  return ok;
}

/* ---- Traversal servers ------------------------------------------------------------------------ */

/* A phone that traverses NATs gets its provider's servers on the STUN/TURN host: a STUN server on
 * the primary address (198.51.100.10:3478, RFC 8489 §6) and a TURN server (RFC 8656) on the second
 * address (198.51.100.11:3478), relaying from that address, with the turn.* credentials.  Two
 * addresses keep the two servers' UDP 3478 apart, as stun.example and turn.example hosts would. */
static gboolean
servers_start(ScenarioRun *run, GError **error)
{
  const Topology *t = run->topo;
  if (g_strcmp0(cfg_str(run->cfg, "phone.traversal"), "none") == 0 || t->stun.node < 0)
    return TRUE;
  StunServerSetup ss = {.addr = t->stun.addr, .port = STUN_DEFAULT_PORT, .fingerprint = TRUE};
  run->stun = stun_server_new(t->stun.node, &ss, error);
  if (run->stun == NULL)
    return FALSE;
  TurnServerSetup ts;
  turn_server_setup_default(&ts);
  turn_server_setup_from_config(run->cfg, &ts);
  ts.addr = t->stun.addr2;
  ts.relay_addr = t->stun.addr2;
  run->turn = turn_server_new(t->stun.node, &ts, error);
  return run->turn != NULL;
}

/* ---- The run ---------------------------------------------------------------------------------- */

gboolean
scenario_run(const Config *cfg, const ScenarioOptions *opts, GPtrArray **outcomes, GError **error)
{
  g_return_val_if_fail(cfg && outcomes, FALSE);
  *outcomes = NULL;
  models_register_keys();
  const char *dir = opts ? opts->trace_dir : NULL;
  double threshold = cfg_double(cfg, "media.heard_threshold");
  EmodelParams ep;
  if (!emodel_params_from_config(cfg, &ep, error))
    return FALSE;
  FILE *trace_fp = NULL;
  if (dir) {
    if (g_mkdir_with_parents(dir, 0755) != 0) {
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "--trace %s: %s", dir, g_strerror(errno));
      return FALSE;
    }
    g_autofree char *path = g_build_filename(dir, "trace.txt", NULL);
    trace_fp = fopen(path, "w");
    if (trace_fp == NULL) {
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path, g_strerror(errno));
      return FALSE;
    }
  }
  if (sim_is_setup())
    sim_reset();
  SimWorldParams wp = {.seed = (guint64)cfg_int(cfg, "sim.seed")};
  if (!sim_setup(&wp, error)) {
    if (trace_fp)
      fclose(trace_fp);
    return FALSE;
  }
  if (trace_fp)
    sim_trace_set_file(trace_fp);

  gboolean ok = FALSE;
  ScenarioRun run = {.cfg = cfg};
  run.plan = g_ptr_array_new_with_free_func(g_free);
  run.events = g_array_new(FALSE, FALSE, sizeof(SimEvent));
  run.callee = cfg_str(cfg, "call.callee");
  run.hold_at = SIM_TIME_FROM_S(cfg_double(cfg, "call.hold_at_s"));
  run.resume_at = SIM_TIME_FROM_S(cfg_double(cfg, "call.resume_at_s"));
  run.reinvite_at = SIM_TIME_FROM_S(cfg_double(cfg, "call.reinvite_at_s"));
  GPtrArray *actions = g_ptr_array_new_with_free_func(g_free);
  CrossTraffic *cross = NULL;

  run.topo = topology_build(cfg, error);
  if (run.topo == NULL)
    goto out;
  if (dir && !topology_enable_pcap(run.topo, dir, error))
    goto out;
  PbxSetup xs = {.host = run.topo->pbx.node, .sip_addr = run.topo->pbx.addr, .media_addr = run.topo->pbx.addr2,
                 .remote_host = run.topo->remote.node,
                 .remote_addr = run.topo->remote.node >= 0 ? run.topo->remote.addr : 0};
  run.pbx = pbx_new(cfg, &xs, error);
  if (run.pbx == NULL)
    goto out;
  if (!servers_start(&run, error))
    goto out;
  PhoneSetup ps = {.name = "phone0", .index = 0, .host = run.topo->phones[0].node,
                   .addr = run.topo->phones[0].addr, .pbx_addr = run.topo->pbx.addr,
                   .stun_addr = run.stun ? run.topo->stun.addr : 0,
                   .turn_addr = run.turn ? run.topo->stun.addr2 : 0};
  run.phone = phone_new(cfg, &ps, &phone_ops, &run, error);
  if (run.phone == NULL)
    goto out;
  cross = cross_start(cfg, run.topo, error);
  if (cross == NULL && error && *error)
    goto out;
  if (opts && opts->check_only) {
    *outcomes = g_ptr_array_new_with_free_func((GDestroyNotify)call_outcome_free);
    ok = TRUE;
    goto out;
  }
  if (cfg_bool(cfg, "call.register"))
    phone_register(run.phone);
  plan_build(&run, actions);
  SimTime end = SIM_TIME_FROM_S(cfg_double(cfg, "call.end_s"));
  if (end == 0) {
    end = SIM_S(10);
    for (guint i = 0; i < run.plan->len; i++)
      end = MAX(end, ((PlanCall *)run.plan->pdata[i])->hangup_at + SIM_S(40));
  }
  sim_run(end);
  sim_trace("call", "end t=%.3f", SIM_TIME_TO_S(sim_now()));

  *outcomes = g_ptr_array_new_with_free_func((GDestroyNotify)call_outcome_free);
  for (guint i = 0; i < run.plan->len; i++)
    g_ptr_array_add(*outcomes, outcome_of(&run, run.plan->pdata[i], threshold, &ep));
  ok = TRUE;

out:
  for (guint i = 0; i < run.events->len; i++)
    sim_cancel(g_array_index(run.events, SimEvent, i));
  cross_free(cross);
  phone_free(run.phone);
  turn_server_free(run.turn);
  stun_server_free(run.stun);
  pbx_free(run.pbx);
  if (run.topo)
    topology_free(run.topo);
  sim_trace_set_file(NULL);
  sim_reset();
  g_ptr_array_free(actions, TRUE);
  g_ptr_array_free(run.plan, TRUE);
  g_array_free(run.events, TRUE);
  if (trace_fp)
    fclose(trace_fp);
  if (ok && dir && !write_views(dir, error)) {
    g_clear_pointer(outcomes, g_ptr_array_unref);
    ok = FALSE;
  }
  return ok;
}
