/* pbx-ice.c — the PBX media server as an ICE-lite agent (RFC 8445 §2.5), pbx.ice = lite.
 *
 * When the phone's offer carries ICE (a=ice-ufrag, a=ice-pwd, a=candidate, RFC 8839 §5) the
 * answer declares a=ice-lite at session level (RFC 8839 §5.3) with the media server's one host
 * candidate; the media stream's datagram hook hands STUN to the lite agent, which answers the
 * phone's checks and takes the pair the phone nominates; media then goes to that pair's remote
 * candidate (RFC 8445 §12.1), whatever c=/m= said.  If the offer's default destination in c=/m=
 * is none of its candidates, a middlebox (an ALG) rewrote the SDP: RFC 8839 §4.2.5 makes the
 * answerer include a=ice-mismatch and drop ICE for the stream, so the PBX falls back to the plain
 * SDP address and, if configured, to latching.
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

void
pbx_ice_offer(Pbx *x, PbxCall *c, const Sdp *sdp)
{
  if (!x->ice_lite || c->ice || c->ice_mismatch || c->ms == NULL)
    return;
  IceSdpRemote r = {0};
  const char *reason = NULL;
  int got = ice_sdp_read_remote(sdp, 0, &r, &reason);
  if (got != 1) {
    if (got == 0)
      return; /* no ICE in the offer: plain SDP */
    sim_trace("pbx", "ice call%u bad-offer %s", c->index, reason ? reason : "");
    return;
  }
  if (!ice_sdp_default_matches(sdp, 0, &reason)) {
    c->ice_mismatch = TRUE;
    sim_trace("pbx", "ice call%u mismatch %s: answering without ICE", c->index, reason ? reason : "");
    ice_sdp_remote_clear(&r);
    return;
  }
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
  gboolean ok = c->ice && ice_agent_add_local(c->ice, &hc, &error) &&
                ice_agent_set_remote(c->ice, r.ufrag, r.pwd, r.lite, &error);
  for (guint i = 0; ok && i < r.candidates->len; i++)
    ice_agent_add_remote_candidate(c->ice, r.candidates->pdata[i], NULL);
  ok = ok && ice_agent_start(c->ice, &error);
  ice_sdp_remote_clear(&r);
  if (!ok) {
    sim_trace("pbx", "ice call%u agent-failed %s", c->index, error ? error->message : "");
    g_clear_pointer(&c->ice, ice_agent_free);
    return;
  }
  media_stream_set_datagram_hook(c->ms, on_datagram, c);
  sim_trace("pbx", "ice call%u lite with %u remote candidates", c->index, ice_agent_n_remote(c->ice));
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
