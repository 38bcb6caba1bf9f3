/* tls-cert.c — the server's certificate chain: two syntactically valid DER X.509v3 certificates
 * (RFC 5280 §4.1) of realistic size, so Wireshark's x509af dissector parses them without errors.
 *
 * A leaf (CN sip.example.net, RSA-2048 key, sha256WithRSAEncryption, basicConstraints, keyUsage,
 * subjectAltName) and the issuing CA (CN "algsim model CA", basicConstraints cA) are built by
 * hand with fixed dummy names and dates; key modulus, serial numbers and signatures are seeded
 * random bytes.  Nothing signs anything: the "signatures" are noise of the right length.  The
 * requested chain size is reached by adding dNSName entries to the leaf's subjectAltName, as
 * real multi-domain certificates carry them; the two bare certificates take about 1.6 KB.
 */
#include <string.h>

#include "tls-private.h"

#define RSA_BYTES 256 /* RSA-2048 modulus and signature length */

/* Random material drawn once, so that sizing iterations rebuild identical bytes. */
typedef struct {
  guint8 serial[2][16];            /* serial numbers (leaf, CA) */
  guint8 modulus[2][RSA_BYTES];    /* public key moduli */
  guint8 signature[2][RSA_BYTES];  /* "signatures" */
} CertMaterial;

static const guint8 OID_SHA256_RSA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
static const guint8 OID_RSA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const guint8 OID_CN[] = {0x55, 0x04, 0x03};
static const guint8 OID_C[] = {0x55, 0x04, 0x06};
static const guint8 OID_O[] = {0x55, 0x04, 0x0a};
static const guint8 OID_BASIC_CONSTRAINTS[] = {0x55, 0x1d, 0x13};
static const guint8 OID_KEY_USAGE[] = {0x55, 0x1d, 0x0f};
static const guint8 OID_SAN[] = {0x55, 0x1d, 0x11};

/* ---- DER (X.690 §10: definite, minimal lengths) --------------------------------------------- */

static void
der_header(GByteArray *out, guint8 tag, gsize len)
{
  guint8 h[6];
  gsize n = 0;
  h[n++] = tag;
  if (len < 0x80) {
    h[n++] = (guint8)len;
  } else if (len < 0x100) {
    h[n++] = 0x81;
    h[n++] = (guint8)len;
  } else if (len < 0x10000) {
    h[n++] = 0x82;
    h[n++] = (guint8)(len >> 8);
    h[n++] = (guint8)len;
  } else {
    h[n++] = 0x83;
    h[n++] = (guint8)(len >> 16);
    h[n++] = (guint8)(len >> 8);
    h[n++] = (guint8)len;
  }
  g_byte_array_append(out, h, (guint)n);
}

static void
der_prim(GByteArray *out, guint8 tag, const void *data, gsize len)
{
  der_header(out, tag, len);
  if (len)
    g_byte_array_append(out, data, (guint)len);
}

/* Append `inner` wrapped in a constructed tag, and free it. */
static void
der_wrap(GByteArray *out, guint8 tag, GByteArray *inner)
{
  der_prim(out, tag, inner->data, inner->len);
  g_byte_array_unref(inner);
}

static void
der_alg(GByteArray *out, const guint8 *oid, gsize oid_len, gboolean null_param)
{
  GByteArray *s = g_byte_array_new();
  der_prim(s, 0x06, oid, oid_len);
  if (null_param)
    der_prim(s, 0x05, NULL, 0);
  der_wrap(out, 0x30, s);
}

/* Name ::= SEQUENCE OF RelativeDistinguishedName (C, O, CN). */
static void
der_name(GByteArray *out, const char *org, const char *cn)
{
  struct { const guint8 *oid; gsize oid_len; guint8 type; const char *val; } rdn[] = {
    {OID_C, sizeof OID_C, 0x13 /* PrintableString */, "US"},
    {OID_O, sizeof OID_O, 0x0c /* UTF8String */, org},
    {OID_CN, sizeof OID_CN, 0x0c, cn},
  };
  GByteArray *seq = g_byte_array_new();
  for (gsize i = 0; i < G_N_ELEMENTS(rdn); i++) {
    GByteArray *atv = g_byte_array_new();
    der_prim(atv, 0x06, rdn[i].oid, rdn[i].oid_len);
    der_prim(atv, rdn[i].type, rdn[i].val, strlen(rdn[i].val));
    GByteArray *set = g_byte_array_new();
    der_wrap(set, 0x30, atv);
    der_wrap(seq, 0x31, set);
  }
  der_wrap(out, 0x30, seq);
}

static void
der_extension(GByteArray *out, const guint8 *oid, gsize oid_len, gboolean critical,
              GByteArray *value)
{
  GByteArray *ext = g_byte_array_new();
  der_prim(ext, 0x06, oid, oid_len);
  if (critical)
    der_prim(ext, 0x01, "\xff", 1);
  der_wrap(ext, 0x04, value); /* extnValue OCTET STRING */
  der_wrap(out, 0x30, ext);
}

/* subjectAltName: the leaf's own name, then dNSNames holding `pad` bytes of names in all. */
static GByteArray *
san_value(const char *cn, gsize pad)
{
  GByteArray *names = g_byte_array_new();
  der_prim(names, 0x82 /* [2] dNSName */, cn, strlen(cn));
  static const char fill[] = "voiceedgegatewayregionwestvoiceedgegateway";
  for (guint i = 0; pad > 0; i++) {
    char name[64];
    gsize len = pad > 60 ? 40 : pad; /* the last name takes what is left, up to 60 */
    if (len >= 20) /* "sip007-" + letters + ".example.net" */
      g_snprintf(name, sizeof name, "sip%03u-%.*s.example.net", i % 1000, (int)(len - 19), fill);
    else if (len >= 13) /* letters + ".example.net" */
      g_snprintf(name, sizeof name, "%.*s.example.net", (int)(len - 12), fill);
    else /* a single label */
      g_snprintf(name, sizeof name, "%.*s", (int)len, fill);
    g_assert(strlen(name) == len);
    der_prim(names, 0x82, name, len);
    pad -= len;
  }
  GByteArray *value = g_byte_array_new();
  der_wrap(value, 0x30, names);
  return value;
}

/* One certificate; which: 0 leaf, 1 CA. */
static void
build_cert(GByteArray *out, const CertMaterial *m, int which, gsize san_pad)
{
  static const char *const cn[] = {"sip.example.net", "algsim model CA"};
  GByteArray *tbs = g_byte_array_new();
  der_prim(tbs, 0xa0, "\x02\x01\x02", 3); /* [0] EXPLICIT version v3 (2) */
  der_prim(tbs, 0x02, m->serial[which], sizeof m->serial[which]);
  der_alg(tbs, OID_SHA256_RSA, sizeof OID_SHA256_RSA, TRUE);
  der_name(tbs, "algsim model", cn[1]); /* issuer */
  GByteArray *validity = g_byte_array_new();
  der_prim(validity, 0x17, "260101000000Z", 13); /* UTCTime */
  der_prim(validity, 0x17, "270101000000Z", 13);
  der_wrap(tbs, 0x30, validity);
  der_name(tbs, "algsim model", cn[which]); /* subject */

  /* SubjectPublicKeyInfo: rsaEncryption, BIT STRING holding RSAPublicKey (RFC 8017 §A.1.1). */
  GByteArray *rsa = g_byte_array_new();
  guint8 modulus[RSA_BYTES + 1];
  modulus[0] = 0; /* positive INTEGER with its top bit set */
  memcpy(modulus + 1, m->modulus[which], RSA_BYTES);
  der_prim(rsa, 0x02, modulus, sizeof modulus);
  der_prim(rsa, 0x02, "\x01\x00\x01", 3); /* e = 65537 */
  GByteArray *key_bits = g_byte_array_new();
  g_byte_array_append(key_bits, (const guint8 *)"", 1); /* no unused bits */
  der_wrap(key_bits, 0x30, rsa);
  GByteArray *spki = g_byte_array_new();
  der_alg(spki, OID_RSA, sizeof OID_RSA, TRUE);
  der_wrap(spki, 0x03, key_bits);
  der_wrap(tbs, 0x30, spki);

  GByteArray *exts = g_byte_array_new();
  GByteArray *bc = g_byte_array_new();
  GByteArray *bc_seq = g_byte_array_new();
  if (which == 1)
    der_prim(bc_seq, 0x01, "\xff", 1); /* cA TRUE */
  der_wrap(bc, 0x30, bc_seq);
  der_extension(exts, OID_BASIC_CONSTRAINTS, sizeof OID_BASIC_CONSTRAINTS, TRUE, bc);
  GByteArray *ku = g_byte_array_new();
  /* leaf: digitalSignature, keyEncipherment; CA: keyCertSign, cRLSign (RFC 5280 §4.2.1.3). */
  der_prim(ku, 0x03, which == 0 ? "\x05\xa0" : "\x01\x06", 2);
  der_extension(exts, OID_KEY_USAGE, sizeof OID_KEY_USAGE, TRUE, ku);
  if (which == 0)
    der_extension(exts, OID_SAN, sizeof OID_SAN, FALSE, san_value(cn[0], san_pad));
  GByteArray *exts_seq = g_byte_array_new();
  der_wrap(exts_seq, 0x30, exts);
  der_wrap(tbs, 0xa3, exts_seq); /* [3] EXPLICIT Extensions */

  GByteArray *cert = g_byte_array_new();
  der_wrap(cert, 0x30, tbs);
  der_alg(cert, OID_SHA256_RSA, sizeof OID_SHA256_RSA, TRUE);
  guint8 sig[RSA_BYTES + 1];
  sig[0] = 0;
  memcpy(sig + 1, m->signature[which], RSA_BYTES);
  der_prim(cert, 0x03, sig, sizeof sig);
  der_wrap(out, 0x30, cert);
}

static void
fill(GRand *rand, guint8 *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    p[i] = (guint8)g_rand_int_range(rand, 0, 256);
}

/* The certificate_list body: each certificate behind its 3-byte length (RFC 5246 §7.4.2); in
 * TLS 1.3 each entry also carries an (empty) extensions block (RFC 8446 §4.4.2). */
static void
build_chain(GByteArray *out, const CertMaterial *m, gsize san_pad, gboolean tls13)
{
  for (int which = 0; which < 2; which++) {
    GByteArray *der = g_byte_array_new();
    build_cert(der, m, which, san_pad);
    guint8 len3[3] = {(guint8)(der->len >> 16), (guint8)(der->len >> 8), (guint8)der->len};
    g_byte_array_append(out, len3, 3);
    g_byte_array_append(out, der->data, der->len);
    if (tls13)
      g_byte_array_append(out, (const guint8 *)"\0\0", 2);
    g_byte_array_unref(der);
  }
}

void
tls_cert_chain(GByteArray *out, GRand *rand, guint chain_bytes, gboolean tls13)
{
  CertMaterial m;
  for (int i = 0; i < 2; i++) {
    fill(rand, m.serial[i], sizeof m.serial[i]);
    m.serial[i][0] = (guint8)((m.serial[i][0] & 0x3f) | 0x40); /* positive, 16 bytes */
    fill(rand, m.modulus[i], RSA_BYTES);
    m.modulus[i][0] |= 0x80; /* a full 2048-bit modulus */
    m.modulus[i][RSA_BYTES - 1] |= 1; /* odd */
    fill(rand, m.signature[i], RSA_BYTES);
  }
  /* The size grows by one byte per padding byte, plus name and length headers: shrink the
   * padding by the overshoot until the chain fits. */
  GByteArray *trial = g_byte_array_new();
  build_chain(trial, &m, 0, tls13);
  gsize pad = chain_bytes > trial->len ? chain_bytes - trial->len : 0;
  for (int i = 0; i < 64 && pad > 0; i++) {
    g_byte_array_set_size(trial, 0);
    build_chain(trial, &m, pad, tls13);
    if (trial->len <= chain_bytes)
      break;
    gsize over = trial->len - chain_bytes;
    pad = pad > over ? pad - over : 0;
  }
  /* Then grow it again while it still fits: name headers make the size jump by a few bytes. */
  for (int i = 0; i < 64 && pad > 0; i++) {
    g_byte_array_set_size(trial, 0);
    build_chain(trial, &m, pad + 1, tls13);
    if (trial->len > chain_bytes)
      break;
    pad++;
  }
  g_byte_array_set_size(trial, 0);
  build_chain(trial, &m, pad, tls13);
  g_byte_array_append(out, trial->data, trial->len);
  g_byte_array_unref(trial);
}
