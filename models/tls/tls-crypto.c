/* tls-crypto.c — the TLS model's stand-in for key exchange, key derivation and AES-GCM.
 *
 * THIS IS NOT CRYPTOGRAPHY.  It keeps the shapes and the failure behaviour of TLS 1.2 with
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 and nothing of its secrecy:
 *  - the "ECDHE shared secret" is SHA-256 of both public values (which travel in the clear);
 *  - master secret and per-direction keys come from HMAC-SHA256 over the hello randoms, with the
 *    labels of RFC 5246 §8.1 and §6.3, so both ends derive the same keys from what they saw;
 *  - a protected record (RFC 5246 §6.2.3.3, RFC 5288 §3) is an 8-byte explicit nonce (the record
 *    sequence number, as OpenSSL uses), the plaintext XORed with a keystream of SHA-256 blocks over
 *    (key, sequence number, block counter), and a 16-byte tag: HMAC-SHA256 over the additional
 *    data of RFC 5246 §6.2.3.3 (seq_num, type, version, plaintext length), the nonce and the
 *    ciphertext, truncated to 16 bytes like GCM's tag.
 * Because each side derives keys from its own view of the handshake and every protected byte is
 * covered by the tag, any change a middlebox makes is detected, exactly where real TLS detects it.
 */
#include <string.h>

#include "tls-private.h"

static void
hmac(const guint8 key[32], const guint8 *a, gsize alen, const guint8 *b, gsize blen,
     const guint8 *c, gsize clen, guint8 out[32])
{
  GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, 32);
  g_hmac_update(h, a, (gssize)alen);
  if (blen)
    g_hmac_update(h, b, (gssize)blen);
  if (clen)
    g_hmac_update(h, c, (gssize)clen);
  gsize n = 32;
  g_hmac_get_digest(h, out, &n);
  g_hmac_unref(h);
}

void
tls_derive_keys(const guint8 client_random[TLS_RANDOM_LEN],
                const guint8 server_random[TLS_RANDOM_LEN],
                const guint8 client_share[TLS_SHARE_LEN],
                const guint8 server_share[TLS_SHARE_LEN], TlsKeys *out)
{
  /* The model's ECDHE: both ends hash the two public values they saw. */
  guint8 premaster[32];
  gsize n = sizeof premaster;
  GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_checksum_update(sum, (const guchar *)"algsim-tls-model-ecdhe", 22);
  g_checksum_update(sum, client_share, TLS_SHARE_LEN);
  g_checksum_update(sum, server_share, TLS_SHARE_LEN);
  g_checksum_get_digest(sum, premaster, &n);
  g_checksum_free(sum);

  /* master_secret = PRF(pre_master_secret, "master secret", ClientHello.random +
   * ServerHello.random) (RFC 5246 §8.1); key_block uses server random first (§6.3). */
  static const char master_label[] = "master secret";
  static const char key_label[] = "key expansion";
  hmac(premaster, (const guint8 *)master_label, strlen(master_label), client_random,
       TLS_RANDOM_LEN, server_random, TLS_RANDOM_LEN, out->master);
  guint8 block[32];
  hmac(out->master, (const guint8 *)key_label, strlen(key_label), server_random, TLS_RANDOM_LEN,
       client_random, TLS_RANDOM_LEN, block);
  hmac(block, (const guint8 *)"client write", 12, NULL, 0, NULL, 0, out->client_key);
  hmac(block, (const guint8 *)"server write", 12, NULL, 0, NULL, 0, out->server_key);
}

void
tls_finished_verify(const TlsKeys *keys, gboolean from_client, const guint8 hash[32],
                    guint8 out[32])
{
  const char *label = from_client ? "client finished" : "server finished";
  hmac(keys->master, (const guint8 *)label, strlen(label), hash, 32, NULL, 0, out);
}

static void
put64(guint8 *p, guint64 v)
{
  for (int i = 7; i >= 0; i--) {
    p[i] = (guint8)v;
    v >>= 8;
  }
}

/* XOR `len` bytes of the keystream of (key, seq) into buf. */
static void
keystream_xor(const guint8 key[32], guint64 seq, guint8 *buf, gsize len)
{
  GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
  guint8 prefix[32 + 8 + 4];
  memcpy(prefix, key, 32);
  put64(prefix + 32, seq);
  for (guint32 ctr = 0; (gsize)ctr * 32 < len; ctr++) {
    prefix[40] = (guint8)(ctr >> 24);
    prefix[41] = (guint8)(ctr >> 16);
    prefix[42] = (guint8)(ctr >> 8);
    prefix[43] = (guint8)ctr;
    guint8 block[32];
    gsize n = sizeof block;
    g_checksum_reset(sum);
    g_checksum_update(sum, prefix, sizeof prefix);
    g_checksum_get_digest(sum, block, &n);
    gsize off = (gsize)ctr * 32;
    for (gsize i = 0; i < 32 && off + i < len; i++)
      buf[off + i] ^= block[i];
  }
  g_checksum_free(sum);
}

/* The 16-byte tag over the additional data (RFC 5246 §6.2.3.3), nonce and ciphertext. */
static void
record_tag(const guint8 key[32], guint64 seq, guint8 type, gsize plain_len, const guint8 *nonce,
           const guint8 *ct, gsize ct_len, guint8 tag[TLS_TAG_LEN])
{
  guint8 aad[13];
  put64(aad, seq);
  aad[8] = type;
  aad[9] = TLS_VERSION_1_2 >> 8;
  aad[10] = TLS_VERSION_1_2 & 0xff;
  aad[11] = (guint8)(plain_len >> 8);
  aad[12] = (guint8)plain_len;
  guint8 full[32];
  hmac(key, aad, sizeof aad, nonce, TLS_NONCE_LEN, ct, ct_len, full);
  memcpy(tag, full, TLS_TAG_LEN);
}

void
tls_seal(const guint8 key[32], guint64 seq, guint8 type, const guint8 *plain, gsize len,
         GByteArray *out)
{
  guint start = out->len;
  g_byte_array_set_size(out, start + TLS_NONCE_LEN + (guint)len + TLS_TAG_LEN);
  guint8 *nonce = out->data + start;
  guint8 *ct = nonce + TLS_NONCE_LEN;
  put64(nonce, seq); /* explicit nonce = sequence number, as OpenSSL does for GCM */
  if (len)
    memcpy(ct, plain, len);
  keystream_xor(key, seq, ct, len);
  record_tag(key, seq, type, len, nonce, ct, len, ct + len);
}

gboolean
tls_open(const guint8 key[32], guint64 seq, guint8 type, const guint8 *frag, gsize len,
         GByteArray *plain)
{
  if (len < TLS_SEAL_OVERHEAD)
    return FALSE;
  gsize ct_len = len - TLS_SEAL_OVERHEAD;
  const guint8 *nonce = frag;
  const guint8 *ct = frag + TLS_NONCE_LEN;
  guint8 tag[TLS_TAG_LEN];
  record_tag(key, seq, type, ct_len, nonce, ct, ct_len, tag);
  /* Constant-time comparison does not matter in a model; equality does. */
  if (memcmp(tag, ct + ct_len, TLS_TAG_LEN) != 0)
    return FALSE;
  g_byte_array_set_size(plain, (guint)ct_len);
  if (ct_len)
    memcpy(plain->data, ct, ct_len);
  keystream_xor(key, seq, plain->data, ct_len);
  return TRUE;
}

/* TLS 1.3 (RFC 8446 §5.2): the record says application_data, version 0x0303; the real content
 * type follows the content inside the protection; no explicit nonce; the additional data is the
 * record header.  The model's tag also covers the sequence number (RFC 8446 §5.3 nonce). */
static void
record_tag13(const guint8 key[32], guint64 seq, gsize frag_len, const guint8 *ct, gsize ct_len,
             guint8 tag[TLS_TAG_LEN])
{
  guint8 aad[8 + TLS_HEADER_LEN];
  put64(aad, seq);
  aad[8] = TLS_CT_APPLICATION_DATA;
  aad[9] = TLS_VERSION_1_2 >> 8;
  aad[10] = TLS_VERSION_1_2 & 0xff;
  aad[11] = (guint8)(frag_len >> 8);
  aad[12] = (guint8)frag_len;
  guint8 full[32];
  hmac(key, aad, sizeof aad, ct, ct_len, NULL, 0, full);
  memcpy(tag, full, TLS_TAG_LEN);
}

void
tls_seal13(const guint8 key[32], guint64 seq, guint8 type, const guint8 *plain, gsize len,
           GByteArray *out)
{
  guint start = out->len;
  g_byte_array_set_size(out, start + (guint)len + 1 + TLS_TAG_LEN);
  guint8 *ct = out->data + start;
  if (len)
    memcpy(ct, plain, len);
  ct[len] = type; /* TLSInnerPlaintext.type, no padding */
  keystream_xor(key, seq, ct, len + 1);
  record_tag13(key, seq, len + 1 + TLS_TAG_LEN, ct, len + 1, ct + len + 1);
}

gboolean
tls_open13(const guint8 key[32], guint64 seq, const guint8 *frag, gsize len, GByteArray *plain,
           guint8 *type)
{
  if (len < 1 + TLS_TAG_LEN)
    return FALSE;
  gsize ct_len = len - TLS_TAG_LEN;
  guint8 tag[TLS_TAG_LEN];
  record_tag13(key, seq, len, frag, ct_len, tag);
  if (memcmp(tag, frag + ct_len, TLS_TAG_LEN) != 0)
    return FALSE;
  g_byte_array_set_size(plain, (guint)ct_len);
  memcpy(plain->data, frag, ct_len);
  keystream_xor(key, seq, plain->data, ct_len);
  /* Strip zero padding; the last non-zero byte is the content type (RFC 8446 §5.4). */
  gsize n = ct_len;
  while (n > 0 && plain->data[n - 1] == 0)
    n--;
  if (n == 0) {
    *type = 0; /* no content type at all: the caller sends unexpected_message */
    g_byte_array_set_size(plain, 0);
    return TRUE;
  }
  *type = plain->data[n - 1];
  g_byte_array_set_size(plain, (guint)(n - 1));
  return TRUE;
}
