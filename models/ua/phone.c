/* phone.c — a phone's signalling: its SIP stack, registration, keepalives and calls.
 *
 * What a desk phone, an ATA or a softphone does (profiles in experiments/profiles/phone/): it
 * registers its Contact as it sees itself (RFC 3261 §10.2), refreshes the NAT binding with CRLF
 * (RFC 5626 §3.5.1) or OPTIONS keepalives every phone.keepalive_s, answers OPTIONS pings with 200
 * (RFC 3261 §11.2), places calls through the PBX as outbound proxy and auto-answers inbound ones
 * after sip.ring_time_ms.  Media and SDP live in phone-media.c.
 */
#include "phone-private.h"

#include <string.h>

/* Defaults: Polycom/Yealink-style desk phones send SIP from 5060 and RTP from a fixed base port;
 * keepalive intervals of 25-30 s (design.md §4); DSCP CS3 for signalling and EF for voice
 * (RFC 4594 §4.2, §4.3). */
const CfgKeyDef phone_keys[] = {
  {"phone.profile", CFG_PROFILE, "", "", "phone",
   "Phone profile applied where it is set: desk-phone (UDP 5060, RTP 4000) or softphone (TLS, SRTP); "
   "a name in experiments/profiles/phone/ or a path."},
  {"phone.transport", CFG_ENUM, "", "udp", "udp|tcp|tls",
   "SIP transport to the PBX: UDP to 5060, TCP to 5060 or TLS to 5061 (RFC 3261 §18, §26.2)."},
  {"phone.sip_port", CFG_INT, "", "5060", "0..65535",
   "Local SIP port (desk phones use 5060); 0 picks a random port as softphones do."},
  {"phone.keepalive_s", CFG_INT, "s", "30", "0..86400",
   "Interval of the phone's NAT keepalives to the registrar, 0 for none (RFC 5626 §4.4.1; 25-30 s typical)."},
  {"phone.keepalive_method", CFG_ENUM, "", "crlf", "crlf|options|stun",
   "Keepalive kind: a CRLF ping (RFC 5626 §3.5.1), an OPTIONS request, or a STUN Binding request on the "
   "SIP flow (RFC 5626 §4.4.2; CRLF on TCP/TLS)."},
  {"phone.rtp_port", CFG_INT, "", "4000", "0..65534",
   "RTP port of the first call (even; later calls use the next even ports); 0 picks a random even port."},
  {"phone.symmetric_rtp", CFG_BOOL, "", "true", NULL,
   "Send RTP from the port it is received on (RFC 4961); false sends from port + 1000."},
  {"phone.srtp", CFG_BOOL, "", "false", NULL, "Offer SRTP (RTP/SAVP) with SDES keys in a=crypto (RFC 4568)."},
  {"phone.hold_style", CFG_ENUM, "", "sendonly", "sendonly|zero-address",
   "How the phone puts a call on hold: a=sendonly (RFC 3264 §8.4) or c=0.0.0.0 (RFC 2543)."},
  {"phone.session_timer", CFG_BOOL, "", "true", NULL,
   "The phone supports session timers (RFC 4028) in addition to sip.session_timer."},
  {"phone.dscp_sip", CFG_INT, "", "24", "0..63", "DSCP of the phone's SIP packets (CS3, RFC 4594 §4.3)."},
  {"phone.dscp_rtp", CFG_INT, "", "46", "0..63", "DSCP of the phone's RTP and RTCP (EF, RFC 4594 §4.2)."},
  {"phone.traversal", CFG_ENUM, "", "none", "none|stun|turn|ice",
   "Media NAT traversal: none (own address in c=/m=); stun (the server-reflexive address a STUN Binding "
   "from the RTP socket learnt, RFC 8489 §6.2.1); turn (a UDP relay allocation with turn.username, media "
   "through it, RFC 8656); ice (a full agent with host, srflx and relay candidates, RFC 8445, RFC 8839)."},
  {"phone.gather_timeout_ms", CFG_INT, "ms", "3000", "1..60000",
   "Longest wait for candidate gathering before the offer or answer goes out with what was gathered "
   "(RFC 8445 §5.1.1; STUN alone retries for 39.5 s, RFC 8489 §6.2.1)."},
  {NULL},
};

/* ---- Calls ------------------------------------------------------------------------------------ */

static PhoneCall *
call_new(Phone *p, SipSession *ss, gboolean inbound)
{
  PhoneCall *c = g_new0(PhoneCall, 1);
  c->index = p->calls->len;
  c->inbound = inbound;
  c->ss = ss;
  c->call_id = g_strdup(sip_session_call_id(ss));
  if (p->rtp_port)
    c->rtp_port = (guint16)(p->rtp_port + 2 * c->index);
  else /* softphones: a random even port (RFC 3550 §11) */
    c->rtp_port = (guint16)(2 * g_rand_int_range(p->rand, 8192, 16383));
  c->sdp_version = 1;
  if (p->srtp)
    srtp_keys_generate(p->rand, &c->tx_keys);
  sip_session_set_data(ss, c);
  g_ptr_array_add(p->calls, c);
  if (p->ops && p->ops->call_started)
    p->ops->call_started(p->ctx, p, c);
  return c;
}

static void
call_free(gpointer data)
{
  PhoneCall *c = data;
  media_stream_free(c->ms); /* first: its hooks point into the traversal state */
  phone_traversal_free(c->trav);
  g_free(c->callee);
  g_free(c->call_id);
  g_free(c);
}

/* The PhoneCall of a session, created on first sight of an inbound one (its offer comes first). */
static PhoneCall *
call_of(Phone *p, SipSession *ss)
{
  PhoneCall *c = sip_session_get_data(ss);
  return c ? c : call_new(p, ss, sip_session_role(ss) == SIP_SESSION_UAS);
}

/* ---- Session callbacks ------------------------------------------------------------------------ */

/* 180 Ringing now, 200 OK after sip.ring_time_ms: the person picks up. */
static void
answer_now(Phone *p, PhoneCall *c)
{
  if (sip_session_state(c->ss) == SIP_SESSION_TERMINATED)
    return;
  /* The offer arrived while we gathered: apply it again now that the candidates exist, so the ICE
   * agent gets the peer's ufrag, pwd and candidates (RFC 8839 §4.2.2; phone_traversal_remote). */
  GBytes *offer = c->trav ? sip_session_remote_body(c->ss) : NULL;
  if (offer)
    phone_media_apply(p, c, offer);
  g_autoptr(GBytes) sdp = phone_media_sdp(p, c);
  sip_session_answer_after(c->ss, -1, "application/sdp", sdp);
}

static void
on_incoming(void *ctx, SipSession *ss, const SipMsg *invite)
{
  Phone *p = ctx;
  PhoneCall *c = call_of(p, ss);
  if (p->traversal != PHONE_TRAVERSAL_NONE && c->trav == NULL) { /* gather first (RFC 8445 §5.1.1) */
    phone_traversal_start(p, c, answer_now);
    return;
  }
  answer_now(p, c);
}

static void
on_state(void *ctx, SipSession *ss, SipSessionState st)
{
  Phone *p = ctx;
  PhoneCall *c = sip_session_get_data(ss);
  if (c == NULL)
    return;
  if (st == SIP_SESSION_CONFIRMED && c->ms && !media_stream_running(c->ms))
    media_stream_start(c->ms);
  if (st != SIP_SESSION_TERMINATED)
    return;
  if (c->ms && media_stream_running(c->ms))
    media_stream_stop(c->ms);
  if (p->ops && p->ops->call_ended)
    p->ops->call_ended(p->ctx, p, c);
}

static void
on_remote_sdp(void *ctx, SipSession *ss, const char *type, GBytes *body, gboolean offer)
{
  Phone *p = ctx;
  PhoneCall *c = call_of(p, ss);
  if (g_strcmp0(type, "application/sdp") != 0)
    return;
  phone_media_apply(p, c, body);
  if (offer && !phone_traversal_gathering(c)) { /* while gathering, answer_now() answers */
    g_autoptr(GBytes) answer = phone_media_sdp(p, c);
    sip_session_set_local_body(ss, "application/sdp", answer);
  }
}

static const SipSessionOps session_ops = {
  .incoming = on_incoming, .state_changed = on_state, .remote_sdp = on_remote_sdp};

/* ---- Stack callbacks -------------------------------------------------------------------------- */

static void
on_request(void *ctx, SipStack *s, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  Phone *p = ctx;
  if (sip_session_mgr_request(p->mgr, st, req, flow) || st == NULL)
    return;
  /* OPTIONS (a PBX's NAT ping) gets 200, anything else 405. */
  sip_answer_unhandled(s, st, req, "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE");
}

static void
on_stray(void *ctx, SipStack *s, const SipMsg *resp, const SipFlow *flow)
{
  Phone *p = ctx;
  sip_session_mgr_response(p->mgr, resp, flow);
}

static const SipStackOps stack_ops = {.request = on_request, .stray_response = on_stray};

/* ---- Keepalives ------------------------------------------------------------------------------- */

static void
send_options_ping(Phone *p, SipFlow *flow)
{
  char a[16];
  g_autofree char *ruri = g_strdup_printf("sip:%s", sim_addr_format(p->pbx_addr, a));
  g_autofree char *branch = sip_stack_branch(p->stack);
  g_autofree char *tag = sip_stack_tag(p->stack);
  SipLocal local = {.user = p->user, .addr = p->addr, .port = p->sip_port, .tls_port = p->sip_port,
                    .rport = TRUE};
  g_autofree char *via = sip_local_via(&local, p->net, branch);
  SipBuilder *b = sip_builder_request("OPTIONS", ruri);
  sip_builder_add(b, SIP_HDR_VIA, via);
  sip_builder_add(b, SIP_HDR_MAX_FORWARDS, "70");
  sip_builder_addf(b, SIP_HDR_FROM, "<sip:%s@%s>;tag=%s", p->user, p->domain, tag);
  sip_builder_addf(b, SIP_HDR_TO, "<%s>", ruri);
  sip_builder_add(b, SIP_HDR_CALL_ID, p->ka_call_id);
  sip_builder_addf(b, SIP_HDR_CSEQ, "%u OPTIONS", ++p->ka_cseq);
  g_autoptr(GBytes) req = sip_builder_finish(b, NULL, NULL, 0);
  sip_txn_detach(sip_txn_client(p->stack, req, flow, NULL, NULL));
}

static void
keepalive_tick(void *data)
{
  Phone *p = data;
  p->ka_ev = 0;
  SipFlow flow = *sip_reg_flow(p->reg);
  if (flow.remote.addr == 0)
    flow = (SipFlow){.net = p->net, .remote = {p->pbx_addr, p->net == SIP_NET_TLS ? 5061 : 5060}};
  static const char *const names[] = {"crlf", "options", "stun"};
  if (p->ka_method == PHONE_KEEPALIVE_CRLF) {
    sip_tl_send_ping(sip_stack_tl(p->stack), &flow);
  } else if (p->ka_method == PHONE_KEEPALIVE_STUN) {
    guint8 tid[12];
    for (int i = 0; i < 12; i += 4) {
      guint32 r = sip_stack_random(p->stack);
      memcpy(tid + i, &r, 4);
    }
    sip_tl_send_stun_ping(sip_stack_tl(p->stack), &flow, tid);
  } else {
    send_options_ping(p, &flow);
  }
  p->ka_sent++;
  sim_trace("phone", "%s keepalive %s", p->name, names[p->ka_method]);
  p->ka_ev = sim_schedule(SIM_S(p->keepalive_s), keepalive_tick, p);
}

/* ---- Life ------------------------------------------------------------------------------------- */

Phone *
phone_new(const Config *cfg, const PhoneSetup *setup, const PhoneOps *ops, void *ctx, GError **error)
{
  g_return_val_if_fail(cfg && setup && setup->name, NULL);
  Phone *p = g_new0(Phone, 1);
  char a[16];
  p->name = g_strdup(setup->name);
  p->index = setup->index;
  p->host = setup->host;
  p->addr = setup->addr;
  p->pbx_addr = setup->pbx_addr;
  p->domain = g_strdup(sim_addr_format(setup->pbx_addr, a));
  p->user = g_strdup(cfg_str(cfg, "phone.user"));
  p->ops = ops;
  p->ctx = ctx;
  p->rand = sim_rand_new(SIM_STREAM_MODEL + 500 + setup->index);
  p->net = (SipNet)cfg_enum(cfg, "phone.transport");
  gint64 port = cfg_int(cfg, "phone.sip_port");
  p->sip_port = port ? (guint16)port : (guint16)g_rand_int_range(p->rand, 10000, 60000);
  p->keepalive_s = (guint32)cfg_int(cfg, "phone.keepalive_s");
  p->ka_method = (PhoneKeepalive)cfg_enum(cfg, "phone.keepalive_method");
  p->ka_call_id = g_strdup_printf("ka-%s-%u@%s", p->name, p->index, sim_addr_format(p->addr, a));
  gint64 rtp = cfg_int(cfg, "phone.rtp_port");
  if (rtp % 2) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "[phone] rtp_port: must be even (RFC 3550 §11), got %"
                G_GINT64_FORMAT, rtp);
    phone_free(p);
    return NULL;
  }
  p->rtp_port = (guint16)rtp;
  p->symmetric_rtp = cfg_bool(cfg, "phone.symmetric_rtp");
  p->srtp = cfg_bool(cfg, "phone.srtp");
  p->hold_style = (PhoneHoldStyle)cfg_enum(cfg, "phone.hold_style");
  p->tos_rtp = (guint8)(cfg_int(cfg, "phone.dscp_rtp") << 2);
  media_stream_params_from_config(cfg, &p->media);
  p->media.tos = p->tos_rtp;
  p->media.accept_unexpected = TRUE;
  p->calls = g_ptr_array_new_with_free_func(call_free);
  p->traversal = (PhoneTraversalMethod)cfg_enum(cfg, "phone.traversal");
  p->gather_timeout = SIM_MS(cfg_int(cfg, "phone.gather_timeout_ms"));
  p->stun_addr = setup->stun_addr;
  p->turn_addr = setup->turn_addr;
  stun_client_params_from_config(cfg, &p->stun);
  turn_client_setup_default(&p->turn);
  turn_client_setup_from_config(cfg, &p->turn);
  ice_agent_params_from_config(cfg, &p->ice);

  SipStackParams sp = {.honour_rport = TRUE, .rand_stream = SIM_STREAM_SIP + 100 + setup->index};
  sp.tl.name = p->name;
  sp.tl.addr = p->addr;
  sp.tl.udp_port = p->sip_port;
  sp.tl.tcp_port = p->sip_port;
  sp.tl.tls_port = p->sip_port == 65535 ? 0 : (guint16)(p->sip_port + 1);
  sp.tl.tos = (guint8)(cfg_int(cfg, "phone.dscp_sip") << 2);
  tls_params_from_config(cfg, &sp.tl.tls);
  sp.tl.tls.index = 100 + setup->index;
  sip_timers_from_config(cfg, &sp.timers);
  sp.udp_max_bytes = (guint)cfg_int(cfg, "sip.udp_max_bytes"); /* RFC 3261 §18.1.1 */
  p->stack = sip_stack_new(p->host, &sp, &stack_ops, p, error);
  if (p->stack == NULL) {
    phone_free(p);
    return NULL;
  }
  SipSessionConfig sc;
  sip_session_config_default(&sc);
  sip_session_config_from(cfg, &sc);
  sc.timer = sc.timer && cfg_bool(cfg, "phone.session_timer");
  sc.local = (SipLocal){.user = p->user, .addr = p->addr, .port = p->sip_port, .tls_port = sp.tl.tls_port,
                        .rport = cfg_bool(cfg, "phone.rport")};
  p->mgr = sip_session_mgr_new(p->stack, &sc, &session_ops, p);

  SipRegParams rp;
  sip_reg_params_from_config(cfg, &rp);
  rp.domain = p->domain;
  rp.net = p->net;
  rp.registrar = (SimAddr){p->pbx_addr, p->net == SIP_NET_TLS ? 5061 : 5060};
  rp.contact = (SimAddr){p->addr, p->net == SIP_NET_TLS ? sp.tl.tls_port : p->sip_port};
  p->reg = sip_reg_new(p->stack, &rp, NULL, NULL);
  return p;
}

void
phone_free(Phone *p)
{
  if (p == NULL)
    return;
  sim_cancel(p->ka_ev);
  sip_reg_free(p->reg);
  if (p->calls) /* streams first: their sockets are independent of the stack */
    g_ptr_array_free(p->calls, TRUE);
  sip_stack_free(p->stack);
  sip_session_mgr_free(p->mgr);
  if (p->rand)
    g_rand_free(p->rand);
  g_free(p->ka_call_id);
  g_free(p->user);
  g_free(p->domain);
  g_free(p->name);
  g_free(p);
}

void
phone_register(Phone *p)
{
  g_return_if_fail(p);
  sip_reg_start(p->reg);
  if (p->keepalive_s && !p->ka_ev)
    p->ka_ev = sim_schedule(SIM_S(p->keepalive_s), keepalive_tick, p);
}

/* The INVITE of a call whose candidates were gathered. */
static void
invite_now(Phone *p, PhoneCall *c)
{
  char a[16];
  sim_addr_format(p->pbx_addr, a);
  g_autofree char *ruri = g_strdup_printf("sip:%s@%s", c->callee, a);
  g_autofree char *to = g_strdup_printf("<%s>", ruri);
  g_autofree char *from = g_strdup_printf("<sip:%s@%s>", p->user, a);
  g_autoptr(GBytes) sdp = phone_media_sdp(p, c);
  SipInviteParams ip = {.ruri = ruri, .from = from, .to = to, .content_type = "application/sdp", .body = sdp};
  ip.flow = (SipFlow){.net = p->net, .remote = {p->pbx_addr, p->net == SIP_NET_TLS ? 5061 : 5060}};
  SipSession *ss = sip_session_invite(p->mgr, &ip);
  if (ss == NULL)
    return;
  c->ss = ss;
  c->call_id = g_strdup(sip_session_call_id(ss));
  sip_session_set_data(ss, c);
}

PhoneCall *
phone_call(Phone *p, const char *callee)
{
  g_return_val_if_fail(p && callee, NULL);
  char a[16];
  sim_addr_format(p->pbx_addr, a);
  g_autofree char *ruri = g_strdup_printf("sip:%s@%s", callee, a);
  g_autofree char *to = g_strdup_printf("<%s>", ruri);
  g_autofree char *from = g_strdup_printf("<sip:%s@%s>", p->user, a);
  /* The offer needs the call's port before the session exists: build it for a placeholder. */
  PhoneCall tmp = {.index = p->calls->len, .sdp_version = 1};
  tmp.rtp_port = p->rtp_port ? (guint16)(p->rtp_port + 2 * tmp.index)
                             : (guint16)(2 * g_rand_int_range(p->rand, 8192, 16383));
  if (p->srtp)
    srtp_keys_generate(p->rand, &tmp.tx_keys);
  if (p->traversal != PHONE_TRAVERSAL_NONE) {
    /* RFC 8445 §5.1.1: gather candidates first; the INVITE goes when gathering ends. */
    PhoneCall *c = g_new0(PhoneCall, 1);
    *c = tmp;
    g_ptr_array_add(p->calls, c);
    c->callee = g_strdup(callee);
    if (p->ops && p->ops->call_started)
      p->ops->call_started(p->ctx, p, c);
    phone_traversal_start(p, c, invite_now);
    return c;
  }
  g_autoptr(GBytes) sdp = phone_media_sdp(p, &tmp);
  SipInviteParams ip = {.ruri = ruri, .from = from, .to = to, .content_type = "application/sdp", .body = sdp};
  ip.flow = (SipFlow){.net = p->net, .remote = {p->pbx_addr, p->net == SIP_NET_TLS ? 5061 : 5060}};
  SipSession *ss = sip_session_invite(p->mgr, &ip);
  if (ss == NULL)
    return NULL;
  PhoneCall *c = sip_session_get_data(ss);
  if (c == NULL) {
    /* call_new() draws nothing when the port and keys are copied from the placeholder. */
    c = g_new0(PhoneCall, 1);
    *c = tmp;
    c->ss = ss;
    c->call_id = g_strdup(sip_session_call_id(ss));
    sip_session_set_data(ss, c);
    g_ptr_array_add(p->calls, c);
    if (p->ops && p->ops->call_started)
      p->ops->call_started(p->ctx, p, c);
  }
  return c;
}

void
phone_hangup(PhoneCall *c)
{
  g_return_if_fail(c);
  if (c->ss == NULL) { /* still gathering: the INVITE never goes */
    phone_traversal_cancel(c);
    return;
  }
  if (sip_session_state(c->ss) != SIP_SESSION_TERMINATED)
    sip_session_hangup(c->ss);
}

gboolean
phone_hold(Phone *p, PhoneCall *c, gboolean hold)
{
  g_return_val_if_fail(p && c, FALSE);
  if (c->ss == NULL)
    return FALSE;
  gboolean was = c->held;
  c->held = hold;
  c->sdp_version++;
  g_autoptr(GBytes) sdp = phone_media_sdp(p, c);
  if (!sip_session_reinvite(c->ss, "application/sdp", sdp)) {
    c->held = was;
    return FALSE;
  }
  sip_session_set_local_body(c->ss, "application/sdp", sdp);
  if (c->ms && hold && p->hold_style == PHONE_HOLD_SENDONLY)
    media_stream_set_direction(c->ms, MEDIA_SENDONLY);
  else if (c->ms && hold)
    media_stream_set_direction(c->ms, MEDIA_INACTIVE);
  else if (c->ms)
    media_stream_set_direction(c->ms, MEDIA_SENDRECV);
  sim_trace("phone", "%s %s call=%s", p->name, hold ? "hold" : "resume", c->call_id);
  return TRUE;
}

gboolean
phone_reinvite(Phone *p, PhoneCall *c)
{
  g_return_val_if_fail(p && c, FALSE);
  if (c->ss == NULL)
    return FALSE;
  c->sdp_version++;
  g_autoptr(GBytes) sdp = phone_media_sdp(p, c);
  return sip_session_reinvite(c->ss, "application/sdp", sdp);
}

SipReg *
phone_reg(Phone *p)
{
  return p->reg;
}

SipStack *
phone_stack(Phone *p)
{
  return p->stack;
}

GPtrArray *
phone_calls(Phone *p)
{
  return p->calls;
}

PhoneCall *
phone_find_call(Phone *p, const char *call_id)
{
  for (guint i = 0; i < p->calls->len; i++) {
    PhoneCall *c = p->calls->pdata[i];
    if (g_strcmp0(c->call_id, call_id) == 0)
      return c;
  }
  return NULL;
}

SipNet
phone_net(const Phone *p)
{
  return p->net;
}

guint64
phone_keepalives_sent(const Phone *p)
{
  return p->ka_sent;
}

const char *
phone_name(const Phone *p)
{
  return p->name;
}
