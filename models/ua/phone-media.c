/* phone-media.c — a phone's SDP offers and answers and its RTP stream per call.
 *
 * The SDP is what a phone behind a NAT really writes (RFC 3264 offer/answer, RFC 8866): its own
 * private address in o= and c=, its RTP port in m=, G.711 PCMU with telephone-event, and on hold
 * either a=sendonly (RFC 3264 §8.4) or c=IN IP4 0.0.0.0 (the RFC 2543 style many ATAs still use).
 * With SRTP the profile turns m= into RTP/SAVP and adds a=crypto with the call's SDES key
 * (RFC 4568 §9.1).  Applying the peer's SDP points the stream at the peer's c=/m= address, takes
 * its direction and its SRTP key, and starts the stream once the call is confirmed.
 */
#include "phone-private.h"

#include <string.h>

#include "sip/sdp.h"

GBytes *
phone_media_sdp(Phone *p, PhoneCall *c)
{
  char a[16];
  gboolean zero = c->held && p->hold_style == PHONE_HOLD_ZERO_ADDRESS;
  SimAddr def = phone_traversal_default(p, c); /* our own address, or a traversal candidate */
  SdpAudio au = {
    .user = "-",
    .sess_id = 1000 + (guint64)c->index,
    .sess_version = c->sdp_version,
    .addr = zero ? "0.0.0.0" : sim_addr_format(def.addr, a),
    .port = def.port,
    .dir = c->held && !zero ? SDP_DIR_SENDONLY : SDP_DIR_SENDRECV,
    .telephone_event = TRUE,
    .ptime_ms = p->media.ptime_ms,
    /* TURN: one allocation carries RTP and RTCP, so RTCP is asked to the same relayed port
     * (RFC 3605 §2.1 a=rtcp; the relay hands RTCP over the same channel). */
    .rtcp_port = !zero && p->traversal == PHONE_TRAVERSAL_TURN && c->trav && def.port != c->rtp_port ? def.port : 0,
  };
  g_autofree char *sdp = sdp_build_audio(&au);
  if (!p->srtp && c->trav == NULL)
    return g_bytes_new(sdp, strlen(sdp));
  GString *s = g_string_new(sdp);
  phone_traversal_sdp(c, s); /* RFC 8839 §5: ICE attributes at media level */
  gsize n = s->len;
  if (!p->srtp)
    return g_bytes_new_take(g_string_free(s, FALSE), n);
  /* RFC 4568 §3.1: SDES keys ride in a=crypto of an RTP/SAVP m= line. */
  char *m = strstr(s->str, " RTP/AVP ");
  if (m) /* " RTP/AVP " -> " RTP/SAVP " */
    g_string_insert_c(s, (m - s->str) + 5, 'S');
  g_autofree char *crypto = srtp_crypto_attr_format(1, &c->tx_keys);
  g_string_append_printf(s, "a=crypto:%s\r\n", crypto);
  gsize len = s->len;
  return g_bytes_new_take(g_string_free(s, FALSE), len);
}

/* Create the call's stream on first use. */
gboolean
phone_media_ensure(Phone *p, PhoneCall *c)
{
  if (c->ms)
    return TRUE;
  MediaStreamParams mp = p->media;
  g_autofree char *name = g_strdup_printf("%s-call%u", p->name, c->index);
  mp.name = name;
  mp.index = 100 * (p->index + 1) + c->index;
  mp.local = (SimAddr){p->addr, c->rtp_port};
  mp.send_port = p->symmetric_rtp ? 0 : (guint16)(c->rtp_port + 1000);
  g_autoptr(GError) error = NULL;
  c->ms = media_stream_new(p->host, &mp, &error);
  if (c->ms == NULL) {
    sim_trace("phone", "%s media-failed call=%s %s", p->name, c->call_id, error->message);
    return FALSE;
  }
  return TRUE;
}

void
phone_media_apply(Phone *p, PhoneCall *c, GBytes *body)
{
  gsize len = 0;
  const guint8 *buf = g_bytes_get_data(body, &len);
  Sdp *sdp = g_new0(Sdp, 1); /* large: keep it off the stack */
  const char *reason = NULL;
  if (sdp_parse(buf, (SipSpan){0, (guint)len}, sdp, &reason) != 1 || sdp->n_media == 0) {
    sim_trace("phone", "%s bad-sdp call=%s %s", p->name, c->call_id, reason ? reason : "no m= line");
    g_free(sdp);
    return;
  }
  const SdpConn *conn = sdp_media_conn(sdp, 0);
  SimAddr rtp = {conn && conn->is_v4 ? conn->v4 : 0, sdp->media[0].port};
  SdpDir dir = sdp_media_dir(sdp, 0);
  SrtpKeys rx;
  gboolean have_rx = FALSE;
  SipSpan v;
  if (p->srtp && sdp_attr(sdp, 0, "crypto", 0, &v) == 1) {
    guint tag;
    have_rx = srtp_crypto_attr_parse((const char *)buf + v.off, v.len, &tag, &rx) == 1;
  }
  if (!phone_media_ensure(p, c)) {
    g_free(sdp);
    return;
  }
  c->sdp_remote = rtp;
  media_stream_set_remote(c->ms, rtp, (SimAddr){0, 0});
  phone_traversal_remote(p, c, sdp, rtp); /* ICE, or media through the relay */
  g_free(sdp);
  if (p->srtp && have_rx) {
    media_stream_set_srtp(c->ms, &c->tx_keys, &rx);
    c->srtp = TRUE;
  }
  /* RFC 3264 §6.1: the peer's attribute is its own view (its sendonly is our recvonly); a zero
   * address or port leaves us nothing to send to. */
  gboolean can_send = rtp.addr != 0 && rtp.port != 0 && dir != SDP_DIR_SENDONLY && dir != SDP_DIR_INACTIVE;
  gboolean can_recv = dir != SDP_DIR_RECVONLY && dir != SDP_DIR_INACTIVE;
  if (c->held) /* our hold: a=sendonly keeps our stream going, c=0.0.0.0 silences both */
    can_recv = FALSE, can_send = can_send && p->hold_style == PHONE_HOLD_SENDONLY;
  MediaDirection md = can_send && can_recv ? MEDIA_SENDRECV
                      : can_send           ? MEDIA_SENDONLY
                      : can_recv           ? MEDIA_RECVONLY
                                           : MEDIA_INACTIVE;
  media_stream_set_direction(c->ms, md);
  /* Voice flows once the call is answered (the 2xx): early media is not modelled. */
  if (!media_stream_running(c->ms) && sip_session_state(c->ss) == SIP_SESSION_CONFIRMED)
    media_stream_start(c->ms);
}
