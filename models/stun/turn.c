/* turn.c — TURN attributes, ChannelData and stream framing (RFC 8656 §12, §18, §19).
 *
 * The XOR address attributes follow RFC 8489 §14.2 (X-Port XORed with the cookie's high 16 bits,
 * an IPv4 X-Address with the cookie, an IPv6 one with the cookie and transaction id).  ChannelData
 * (§12.4) is a 4-byte header and the data; it is padded to 4 bytes over TCP/TLS, where the padding
 * keeps the next message aligned, and may be padded over UDP, where trailing bytes are ignored
 * (§12.5).  Every getter checks the attribute's length before reading its value.
 */
#include "turn.h"

#include <string.h>

#include "stun-private.h"

static inline guint16
rd16(const guint8 *p)
{
  return (guint16)((p[0] << 8) | p[1]);
}

static inline guint32
rd32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

const char *
turn_transport_name(TurnTransport t)
{
  static const char *const names[] = { "UDP", "TCP", "TLS" };
  return t <= TURN_TRANSPORT_TLS ? names[t] : "?";
}

/* ---- Attributes ------------------------------------------------------------------------------ */

int
turn_msg_get_xor_address(const StunMsg *msg, guint16 type, StunAddress *out)
{
  g_return_val_if_fail(msg != NULL, -1);
  StunAttr a;
  if (stun_msg_find(msg, type, &a) == 0)
    return 0;
  return turn_attr_get_xor_address(msg, &a, out);
}

int
turn_attr_get_xor_address(const StunMsg *msg, const StunAttr *attr, StunAddress *out)
{
  g_return_val_if_fail(msg != NULL && attr != NULL, -1);
  StunAttr a = *attr;
  if (a.len < 4 || (gsize)a.off + a.len > msg->len)
    return -1;
  const guint8 *v = msg->buf + a.off;
  StunAddress addr = { 0 };
  addr.family = v[1];
  addr.port = rd16(v + 2) ^ (guint16)(STUN_MAGIC_COOKIE >> 16);
  if (addr.family == STUN_FAMILY_IPV4) {
    if (a.len != 8)
      return -1;
    addr.v4 = rd32(v + 4) ^ STUN_MAGIC_COOKIE;
  } else if (addr.family == STUN_FAMILY_IPV6) {
    if (a.len != 20)
      return -1;
    guint8 mask[16];
    stun_wr32(mask, STUN_MAGIC_COOKIE);
    memcpy(mask + 4, msg->tid, STUN_TID_LEN);
    for (int i = 0; i < 16; i++)
      addr.v6[i] = v[4 + i] ^ mask[i];
  } else {
    return -1;
  }
  if (out != NULL)
    *out = addr;
  return 1;
}

int
turn_msg_get_xor_addr4(const StunMsg *msg, guint16 type, SimAddr *out)
{
  StunAddress a;
  int rc = turn_msg_get_xor_address(msg, type, &a);
  if (rc != 1)
    return rc;
  if (a.family != STUN_FAMILY_IPV4)
    return -1;
  if (out != NULL)
    *out = (SimAddr){ .addr = a.v4, .port = a.port };
  return 1;
}

gboolean
turn_add_xor_address(StunBuilder *b, guint16 type, SimAddr a)
{
  guint8 v[8] = { 0, STUN_FAMILY_IPV4 };
  stun_wr16(v + 2, a.port ^ (guint16)(STUN_MAGIC_COOKIE >> 16));
  stun_wr32(v + 4, a.addr ^ STUN_MAGIC_COOKIE);
  return stun_add_raw(b, type, v, sizeof v);
}

int
turn_msg_get_lifetime(const StunMsg *msg, guint32 *seconds)
{
  return stun_msg_get_u32(msg, TURN_ATTR_LIFETIME, seconds);
}

gboolean
turn_add_lifetime(StunBuilder *b, guint32 seconds)
{
  return stun_add_u32(b, TURN_ATTR_LIFETIME, seconds);
}

/* A fixed-length attribute's value, or 0 absent / -1 wrong length. */
static int
get_fixed(const StunMsg *msg, guint16 type, guint16 want_len, const guint8 **value)
{
  g_return_val_if_fail(msg != NULL, -1);
  StunAttr a;
  if (stun_msg_find(msg, type, &a) == 0)
    return 0;
  if (a.len != want_len)
    return -1;
  *value = msg->buf + a.off;
  return 1;
}

int
turn_msg_get_requested_transport(const StunMsg *msg, guint8 *protocol)
{
  const guint8 *v = NULL;
  int rc = get_fixed(msg, TURN_ATTR_REQUESTED_TRANSPORT, 4, &v);
  if (rc == 1 && protocol != NULL)
    *protocol = v[0]; /* v[1..3] are RFFU and ignored (§18.7) */
  return rc;
}

gboolean
turn_add_requested_transport(StunBuilder *b, guint8 protocol)
{
  guint8 v[4] = { protocol, 0, 0, 0 };
  return stun_add_raw(b, TURN_ATTR_REQUESTED_TRANSPORT, v, sizeof v);
}

int
turn_msg_get_channel_number(const StunMsg *msg, guint16 *channel)
{
  const guint8 *v = NULL;
  int rc = get_fixed(msg, TURN_ATTR_CHANNEL_NUMBER, 4, &v);
  if (rc == 1 && channel != NULL)
    *channel = rd16(v);
  return rc;
}

gboolean
turn_add_channel_number(StunBuilder *b, guint16 channel)
{
  guint8 v[4] = { 0 };
  stun_wr16(v, channel);
  return stun_add_raw(b, TURN_ATTR_CHANNEL_NUMBER, v, sizeof v);
}

int
turn_msg_get_data(const StunMsg *msg, const guint8 **data, gsize *len)
{
  g_return_val_if_fail(msg != NULL, -1);
  StunAttr a;
  if (stun_msg_find(msg, TURN_ATTR_DATA, &a) == 0)
    return 0;
  if (data != NULL)
    *data = msg->buf + a.off;
  if (len != NULL)
    *len = a.len;
  return 1;
}

gboolean
turn_add_data(StunBuilder *b, const guint8 *data, gsize len)
{
  return stun_add_raw(b, TURN_ATTR_DATA, data, len);
}

int
turn_msg_get_even_port(const StunMsg *msg, gboolean *reserve)
{
  const guint8 *v = NULL;
  int rc = get_fixed(msg, TURN_ATTR_EVEN_PORT, 1, &v);
  if (rc == 1 && reserve != NULL)
    *reserve = (v[0] & 0x80) != 0; /* the R bit; the other 7 bits are RFFU */
  return rc;
}

gboolean
turn_add_even_port(StunBuilder *b, gboolean reserve)
{
  guint8 v = reserve ? 0x80 : 0;
  return stun_add_raw(b, TURN_ATTR_EVEN_PORT, &v, 1);
}

int
turn_msg_get_reservation_token(const StunMsg *msg, guint64 *token)
{
  const guint8 *v = NULL;
  int rc = get_fixed(msg, TURN_ATTR_RESERVATION_TOKEN, 8, &v);
  if (rc == 1 && token != NULL)
    *token = ((guint64)rd32(v) << 32) | rd32(v + 4);
  return rc;
}

gboolean
turn_add_reservation_token(StunBuilder *b, guint64 token)
{
  guint8 v[8];
  stun_wr32(v, (guint32)(token >> 32));
  stun_wr32(v + 4, (guint32)token);
  return stun_add_raw(b, TURN_ATTR_RESERVATION_TOKEN, v, sizeof v);
}

int
turn_msg_get_dont_fragment(const StunMsg *msg)
{
  g_return_val_if_fail(msg != NULL, -1);
  StunAttr a;
  if (stun_msg_find(msg, TURN_ATTR_DONT_FRAGMENT, &a) == 0)
    return 0;
  return a.len == 0 ? 1 : -1;
}

gboolean
turn_add_dont_fragment(StunBuilder *b)
{
  return stun_add_raw(b, TURN_ATTR_DONT_FRAGMENT, NULL, 0);
}

/* ---- ChannelData ----------------------------------------------------------------------------- */

gboolean
turn_looks_like_channel_data(const guint8 *buf, gsize len)
{
  return buf != NULL && len >= TURN_CHANNEL_HEADER_LEN && (buf[0] & 0xC0) == 0x40;
}

static int
fail(const char **reason, const char *why, int result)
{
  if (reason != NULL)
    *reason = why;
  return result;
}

int
turn_channel_data_parse(const guint8 *buf, gsize len, gboolean stream, TurnChannelData *out,
                        const char **reason)
{
  if (reason != NULL)
    *reason = NULL;
  if (buf == NULL || len == 0)
    return fail(reason, "empty", -1);
  if ((buf[0] & 0xC0) != 0x40)
    return fail(reason, "not ChannelData: first two bits not 01", 0);
  if (len < TURN_CHANNEL_HEADER_LEN)
    return fail(reason, "shorter than the 4-byte ChannelData header", -1);
  guint16 channel = rd16(buf), dlen = rd16(buf + 2);
  if (channel > TURN_CHANNEL_MAX)
    return fail(reason, "reserved channel number", -1); /* RFC 8656 §12: 0x5000-0xFFFF */
  gsize need = TURN_CHANNEL_HEADER_LEN + (gsize)dlen;
  if (need > len)
    return fail(reason, "ChannelData length exceeds the message", -1); /* §12.5: discard */
  if (stream && len != ((need + 3) & ~(gsize)3))
    return fail(reason, "ChannelData not padded to 4 bytes", -1);
  if (out != NULL)
    *out = (TurnChannelData){ .channel = channel, .len = dlen, .off = TURN_CHANNEL_HEADER_LEN };
  return 1;
}

GBytes *
turn_channel_data_build(guint16 channel, const guint8 *data, gsize len, gboolean pad)
{
  if (len > 0xFFFF)
    return NULL;
  gsize total = TURN_CHANNEL_HEADER_LEN + len;
  if (pad)
    total = (total + 3) & ~(gsize)3;
  guint8 *buf = g_malloc0(total);
  stun_wr16(buf, channel);
  stun_wr16(buf + 2, (guint16)len);
  if (len > 0)
    memcpy(buf + TURN_CHANNEL_HEADER_LEN, data, len);
  return g_bytes_new_take(buf, total);
}

int
turn_frame_stream(const guint8 *buf, gsize len, gsize *frame_len, const char **reason)
{
  if (reason != NULL)
    *reason = NULL;
  if (buf == NULL || len == 0)
    return 0;
  guint8 top = buf[0] & 0xC0;
  if (top != 0x00 && top != 0x40)
    return fail(reason, "neither STUN nor ChannelData: first two bits 1x", -1);
  if (len < 4)
    return 0;
  guint16 flen = rd16(buf + 2);
  gsize total;
  if (top == 0x40) {
    /* RFC 8656 §12.5: over TCP/TLS the message is padded to a multiple of 4 bytes. */
    total = ((gsize)TURN_CHANNEL_HEADER_LEN + flen + 3) & ~(gsize)3;
  } else {
    if ((flen & 3) != 0)
      return fail(reason, "STUN length not a multiple of 4", -1);
    if (len >= 8 && rd32(buf + 4) != STUN_MAGIC_COOKIE)
      return fail(reason, "STUN message without the magic cookie", -1);
    total = STUN_HEADER_LEN + (gsize)flen;
  }
  if (len < total)
    return 0;
  if (frame_len != NULL)
    *frame_len = total;
  return 1;
}

/* ---- Names ----------------------------------------------------------------------------------- */

const char *
turn_method_name(guint16 method)
{
  switch (method) {
  case STUN_METHOD_BINDING: return "Binding";
  case TURN_METHOD_ALLOCATE: return "Allocate";
  case TURN_METHOD_REFRESH: return "Refresh";
  case TURN_METHOD_SEND: return "Send";
  case TURN_METHOD_DATA: return "Data";
  case TURN_METHOD_CREATE_PERMISSION: return "CreatePermission";
  case TURN_METHOD_CHANNEL_BIND: return "ChannelBind";
  default: return "unknown-method";
  }
}

char *
turn_msg_describe(guint16 method, StunClass klass, char buf[48])
{
  static const char *const classes[] = { "request", "indication", "success response",
                                         "error response" };
  g_snprintf(buf, 48, "%s %s", turn_method_name(method), classes[klass & 3]);
  return buf;
}

const char *
turn_error_reason(guint code)
{
  /* RFC 8656 §19. */
  switch (code) {
  case 403: return "Forbidden";
  case 437: return "Allocation Mismatch";
  case 440: return "Address Family not Supported";
  case 441: return "Wrong Credentials";
  case 442: return "Unsupported Transport Protocol";
  case 443: return "Peer Address Family Mismatch";
  case 486: return "Allocation Quota Reached";
  case 508: return "Insufficient Capacity";
  default: return stun_error_reason(code);
  }
}
