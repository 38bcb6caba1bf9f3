/* stun-auth.c — STUN MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT (RFC 8489 §14.5,
 * §14.6, §14.7) and the long-term credential key (§9.2.2).
 *
 * Both integrity attributes are an HMAC over the message up to (not including) the attribute,
 * with the header's length field temporarily set as if the message ended right after the
 * attribute; FINGERPRINT is the IEEE 802.3 CRC-32 of everything before it, XORed with
 * 0x5354554e.  HMAC and MD5 come from GLib (GHmac, GChecksum); the CRC table is computed here.
 */
#include <string.h>

#include "stun-private.h"

/* ---- CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as FINGERPRINT requires ------------ */

static guint32 crc_table[256];

static void
crc_table_init(void)
{
  static gsize done = 0;
  if (!g_once_init_enter(&done))
    return;
  for (guint32 i = 0; i < 256; i++) {
    guint32 c = i;
    for (int k = 0; k < 8; k++)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
  g_once_init_leave(&done, 1);
}

guint32
stun_crc32(const guint8 *data, gsize len)
{
  crc_table_init();
  guint32 c = 0xFFFFFFFFu;
  for (gsize i = 0; i < len; i++)
    c = crc_table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

/* ---- HMAC over a message prefix ---------------------------------------------------------------
 * Computes HMAC(key, header-with-length-patched || buf[20 .. attr_start)).  `attr_end` is where
 * the integrity attribute ends, which is what the patched length field must say. */

static void
hmac_prefix(GChecksumType kind, const guint8 *key, gsize key_len, const guint8 *buf,
            gsize attr_start, gsize attr_end, guint8 *digest, gsize *digest_len)
{
  guint8 hdr[STUN_HEADER_LEN];
  memcpy(hdr, buf, STUN_HEADER_LEN);
  stun_wr16(hdr + 2, (guint16)(attr_end - STUN_HEADER_LEN));
  g_autoptr(GHmac) h = g_hmac_new(kind, key, key_len);
  g_hmac_update(h, hdr, STUN_HEADER_LEN);
  g_hmac_update(h, buf + STUN_HEADER_LEN, attr_start - STUN_HEADER_LEN);
  g_hmac_get_digest(h, digest, digest_len);
}

static int
check_hmac(const StunMsg *msg, int index, GChecksumType kind, const guint8 *key, gsize key_len)
{
  g_return_val_if_fail(msg != NULL, -1);
  if (index < 0)
    return 0;
  const StunAttr *a = &msg->attrs[index];
  guint8 digest[32];
  gsize dlen = sizeof digest;
  hmac_prefix(kind, key, key_len, msg->buf, a->off - 4, a->off + a->len, digest, &dlen);
  if (a->len > dlen)
    return -1;
  /* RFC 8489 §14.6: a truncated SHA-256 value compares its leading bytes. */
  return memcmp(digest, msg->buf + a->off, a->len) == 0 ? 1 : -1;
}

int
stun_msg_check_integrity(const StunMsg *msg, const guint8 *key, gsize key_len)
{
  return check_hmac(msg, msg->mi_index, G_CHECKSUM_SHA1, key, key_len);
}

int
stun_msg_check_integrity_sha256(const StunMsg *msg, const guint8 *key, gsize key_len)
{
  return check_hmac(msg, msg->mi256_index, G_CHECKSUM_SHA256, key, key_len);
}

void
stun_key_long_term(const char *username, const char *realm, const char *password,
                   guint8 key[16])
{
  g_autoptr(GChecksum) md5 = g_checksum_new(G_CHECKSUM_MD5);
  g_checksum_update(md5, (const guchar *)username, -1);
  g_checksum_update(md5, (const guchar *)":", 1);
  g_checksum_update(md5, (const guchar *)realm, -1);
  g_checksum_update(md5, (const guchar *)":", 1);
  g_checksum_update(md5, (const guchar *)password, -1);
  gsize len = 16;
  g_checksum_get_digest(md5, key, &len);
}

/* ---- Building the trailing attributes --------------------------------------------------------- */

static gboolean
add_hmac(StunBuilder *b, guint16 type, GChecksumType kind, gsize value_len, const guint8 *key,
         gsize key_len)
{
  g_return_val_if_fail(b != NULL && b->bytes != NULL, FALSE);
  gsize start = b->bytes->len;
  if (start - STUN_HEADER_LEN + 4 + value_len > 0xFFFC)
    return FALSE;
  guint8 digest[32];
  gsize dlen = sizeof digest;
  hmac_prefix(kind, key, key_len, b->bytes->data, start, start + 4 + value_len, digest, &dlen);
  return stun_add_raw(b, type, digest, value_len);
}

gboolean
stun_add_integrity(StunBuilder *b, const guint8 *key, gsize key_len)
{
  return add_hmac(b, STUN_ATTR_MESSAGE_INTEGRITY, G_CHECKSUM_SHA1, 20, key, key_len);
}

gboolean
stun_add_integrity_sha256(StunBuilder *b, const guint8 *key, gsize key_len)
{
  return add_hmac(b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, G_CHECKSUM_SHA256, 32, key, key_len);
}

gboolean
stun_add_fingerprint(StunBuilder *b)
{
  g_return_val_if_fail(b != NULL && b->bytes != NULL, FALSE);
  gsize start = b->bytes->len;
  if (start - STUN_HEADER_LEN + 8 > 0xFFFC)
    return FALSE;
  /* The CRC covers the header with its length already counting the FINGERPRINT attribute. */
  stun_builder_set_length(b, start - STUN_HEADER_LEN + 8);
  guint32 crc = stun_crc32(b->bytes->data, start) ^ STUN_FINGERPRINT_XOR;
  return stun_add_u32(b, STUN_ATTR_FINGERPRINT, crc);
}
