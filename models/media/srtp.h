/* srtp.h — a model of SRTP/SRTCP (RFC 3711) and of SDES key exchange (RFC 4568).
 *
 * The packet layout and the checks are SRTP's; the cipher is a keyed stand-in (see srtp.c), not
 * cryptography.  What a middlebox sees and what breaks the call are the real thing: the RTP header
 * stays in clear, the payload is unreadable, a 10-byte tag (HMAC-SHA1-80) covers the header and the
 * payload, and any byte changed on the way makes the receiver discard the packet.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SRTP_MASTER_KEY_LEN 16  /* AES_CM_128: 128-bit master key (RFC 3711 §8.2) */
#define SRTP_MASTER_SALT_LEN 14 /* 112-bit master salt */
#define SRTP_AUTH_TAG_LEN 10    /* HMAC_SHA1_80 (RFC 3711 §5.2) */
#define SRTCP_INDEX_LEN 4       /* E flag + 31-bit SRTCP index (RFC 3711 §3.4) */
#define SRTP_OVERHEAD SRTP_AUTH_TAG_LEN
#define SRTCP_OVERHEAD (SRTCP_INDEX_LEN + SRTP_AUTH_TAG_LEN)
#define SRTP_SUITE "AES_CM_128_HMAC_SHA1_80" /* the one suite modelled (RFC 4568 §6.2.1) */

typedef struct {
  guint8 key[SRTP_MASTER_KEY_LEN];   /* master key */
  guint8 salt[SRTP_MASTER_SALT_LEN]; /* master salt */
} SrtpKeys;

typedef enum {
  SRTP_OK,            /* authenticated and decrypted */
  SRTP_ERR_MALFORMED, /* too short, not RTP/RTCP */
  SRTP_ERR_AUTH,      /* authentication tag mismatch (RFC 3711 §3.3 step 5) */
  SRTP_ERR_REPLAY,    /* index already seen or too old for the window (§3.3.2) */
} SrtpStatus;

const char *srtp_status_name(SrtpStatus s); /* "ok", "malformed", "auth", "replay" */

/* One cryptographic context for one direction (RFC 3711 §3.2): the master key and, per SSRC, the
 * rollover counter, highest sequence, replay window and the SRTCP index. */
typedef struct SrtpContext SrtpContext;

SrtpContext *srtp_context_new(const SrtpKeys *keys);
void srtp_context_free(SrtpContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SrtpContext, srtp_context_free)

/* Protect an RTP packet in place (buf holds len bytes, has room for cap): encrypt the payload and
 * append the tag.  Returns the new length, 0 if malformed or no room. */
gsize srtp_protect(SrtpContext *ctx, guint8 *buf, gsize len, gsize cap);
/* Verify and decrypt in place; *out_len is the RTP length without the tag. */
SrtpStatus srtp_unprotect(SrtpContext *ctx, guint8 *buf, gsize len, gsize *out_len);
/* The same for a compound RTCP packet: everything after the first 8 bytes is encrypted, then
 * E||index and the tag are appended (RFC 3711 §3.4). */
gsize srtcp_protect(SrtpContext *ctx, guint8 *buf, gsize len, gsize cap);
SrtpStatus srtcp_unprotect(SrtpContext *ctx, guint8 *buf, gsize len, gsize *out_len);

/* Fresh master key and salt from a model random stream. */
void srtp_keys_generate(GRand *rand, SrtpKeys *keys);
/* The SDP a=crypto attribute value (RFC 4568 §9.1), e.g.
 * "1 AES_CM_128_HMAC_SHA1_80 inline:<base64 key||salt>".  Caller frees. */
char *srtp_crypto_attr_format(guint tag, const SrtpKeys *keys);
/* Parse an a=crypto value (not NUL-terminated; len bytes): 1 parsed, 0 a valid attribute for
 * another suite, -1 malformed.  Lifetime, MKI and session parameters are accepted and ignored. */
int srtp_crypto_attr_parse(const char *value, gsize len, guint *tag, SrtpKeys *keys);

G_END_DECLS
