/* pbx.c — the cloud PBX's signalling: SIP stack, registrar and the B2BUA's two call directions.
 *
 * Outbound (the phone calls out): the PBX's UAS answers the phone's INVITE itself after
 * pbx.answer_delay_ms (the remote party picking up), with an SDP answer naming its media server.
 * Inbound (the remote party calls the phone): the PBX asks the registrar where the phone is
 * (registrar_lookup(): the Contact as written for a naive PBX, the REGISTER's source flow for a
 * NAT-aware one, as Kamailio's nathelper fix_nated_register + lookup() do) and sends the INVITE
 * there.  In-dialog requests follow RFC 3261 §12.2.1.1 (the Contact) unless pbx.fix_contact makes
 * them reuse the phone's flow (nathelper fix_nated_contact; RFC 5626 §5.3).  Responses follow the
 * Via, with rport when pbx.honour_rport (RFC 3581 §4).
 */
#include "pbx-private.h"

#include <string.h>

/* Defaults model a plain, NAT-unaware PBX; experiments/profiles/pbx/nat-aware.ini turns the NAT
 * traversal knobs on (Kamailio nathelper/rtpengine, Asterisk nat=force_rport,comedia). */
const CfgKeyDef pbx_keys[] = {
  {"pbx.profile", CFG_PROFILE, "", "", "pbx",
   "PBX profile applied where it is set: naive (trusts Contact and SDP) or nat-aware (rport, Contact "
   "fix-up, latching, pings); a name in experiments/profiles/pbx/ or a path."},
  {"pbx.ice", CFG_ENUM, "", "off", "off|lite",
   "ICE on the media server: off, or lite (RFC 8445 §2.5: answers the phone's checks, a=ice-lite with its "
   "host candidate, media to the nominated pair; a=ice-mismatch when c=/m= is none of the candidates, "
   "RFC 8839 §4.2.5)."},
  {"pbx.latching", CFG_ENUM, "", "off", "off|strict|handover",
   "Media server symmetric-RTP latching: off sends to the SDP address; strict latches onto the first "
   "RTP source; handover also follows a new source (rtpengine, Asterisk comedia)."},
  {"pbx.reinvite_media", CFG_ENUM, "", "update", "update|keep",
   "A re-INVITE's SDP: update points the media at its c=/m= address (RFC 3264 §8.3.1); keep stays on "
   "the address of the call's first SDP and takes only the direction, as the UAs that 'keep the old "
   "SDP' behind a hold-releasing ALG do (field-notes §4 A4)."},
  {"pbx.honour_rport", CFG_BOOL, "", "true", NULL,
   "Answer to the request's source port when the top Via has rport (RFC 3581 §4)."},
  {"pbx.fix_contact", CFG_BOOL, "", "false", NULL,
   "Send in-dialog requests (ACK, BYE, refreshes) to the flow the phone's messages came from instead of "
   "its Contact (Kamailio nathelper fix_nated_contact; RFC 5626 §5.3)."},
  {"pbx.media_addr", CFG_ENUM, "", "media", "media|sip",
   "Media server address: the PBX host's second address (203.0.113.20) or the SIP address."},
  {"pbx.media_port", CFG_INT, "", "10000", "1024..65000", "First RTP port of the media server (even)."},
  {"pbx.answer_delay_ms", CFG_INT, "ms", "1000", "0..600000",
   "Outbound calls: time from the phone's INVITE until the remote party answers (180 first)."},
  {"pbx.require_registration", CFG_BOOL, "", "true", NULL,
   "Accept calls from the phone only while its user has a live registration, answering 403 otherwise "
   "(hosted PBXs authorize callers this way; digest challenges of INVITEs are not modelled)."},
  {"pbx.account_password", CFG_STRING, "", "secret", NULL,
   "The password the PBX has on file for phone.user (a phone.password that differs fails digest auth)."},
  {"pbx.early_media_probe_s", CFG_DOUBLE, "s", "0", "0..600",
   "Inbound calls: with the INVITE the media server starts sending RTP, one packet per ptime from the "
   "call's media port, to the phone's registered public address at its provisioned RTP port "
   "(phone.rtp_port), for this long whatever the answer (a server that opens the media path before "
   "the phone's SDP arrives; the early media of corpus #39); 0 never."},
  {"pbx.srtp", CFG_BOOL, "", "true", NULL,
   "Accept SDES SRTP offers (RFC 4568) and offer SRTP to phones registered over TLS."},
  {NULL},
};

/* ---- Calls ------------------------------------------------------------------------------------ */

static PbxCall *
call_new(Pbx *x, gboolean inbound)
{
  PbxCall *c = g_new0(PbxCall, 1);
  c->index = x->calls->len;
  c->inbound = inbound;
  c->media_port = (guint16)(x->media_port + 4 * c->index);
  c->sdp_version = 1;
  srtp_keys_generate(x->rand, &c->tx_keys);
  g_ptr_array_add(x->calls, c);
  return c;
}

static void
call_free(gpointer data)
{
  PbxCall *c = data;
  if (c->probe_ev)
    sim_cancel(c->probe_ev);
  media_stream_free(c->ms);
  ice_agent_free(c->ice); /* after the stream: its hook points at the call */
  media_stream_free(c->far);
  media_stream_free(c->party);
  g_free(c->call_id);
  g_free(c);
}

static void
call_attach(PbxCall *c, SipSession *ss)
{
  c->ss = ss;
  c->call_id = g_strdup(sip_session_call_id(ss));
  sip_session_set_data(ss, c);
}

/* ---- Session callbacks ------------------------------------------------------------------------ */

static void
on_remote_sdp(void *ctx, SipSession *ss, const char *type, GBytes *body, gboolean offer)
{
  Pbx *x = ctx;
  PbxCall *c = sip_session_get_data(ss);
  if (c == NULL) { /* the offer of a new INVITE comes before `incoming` */
    c = call_new(x, FALSE);
    call_attach(c, ss);
  }
  if (g_strcmp0(type, "application/sdp") != 0)
    return;
  gboolean srtp = FALSE;
  if (!pbx_media_apply(x, c, body, offer, &srtp))
    return;
  if (offer) {
    g_autoptr(GBytes) answer = pbx_media_sdp(x, c, srtp && x->srtp);
    sip_session_set_local_body(ss, "application/sdp", answer);
  }
}

static void
on_incoming(void *ctx, SipSession *ss, const SipMsg *invite)
{
  Pbx *x = ctx;
  PbxCall *c = sip_session_get_data(ss);
  if (c == NULL) {
    c = call_new(x, FALSE);
    call_attach(c, ss);
  }
  /* Who is calling: the From URI's user (RFC 3261 §8.1.1.3). */
  SipNameAddr na;
  SipUri u;
  g_autofree char *user = NULL;
  if (sip_msg_from(invite, &na) == 1 && sip_uri_parse(invite->buf, na.uri, &u) == 1 && u.user.len)
    user = sip_span_dup(invite->buf, u.user);
  if (x->require_registration && (user == NULL || registrar_binding(x->registrar, user) == NULL)) {
    sim_trace("pbx", "b2bua reject call=%s user=%s not-registered", c->call_id, user ? user : "-");
    sip_session_reject(ss, 403);
    return;
  }
  if (!pbx_media_ensure(x, c)) {
    sip_session_reject(ss, 503);
    return;
  }
  g_autoptr(GBytes) answer = pbx_media_sdp(x, c, c->srtp);
  sim_trace("pbx", "b2bua outbound call=%s answer-in=%" G_GINT64_FORMAT "ms", c->call_id,
            (gint64)(x->answer_delay / SIM_MS(1)));
  sip_session_answer_after(ss, x->answer_delay, "application/sdp", answer);
}

static void
on_state(void *ctx, SipSession *ss, SipSessionState st)
{
  PbxCall *c = sip_session_get_data(ss);
  if (c != NULL)
    pbx_media_state(ctx, c, st);
}

static const SipSessionOps session_ops = {
  .incoming = on_incoming, .state_changed = on_state, .remote_sdp = on_remote_sdp};

/* ---- Stack callbacks -------------------------------------------------------------------------- */

static void
on_request(void *ctx, SipStack *s, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  Pbx *x = ctx;
  if (registrar_handle(x->registrar, st, req, flow))
    return;
  if (sip_session_mgr_request(x->mgr, st, req, flow) || st == NULL)
    return;
  /* OPTIONS (a phone's keepalive) gets 200, anything else 405. */
  sip_answer_unhandled(s, st, req, "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, REGISTER");
}

static void
on_stray(void *ctx, SipStack *s, const SipMsg *resp, const SipFlow *flow)
{
  Pbx *x = ctx;
  sip_session_mgr_response(x->mgr, resp, flow);
}

static const SipStackOps stack_ops = {.request = on_request, .stray_response = on_stray};

/* ---- Life ------------------------------------------------------------------------------------- */

Pbx *
pbx_new(const Config *cfg, const PbxSetup *setup, GError **error)
{
  g_return_val_if_fail(cfg && setup, NULL);
  Pbx *x = g_new0(Pbx, 1);
  char a[16];
  x->host = setup->host;
  x->sip_addr = setup->sip_addr;
  x->remote_host = setup->remote_host;
  x->remote_addr = setup->remote_addr;
  gboolean on_sip = cfg_enum(cfg, "pbx.media_addr") == 1 || setup->media_addr == 0;
  x->media_addr = on_sip ? setup->sip_addr : setup->media_addr;
  x->domain = g_strdup(sim_addr_format(setup->sip_addr, a));
  x->latching = (MediaLatch)cfg_enum(cfg, "pbx.latching");
  x->ice_lite = cfg_enum(cfg, "pbx.ice") == 1;
  x->keep_media = cfg_enum(cfg, "pbx.reinvite_media") == 1;
  x->srtp = cfg_bool(cfg, "pbx.srtp");
  x->require_registration = cfg_bool(cfg, "pbx.require_registration");
  x->answer_delay = SIM_MS(cfg_int(cfg, "pbx.answer_delay_ms"));
  gint64 port = cfg_int(cfg, "pbx.media_port");
  if (port % 2) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[pbx] media_port: must be even (RFC 3550 §11), got %" G_GINT64_FORMAT, port);
    g_free(x->domain);
    g_free(x);
    return NULL;
  }
  x->media_port = (guint16)port;
  x->early_probe = SIM_TIME_FROM_S(cfg_double(cfg, "pbx.early_media_probe_s"));
  x->phone_rtp_port = (guint16)cfg_int(cfg, "phone.rtp_port"); /* provisioned, like the account */
  media_stream_params_from_config(cfg, &x->media);
  x->media.latch = x->latching;
  x->media.accept_unexpected = TRUE; /* a media server plays out what reaches it */
  x->media.tos = 46 << 2;
  x->calls = g_ptr_array_new_with_free_func(call_free);
  x->rand = sim_rand_new(SIM_STREAM_MODEL + 600);

  SipStackParams sp = {.honour_rport = cfg_bool(cfg, "pbx.honour_rport"), .rand_stream = SIM_STREAM_SIP + 200};
  sp.tl.name = "pbx";
  sp.tl.addr = x->sip_addr;
  sp.tl.udp_port = 5060;
  sp.tl.tcp_port = 5060;
  sp.tl.tls_port = 5061;
  sp.tl.tos = 24 << 2;
  tls_params_from_config(cfg, &sp.tl.tls);
  sp.tl.tls.index = 200;
  sip_timers_from_config(cfg, &sp.timers);
  sp.udp_max_bytes = (guint)cfg_int(cfg, "sip.udp_max_bytes"); /* RFC 3261 §18.1.1 */
  x->stack = sip_stack_new(x->host, &sp, &stack_ops, x, error);
  if (x->stack == NULL) {
    pbx_free(x);
    return NULL;
  }
  RegistrarParams rp;
  registrar_params_from_config(cfg, &rp);
  rp.rand_stream = SIM_STREAM_REGISTRAR;
  x->registrar = registrar_new(x->stack, &rp);
  /* The PBX is provisioned with the phone's account. */
  registrar_add_user(x->registrar, cfg_str(cfg, "phone.user"), cfg_str(cfg, "pbx.account_password"));
  SipSessionConfig sc;
  sip_session_config_default(&sc);
  sip_session_config_from(cfg, &sc);
  sc.local = (SipLocal){.user = "pbx", .addr = x->sip_addr, .port = 5060, .tls_port = 5061, .rport = TRUE};
  sc.reuse_flow = cfg_bool(cfg, "pbx.fix_contact");
  x->mgr = sip_session_mgr_new(x->stack, &sc, &session_ops, x);
  return x;
}

void
pbx_free(Pbx *x)
{
  if (x == NULL)
    return;
  registrar_free(x->registrar);
  if (x->calls)
    g_ptr_array_free(x->calls, TRUE);
  sip_stack_free(x->stack);
  sip_session_mgr_free(x->mgr);
  if (x->rand)
    g_rand_free(x->rand);
  g_free(x->domain);
  g_free(x);
}

/* pbx.early_media_probe_s: one RTP packet per ptime to wherever the leg toward the phone points
 * (the provisioned address first, the phone's SDP address once it is known), until probe_until.
 * The packets are the media server's own (its SSRC, silence), counted in that leg's statistics. */
static void
probe_fire(void *data)
{
  PbxCall *c = data;
  c->probe_ev = 0;
  SimTime now = sim_now();
  if (c->ms == NULL || now >= c->probe_until)
    return;
  static const guint8 silence[1280] = {0}; /* PCMU silence, up to 160 ms */
  guint32 samples = MIN(8u * c->probe_ptime_ms, (guint32)sizeof silence);
  RtpHeader h = {.payload_type = RTP_PT_PCMU, .marker = c->probe_seq == 0, .seq = c->probe_seq,
                 .timestamp = samples * c->probe_seq, .ssrc = media_stream_ssrc(c->ms)};
  c->probe_seq++;
  guint8 buf[1400];
  gsize n = rtp_build(&h, silence, samples, buf, sizeof buf);
  media_stream_send_rtp_raw(c->ms, buf, n);
  c->probe_ev = sim_schedule(SIM_MS(c->probe_ptime_ms), probe_fire, c);
}

static void
probe_start(Pbx *x, PbxCall *c, guint32 public_addr)
{
  SimAddr to = {public_addr, x->phone_rtp_port};
  media_stream_set_remote(c->ms, to, (SimAddr){0, 0});
  c->probe_until = sim_now() + x->early_probe;
  c->probe_ptime_ms = MAX(x->media.ptime_ms, 1u);
  char a[16];
  sim_trace("pbx", "early-media call%u from %u to %s:%u for %" G_GINT64_FORMAT " ms", c->index, c->media_port,
            sim_addr_format(to.addr, a), to.port, (gint64)(x->early_probe / SIM_MS(1)));
  probe_fire(c);
}

PbxCall *
pbx_call_user(Pbx *x, const char *aor, const char *caller)
{
  g_return_val_if_fail(x && aor, NULL);
  PbxCall *c = call_new(x, TRUE);
  RegTarget t;
  if (!registrar_lookup(x->registrar, aor, &t)) {
    sim_trace("pbx", "b2bua inbound aor=%s no-binding", aor);
    return c;
  }
  c->target = t.flow;
  c->target_via_source = t.via_source;
  const RegBinding *b = registrar_binding(x->registrar, aor);
  gboolean srtp = x->srtp && b && b->source.net == SIP_NET_TLS; /* sips endpoints get SRTP */
  if (!pbx_media_ensure(x, c))
    return c;
  pbx_ice_prepare(x, c); /* pbx.ice = lite: the offer carries a=ice-lite and the candidate */
  g_autoptr(GBytes) offer = pbx_media_sdp(x, c, srtp);
  g_autofree char *from = g_strdup_printf("<sip:%s@%s>", caller ? caller : "2000", x->domain);
  g_autofree char *to = g_strdup_printf("<sip:%s@%s>", aor, x->domain);
  SipInviteParams ip = {.ruri = t.uri, .from = from, .to = to, .flow = t.flow,
                        .content_type = "application/sdp", .body = offer};
  char a[16];
  sim_trace("pbx", "b2bua inbound aor=%s target=%s:%u%s", aor, sim_addr_format(t.flow.remote.addr, a),
            t.flow.remote.port, t.via_source ? " via-source" : " contact");
  SipSession *ss = sip_session_invite(x->mgr, &ip);
  if (ss)
    call_attach(c, ss);
  if (ss && b && x->early_probe > 0)
    probe_start(x, c, b->source.remote.addr);
  return c;
}

void
pbx_hangup(PbxCall *c)
{
  g_return_if_fail(c);
  if (c->ss && sip_session_state(c->ss) != SIP_SESSION_TERMINATED)
    sip_session_hangup(c->ss);
}

Registrar *
pbx_registrar(Pbx *x)
{
  return x->registrar;
}

SipStack *
pbx_stack(Pbx *x)
{
  return x->stack;
}

GPtrArray *
pbx_calls(Pbx *x)
{
  return x->calls;
}

PbxCall *
pbx_find_call(Pbx *x, const char *call_id)
{
  for (guint i = 0; i < x->calls->len; i++) {
    PbxCall *c = x->calls->pdata[i];
    if (c->call_id && g_strcmp0(c->call_id, call_id) == 0)
      return c;
  }
  return NULL;
}

gboolean
pbx_keeps_media(const Pbx *x)
{
  return x->keep_media;
}

MediaLatch
pbx_latching(const Pbx *x)
{
  return x->latching;
}

guint32
pbx_media_addr(const Pbx *x)
{
  return x->media_addr;
}
