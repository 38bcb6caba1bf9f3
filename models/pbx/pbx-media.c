/* pbx-media.c — the PBX media server's side of each call: its SDP and its RTP stream.
 *
 * The SDP names the media server's address (which may differ from the SIP server's, as in most
 * hosted PBXs) and a port per call; with SRTP it answers RTP/SAVP with its own SDES key
 * (RFC 4568 §7.1.2).  Applying the phone's SDP points the stream at the phone's c=/m= address, as
 * written: a naive server then sends to the phone's private address.  With pbx.latching the
 * stream moves to the source of the phone's first RTP packet (symmetric RTP, RFC 4961; "comedia"),
 * which is the phone's public NAT mapping.  The media server anchors the call: a second leg on
 * the same address relays to and from the remote party's stream on its own host.
 */
#include "pbx-private.h"

#include <string.h>

#include "sip/sdp.h"

/* Relay: what the phone sends goes on to the remote party. */
static void
from_phone(void *ctx, MediaStream *ms, const guint8 *rtp, gsize len, SimAddr from)
{
  PbxCall *c = ctx;
  if (c->far)
    media_stream_send_rtp_raw(c->far, rtp, len);
}

/* Relay: what the remote party sends goes on to the phone, unless the phone is on hold. */
static void
from_party(void *ctx, MediaStream *ms, const guint8 *rtp, gsize len, SimAddr from)
{
  PbxCall *c = ctx;
  MediaDirection d = media_stream_direction(c->ms);
  if (d == MEDIA_SENDRECV || d == MEDIA_SENDONLY)
    media_stream_send_rtp_raw(c->ms, rtp, len);
}

static MediaStream *
open_stream(Pbx *x, SimNode host, const char *what, guint index, guint32 stream, SimAddr local, MediaLatch latch)
{
  MediaStreamParams mp = x->media;
  g_autofree char *name = g_strdup_printf("%s-call%u", what, index);
  mp.name = name;
  mp.index = stream;
  mp.local = local;
  mp.latch = latch;
  g_autoptr(GError) error = NULL;
  MediaStream *ms = media_stream_new(host, &mp, &error);
  if (ms == NULL)
    sim_trace("pbx", "media-failed %s %s", name, error->message);
  return ms;
}

gboolean
pbx_media_ensure(Pbx *x, PbxCall *c)
{
  if (c->ms)
    return TRUE;
  c->ms = open_stream(x, x->host, "pbx-media", c->index, 1000 + 3 * c->index, (SimAddr){x->media_addr, c->media_port},
                      x->latching);
  if (c->ms == NULL)
    return FALSE;
  if (x->remote_addr == 0) /* no remote party host: the media server is the far end */
    return TRUE;
  SimAddr far = {x->media_addr, (guint16)(c->media_port + 2)};
  SimAddr party = {x->remote_addr, (guint16)(20000 + 2 * c->index)};
  c->far = open_stream(x, x->host, "pbx-far", c->index, 1001 + 3 * c->index, far, MEDIA_LATCH_OFF);
  c->party = open_stream(x, x->remote_host, "remote", c->index, 1002 + 3 * c->index, party, MEDIA_LATCH_OFF);
  if (c->far == NULL || c->party == NULL)
    return FALSE;
  media_stream_set_remote(c->far, party, (SimAddr){0, 0});
  media_stream_set_remote(c->party, far, (SimAddr){0, 0});
  media_stream_set_rtp_hook(c->ms, from_phone, c);
  media_stream_set_rtp_hook(c->far, from_party, c);
  return TRUE;
}

/* The call's state drives the far end: the remote party talks from the answer to the hang-up.
 * Without a remote party the media server's own stream plays that role. */
void
pbx_media_state(Pbx *x, PbxCall *c, SipSessionState st)
{
  MediaStream *talker = c->party ? c->party : c->ms;
  if (talker == NULL)
    return;
  if (st == SIP_SESSION_CONFIRMED && !media_stream_running(talker))
    media_stream_start(talker);
  else if (st == SIP_SESSION_TERMINATED && media_stream_running(talker))
    media_stream_stop(talker);
}

GBytes *
pbx_media_sdp(Pbx *x, PbxCall *c, gboolean srtp)
{
  char a[16];
  SdpAudio au = {
    .user = "pbx",
    .sess_id = 5000 + (guint64)c->index,
    .sess_version = c->sdp_version++,
    .addr = sim_addr_format(x->media_addr, a),
    .port = c->media_port,
    .dir = SDP_DIR_SENDRECV,
    .telephone_event = TRUE,
    .ptime_ms = x->media.ptime_ms,
  };
  g_autofree char *sdp = sdp_build_audio(&au);
  if (!srtp && c->ice == NULL && !c->ice_mismatch)
    return g_bytes_new(sdp, strlen(sdp));
  GString *s = g_string_new(sdp);
  pbx_ice_answer(x, c, s);
  if (!srtp) {
    gsize n = s->len;
    return g_bytes_new_take(g_string_free(s, FALSE), n);
  }
  char *m = strstr(s->str, " RTP/AVP ");
  if (m) /* " RTP/AVP " -> " RTP/SAVP " (RFC 4568 §3.1) */
    g_string_insert_c(s, (m - s->str) + 5, 'S');
  g_autofree char *crypto = srtp_crypto_attr_format(1, &c->tx_keys);
  g_string_append_printf(s, "a=crypto:%s\r\n", crypto);
  gsize len = s->len;
  return g_bytes_new_take(g_string_free(s, FALSE), len);
}

gboolean
pbx_media_apply(Pbx *x, PbxCall *c, GBytes *body, gboolean offer, gboolean *offered_srtp)
{
  gsize len = 0;
  const guint8 *buf = g_bytes_get_data(body, &len);
  Sdp *sdp = g_new0(Sdp, 1);
  const char *reason = NULL;
  *offered_srtp = FALSE;
  if (sdp_parse(buf, (SipSpan){0, (guint)len}, sdp, &reason) != 1 || sdp->n_media == 0) {
    sim_trace("pbx", "bad-sdp call%u %s", c->index, reason ? reason : "no m= line");
    g_free(sdp);
    return FALSE;
  }
  const SdpConn *conn = sdp_media_conn(sdp, 0);
  SimAddr rtp = {conn && conn->is_v4 ? conn->v4 : 0, sdp->media[0].port};
  /* RFC 3605 §2.1: a=rtcp names the RTCP port (and address, else c='s); none: RTP port + 1. */
  SimAddr rtcp = {0, 0};
  if (sdp->media[0].has_rtcp) {
    guint32 ra = rtp.addr;
    SipSpan as = sdp->media[0].rtcp_addr;
    char text[16];
    if (as.len > 0 && as.len < sizeof text) {
      memcpy(text, buf + as.off, as.len);
      text[as.len] = 0;
      if (!sim_addr_parse(text, &ra))
        ra = rtp.addr;
    }
    rtcp = (SimAddr){ra, sdp->media[0].rtcp_port};
  }
  SdpDir dir = sdp_media_dir(sdp, 0);
  SrtpKeys rx;
  SipSpan v;
  guint tag;
  gboolean have_rx = sdp_attr(sdp, 0, "crypto", 0, &v) == 1 &&
                     srtp_crypto_attr_parse((const char *)buf + v.off, v.len, &tag, &rx) == 1;
  if (!pbx_media_ensure(x, c)) {
    g_free(sdp);
    return FALSE;
  }
  *offered_srtp = have_rx;
  /* c=0.0.0.0 (RFC 2543 hold) keeps the old destination and stops sending; pbx.reinvite_media
   * = keep never moves it after the first SDP. */
  gboolean keep = x->keep_media && c->sdp_remote.addr != 0;
  if (keep && (rtp.addr != c->sdp_remote.addr || rtp.port != c->sdp_remote.port)) {
    char a[16];
    sim_trace("pbx", "media call%u keeps remote=%s:%u, ignores the re-offered %u", c->index,
              sim_addr_format(c->sdp_remote.addr, a), c->sdp_remote.port, rtp.port);
  }
  if (rtp.addr != 0 && rtp.port != 0 && !keep) {
    c->sdp_remote = rtp;
    media_stream_set_remote(c->ms, rtp, rtcp);
    char a[16];
    sim_trace("pbx", "media call%u remote=%s:%u from-sdp latching=%s", c->index, sim_addr_format(rtp.addr, a),
              rtp.port,
              x->latching == MEDIA_LATCH_OFF      ? "off"
              : x->latching == MEDIA_LATCH_STRICT ? "strict"
                                                  : "handover");
  }
  /* ICE (pbx-ice.c) after the plain SDP: a selected pair, not c=/m=, decides where media goes
   * (RFC 8445 §12.1), also when a later offer or the answer comes after the nomination. */
  pbx_ice_remote(x, c, sdp, offer);
  g_free(sdp);
  const IceCandidatePair *sel = pbx_ice_selected(c);
  if (sel)
    media_stream_set_remote(c->ms, sel->remote->addr, (SimAddr){0, 0});
  if (have_rx && x->srtp) {
    media_stream_set_srtp(c->ms, &c->tx_keys, &rx);
    c->srtp = TRUE;
  }
  /* RFC 3264 §6.1: answer the phone's sendonly (hold) by not sending; resume on sendrecv. */
  MediaDirection md = MEDIA_SENDRECV;
  if (rtp.addr == 0 || rtp.port == 0 || dir == SDP_DIR_INACTIVE)
    md = MEDIA_INACTIVE;
  else if (dir == SDP_DIR_SENDONLY)
    md = MEDIA_RECVONLY;
  else if (dir == SDP_DIR_RECVONLY)
    md = MEDIA_SENDONLY;
  media_stream_set_direction(c->ms, md);
  /* A B2BUA passes hold on to the other leg (RFC 3264 §8.4 on both dialogs): the remote party
   * stops talking while the phone holds. */
  if (c->party)
    media_stream_set_direction(c->party, md);
  if (c->ss && sip_session_state(c->ss) == SIP_SESSION_CONFIRMED)
    pbx_media_state(x, c, SIP_SESSION_CONFIRMED);
  return TRUE;
}
