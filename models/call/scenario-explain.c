/* scenario-explain.c — a call's failure cause code and its one-line explanation, built from
 * evidence: the address each device actually sent to (the media server's current RTP
 * destination, the registrar's INVITE target), the phone's own address, what each receiver
 * counted, the home NAT's drop counters while the call ran, and how each session ended.  Nothing
 * is copied from the configuration: a profile's name never appears as a reason.
 */
#include "scenario-private.h"

#include <stdio.h>

gboolean
scenario_addr_private(guint32 a)
{
  return (a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) || (a >> 16) == (192u << 8 | 168) ||
         (a >> 22) == (100u << 2 | 1); /* RFC 1918; RFC 6598 100.64/10 */
}

static const char *
fmt(SimAddr a, char buf[24])
{
  char ip[16];
  g_snprintf(buf, 24, "%s:%u", sim_addr_format(a.addr, ip), a.port);
  return buf;
}

/* Why the phone never saw an inbound INVITE. */
static char *
explain_inbound(ScenarioRun *run, PlanCall *pc, CallOutcome *o)
{
  char t[24];
  PbxCall *x = pc->pbx;
  if (x == NULL || x->ss == NULL) {
    gboolean reg = sip_reg_state(phone_reg(run->phone)) == SIP_REG_REGISTERED;
    return g_strdup_printf("PBX had no registration for %s to send the INVITE to (phone %s)",
                           cfg_str(run->cfg, "phone.user"), reg ? "registered later" : "not registered");
  }
  guint64 nb = pc->nat_no_binding1 - pc->nat_no_binding0, fl = pc->nat_filtered1 - pc->nat_filtered0;
  const char *what = o->setup_timer ? o->setup_timer : "no final response";
  if (scenario_addr_private(x->target.remote.addr))
    return g_strdup_printf("PBX sent the INVITE to %s, the Contact as the phone wrote it; that address is private, "
                           "so the Internet could not deliver it and the PBX gave up (%s)",
                           fmt(x->target.remote, t), what);
  const RegBinding *rb = registrar_binding(pbx_registrar(run->pbx), cfg_str(run->cfg, "phone.user"));
  if ((nb || fl) && rb && !x->target_via_source && rb->contact_addr.addr == rb->source.remote.addr &&
      rb->contact_addr.port != rb->source.remote.port) {
    char s[24];
    return g_strdup_printf("PBX sent the INVITE to %s, the Contact it registered; the phone's REGISTER came from %s, "
                           "so the Contact's public address was written with a port that maps to nothing (rewritten "
                           "on the way): the home NAT dropped %" G_GUINT64_FORMAT " packets with no binding and the "
                           "phone never rang (%s)",
                           fmt(x->target.remote, t), fmt(rb->source.remote, s), nb, what);
  }
  if ((nb || fl) && rb && !rb->natted && rb->pings_sent == 0)
    return g_strdup_printf("PBX sent the INVITE to %s; the home NAT dropped %" G_GUINT64_FORMAT " packets with no "
                           "binding: the phone's mapping had expired.  The registered Contact equals the REGISTER's "
                           "source, so the registrar saw no NAT and sent no keepalive pings to hold the mapping "
                           "open (%s)",
                           fmt(x->target.remote, t), nb, what);
  if (nb || fl)
    return g_strdup_printf("PBX sent the INVITE to %s (%s); the home NAT dropped %" G_GUINT64_FORMAT
                           " packets with no binding and %" G_GUINT64_FORMAT " filtered: the phone's mapping had "
                           "expired, so the phone never rang (%s)",
                           fmt(x->target.remote, t), x->target_via_source ? "the REGISTER's source" : "the Contact",
                           nb, fl, what);
  return g_strdup_printf("PBX sent the INVITE to %s but the phone never answered (%s, status %u)",
                         fmt(x->target.remote, t), what, o->final_status);
}

static char *
explain_drop(ScenarioRun *run, PlanCall *pc, CallOutcome *o, const char **cause)
{
  const SipSessionReport *pr = pc->phone ? sip_session_report(pc->phone->ss) : NULL;
  const SipSessionReport *xr = pc->pbx && pc->pbx->ss ? sip_session_report(pc->pbx->ss) : NULL;
  if ((pr && pr->end_cause == SIP_END_ACK_TIMEOUT) || (xr && xr->end_cause == SIP_END_ACK_TIMEOUT)) {
    gboolean phone_side = pr && pr->end_cause == SIP_END_ACK_TIMEOUT;
    *cause = "dropped-ack-timeout";
    return g_strdup_printf("%s sent 200 OK %u times but no ACK arrived, so it ended the call at Timer H "
                           "(64*T1, RFC 3261 §13.3.1.4) after %.1f s",
                           phone_side ? "phone" : "PBX", 1 + (phone_side ? pr : xr)->retransmits_2xx,
                           o->drop_time_s);
  }
  gboolean refresh = (pr && (pr->end_cause == SIP_END_SESSION_EXPIRED || pr->end_cause == SIP_END_REFRESH_FAILED)) ||
                     (xr && (xr->end_cause == SIP_END_SESSION_EXPIRED || xr->end_cause == SIP_END_REFRESH_FAILED));
  if (refresh) {
    *cause = "dropped-session-refresh";
    guint64 nb = pc->nat_no_binding1 - pc->nat_no_binding0;
    const SipSessionReport *ref = xr && xr->we_refresh ? xr : pr;
    guint64 alg = run->topo->home ? router_stats(run->topo->home)->dropped_alg : 0;
    g_autofree char *answer = ref && ref->end_status ? g_strdup_printf(" (it was answered %u)", ref->end_status)
                                                     : g_strdup("");
    g_autofree char *algs = alg ? g_strdup_printf(" — the home router's ALG dropped %" G_GUINT64_FORMAT " packets",
                                                  alg)
                                : g_strdup("");
    return g_strdup_printf("%s's session refresh (RFC 4028, every %u s) did not get through%s%s%s; the call "
                           "ended after %.1f s (%s)",
                           ref == xr ? "PBX" : "phone", ref ? ref->session_expires_s / 2 : 0, answer,
                           nb ? " — the home NAT dropped it: the phone's signalling binding had expired" : "", algs,
                           o->drop_time_s, o->end_cause);
  }
  *cause = (pr && pr->end_cause == SIP_END_REQUEST_FAILED) || (xr && xr->end_cause == SIP_END_REQUEST_FAILED)
             ? "dropped-request-failed"
             : "dropped";
  return g_strdup_printf("the call ended after %.1f s, before the scripted hang-up (%s)", o->drop_time_s,
                         o->end_cause);
}

/* Audio that was heard and then stopped (a middlebox cut the media mid-call, e.g. the call-length
 * killer, field-notes §4 A6): when each receiver heard its last packet against its sender's last. */
static void
append_stopped(GString *e, ScenarioRun *run, PlanCall *pc)
{
  if (!pc->phone || !pc->phone->ms || !pc->pbx || !pc->pbx->ms)
    return;
  struct {
    MediaStream *rx, *tx; /* receiver, sender */
    const char *who, *peer;
  } dirs[] = {{pc->phone->ms, pc->pbx->ms, "the phone", "the PBX"}, {pc->pbx->ms, pc->phone->ms, "the PBX", "the phone"}};
  gboolean any = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
    SimTime heard = media_stream_recv_stats(dirs[i].rx)->last, sent = media_stream_send_stats(dirs[i].tx)->last;
    if (heard < 0 || sent < 0 || sent - heard < SIM_S(2))
      continue;
    g_string_append_printf(e, "%s%s heard nothing after %.1f s into the call though %s sent until %.1f s",
                           e->len ? "; " : "", dirs[i].who, SIM_TIME_TO_S(heard - pc->start), dirs[i].peer,
                           SIM_TIME_TO_S(sent - pc->start));
    any = TRUE;
  }
  guint64 alg = run->topo->home ? router_stats(run->topo->home)->dropped_alg : 0;
  if (any && alg)
    g_string_append_printf(e, " — the home router's ALG dropped %" G_GUINT64_FORMAT " packets", alg);
}

static char *
explain_audio(ScenarioRun *run, PlanCall *pc, CallOutcome *o, const char **cause)
{
  char t[24], s[24];
  gboolean out_ok = media_heard(o->out_sent, o->out_recv, cfg_double(run->cfg, "media.heard_threshold"));
  gboolean in_ok = media_heard(o->in_sent, o->in_recv, cfg_double(run->cfg, "media.heard_threshold"));
  GString *e = g_string_new(NULL);
  if (!in_ok) {
    SimAddr dst = pc->pbx && pc->pbx->ms ? media_stream_remote(pc->pbx->ms) : (SimAddr){0, 0};
    gboolean from_sdp = pc->pbx && dst.addr == pc->pbx->sdp_remote.addr && dst.port == pc->pbx->sdp_remote.port;
    guint64 wrong = pc->phone && pc->phone->ms ? media_stream_recv_stats(pc->phone->ms)->wrong_port : 0;
    if (wrong)
      g_string_append_printf(e, "phone sends RTP from another port than it listens on (not symmetric, RFC 4961), "
                                "so the PBX latched onto %s: %" G_GUINT64_FORMAT " packets reached the phone's send "
                                "port and were not heard", fmt(dst, t), wrong);
    else if (scenario_addr_private(dst.addr))
      g_string_append_printf(e, "PBX sent RTP to %s from the SDP c= line; that address is private, so the phone "
                                "heard nothing", fmt(dst, t));
    else
      g_string_append_printf(e, "PBX sent %" G_GUINT64_FORMAT " RTP packets to %s%s; the phone received %"
                                G_GUINT64_FORMAT, media_stream_send_stats(pc->pbx->ms)->packets, fmt(dst, t),
                             from_sdp ? " (from the SDP)" : " (latched)", o->in_recv);
    SimAddr mine = pc->phone && pc->phone->ms ? media_stream_local(pc->phone->ms) : (SimAddr){0, 0};
    guint64 nb = pc->nat_no_binding1 - pc->nat_no_binding0;
    if (!wrong && from_sdp && !scenario_addr_private(dst.addr) && mine.port && dst.port != mine.port && nb)
      g_string_append_printf(e, ": the phone listens on %s, but the SDP that reached the PBX named port %u — "
                                "rewritten on the way to a port that maps to nothing (the home NAT dropped %"
                                G_GUINT64_FORMAT " packets with no binding)", fmt(mine, s), dst.port, nb);
    /* Only when the router's own entries did harm: shadowed a pinhole or moved the phone's flow. */
    guint64 own = pc->nat_shadow1 > pc->nat_shadow0 ? pc->nat_local1 - pc->nat_local0 : 0;
    if (!wrong && !scenario_addr_private(dst.addr) && own)
      g_string_append_printf(e, ": the home router had taken that flow for its own (its first packets matched no "
                                "translation or pinhole, so the router kept a conntrack entry for itself, renewed by "
                                "every packet) and kept %" G_GUINT64_FORMAT " of its packets instead of passing them "
                                "to the phone", own);
    guint64 moved = pc->pbx && pc->pbx->ms ? media_stream_recv_stats(pc->pbx->ms)->unexpected : 0;
    if (!wrong && !scenario_addr_private(dst.addr) && moved && !(mine.port && dst.port != mine.port && nb && from_sdp))
      g_string_append_printf(e, ": %" G_GUINT64_FORMAT " of the phone's RTP packets reached the PBX from another "
                                "address or port than %s — the phone's public media port changed mid-call (a new "
                                "NAT translation after a hold, a re-INVITE's new port) and the PBX %s",
                             moved, fmt(dst, t),
                             pbx_keeps_media(run->pbx) ? "kept the first SDP's address (pbx.reinvite_media = keep)"
                                                       : "did not follow it");
  }
  if (!out_ok) {
    SimAddr dst = pc->phone && pc->phone->ms ? media_stream_remote(pc->phone->ms) : (SimAddr){0, 0};
    SimAddr src = pc->phone && pc->phone->ms ? media_stream_local(pc->phone->ms) : (SimAddr){0, 0};
    if (e->len)
      g_string_append(e, "; ");
    g_string_append_printf(e, "phone sent %" G_GUINT64_FORMAT " RTP packets from %s to %s; the PBX media server "
                              "received %" G_GUINT64_FORMAT, o->out_sent, fmt(src, s), fmt(dst, t),
                           pc->pbx && pc->pbx->ms ? media_stream_recv_stats(pc->pbx->ms)->received : 0);
  }
  append_stopped(e, run, pc);
  *cause = !in_ok && !out_ok ? "no-audio" : !in_ok ? "no-audio-in" : "no-audio-out";
  return g_string_free(e, FALSE);
}

void
scenario_explain(ScenarioRun *run, PlanCall *pc, CallOutcome *o)
{
  const char *cause = "ok";
  char *why = NULL;
  char t[24];
  if (!pc->placed) {
    cause = "not-placed";
    why = g_strdup("the run ended (call.end_s) before this call's start");
  } else if (!o->connected) {
    const SipRegResult *rr = sip_reg_first_result(phone_reg(run->phone));
    if (cfg_bool(run->cfg, "call.register") && !pc->registered && !(rr->done && rr->ok)) {
      cause = "register-failed";
      const RegistrarStats *rs = registrar_stats(pbx_registrar(run->pbx));
      if (rr->done && rr->failure == SIP_REG_FAIL_TIMEOUT && rs->registers > 0)
        why = g_strdup_printf("PBX received %" G_GUINT64_FORMAT " REGISTER request(s) and answered, but no answer reached the "
                              "phone: the home NAT dropped %" G_GUINT64_FORMAT " inbound packets with no binding "
                              "(the answers went to another port than the phone's mapping)",
                              rs->registers, pc->nat_no_binding1);
      else if (rr->done && rr->failure == SIP_REG_FAIL_TIMEOUT)
        why = g_strdup_printf("phone's REGISTER got no answer (Timer F) and the PBX never received it");
      else if (rs->uri_mismatch)
        why = g_strdup_printf("phone's REGISTER failed (%s, status %u): %" G_GUINT64_FORMAT " times the registrar "
                              "found the digest's uri differs from the Request-URI (RFC 2617 §3.2.2.5) — the "
                              "Request-URI was rewritten on the way after the phone signed it",
                              sip_reg_failure_name(rr->failure), rr->status, rs->uri_mismatch);
      else
        why = g_strdup_printf("phone's REGISTER %s (%s, status %u; the registrar counted %" G_GUINT64_FORMAT
                              " bad digests)", rr->done ? "failed" : "got no answer",
                              sip_reg_failure_name(rr->failure), rr->status, rs->bad_response);
    } else if (pc->inbound && (pc->phone == NULL || pc->pbx == NULL || pc->pbx->ss == NULL)) {
      cause = "inbound-unreachable";
      why = explain_inbound(run, pc, o);
    } else {
      cause = "setup-failed";
      const SipFlow *f = pc->inbound && pc->pbx ? &pc->pbx->target : NULL;
      g_autofree char *res = o->final_status ? g_strdup_printf("final status %u", o->final_status)
                                             : g_strdup_printf("no final response (%s)",
                                                               o->setup_timer ? o->setup_timer : "none");
      why = g_strdup_printf("the %s INVITE%s%s got %s", pc->inbound ? "PBX's" : "phone's", f ? " to " : "",
                            f ? fmt(f->remote, t) : "", res);
    }
  } else if (o->dropped) {
    why = explain_drop(run, pc, o, &cause);
  } else if (o->audio != AUDIO_TWO_WAY) {
    why = explain_audio(run, pc, o, &cause);
  } else {
    SimAddr dst = pc->pbx && pc->pbx->ms ? media_stream_remote(pc->pbx->ms) : (SimAddr){0, 0};
    why = g_strdup_printf("two-way audio: the PBX sent RTP to %s and each side heard %.0f%% / %.0f%%", fmt(dst, t),
                          o->out_sent ? 100.0 * o->out_recv / o->out_sent : 0.0,
                          o->in_sent ? 100.0 * o->in_recv / o->in_sent : 0.0);
  }
  g_free(o->cause);
  g_free(o->explanation);
  o->cause = g_strdup(cause);
  o->explanation = why;
}
