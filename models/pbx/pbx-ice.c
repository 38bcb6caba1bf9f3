/* pbx-ice.c — the PBX media server as an ICE-lite agent (RFC 8445 §2.5), pbx.ice = lite.
 *
 * When the phone's offer carries ICE (a=ice-ufrag, a=ice-pwd, a=candidate, RFC 8839 §5) the
 * answer declares a=ice-lite at session level (RFC 8839 §5.3) with the media server's one host
 * candidate; the media stream's datagram hook hands STUN to the lite agent, which answers the
 * phone's checks and takes the pair the phone nominates; media then goes to that pair's remote
 * candidate (RFC 8445 §12.1), whatever c=/m= said.  If the offer's default destination in c=/m=
 * is none of its candidates, a middlebox (an ALG) rewrote the SDP: RFC 8839 §4.2.5 makes the
 * answerer include a=ice-mismatch and drop ICE for the stream, so the PBX falls back to the plain
 * SDP address and, if configured, to latching.  On inbound calls the PBX offers: with pbx.ice = lite
 * its offer carries a=ice-lite and its candidate (RFC 8839 §4.2.1), the phone (a full agent facing a
 * lite one) controls (RFC 8445 §6.1.1), and the answer's parameters start the agent; an answer
 * without ICE or with a=ice-mismatch ends ICE for the call (RFC 8839 §4.3.3).  A later offer with
 * the same ufrag and pwd is no ICE restart (RFC 8839 §4.4.1.1.1): the selected pair stays.
 */
#include "pbx-private.h"

#include <string.h>

static void
lite_send(void *ctx, const IceCandidate *base, SimAddr to, const guint8 *buf, gsize len)
{
  PbxCall *c = ctx;
  if (c->ms)
    media_stream_send_datagram(c->ms, base->component, to, buf, len);
}

static void
lite_selected(void *ctx, guint component, const IceCandidatePair *pair)
{
  PbxCall *c = ctx;
  if (component != 1 || c->ms == NULL)
    return;
  char a[16];
  sim_trace("pbx", "ice call%u selected %s %s:%u", c->index, ice_candidate_type_name(pair->remote->type),
            sim_addr_format(pair->remote->addr.addr, a), pair->remote->addr.port);
  media_stream_set_remote(c->ms, pair->remote->addr, (SimAddr){0, 0});
}

static const IceAgentOps lite_ops = {.send = lite_send, .on_selected = lite_selected};

static gboolean
on_datagram(void *ctx, MediaStream *ms, guint component, const guint8 *buf, gsize len, SimAddr from)
{
  PbxCall *c = ctx;
  if (c->ice == NULL || component != 1 || ice_agent_n_local(c->ice) == 0)
    return FALSE;
  return ice_agent_receive(c->ice, ice_agent_local(c->ice, 0), from, buf, len);
}

/* The lite agent with the media server's one host candidate, answering checks from now on (a check
 * may come before the peer's SDP, RFC 8445 §7.3: the agent keeps it until it starts). */
static gboolean
lite_new(Pbx *x, PbxCall *c)
{
  IceAgentParams ip;
  ice_agent_params_default(&ip);
  ip.lite = TRUE;
  ip.controlling = FALSE;
  ip.components = 1;
  ip.index = 5000 + c->index;
  g_autofree char *name = g_strdup_printf("pbx-media-call%u", c->index);
  ip.name = name;
  g_autoptr(GError) error = NULL;
  c->ice = ice_agent_new(&ip, &lite_ops, c, &error);
  IceCandidate hc = {.type = ICE_CAND_HOST, .component = 1, .addr = {x->media_addr, c->media_port}};
  if (c->ice == NULL || ice_agent_add_local(c->ice, &hc, &error) == NULL) {
    sim_trace("pbx", "ice call%u agent-failed %s", c->index, error ? error->message : "");
    g_clear_pointer(&c->ice, ice_agent_free);
    return FALSE;
  }
  media_stream_set_datagram_hook(c->ms, on_datagram, c);
  return TRUE;
}

/* Drop ICE for the call (RFC 8839 §4.2.5, §4.3.3): plain RFC 3264 media from now on. */
static void
lite_drop(PbxCall *c)
{
  media_stream_set_datagram_hook(c->ms, NULL, NULL);
  g_clear_pointer(&c->ice, ice_agent_free);
}

/* Give the peer's parameters to the agent and start it; FALSE (traced) if it would not. */
static gboolean
lite_start(PbxCall *c, const IceSdpRemote *r)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = ice_agent_set_remote(c->ice, r->ufrag, r->pwd, r->lite, &error);
  for (guint i = 0; ok && i < r->candidates->len; i++)
    ice_agent_add_remote_candidate(c->ice, r->candidates->pdata[i], NULL);
  ok = ok && ice_agent_start(c->ice, &error);
  if (!ok)
    sim_trace("pbx", "ice call%u agent-failed %s", c->index, error ? error->message : "");
  return ok;
}

void
pbx_ice_prepare(Pbx *x, PbxCall *c)
{
  if (x->ice_lite && c->ice == NULL && c->ms && lite_new(x, c))
    sim_trace("pbx", "ice call%u lite offer", c->index);
}

/* A subsequent offer on a running ICE session (RFC 8839 §4.4): the same ufrag and pwd are no
 * restart (§4.4.1.1.1), so the agent and its selected pair stay; the lite answerer checks the
 * offer's a=remote-candidates against its own candidate and the offer's c=/m= against the pair's
 * remote (§4.4.2.2).  A restart (new credentials) is not modelled: it is traced and ignored. */
static void
lite_subsequent(PbxCall *c, const Sdp *sdp, const IceSdpRemote *r)
{
  const char *ru = ice_agent_remote_ufrag(c->ice), *rp = ice_agent_remote_pwd(c->ice);
  if (g_strcmp0(ru, r->ufrag) != 0 || g_strcmp0(rp, r->pwd) != 0) {
    sim_trace("pbx", "ice call%u restart-requested ufrag %s -> %s: not supported, keeping the session", c->index,
              ru ? ru : "-", r->ufrag);
    return;
  }
  const IceCandidatePair *sel = ice_agent_selected(c->ice, 1);
  const SdpConn *conn = sdp_media_conn(sdp, 0);
  SimAddr def = {conn && conn->is_v4 ? conn->v4 : 0, sdp->media[0].port};
  char a[16];
  sim_trace("pbx", "ice call%u re-offer same ufrag: no restart, default %s:%u %s the selected remote", c->index,
            sim_addr_format(def.addr, a), def.port,
            sel && sel->remote->addr.addr == def.addr && sel->remote->addr.port == def.port ? "is" : "is not");
}

void
pbx_ice_remote(Pbx *x, PbxCall *c, const Sdp *sdp, gboolean offer)
{
  if (!x->ice_lite || c->ice_mismatch || c->ms == NULL)
    return;
  if (c->ice == NULL && !offer)
    return; /* our offer had no ICE */
  IceSdpRemote r = {0};
  const char *reason = NULL;
  int got = ice_sdp_read_remote(sdp, 0, &r, &reason);
  gboolean started = c->ice && ice_agent_state(c->ice) != ICE_STATE_GATHERING;
  if (got != 1) {
    if (got < 0)
      sim_trace("pbx", "ice call%u bad-%s %s", c->index, offer ? "offer" : "answer", reason ? reason : "");
    if (c->ice && !started) { /* RFC 8839 §4.3.3: an answer without ICE, plain SDP from now on */
      sim_trace("pbx", "ice call%u answer without ICE: dropped", c->index);
      lite_drop(c);
    }
    if (got >= 0)
      ice_sdp_remote_clear(&r);
    return;
  }
  if (started) {
    if (offer)
      lite_subsequent(c, sdp, &r);
    ice_sdp_remote_clear(&r);
    return;
  }
  /* RFC 8839 §4.2.5 (an offer) and §4.3.3 (an answer): c=/m= not among the candidates, or the
   * answerer said a=ice-mismatch: a middlebox rewrote the SDP; no ICE for this stream. */
  gboolean matches = ice_sdp_default_matches(sdp, 0, &reason);
  if (!matches || r.mismatch) {
    c->ice_mismatch = offer; /* only an answer carries a=ice-mismatch */
    sim_trace("pbx", "ice call%u mismatch %s: %s", c->index, r.mismatch ? "a=ice-mismatch" : reason ? reason : "",
              offer ? "answering without ICE" : "ICE dropped");
    if (c->ice)
      lite_drop(c);
    ice_sdp_remote_clear(&r);
    return;
  }
  gboolean ok = (c->ice || lite_new(x, c)) && lite_start(c, &r);
  ice_sdp_remote_clear(&r);
  if (!ok) {
    if (c->ice)
      lite_drop(c);
    return;
  }
  sim_trace("pbx", "ice call%u lite with %u remote candidates", c->index, ice_agent_n_remote(c->ice));
}

const IceCandidatePair *
pbx_ice_selected(const PbxCall *c)
{
  return c->ice ? ice_agent_selected(c->ice, 1) : NULL;
}

void
pbx_ice_answer(Pbx *x, PbxCall *c, GString *sdp)
{
  if (c->ice_mismatch) {
    g_string_append(sdp, "a=ice-mismatch\r\n"); /* RFC 8839 §4.2.5 */
    return;
  }
  if (c->ice == NULL)
    return;
  char *m = strstr(sdp->str, "\r\nm=");
  if (m) /* a=ice-lite is session-level (RFC 8839 §5.3): before the first m= line */
    g_string_insert(sdp, (m - sdp->str) + 2, "a=ice-lite\r\n");
  ice_sdp_append_media_attrs(sdp, c->ice);
}
