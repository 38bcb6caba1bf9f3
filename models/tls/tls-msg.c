/* tls-msg.c — TLS 1.2 handshake messages with their real structure (RFC 5246 §7.4), and the
 * TLS 1.3 ones the model adds (RFC 8446 §4: supported_versions, key_share, EncryptedExtensions,
 * the 1.3 Certificate layout, CertificateVerify), built and parsed without over-reading.
 *
 * The client offers the cipher suites and extensions a current TLS 1.2 client sends (RFC 6066
 * server_name, RFC 8422 supported_groups and ec_point_formats, RFC 5246 §7.4.1.4.1
 * signature_algorithms, RFC 5746 renegotiation_info); the server always picks
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 and X25519, signs its ECDHE parameters with a 2048-bit
 * RSA "signature" (256 random bytes) and sends the certificate chain of tls-cert.c.  Parsers
 * check every length against its container and return the alert a real stack would send:
 * decode_error for a malformed message (RFC 5246 §7.2.2), illegal_parameter for a server choice
 * the client did not offer; which suite and version to use is left to the server's state machine.
 */
#include <string.h>

#include "tls-private.h"

/* TLS 1.3 suites a client offering TLS 1.3 puts first (RFC 8446 §B.4). */
static const guint16 offered_suites13[] = {0x1301, 0x1302, 0x1303};

/* Cipher suites offered by the client, in preference order (a 2020s TLS 1.2 client). */
static const guint16 offered_suites[] = {
  0xc02b, /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
  0xc02f, /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
  0xc02c, /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
  0xc030, /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
  0xcca9, /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
  0xcca8, /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
  0x009c, /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
  0x009d, /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
};

/* supported_groups: x25519, secp256r1, secp384r1 (RFC 8422 §5.1.1, RFC 7748). */
static const guint16 offered_groups[] = {0x001d, 0x0017, 0x0018};

/* signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256, ... */
static const guint16 offered_sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503,
                                          0x0805, 0x0501, 0x0806, 0x0601};

#define EXT_SERVER_NAME 0x0000
#define EXT_SUPPORTED_GROUPS 0x000a
#define EXT_EC_POINT_FORMATS 0x000b
#define EXT_SIGNATURE_ALGORITHMS 0x000d
#define EXT_SUPPORTED_VERSIONS 0x002b /* RFC 8446 §4.2.1 */
#define EXT_PSK_KEY_EXCHANGE_MODES 0x002d /* RFC 8446 §4.2.9 */
#define EXT_KEY_SHARE 0x0033 /* RFC 8446 §4.2.8 */
#define EXT_RENEGOTIATION_INFO 0xff01
#define GROUP_X25519 0x001d
#define SIGALG_RSA_PKCS1_SHA256 0x0401
#define SIGALG_RSA_PSS_RSAE_SHA256 0x0804 /* what TLS 1.3 servers sign with RSA keys */

/* ---- Writing ----------------------------------------------------------------------------------- */

static void
put8(GByteArray *o, guint v)
{
  guint8 b = (guint8)v;
  g_byte_array_append(o, &b, 1);
}

static void
put16(GByteArray *o, guint v)
{
  guint8 b[2] = {(guint8)(v >> 8), (guint8)v};
  g_byte_array_append(o, b, 2);
}

static void
put_bytes(GByteArray *o, const guint8 *p, gsize n)
{
  if (n)
    g_byte_array_append(o, p, (guint)n);
}

/* Reserve an n-byte length field; returns its offset for close_len(). */
static guint
open_len(GByteArray *o, guint n)
{
  guint at = o->len;
  g_byte_array_set_size(o, at + n);
  return at;
}

/* Fill the n-byte length field at `at` with the bytes written after it. */
static void
close_len(GByteArray *o, guint at, guint n)
{
  gsize len = o->len - at - n;
  for (guint i = 0; i < n; i++)
    o->data[at + i] = (guint8)(len >> (8 * (n - 1 - i)));
}

static void
random_bytes(GRand *rand, guint8 *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    p[i] = (guint8)g_rand_int_range(rand, 0, 256);
}

/* ---- Builders ---------------------------------------------------------------------------------- */

void
tls_msg_client_hello(GByteArray *out, const guint8 random[TLS_RANDOM_LEN],
                     const guint8 session_id[32], const char *server_name, const guint8 *share13)
{
  put8(out, TLS_HS_CLIENT_HELLO);
  guint body = open_len(out, 3);
  put16(out, TLS_VERSION_1_2); /* client_version */
  put_bytes(out, random, TLS_RANDOM_LEN);
  put8(out, 32); /* a session id, as clients send for middlebox compatibility */
  put_bytes(out, session_id, 32);
  guint suites = open_len(out, 2);
  for (gsize i = 0; share13 && i < G_N_ELEMENTS(offered_suites13); i++)
    put16(out, offered_suites13[i]);
  for (gsize i = 0; i < G_N_ELEMENTS(offered_suites); i++)
    put16(out, offered_suites[i]);
  close_len(out, suites, 2);
  put8(out, 1); /* compression_methods: null only (RFC 5246 §7.4.1.2) */
  put8(out, 0);
  guint exts = open_len(out, 2);
  if (server_name && server_name[0]) {
    /* RFC 6066 §3: ServerNameList of one host_name. */
    put16(out, EXT_SERVER_NAME);
    guint ext = open_len(out, 2);
    guint list = open_len(out, 2);
    put8(out, 0); /* host_name */
    put16(out, (guint)strlen(server_name));
    put_bytes(out, (const guint8 *)server_name, strlen(server_name));
    close_len(out, list, 2);
    close_len(out, ext, 2);
  }
  put16(out, EXT_SUPPORTED_GROUPS);
  put16(out, 2 + 2 * G_N_ELEMENTS(offered_groups));
  put16(out, 2 * G_N_ELEMENTS(offered_groups));
  for (gsize i = 0; i < G_N_ELEMENTS(offered_groups); i++)
    put16(out, offered_groups[i]);
  put16(out, EXT_EC_POINT_FORMATS);
  put16(out, 2);
  put8(out, 1);
  put8(out, 0); /* uncompressed (RFC 8422 §5.1.2) */
  put16(out, EXT_SIGNATURE_ALGORITHMS);
  put16(out, 2 + 2 * G_N_ELEMENTS(offered_sigalgs));
  put16(out, 2 * G_N_ELEMENTS(offered_sigalgs));
  for (gsize i = 0; i < G_N_ELEMENTS(offered_sigalgs); i++)
    put16(out, offered_sigalgs[i]);
  put16(out, EXT_RENEGOTIATION_INFO);
  put16(out, 1);
  put8(out, 0); /* empty renegotiated_connection (RFC 5746 §3.4) */
  if (share13) {
    put16(out, EXT_SUPPORTED_VERSIONS);
    put16(out, 5);
    put8(out, 4);
    put16(out, TLS_VERSION_1_3);
    put16(out, TLS_VERSION_1_2);
    put16(out, EXT_PSK_KEY_EXCHANGE_MODES);
    put16(out, 2);
    put8(out, 1);
    put8(out, 1); /* psk_dhe_ke */
    put16(out, EXT_KEY_SHARE);
    put16(out, 2 + 4 + TLS_SHARE_LEN);
    put16(out, 4 + TLS_SHARE_LEN); /* client_shares: one X25519 entry */
    put16(out, GROUP_X25519);
    put16(out, TLS_SHARE_LEN);
    put_bytes(out, share13, TLS_SHARE_LEN);
  }
  close_len(out, exts, 2);
  close_len(out, body, 3);
}

void
tls_msg_server_hello13(GByteArray *out, const guint8 random[TLS_RANDOM_LEN],
                       const guint8 session_id[32], const guint8 share[TLS_SHARE_LEN])
{
  /* RFC 8446 §4.1.3: legacy_version 0x0303, the client's session id echoed, no compression. */
  put8(out, TLS_HS_SERVER_HELLO);
  guint body = open_len(out, 3);
  put16(out, TLS_VERSION_1_2);
  put_bytes(out, random, TLS_RANDOM_LEN);
  put8(out, 32);
  put_bytes(out, session_id, 32);
  put16(out, TLS_SUITE13);
  put8(out, 0);
  guint exts = open_len(out, 2);
  put16(out, EXT_SUPPORTED_VERSIONS);
  put16(out, 2);
  put16(out, TLS_VERSION_1_3);
  put16(out, EXT_KEY_SHARE);
  put16(out, 4 + TLS_SHARE_LEN);
  put16(out, GROUP_X25519);
  put16(out, TLS_SHARE_LEN);
  put_bytes(out, share, TLS_SHARE_LEN);
  close_len(out, exts, 2);
  close_len(out, body, 3);
}

void
tls_msg_encrypted_extensions(GByteArray *out)
{
  put8(out, TLS_HS_ENCRYPTED_EXTENSIONS);
  guint body = open_len(out, 3);
  put16(out, 0); /* no extensions */
  close_len(out, body, 3);
}

void
tls_msg_certificate_verify(GByteArray *out, GRand *rand)
{
  put8(out, TLS_HS_CERTIFICATE_VERIFY);
  guint body = open_len(out, 3);
  put16(out, SIGALG_RSA_PSS_RSAE_SHA256);
  put16(out, 256);
  guint at = out->len;
  g_byte_array_set_size(out, at + 256);
  random_bytes(rand, out->data + at, 256);
  close_len(out, body, 3);
}

void
tls_msg_server_hello(GByteArray *out, const guint8 random[TLS_RANDOM_LEN],
                     const guint8 session_id[32])
{
  put8(out, TLS_HS_SERVER_HELLO);
  guint body = open_len(out, 3);
  put16(out, TLS_VERSION_1_2);
  put_bytes(out, random, TLS_RANDOM_LEN);
  put8(out, 32);
  put_bytes(out, session_id, 32);
  put16(out, TLS_SUITE);
  put8(out, 0); /* compression null */
  guint exts = open_len(out, 2);
  put16(out, EXT_RENEGOTIATION_INFO);
  put16(out, 1);
  put8(out, 0);
  put16(out, EXT_EC_POINT_FORMATS);
  put16(out, 2);
  put8(out, 1);
  put8(out, 0);
  close_len(out, exts, 2);
  close_len(out, body, 3);
}

void
tls_msg_certificate(GByteArray *out, GRand *rand, guint chain_bytes, gboolean tls13)
{
  put8(out, TLS_HS_CERTIFICATE);
  guint body = open_len(out, 3);
  if (tls13)
    put8(out, 0); /* empty certificate_request_context (RFC 8446 §4.4.2) */
  guint list = open_len(out, 3);
  tls_cert_chain(out, rand, chain_bytes, tls13);
  close_len(out, list, 3);
  close_len(out, body, 3);
}

void
tls_msg_server_key_exchange(GByteArray *out, const guint8 share[TLS_SHARE_LEN], GRand *rand)
{
  /* ServerECDHParams + digitally-signed (RFC 8422 §5.4, RFC 5246 §4.7). */
  put8(out, TLS_HS_SERVER_KEY_EXCHANGE);
  guint body = open_len(out, 3);
  put8(out, 3); /* curve_type named_curve */
  put16(out, GROUP_X25519);
  put8(out, TLS_SHARE_LEN);
  put_bytes(out, share, TLS_SHARE_LEN);
  put16(out, SIGALG_RSA_PKCS1_SHA256);
  put16(out, 256);
  guint at = out->len;
  g_byte_array_set_size(out, at + 256);
  random_bytes(rand, out->data + at, 256);
  close_len(out, body, 3);
}

void
tls_msg_server_hello_done(GByteArray *out)
{
  put8(out, TLS_HS_SERVER_HELLO_DONE);
  guint body = open_len(out, 3);
  close_len(out, body, 3);
}

void
tls_msg_client_key_exchange(GByteArray *out, const guint8 share[TLS_SHARE_LEN])
{
  put8(out, TLS_HS_CLIENT_KEY_EXCHANGE);
  guint body = open_len(out, 3);
  put8(out, TLS_SHARE_LEN); /* ClientECDiffieHellmanPublic (RFC 8422 §5.7) */
  put_bytes(out, share, TLS_SHARE_LEN);
  close_len(out, body, 3);
}

void
tls_msg_finished(GByteArray *out, const guint8 *verify, gsize len)
{
  put8(out, TLS_HS_FINISHED);
  guint body = open_len(out, 3);
  put_bytes(out, verify, len);
  close_len(out, body, 3);
}

/* ---- Reading ----------------------------------------------------------------------------------- */

typedef struct {
  const guint8 *p; /* message body */
  gsize len;       /* its length */
  gsize off;       /* read position */
  gboolean bad;    /* a read went past the end */
} Rd;

static guint
get_n(Rd *r, guint n)
{
  if (r->bad || r->len - r->off < n) {
    r->bad = TRUE;
    return 0;
  }
  guint v = 0;
  for (guint i = 0; i < n; i++)
    v = v << 8 | r->p[r->off++];
  return v;
}

static const guint8 *
get_bytes(Rd *r, gsize n)
{
  if (r->bad || r->len - r->off < n) {
    r->bad = TRUE;
    return NULL;
  }
  const guint8 *p = r->p + r->off;
  r->off += n;
  return p;
}

/* A sub-reader over the next `n`-byte-length-prefixed vector. */
static Rd
get_vec(Rd *r, guint n)
{
  guint len = get_n(r, n);
  const guint8 *p = get_bytes(r, len);
  Rd sub = {p, p ? len : 0, 0, r->bad};
  return sub;
}

static gboolean
done(const Rd *r)
{
  return !r->bad && r->off == r->len;
}

/* Version, random and session id, common to both hellos. */
static guint8
parse_hello_start(Rd *r, TlsHello *out)
{
  guint version = get_n(r, 2);
  const guint8 *random = get_bytes(r, TLS_RANDOM_LEN);
  Rd sid = get_vec(r, 1);
  if (r->bad || sid.len > 32)
    return TLS_ALERT_DECODE_ERROR;
  if (version != TLS_VERSION_1_2)
    return TLS_ALERT_PROTOCOL_VERSION; /* the model speaks TLS 1.2 only (RFC 5246 App. E.1) */
  memcpy(out->random, random, TLS_RANDOM_LEN);
  out->session_id_len = (guint)sid.len;
  if (sid.len)
    memcpy(out->session_id, sid.p, sid.len);
  return 0;
}

/* TLS 1.3's two hello extensions; FALSE if malformed. */
static gboolean
parse_ext13(guint type, Rd *ext, gboolean client_hello, TlsHello *out)
{
  if (type == EXT_SUPPORTED_VERSIONS && client_hello) {
    Rd list = get_vec(ext, 1);
    if (!done(ext) || list.len % 2)
      return FALSE;
    while (list.off < list.len)
      out->tls13 |= get_n(&list, 2) == TLS_VERSION_1_3;
  } else if (type == EXT_SUPPORTED_VERSIONS) {
    out->tls13 = get_n(ext, 2) == TLS_VERSION_1_3;
    return done(ext);
  } else if (type == EXT_KEY_SHARE) {
    Rd shares = client_hello ? get_vec(ext, 2) : *ext;
    while (!shares.bad && shares.off < shares.len) {
      guint group = get_n(&shares, 2);
      Rd key = get_vec(&shares, 2);
      if (!shares.bad && group == GROUP_X25519 && key.len == TLS_SHARE_LEN) {
        out->has_share = TRUE;
        memcpy(out->share, key.p, TLS_SHARE_LEN);
      }
    }
    if (!client_hello)
      ext->off = shares.off, ext->bad = shares.bad;
    return done(ext);
  }
  return TRUE;
}

/* Walk an extensions block; records SNI and TLS 1.3 offers.  FALSE if malformed. */
static gboolean
parse_extensions(Rd *r, TlsHello *out, gboolean client_hello)
{
  if (r->off == r->len)
    return TRUE; /* extensions are optional (RFC 5246 §7.4.1.2) */
  Rd exts = get_vec(r, 2);
  while (!exts.bad && exts.off < exts.len) {
    guint type = get_n(&exts, 2);
    Rd ext = get_vec(&exts, 2);
    if (exts.bad)
      return FALSE;
    if (type == EXT_SERVER_NAME && ext.len > 0) {
      Rd list = get_vec(&ext, 2);
      guint name_type = get_n(&list, 1);
      Rd name = get_vec(&list, 2);
      if (list.bad || !done(&ext) || name_type != 0 || name.len == 0 || name.len > 255)
        return FALSE;
      memcpy(out->server_name, name.p, name.len);
      out->server_name[name.len] = '\0';
    } else if (!parse_ext13(type, &ext, client_hello, out)) {
      return FALSE;
    }
  }
  return !exts.bad && done(r);
}

guint8
tls_parse_client_hello(const guint8 *b, gsize len, TlsHello *out)
{
  Rd r = {b, len, 0, FALSE};
  memset(out, 0, sizeof *out);
  guint8 alert = parse_hello_start(&r, out);
  if (alert)
    return alert;
  Rd suites = get_vec(&r, 2);
  Rd comp = get_vec(&r, 1);
  if (r.bad || suites.len < 2 || suites.len % 2 || comp.len < 1)
    return TLS_ALERT_DECODE_ERROR;
  if (!parse_extensions(&r, out, TRUE))
    return TLS_ALERT_DECODE_ERROR;
  gboolean have_null = FALSE;
  while (suites.off < suites.len) {
    guint suite = get_n(&suites, 2);
    out->suite12 |= suite == TLS_SUITE;
    out->suite13 |= suite == TLS_SUITE13;
  }
  while (comp.off < comp.len)
    have_null |= get_n(&comp, 1) == 0;
  if (!have_null)
    return TLS_ALERT_ILLEGAL_PARAMETER; /* null compression is mandatory (RFC 5246 §7.4.1.2) */
  return 0;
}

guint8
tls_parse_server_hello(const guint8 *b, gsize len, TlsHello *out)
{
  Rd r = {b, len, 0, FALSE};
  memset(out, 0, sizeof *out);
  guint8 alert = parse_hello_start(&r, out);
  if (alert)
    return alert;
  guint suite = get_n(&r, 2);
  guint comp = get_n(&r, 1);
  if (r.bad || !parse_extensions(&r, out, FALSE))
    return TLS_ALERT_DECODE_ERROR;
  if (suite != (out->tls13 ? TLS_SUITE13 : TLS_SUITE) || comp != 0)
    return TLS_ALERT_ILLEGAL_PARAMETER; /* not what the model negotiates (OpenSSL's choice) */
  if (out->tls13 && !out->has_share)
    return TLS_ALERT_ILLEGAL_PARAMETER; /* RFC 8446 §4.2.8: the server must answer a share */
  return 0;
}

guint8
tls_parse_certificate(const guint8 *b, gsize len, gboolean tls13, guint *list_len)
{
  Rd r = {b, len, 0, FALSE};
  if (tls13 && get_n(&r, 1) != 0)
    return TLS_ALERT_DECODE_ERROR; /* a request context only answers CertificateRequest */
  Rd list = get_vec(&r, 3);
  if (!done(&r) || list.len == 0)
    return TLS_ALERT_DECODE_ERROR;
  while (list.off < list.len) {
    Rd cert = get_vec(&list, 3);
    /* Each entry must at least look like DER: a SEQUENCE. */
    if (list.bad || cert.len < 2 || cert.p[0] != 0x30)
      return TLS_ALERT_DECODE_ERROR;
    if (tls13)
      get_vec(&list, 2); /* per-certificate extensions */
  }
  if (list.bad)
    return TLS_ALERT_DECODE_ERROR;
  *list_len = (guint)list.len;
  return 0;
}

guint8
tls_parse_server_key_exchange(const guint8 *b, gsize len, guint8 share[TLS_SHARE_LEN])
{
  Rd r = {b, len, 0, FALSE};
  guint curve_type = get_n(&r, 1);
  guint group = get_n(&r, 2);
  Rd point = get_vec(&r, 1);
  get_n(&r, 2); /* signature algorithm */
  Rd sig = get_vec(&r, 2);
  if (!done(&r) || sig.len == 0)
    return TLS_ALERT_DECODE_ERROR;
  if (curve_type != 3 || group != GROUP_X25519 || point.len != TLS_SHARE_LEN)
    return TLS_ALERT_ILLEGAL_PARAMETER; /* not a group we offered (RFC 8422 §5.4) */
  memcpy(share, point.p, TLS_SHARE_LEN);
  return 0;
}

guint8
tls_parse_client_key_exchange(const guint8 *b, gsize len, guint8 share[TLS_SHARE_LEN])
{
  Rd r = {b, len, 0, FALSE};
  Rd point = get_vec(&r, 1);
  if (!done(&r) || point.len != TLS_SHARE_LEN)
    return TLS_ALERT_DECODE_ERROR;
  memcpy(share, point.p, TLS_SHARE_LEN);
  return 0;
}

guint8
tls_parse_encrypted_extensions(const guint8 *b, gsize len)
{
  Rd r = {b, len, 0, FALSE};
  get_vec(&r, 2);
  return done(&r) ? 0 : TLS_ALERT_DECODE_ERROR;
}

guint8
tls_parse_certificate_verify(const guint8 *b, gsize len)
{
  Rd r = {b, len, 0, FALSE};
  get_n(&r, 2); /* signature algorithm */
  Rd sig = get_vec(&r, 2);
  return done(&r) && sig.len > 0 ? 0 : TLS_ALERT_DECODE_ERROR;
}

const char *
tls_handshake_name(guint8 type)
{
  switch (type) {
  case TLS_HS_CLIENT_HELLO: return "ClientHello";
  case TLS_HS_SERVER_HELLO: return "ServerHello";
  case TLS_HS_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
  case TLS_HS_CERTIFICATE: return "Certificate";
  case TLS_HS_CERTIFICATE_VERIFY: return "CertificateVerify";
  case TLS_HS_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
  case TLS_HS_SERVER_HELLO_DONE: return "ServerHelloDone";
  case TLS_HS_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
  case TLS_HS_FINISHED: return "Finished";
  default: return "unknown";
  }
}
