/* fuzz-turn.c — fuzz target for the TURN and ICE byte parsers (models/stun/turn.c, ice-sdp.c):
 * the input is one datagram or stream chunk.
 *
 * ChannelData is parsed in datagram and stream mode (RFC 8656 §12.4, §12.5): a valid message's
 * data lies inside the input, a message that parses in stream mode also parses as a datagram,
 * and rebuilding it gives the same bytes.  Stream framing must never claim more bytes than it was
 * given.  STUN messages get every TURN attribute accessor.  The same bytes, read as an SDP body,
 * go through the ICE readers (RFC 8839: candidates, ufrag/pwd, the default-candidate check),
 * which must not crash or over-read whatever the text.
 */
#include <string.h>

#include "sip/sdp.h"
#include "stun/ice.h"
#include "stun/turn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
channel_data(const uint8_t *data, size_t size)
{
  for (int stream = 0; stream < 2; stream++) {
    TurnChannelData cd;
    const char *reason = NULL;
    int rc = turn_channel_data_parse(data, size, stream, &cd, &reason);
    if (rc < 0)
      g_assert(reason != NULL);
    if (rc != 1)
      continue;
    g_assert(turn_looks_like_channel_data(data, size));
    g_assert(cd.channel >= 0x4000 && cd.channel <= 0x4fff);
    g_assert((gsize)cd.off + cd.len <= size);
    g_autoptr(GBytes) again = turn_channel_data_build(cd.channel, data + cd.off, cd.len, stream);
    gsize n = 0;
    const guint8 *b = g_bytes_get_data(again, &n);
    g_assert(n >= (gsize)cd.off + cd.len && memcmp(b, data, (gsize)cd.off + cd.len) == 0);
    if (stream) {
      TurnChannelData dg;
      g_assert(turn_channel_data_parse(data, size, FALSE, &dg, &reason) == 1);
    }
  }
  gsize frame = 0;
  const char *reason = NULL;
  if (turn_frame_stream(data, size, &frame, &reason) == 1)
    g_assert(frame > 0 && frame <= size);
}

static void
turn_attrs(const uint8_t *data, size_t size)
{
  StunMsg msg;
  const char *reason = NULL;
  if (stun_msg_parse(data, size, &msg, &reason) != 1)
    return;
  char buf[48];
  turn_msg_describe(msg.method, msg.klass, buf);
  turn_method_name(msg.method);
  StunAddress a;
  SimAddr sa;
  turn_msg_get_xor_address(&msg, TURN_ATTR_XOR_PEER_ADDRESS, &a);
  turn_msg_get_xor_address(&msg, TURN_ATTR_XOR_RELAYED_ADDRESS, &a);
  turn_msg_get_xor_addr4(&msg, TURN_ATTR_XOR_PEER_ADDRESS, &sa);
  for (guint i = 0; i < msg.n_attrs; i++)
    turn_attr_get_xor_address(&msg, &msg.attrs[i], &a);
  guint32 u32;
  guint16 u16;
  guint8 u8;
  gboolean bit;
  guint64 token;
  const guint8 *d = NULL;
  gsize dlen = 0;
  turn_msg_get_lifetime(&msg, &u32);
  turn_msg_get_requested_transport(&msg, &u8);
  turn_msg_get_channel_number(&msg, &u16);
  if (turn_msg_get_data(&msg, &d, &dlen) == 1)
    g_assert(d >= data && d + dlen <= data + size);
  turn_msg_get_even_port(&msg, &bit);
  turn_msg_get_reservation_token(&msg, &token);
  turn_msg_get_dont_fragment(&msg);
}

static void
ice_sdp(const uint8_t *data, size_t size)
{
  Sdp *sdp = g_new0(Sdp, 1);
  const char *reason = NULL;
  if (sdp_parse(data, (SipSpan){0, (guint)MIN(size, G_MAXUINT)}, sdp, &reason) == 1) {
    for (guint m = 0; m < sdp->n_media; m++) {
      IceSdpRemote r = {0};
      if (ice_sdp_read_remote(sdp, m, &r, &reason) == 1) {
        g_assert(r.ufrag && r.pwd && r.candidates);
        GString *s = g_string_new(NULL);
        for (guint i = 0; i < r.candidates->len; i++)
          ice_sdp_append_candidate(s, r.candidates->pdata[i]);
        g_string_free(s, TRUE);
      }
      ice_sdp_remote_clear(&r);
      ice_sdp_default_matches(sdp, m, &reason);
    }
  }
  g_free(sdp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  channel_data(data, size);
  turn_attrs(data, size);
  ice_sdp(data, size);
  return 0;
}
