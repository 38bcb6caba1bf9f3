/* srtp.c — a model of SRTP and SRTCP (RFC 3711) with SDES keys (RFC 4568).
 *
 * THIS IS A MODEL, NOT CRYPTOGRAPHY.  It keeps SRTP's shape exactly where a network sees it: the
 * RTP header (and the first 8 bytes of RTCP) in clear, the payload replaced by keystream-XORed
 * bytes of the same length, the 48-bit packet index from the rollover counter and the sequence
 * number (§3.3.1), the 64-packet replay window (§3.3.2), SRTCP's E flag and 31-bit index (§3.4),
 * and the 80-bit tag of HMAC-SHA1 over the authenticated portion (and the ROC for SRTP, §4.2).
 * Session keys are derived from the master key and salt with the labels of §4.3.1, but with
 * HMAC-SHA256 instead of AES-CM as the PRF; the keystream is an HMAC-SHA256 of (salt, SSRC, index)
 * expanded by SplitMix64 instead of AES counter mode.  Anything a middlebox changes therefore fails
 * authentication at the receiver, which is what matters to the calls being simulated.
 */
#include "media/srtp.h"

#include <string.h>

#include "media/rtp.h"
#include "net/ipv4.h"

/* Key derivation labels (RFC 3711 §4.3.1 and §4.3.2). */
enum {
  LABEL_RTP_ENC = 0x00,
  LABEL_RTP_AUTH = 0x01,
  LABEL_RTP_SALT = 0x02,
  LABEL_RTCP_ENC = 0x03,
  LABEL_RTCP_AUTH = 0x04,
  LABEL_RTCP_SALT = 0x05,
};

#define REPLAY_WINDOW 64 /* RFC 3711 §3.3.2: SRTP_WINDOW_SIZE at least 64 */

/* Per-SSRC state of one direction.  `roc`/`s_l` are the rollover counter and highest sequence
 * number (§3.3.1); `replay_top`/`replay_mask` the highest authenticated index and a bitmap of the
 * 64 indices below and at it. */
typedef struct {
  gboolean seen;        /* any packet of this SSRC processed */
  guint32 roc;          /* rollover counter */
  guint16 s_l;          /* highest sequence number */
  guint64 replay_top;   /* highest authenticated 48-bit index */
  guint64 replay_mask;  /* bit k: index replay_top - k was received */
  guint32 rtcp_index;   /* next SRTCP index to send */
  gboolean rtcp_seen;   /* any SRTCP received */
  guint32 rtcp_top;     /* highest SRTCP index received */
  guint64 rtcp_mask;    /* SRTCP replay bitmap */
} SsrcState;

/* The keys of one kind of packet (RTP or RTCP). */
typedef struct {
  GHmac *enc;                        /* pre-keyed keystream PRF */
  GHmac *auth;                       /* pre-keyed HMAC-SHA1 for the tag */
  guint8 salt[SRTP_MASTER_SALT_LEN]; /* session salt */
} SessionKeys;

struct SrtpContext {
  SessionKeys rtp;     /* SRTP session keys */
  SessionKeys rtcp;    /* SRTCP session keys */
  GHashTable *ssrcs;   /* SSRC -> SsrcState */
};

const char *
srtp_status_name(SrtpStatus s)
{
  static const char *const names[] = {"ok", "malformed", "auth", "replay"};
  return (guint)s < G_N_ELEMENTS(names) ? names[s] : "?";
}

/* PRF(master key, label || salt): the §4.3.1 derivation with HMAC-SHA256 as the PRF. */
static void
derive(const SrtpKeys *keys, guint8 label, guint8 out[32])
{
  g_autoptr(GHmac) h = g_hmac_new(G_CHECKSUM_SHA256, keys->key, sizeof keys->key);
  g_hmac_update(h, &label, 1);
  g_hmac_update(h, keys->salt, sizeof keys->salt);
  gsize n = 32;
  g_hmac_get_digest(h, out, &n);
}

static void
session_init(SessionKeys *s, const SrtpKeys *keys, guint8 enc, guint8 auth, guint8 salt)
{
  guint8 k[32];
  derive(keys, enc, k);
  s->enc = g_hmac_new(G_CHECKSUM_SHA256, k, 16); /* n_e = 128 bits */
  derive(keys, auth, k);
  s->auth = g_hmac_new(G_CHECKSUM_SHA1, k, 20); /* n_a = 160 bits (§5.2) */
  derive(keys, salt, k);
  memcpy(s->salt, k, sizeof s->salt);
}

SrtpContext *
srtp_context_new(const SrtpKeys *keys)
{
  g_return_val_if_fail(keys != NULL, NULL);
  SrtpContext *ctx = g_new0(SrtpContext, 1);
  session_init(&ctx->rtp, keys, LABEL_RTP_ENC, LABEL_RTP_AUTH, LABEL_RTP_SALT);
  session_init(&ctx->rtcp, keys, LABEL_RTCP_ENC, LABEL_RTCP_AUTH, LABEL_RTCP_SALT);
  ctx->ssrcs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  return ctx;
}

void
srtp_context_free(SrtpContext *ctx)
{
  if (!ctx)
    return;
  g_hmac_unref(ctx->rtp.enc);
  g_hmac_unref(ctx->rtp.auth);
  g_hmac_unref(ctx->rtcp.enc);
  g_hmac_unref(ctx->rtcp.auth);
  g_hash_table_destroy(ctx->ssrcs);
  g_free(ctx);
}

static SsrcState *
ssrc_state(SrtpContext *ctx, guint32 ssrc)
{
  SsrcState *s = g_hash_table_lookup(ctx->ssrcs, GUINT_TO_POINTER(ssrc));
  if (!s) {
    s = g_new0(SsrcState, 1);
    g_hash_table_insert(ctx->ssrcs, GUINT_TO_POINTER(ssrc), s);
  }
  return s;
}

static guint64
splitmix64(guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* XOR data with the keystream of (session salt, SSRC, 48-bit index): the inputs of the AES-CM IV
 * of §4.1.1, through the model PRF. */
static void
keystream_xor(const SessionKeys *s, guint32 ssrc, guint64 index, guint8 *data, gsize len)
{
  g_autoptr(GHmac) h = g_hmac_copy(s->enc);
  guint8 iv[4 + 8];
  net_put32(iv, ssrc);
  net_put32(iv + 4, (guint32)(index >> 32));
  net_put32(iv + 8, (guint32)index);
  g_hmac_update(h, s->salt, sizeof s->salt);
  g_hmac_update(h, iv, sizeof iv);
  guint8 seed[32];
  gsize n = sizeof seed;
  g_hmac_get_digest(h, seed, &n);
  guint64 x = 0;
  for (int i = 0; i < 8; i++)
    x = (x << 8) | (seed[i] ^ seed[i + 8] ^ seed[i + 16] ^ seed[i + 24]);
  for (gsize off = 0; off < len; off += 8) {
    guint64 k = splitmix64(&x);
    for (gsize i = 0; i < 8 && off + i < len; i++)
      data[off + i] ^= (guint8)(k >> (8 * i));
  }
}

/* HMAC-SHA1 over the authenticated portion, then `extra` (the ROC for SRTP, §4.2), truncated. */
static void
compute_tag(const SessionKeys *s, const guint8 *data, gsize len, const guint8 *extra,
            gsize extra_len, guint8 tag[SRTP_AUTH_TAG_LEN])
{
  g_autoptr(GHmac) h = g_hmac_copy(s->auth);
  g_hmac_update(h, data, len);
  if (extra_len)
    g_hmac_update(h, extra, extra_len);
  guint8 full[20];
  gsize n = sizeof full;
  g_hmac_get_digest(h, full, &n);
  memcpy(tag, full, SRTP_AUTH_TAG_LEN);
}

/* Constant-time comparison, as an implementation should (RFC 3711 §9.5 on timing). */
static gboolean
tag_equal(const guint8 *a, const guint8 *b)
{
  guint8 d = 0;
  for (int i = 0; i < SRTP_AUTH_TAG_LEN; i++)
    d |= a[i] ^ b[i];
  return d == 0;
}

/* RFC 3711 §3.3.1 / Appendix A: guess the ROC of a received sequence number. */
static guint32
estimate_roc(const SsrcState *st, guint16 seq)
{
  if (!st->seen)
    return 0;
  if (st->s_l < 32768)
    return (seq > st->s_l && seq - st->s_l > 32768) ? st->roc - 1 : st->roc;
  return (st->s_l - 32768 > seq) ? st->roc + 1 : st->roc;
}

static void
update_roc(SsrcState *st, guint32 v, guint16 seq)
{
  if (!st->seen) {
    st->seen = TRUE;
    st->roc = v;
    st->s_l = seq;
  } else if (v == st->roc + 1) {
    st->roc = v;
    st->s_l = seq;
  } else if (v == st->roc && seq > st->s_l) {
    st->s_l = seq;
  }
}

/* Replay check on a 64-entry window (§3.3.2); `commit` records the index. */
static gboolean
replay_ok(guint64 *top, guint64 *mask, gboolean seen, guint64 index, gboolean commit)
{
  if (!seen || index > *top) {
    if (commit) {
      guint64 shift = seen ? index - *top : REPLAY_WINDOW;
      *mask = shift >= REPLAY_WINDOW ? 1 : (*mask << shift) | 1;
      *top = index;
    }
    return TRUE;
  }
  guint64 age = *top - index;
  if (age >= REPLAY_WINDOW || (*mask & (G_GUINT64_CONSTANT(1) << age)))
    return FALSE;
  if (commit)
    *mask |= G_GUINT64_CONSTANT(1) << age;
  return TRUE;
}

gsize
srtp_protect(SrtpContext *ctx, guint8 *buf, gsize len, gsize cap)
{
  g_return_val_if_fail(ctx != NULL && buf != NULL, 0);
  RtpHeader h;
  if (rtp_parse(buf, len, &h) != 1 || cap < len || cap - len < SRTP_AUTH_TAG_LEN)
    return 0;
  SsrcState *st = ssrc_state(ctx, h.ssrc);
  guint32 v = estimate_roc(st, h.seq); /* the sender's own ROC advances on wrap */
  update_roc(st, v, h.seq);
  guint64 index = ((guint64)v << 16) | h.seq;
  /* The encrypted portion is the payload including any padding (§3.1). */
  keystream_xor(&ctx->rtp, h.ssrc, index, buf + h.payload_off, len - h.payload_off);
  guint8 roc[4];
  net_put32(roc, v);
  compute_tag(&ctx->rtp, buf, len, roc, sizeof roc, buf + len);
  return len + SRTP_AUTH_TAG_LEN;
}

SrtpStatus
srtp_unprotect(SrtpContext *ctx, guint8 *buf, gsize len, gsize *out_len)
{
  g_return_val_if_fail(ctx != NULL && buf != NULL && out_len != NULL, SRTP_ERR_MALFORMED);
  *out_len = 0;
  if (len < RTP_HEADER_LEN + SRTP_AUTH_TAG_LEN)
    return SRTP_ERR_MALFORMED;
  gsize plen = len - SRTP_AUTH_TAG_LEN;
  RtpHeader h;
  /* The header is parsed without the padding check: padding is encrypted (§3.1). */
  guint8 first = buf[0];
  buf[0] &= ~0x20;
  int r = rtp_parse(buf, plen, &h);
  buf[0] = first;
  if (r != 1)
    return SRTP_ERR_MALFORMED;
  SsrcState *st = ssrc_state(ctx, h.ssrc);
  guint32 v = estimate_roc(st, h.seq);
  guint64 index = ((guint64)v << 16) | h.seq;
  if (!replay_ok(&st->replay_top, &st->replay_mask, st->seen, index, FALSE))
    return SRTP_ERR_REPLAY;
  guint8 roc[4], tag[SRTP_AUTH_TAG_LEN];
  net_put32(roc, v);
  compute_tag(&ctx->rtp, buf, plen, roc, sizeof roc, tag);
  if (!tag_equal(tag, buf + plen))
    return SRTP_ERR_AUTH;
  replay_ok(&st->replay_top, &st->replay_mask, st->seen, index, TRUE);
  update_roc(st, v, h.seq);
  keystream_xor(&ctx->rtp, h.ssrc, index, buf + h.payload_off, plen - h.payload_off);
  *out_len = plen;
  return SRTP_OK;
}

gsize
srtcp_protect(SrtpContext *ctx, guint8 *buf, gsize len, gsize cap)
{
  g_return_val_if_fail(ctx != NULL && buf != NULL, 0);
  if (len < RTCP_HEADER_LEN || cap < len || cap - len < SRTCP_OVERHEAD ||
      rtp_classify(buf, len) != RTP_KIND_RTCP)
    return 0;
  guint32 ssrc = net_get32(buf + 4);
  SsrcState *st = ssrc_state(ctx, ssrc);
  guint32 index = st->rtcp_index;
  st->rtcp_index = (st->rtcp_index + 1) & 0x7fffffff; /* §3.4: 31 bits */
  keystream_xor(&ctx->rtcp, ssrc, index, buf + RTCP_HEADER_LEN, len - RTCP_HEADER_LEN);
  net_put32(buf + len, 0x80000000u | index); /* E = 1: encrypted */
  compute_tag(&ctx->rtcp, buf, len + SRTCP_INDEX_LEN, NULL, 0, buf + len + SRTCP_INDEX_LEN);
  return len + SRTCP_OVERHEAD;
}

SrtpStatus
srtcp_unprotect(SrtpContext *ctx, guint8 *buf, gsize len, gsize *out_len)
{
  g_return_val_if_fail(ctx != NULL && buf != NULL && out_len != NULL, SRTP_ERR_MALFORMED);
  *out_len = 0;
  if (len < RTCP_HEADER_LEN + SRTCP_OVERHEAD || rtp_classify(buf, len) != RTP_KIND_RTCP)
    return SRTP_ERR_MALFORMED;
  gsize plen = len - SRTCP_OVERHEAD;
  guint32 ssrc = net_get32(buf + 4);
  guint32 word = net_get32(buf + plen);
  guint32 index = word & 0x7fffffff;
  SsrcState *st = ssrc_state(ctx, ssrc);
  guint64 top = st->rtcp_top;
  if (!replay_ok(&top, &st->rtcp_mask, st->rtcp_seen, index, FALSE))
    return SRTP_ERR_REPLAY;
  guint8 tag[SRTP_AUTH_TAG_LEN];
  compute_tag(&ctx->rtcp, buf, plen + SRTCP_INDEX_LEN, NULL, 0, tag);
  if (!tag_equal(tag, buf + plen + SRTCP_INDEX_LEN))
    return SRTP_ERR_AUTH;
  replay_ok(&top, &st->rtcp_mask, st->rtcp_seen, index, TRUE);
  st->rtcp_top = (guint32)top;
  st->rtcp_seen = TRUE;
  if (word & 0x80000000u) /* E flag: the payload is encrypted */
    keystream_xor(&ctx->rtcp, ssrc, index, buf + RTCP_HEADER_LEN, plen - RTCP_HEADER_LEN);
  *out_len = plen;
  return SRTP_OK;
}

/* ---- SDES keys (RFC 4568) --------------------------------------------------------------------- */

void
srtp_keys_generate(GRand *rand, SrtpKeys *keys)
{
  g_return_if_fail(rand != NULL && keys != NULL);
  for (gsize i = 0; i < sizeof keys->key; i++)
    keys->key[i] = (guint8)g_rand_int_range(rand, 0, 256);
  for (gsize i = 0; i < sizeof keys->salt; i++)
    keys->salt[i] = (guint8)g_rand_int_range(rand, 0, 256);
}

char *
srtp_crypto_attr_format(guint tag, const SrtpKeys *keys)
{
  g_return_val_if_fail(keys != NULL, NULL);
  guint8 ks[SRTP_MASTER_KEY_LEN + SRTP_MASTER_SALT_LEN];
  memcpy(ks, keys->key, SRTP_MASTER_KEY_LEN);
  memcpy(ks + SRTP_MASTER_KEY_LEN, keys->salt, SRTP_MASTER_SALT_LEN);
  g_autofree char *b64 = g_base64_encode(ks, sizeof ks);
  return g_strdup_printf("%u " SRTP_SUITE " inline:%s", tag, b64);
}

static gboolean
is_b64(char c)
{
  return g_ascii_isalnum(c) || c == '+' || c == '/' || c == '=';
}

int
srtp_crypto_attr_parse(const char *value, gsize len, guint *tag, SrtpKeys *keys)
{
  g_return_val_if_fail(tag != NULL && keys != NULL, -1);
  if (!value)
    return -1;
  /* tag = 1*9DIGIT (§9.1) */
  gsize i = 0;
  guint64 t = 0;
  while (i < len && g_ascii_isdigit(value[i]) && i < 9)
    t = t * 10 + (guint64)(value[i++] - '0');
  if (i == 0 || i >= len || (value[i] != ' ' && value[i] != '\t'))
    return -1;
  while (i < len && (value[i] == ' ' || value[i] == '\t'))
    i++;
  gsize suite = i;
  while (i < len && (g_ascii_isalnum(value[i]) || value[i] == '_'))
    i++;
  gsize suite_len = i - suite;
  if (suite_len == 0 || i >= len || (value[i] != ' ' && value[i] != '\t'))
    return -1;
  while (i < len && (value[i] == ' ' || value[i] == '\t'))
    i++;
  /* key-params: "inline:" key||salt ["|" lifetime] ["|" mki:length], possibly ';'-separated */
  static const char inl[] = "inline:";
  if (len - i < sizeof inl - 1 || g_ascii_strncasecmp(value + i, inl, sizeof inl - 1) != 0)
    return -1;
  i += sizeof inl - 1;
  gsize k = i;
  while (i < len && is_b64(value[i]))
    i++;
  gsize key_len = i - k;
  /* What follows the key must be a lifetime/MKI, another key-param, or session parameters. */
  if (i < len && value[i] != '|' && value[i] != ';' && value[i] != ' ' && value[i] != '\t')
    return -1;
  if (suite_len != strlen(SRTP_SUITE) || memcmp(value + suite, SRTP_SUITE, suite_len) != 0)
    return 0; /* e.g. AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM: valid, not modelled */
  /* 30 octets of key||salt are 40 base64 characters without padding (RFC 4568 §6.1). */
  if (key_len != 40)
    return -1;
  char b64[41];
  memcpy(b64, value + k, 40);
  b64[40] = '\0';
  if (strchr(b64, '=') != NULL)
    return -1;
  gsize out_len = 0;
  g_autofree guint8 *raw = g_base64_decode(b64, &out_len);
  if (out_len != SRTP_MASTER_KEY_LEN + SRTP_MASTER_SALT_LEN)
    return -1;
  memcpy(keys->key, raw, SRTP_MASTER_KEY_LEN);
  memcpy(keys->salt, raw + SRTP_MASTER_KEY_LEN, SRTP_MASTER_SALT_LEN);
  *tag = (guint)t;
  return 1;
}
