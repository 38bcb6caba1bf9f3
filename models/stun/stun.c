/* stun.c — STUN message parsing and building (RFC 8489 §5, §14; RFC 5780 §7).
 *
 * The parser validates the fixed header (two zero bits, the magic cookie, a length that is a
 * multiple of 4 and matches the datagram) and walks the attribute TLVs with their 32-bit padding,
 * recording (type, offset, length) for each.  It applies RFC 8489 §14.5–§14.7 ordering rules:
 * attributes after MESSAGE-INTEGRITY are ignored except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT,
 * and FINGERPRINT must be last and must match.  Every read is bounded by the given length.
 * Integrity and the CRC live in stun-auth.c.
 */
#include "stun.h"

#include <string.h>

#include "stun-private.h"
#include "turn.h"

/* ---- Byte helpers ---------------------------------------------------------------------------- */

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

void
stun_wr16(guint8 *p, guint16 v)
{
  p[0] = (guint8)(v >> 8);
  p[1] = (guint8)v;
}

void
stun_wr32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

/* ---- Message type encoding (RFC 8489 §5, Figure 3) -------------------------------------------
 * The 14-bit type interleaves the 12 method bits M11..M0 with the class bits C1 C0:
 * M11-M7 C1 M6-M4 C0 M3-M0. */

guint16
stun_type_encode(guint16 method, StunClass klass)
{
  return (guint16)((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                   ((klass & 1) << 4) | ((klass & 2) << 7));
}

static void
type_decode(guint16 type, guint16 *method, StunClass *klass)
{
  *method = (guint16)((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
  *klass = (StunClass)(((type >> 4) & 1) | ((type >> 7) & 2));
}

/* ---- Parsing ---------------------------------------------------------------------------------- */

gboolean
stun_looks_like(const guint8 *buf, gsize len)
{
  if (buf == NULL || len < STUN_HEADER_LEN)
    return FALSE;
  /* RFC 8489 §5: the two most significant bits are zero; §6.3: the cookie must match. */
  if ((buf[0] & 0xC0) != 0 || rd32(buf + 4) != STUN_MAGIC_COOKIE)
    return FALSE;
  guint16 mlen = rd16(buf + 2);
  return (mlen & 3) == 0 && (gsize)mlen + STUN_HEADER_LEN == len;
}

static int
fail(const char **reason, const char *why, int result)
{
  if (reason != NULL)
    *reason = why;
  return result;
}

int
stun_msg_parse(const guint8 *buf, gsize len, StunMsg *msg, const char **reason)
{
  g_return_val_if_fail(msg != NULL, -1);
  memset(msg, 0, sizeof *msg);
  msg->mi_index = msg->mi256_index = msg->fp_index = -1;
  if (reason != NULL)
    *reason = NULL;

  if (buf == NULL || len < STUN_HEADER_LEN)
    return fail(reason, "shorter than the 20-byte header", -1);
  /* RFC 8489 §5 and §7.3: these two checks tell STUN apart from other protocols on the port. */
  if ((buf[0] & 0xC0) != 0)
    return fail(reason, "not STUN: first two bits not zero", 0);
  if (rd32(buf + 4) != STUN_MAGIC_COOKIE)
    return fail(reason, "not STUN: no magic cookie", 0);

  guint16 mlen = rd16(buf + 2);
  if ((mlen & 3) != 0)
    return fail(reason, "length not a multiple of 4", -1);
  if ((gsize)mlen + STUN_HEADER_LEN > len)
    return fail(reason, "length field exceeds the datagram", -1);
  if ((gsize)mlen + STUN_HEADER_LEN < len)
    return fail(reason, "bytes after the message", -1);

  msg->buf = buf;
  msg->len = (gsize)mlen + STUN_HEADER_LEN;
  msg->type = rd16(buf);
  type_decode(msg->type, &msg->method, &msg->klass);
  memcpy(msg->tid, buf + 8, STUN_TID_LEN);

  gsize off = STUN_HEADER_LEN;
  gboolean after_mi = FALSE, after_mi256 = FALSE, after_fp = FALSE;
  while (off < msg->len) {
    /* (msg->len - off) is a positive multiple of 4, so the 4-byte attribute header fits. */
    guint16 atype = rd16(buf + off);
    guint16 alen = rd16(buf + off + 2);
    gsize padded = ((gsize)alen + 3) & ~(gsize)3;
    if (padded > msg->len - off - 4)
      return fail(reason, "attribute overruns the message", -1);
    if (after_fp)
      return fail(reason, "attribute after FINGERPRINT", -1); /* RFC 8489 §14.7 */

    gboolean ignore = FALSE;
    if (atype == STUN_ATTR_FINGERPRINT) {
      if (alen != 4)
        return fail(reason, "FINGERPRINT length not 4", -1);
      guint32 want = stun_crc32(buf, off) ^ STUN_FINGERPRINT_XOR;
      if (rd32(buf + off + 4) != want)
        return fail(reason, "FINGERPRINT mismatch", -1);
      after_fp = TRUE;
    } else if (after_mi256) {
      ignore = TRUE; /* RFC 8489 §14.6: only FINGERPRINT may follow */
    } else if (atype == STUN_ATTR_MESSAGE_INTEGRITY_SHA256) {
      /* RFC 8489 §14.6: 16 to 32 bytes, a multiple of 4. */
      if (alen < 16 || alen > 32 || (alen & 3) != 0)
        return fail(reason, "MESSAGE-INTEGRITY-SHA256 length invalid", -1);
      after_mi256 = TRUE;
    } else if (after_mi) {
      ignore = TRUE; /* RFC 8489 §14.5 */
    } else if (atype == STUN_ATTR_MESSAGE_INTEGRITY) {
      if (alen != 20)
        return fail(reason, "MESSAGE-INTEGRITY length not 20", -1);
      after_mi = TRUE;
    }

    if (ignore) {
      msg->n_ignored++;
    } else {
      if (msg->n_attrs == STUN_MAX_ATTRS)
        return fail(reason, "too many attributes", -1);
      int idx = (int)msg->n_attrs;
      msg->attrs[idx].type = atype;
      msg->attrs[idx].len = alen;
      msg->attrs[idx].off = (guint32)(off + 4);
      msg->n_attrs++;
      if (atype == STUN_ATTR_FINGERPRINT)
        msg->fp_index = idx;
      else if (atype == STUN_ATTR_MESSAGE_INTEGRITY_SHA256)
        msg->mi256_index = idx;
      else if (atype == STUN_ATTR_MESSAGE_INTEGRITY)
        msg->mi_index = idx;
    }
    off += 4 + padded;
  }
  return 1;
}

int
stun_msg_find(const StunMsg *msg, guint16 type, StunAttr *out)
{
  g_return_val_if_fail(msg != NULL, 0);
  for (guint i = 0; i < msg->n_attrs; i++) {
    if (msg->attrs[i].type == type) {
      if (out != NULL)
        *out = msg->attrs[i];
      return 1;
    }
  }
  return 0;
}

int
stun_msg_get_address(const StunMsg *msg, guint16 type, StunAddress *out)
{
  StunAttr a;
  if (stun_msg_find(msg, type, &a) == 0)
    return 0;
  const guint8 *v = msg->buf + a.off;
  if (a.len < 4)
    return -1;
  StunAddress addr = { 0 };
  addr.family = v[1]; /* v[0] is reserved and ignored (RFC 8489 §14.1) */
  addr.port = rd16(v + 2);
  gboolean xored = type == STUN_ATTR_XOR_MAPPED_ADDRESS;
  if (addr.family == STUN_FAMILY_IPV4) {
    if (a.len != 8)
      return -1;
    addr.v4 = rd32(v + 4);
    if (xored)
      addr.v4 ^= STUN_MAGIC_COOKIE;
  } else if (addr.family == STUN_FAMILY_IPV6) {
    if (a.len != 20)
      return -1;
    memcpy(addr.v6, v + 4, 16);
    if (xored) {
      /* RFC 8489 §14.2: XOR with the cookie followed by the transaction id. */
      guint8 mask[16];
      stun_wr32(mask, STUN_MAGIC_COOKIE);
      memcpy(mask + 4, msg->tid, STUN_TID_LEN);
      for (int i = 0; i < 16; i++)
        addr.v6[i] ^= mask[i];
    }
  } else {
    return -1;
  }
  if (xored)
    addr.port ^= (guint16)(STUN_MAGIC_COOKIE >> 16);
  if (out != NULL)
    *out = addr;
  return 1;
}

int
stun_msg_get_error(const StunMsg *msg, guint *code, guint32 *reason_off, guint16 *reason_len)
{
  StunAttr a;
  if (stun_msg_find(msg, STUN_ATTR_ERROR_CODE, &a) == 0)
    return 0;
  if (a.len < 4)
    return -1;
  const guint8 *v = msg->buf + a.off;
  guint klass = v[2] & 0x07, number = v[3];
  /* RFC 8489 §14.8: class 3..6, number 0..99. */
  if (klass < 3 || klass > 6 || number > 99)
    return -1;
  if (code != NULL)
    *code = klass * 100 + number;
  if (reason_off != NULL)
    *reason_off = a.off + 4;
  if (reason_len != NULL)
    *reason_len = (guint16)(a.len - 4);
  return 1;
}

int
stun_msg_get_u32(const StunMsg *msg, guint16 type, guint32 *value)
{
  StunAttr a;
  if (stun_msg_find(msg, type, &a) == 0)
    return 0;
  if (a.len != 4)
    return -1;
  if (value != NULL)
    *value = rd32(msg->buf + a.off);
  return 1;
}

int
stun_msg_get_response_port(const StunMsg *msg, guint16 *port)
{
  StunAttr a;
  if (stun_msg_find(msg, STUN_ATTR_RESPONSE_PORT, &a) == 0)
    return 0;
  if (a.len != 4)
    return -1;
  if (port != NULL)
    *port = rd16(msg->buf + a.off);
  return 1;
}

int
stun_msg_get_text(const StunMsg *msg, guint16 type, const char **text, gsize *len)
{
  StunAttr a;
  if (stun_msg_find(msg, type, &a) == 0)
    return 0;
  /* RFC 8489 §14.3, §14.9, §14.10, §14.14: USERNAME < 513 bytes, REALM/NONCE/SOFTWARE < 763. */
  guint max = type == STUN_ATTR_USERNAME ? 513 : 763;
  if (a.len > max)
    return -1;
  if (text != NULL)
    *text = (const char *)msg->buf + a.off;
  if (len != NULL)
    *len = a.len;
  return 1;
}

int
stun_msg_get_unknown(const StunMsg *msg, guint16 *types, guint max)
{
  StunAttr a;
  if (stun_msg_find(msg, STUN_ATTR_UNKNOWN_ATTRIBUTES, &a) == 0)
    return 0;
  if ((a.len & 1) != 0)
    return -1;
  guint n = a.len / 2;
  for (guint i = 0; types != NULL && i < n && i < max; i++)
    types[i] = rd16(msg->buf + a.off + 2 * i);
  return (int)n;
}

/* ---- Attribute names ------------------------------------------------------------------------ */

typedef struct {
  guint16 type;     /* attribute type */
  const char *name; /* registry name (RFC 8489 §18.3, RFC 5780 §9.1, RFC 8445 §16.1) */
} AttrName;

static const AttrName attr_names[] = {
  { STUN_ATTR_MAPPED_ADDRESS, "MAPPED-ADDRESS" },
  { STUN_ATTR_CHANGE_REQUEST, "CHANGE-REQUEST" },
  { STUN_ATTR_USERNAME, "USERNAME" },
  { STUN_ATTR_MESSAGE_INTEGRITY, "MESSAGE-INTEGRITY" },
  { STUN_ATTR_ERROR_CODE, "ERROR-CODE" },
  { STUN_ATTR_UNKNOWN_ATTRIBUTES, "UNKNOWN-ATTRIBUTES" },
  { STUN_ATTR_REALM, "REALM" },
  { STUN_ATTR_NONCE, "NONCE" },
  { STUN_ATTR_MESSAGE_INTEGRITY_SHA256, "MESSAGE-INTEGRITY-SHA256" },
  { STUN_ATTR_PASSWORD_ALGORITHM, "PASSWORD-ALGORITHM" },
  { STUN_ATTR_USERHASH, "USERHASH" },
  { STUN_ATTR_XOR_MAPPED_ADDRESS, "XOR-MAPPED-ADDRESS" },
  { STUN_ATTR_PRIORITY, "PRIORITY" },
  { STUN_ATTR_USE_CANDIDATE, "USE-CANDIDATE" },
  { STUN_ATTR_PADDING, "PADDING" },
  { STUN_ATTR_RESPONSE_PORT, "RESPONSE-PORT" },
  { STUN_ATTR_PASSWORD_ALGORITHMS, "PASSWORD-ALGORITHMS" },
  { STUN_ATTR_ALTERNATE_DOMAIN, "ALTERNATE-DOMAIN" },
  { STUN_ATTR_SOFTWARE, "SOFTWARE" },
  { STUN_ATTR_ALTERNATE_SERVER, "ALTERNATE-SERVER" },
  { STUN_ATTR_FINGERPRINT, "FINGERPRINT" },
  { STUN_ATTR_ICE_CONTROLLED, "ICE-CONTROLLED" },
  { STUN_ATTR_ICE_CONTROLLING, "ICE-CONTROLLING" },
  { STUN_ATTR_RESPONSE_ORIGIN, "RESPONSE-ORIGIN" },
  { STUN_ATTR_OTHER_ADDRESS, "OTHER-ADDRESS" },
  /* TURN (RFC 8656 §18). */
  { TURN_ATTR_CHANNEL_NUMBER, "CHANNEL-NUMBER" },
  { TURN_ATTR_LIFETIME, "LIFETIME" },
  { TURN_ATTR_XOR_PEER_ADDRESS, "XOR-PEER-ADDRESS" },
  { TURN_ATTR_DATA, "DATA" },
  { TURN_ATTR_XOR_RELAYED_ADDRESS, "XOR-RELAYED-ADDRESS" },
  { TURN_ATTR_REQUESTED_ADDRESS_FAMILY, "REQUESTED-ADDRESS-FAMILY" },
  { TURN_ATTR_EVEN_PORT, "EVEN-PORT" },
  { TURN_ATTR_REQUESTED_TRANSPORT, "REQUESTED-TRANSPORT" },
  { TURN_ATTR_DONT_FRAGMENT, "DONT-FRAGMENT" },
  { TURN_ATTR_RESERVATION_TOKEN, "RESERVATION-TOKEN" },
  { TURN_ATTR_ADDITIONAL_ADDRESS_FAMILY, "ADDITIONAL-ADDRESS-FAMILY" },
  { TURN_ATTR_ADDRESS_ERROR_CODE, "ADDRESS-ERROR-CODE" },
  { TURN_ATTR_ICMP, "ICMP" },
};

const char *
stun_attr_name(guint16 type)
{
  for (gsize i = 0; i < G_N_ELEMENTS(attr_names); i++)
    if (attr_names[i].type == type)
      return attr_names[i].name;
  return NULL;
}

guint
stun_msg_unknown_required(const StunMsg *msg, const guint16 *extra_known, guint n_extra,
                          guint16 *types, guint max)
{
  guint n = 0;
  for (guint i = 0; i < msg->n_attrs; i++) {
    guint16 t = msg->attrs[i].type;
    if (t >= 0x8000 || stun_attr_name(t) != NULL) /* RFC 8489 §14: 0x8000+ are optional */
      continue;
    gboolean known = FALSE;
    for (guint k = 0; k < n_extra && !known; k++)
      known = extra_known[k] == t;
    if (known)
      continue;
    if (n < max && types != NULL)
      types[n] = t;
    n++;
  }
  return n;
}

/* ---- Building --------------------------------------------------------------------------------- */

void
stun_builder_init(StunBuilder *b, guint16 method, StunClass klass,
                  const guint8 tid[STUN_TID_LEN])
{
  g_return_if_fail(b != NULL && tid != NULL);
  b->bytes = g_byte_array_sized_new(128);
  guint8 hdr[STUN_HEADER_LEN];
  stun_wr16(hdr, stun_type_encode(method, klass));
  stun_wr16(hdr + 2, 0);
  stun_wr32(hdr + 4, STUN_MAGIC_COOKIE);
  memcpy(hdr + 8, tid, STUN_TID_LEN);
  g_byte_array_append(b->bytes, hdr, sizeof hdr);
}

void
stun_builder_clear(StunBuilder *b)
{
  if (b->bytes != NULL)
    g_byte_array_unref(b->bytes);
  b->bytes = NULL;
}

GBytes *
stun_builder_steal(StunBuilder *b)
{
  GBytes *out = g_byte_array_free_to_bytes(b->bytes);
  b->bytes = NULL;
  return out;
}

void
stun_builder_set_length(StunBuilder *b, gsize attr_bytes)
{
  stun_wr16(b->bytes->data + 2, (guint16)attr_bytes);
}

gboolean
stun_add_raw(StunBuilder *b, guint16 type, const void *value, gsize len)
{
  g_return_val_if_fail(b != NULL && b->bytes != NULL, FALSE);
  gsize padded = (len + 3) & ~(gsize)3;
  /* The header's 16-bit length counts every attribute byte (RFC 8489 §5). */
  if (len > 0xFFFF || b->bytes->len - STUN_HEADER_LEN + 4 + padded > 0xFFFC)
    return FALSE;
  guint8 hdr[4];
  stun_wr16(hdr, type);
  stun_wr16(hdr + 2, (guint16)len);
  g_byte_array_append(b->bytes, hdr, 4);
  if (len > 0)
    g_byte_array_append(b->bytes, value, (guint)len);
  static const guint8 zeros[3] = { 0, 0, 0 };
  g_byte_array_append(b->bytes, zeros, (guint)(padded - len));
  stun_builder_set_length(b, b->bytes->len - STUN_HEADER_LEN);
  return TRUE;
}

gboolean
stun_add_text(StunBuilder *b, guint16 type, const char *text)
{
  return stun_add_raw(b, type, text, text != NULL ? strlen(text) : 0);
}

gboolean
stun_add_u32(StunBuilder *b, guint16 type, guint32 value)
{
  guint8 v[4];
  stun_wr32(v, value);
  return stun_add_raw(b, type, v, 4);
}

gboolean
stun_add_address(StunBuilder *b, guint16 type, guint32 addr, guint16 port)
{
  guint8 v[8] = { 0, STUN_FAMILY_IPV4 };
  if (type == STUN_ATTR_XOR_MAPPED_ADDRESS) {
    /* RFC 8489 §14.2: X-Port and X-Address are XORed with the cookie's high bits / itself. */
    port ^= (guint16)(STUN_MAGIC_COOKIE >> 16);
    addr ^= STUN_MAGIC_COOKIE;
  }
  stun_wr16(v + 2, port);
  stun_wr32(v + 4, addr);
  return stun_add_raw(b, type, v, sizeof v);
}

gboolean
stun_add_error(StunBuilder *b, guint code, const char *reason)
{
  g_return_val_if_fail(code >= 300 && code <= 699, FALSE);
  if (reason == NULL)
    reason = stun_error_reason(code);
  gsize rlen = strlen(reason);
  if (rlen > 763)
    rlen = 763; /* RFC 8489 §14.8: fewer than 128 characters / 763 bytes */
  g_autofree guint8 *v = g_malloc(4 + rlen);
  v[0] = v[1] = 0;
  v[2] = (guint8)(code / 100);
  v[3] = (guint8)(code % 100);
  memcpy(v + 4, reason, rlen);
  return stun_add_raw(b, STUN_ATTR_ERROR_CODE, v, 4 + rlen);
}

gboolean
stun_add_unknown(StunBuilder *b, const guint16 *types, guint n)
{
  g_autofree guint8 *v = g_malloc0(2 * (gsize)n + 1);
  for (guint i = 0; i < n; i++)
    stun_wr16(v + 2 * i, types[i]);
  return stun_add_raw(b, STUN_ATTR_UNKNOWN_ATTRIBUTES, v, 2 * (gsize)n);
}

gboolean
stun_add_response_port(StunBuilder *b, guint16 port)
{
  guint8 v[4] = { 0 };
  stun_wr16(v, port);
  return stun_add_raw(b, STUN_ATTR_RESPONSE_PORT, v, 4);
}

/* ---- Descriptions ----------------------------------------------------------------------------- */

const char *
stun_error_reason(guint code)
{
  /* RFC 8489 §14.8 and RFC 5780 §7.2 usage of 420. */
  switch (code) {
  case 300: return "Try Alternate";
  case 400: return "Bad Request";
  case 401: return "Unauthenticated";
  case 420: return "Unknown Attribute";
  case 438: return "Stale Nonce";
  case 500: return "Server Error";
  default: return "Error";
  }
}

const char *
stun_msg_describe(guint16 method, StunClass klass)
{
  if (method != STUN_METHOD_BINDING)
    return klass == STUN_CLASS_REQUEST      ? "request"
           : klass == STUN_CLASS_INDICATION ? "indication"
           : klass == STUN_CLASS_SUCCESS    ? "success response"
                                            : "error response";
  return klass == STUN_CLASS_REQUEST      ? "Binding request"
         : klass == STUN_CLASS_INDICATION ? "Binding indication"
         : klass == STUN_CLASS_SUCCESS    ? "Binding success response"
                                          : "Binding error response";
}
