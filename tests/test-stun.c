/* test-stun.c — the STUN codec (RFC 8489): the RFC 5769 test vectors, tables of malformed
 * messages and attribute values, random mutations that must never crash, and the builder.
 * The Binding server and client over the simulator are tested in test-stun-net.c. */
#include <string.h>

#include "stun/stun.h"
#include "test-stun-util.h"
#include "test-util.h"

/* ---- Helpers ---------------------------------------------------------------------------------- */

static gboolean
text_is(const StunMsg *m, guint16 type, const char *want)
{
  const char *t;
  gsize n;
  if (stun_msg_get_text(m, type, &t, &n) != 1)
    return FALSE;
  return n == strlen(want) && memcmp(t, want, n) == 0;
}

/* ---- RFC 5769 test vectors (tests/data/stun/rfc5769-*.hex, the bytes of RFC 5769 §2) ------ */

/* A vector file: '#' lines are comments, the rest is hex.  Exactly-sized heap buffer. */
static guint8 *
vector(const char *name, gsize *len)
{
  g_autofree char *file = g_strdup_printf("stun/rfc5769-%s.hex", name);
  g_autofree char *path = tu_data_path(file);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents(path, &text, NULL, &error))
    g_error("%s", error->message);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GString) hex = g_string_new(NULL);
  for (char **l = lines; *l != NULL; l++)
    if ((*l)[0] != '#')
      g_string_append_printf(hex, "%s ", *l);
  return hex_bytes(hex->str, len);
}

static const char rfc5769_password[] = "VOkJxbRl1RmTxUk/WvJxBt";
static const char lt_username[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
static const char lt_nonce[] = "f//499k954d6OL34oL9FSTvy64sA";
static const guint8 rfc5769_tid[STUN_TID_LEN] = { 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                                  0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae };

static void
test_vector_request(void)
{
  gsize len;
  g_autofree guint8 *buf = vector("request", &len);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(buf, len, &m, NULL), ==, 1);
  g_assert_cmpuint(m.method, ==, STUN_METHOD_BINDING);
  g_assert_cmpint(m.klass, ==, STUN_CLASS_REQUEST);
  g_assert_cmpmem(m.tid, STUN_TID_LEN, rfc5769_tid, STUN_TID_LEN);
  g_assert_true(text_is(&m, STUN_ATTR_SOFTWARE, "STUN test client"));
  g_assert_true(text_is(&m, STUN_ATTR_USERNAME, "evtj:h6vY"));
  g_assert_cmpint(m.fp_index, >=, 0);
  guint32 fp;
  g_assert_cmpint(stun_msg_get_u32(&m, STUN_ATTR_FINGERPRINT, &fp), ==, 1);
  g_assert_cmphex(fp, ==, 0xe57a3bcf);
  /* Short-term credentials: the key is the password (RFC 8489 §9.1.1). */
  g_assert_cmpint(stun_msg_check_integrity(&m, (const guint8 *)rfc5769_password,
                                           strlen(rfc5769_password)), ==, 1);
  g_assert_cmpint(stun_msg_check_integrity(&m, (const guint8 *)"wrong", 5), ==, -1);
  g_assert_cmpint(stun_msg_check_integrity_sha256(&m, (const guint8 *)"x", 1), ==, 0);
}

static void
test_vector_response_v4(void)
{
  gsize len;
  g_autofree guint8 *buf = vector("response-ipv4", &len);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(buf, len, &m, NULL), ==, 1);
  g_assert_cmpint(m.klass, ==, STUN_CLASS_SUCCESS);
  g_assert_true(text_is(&m, STUN_ATTR_SOFTWARE, "test vector"));
  StunAddress a;
  g_assert_cmpint(stun_msg_get_address(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &a), ==, 1);
  g_assert_cmpuint(a.family, ==, STUN_FAMILY_IPV4);
  g_assert_cmphex(a.v4, ==, ip("192.0.2.1"));
  g_assert_cmpuint(a.port, ==, 32853);
  g_assert_cmpint(stun_msg_check_integrity(&m, (const guint8 *)rfc5769_password,
                                           strlen(rfc5769_password)), ==, 1);
}

static void
test_vector_response_v6(void)
{
  gsize len;
  g_autofree guint8 *buf = vector("response-ipv6", &len);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(buf, len, &m, NULL), ==, 1);
  StunAddress a;
  g_assert_cmpint(stun_msg_get_address(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &a), ==, 1);
  g_assert_cmpuint(a.family, ==, STUN_FAMILY_IPV6);
  static const guint8 want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
                                   0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
  g_assert_cmpmem(a.v6, 16, want, 16);
  g_assert_cmpuint(a.port, ==, 32853);
  g_assert_cmpint(stun_msg_check_integrity(&m, (const guint8 *)rfc5769_password,
                                           strlen(rfc5769_password)), ==, 1);
}

static void
test_vector_long_term(void)
{
  gsize len;
  g_autofree guint8 *buf = vector("request-long-term", &len);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(buf, len, &m, NULL), ==, 1);
  g_assert_true(text_is(&m, STUN_ATTR_USERNAME, lt_username));
  g_assert_true(text_is(&m, STUN_ATTR_NONCE, lt_nonce));
  g_assert_true(text_is(&m, STUN_ATTR_REALM, "example.org"));
  g_assert_cmpint(m.fp_index, ==, -1);
  guint8 key[16];
  stun_key_long_term(lt_username, "example.org", "TheMatrIX", key);
  g_assert_cmpint(stun_msg_check_integrity(&m, key, sizeof key), ==, 1);
  stun_key_long_term(lt_username, "example.org", "TheMatrix", key);
  g_assert_cmpint(stun_msg_check_integrity(&m, key, sizeof key), ==, -1);
}

/* The §2.4 vector pads with zeros, as the builder does, so building it must give its exact bytes. */
static void
test_build_reproduces_long_term_vector(void)
{
  gsize len;
  g_autofree guint8 *want = vector("request-long-term", &len);
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, want + 8);
  g_assert_true(stun_add_text(&b, STUN_ATTR_USERNAME, lt_username));
  g_assert_true(stun_add_text(&b, STUN_ATTR_NONCE, lt_nonce));
  g_assert_true(stun_add_text(&b, STUN_ATTR_REALM, "example.org"));
  guint8 key[16];
  stun_key_long_term(lt_username, "example.org", "TheMatrIX", key);
  g_assert_true(stun_add_integrity(&b, key, sizeof key));
  g_autoptr(GBytes) got = stun_builder_steal(&b);
  gsize glen;
  const guint8 *g = g_bytes_get_data(got, &glen);
  g_assert_cmpmem(g, glen, want, len);
}

/* The §2.2 vector pads SOFTWARE with 0x20; a zero-padded rebuild differs only there, so its
 * integrity and fingerprint are recomputed and must verify, and the other bytes must match. */
static void
test_build_ipv4_response(void)
{
  gsize len;
  g_autofree guint8 *want = vector("response-ipv4", &len);
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, rfc5769_tid);
  g_assert_true(stun_add_text(&b, STUN_ATTR_SOFTWARE, "test vector"));
  g_assert_true(stun_add_address(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, ip("192.0.2.1"), 32853));
  g_assert_true(stun_add_integrity(&b, (const guint8 *)rfc5769_password,
                                   strlen(rfc5769_password)));
  g_assert_true(stun_add_fingerprint(&b));
  g_autoptr(GBytes) got = stun_builder_steal(&b);
  gsize glen;
  const guint8 *g = g_bytes_get_data(got, &glen);
  g_assert_cmpuint(glen, ==, len);
  g_assert_cmpmem(g, 35, want, 35);           /* header, SOFTWARE value */
  g_assert_cmpmem(g + 36, 12, want + 36, 12); /* XOR-MAPPED-ADDRESS */
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(g, glen, &m, NULL), ==, 1);
  g_assert_cmpint(stun_msg_check_integrity(&m, (const guint8 *)rfc5769_password,
                                           strlen(rfc5769_password)), ==, 1);
}

static void
test_integrity_sha256_round_trip(void)
{
  static const guint8 key[] = "sha256-key";
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, rfc5769_tid);
  g_assert_true(stun_add_text(&b, STUN_ATTR_USERNAME, "alice"));
  g_assert_true(stun_add_integrity(&b, key, sizeof key - 1));
  g_assert_true(stun_add_integrity_sha256(&b, key, sizeof key - 1));
  g_autoptr(GBytes) bytes = stun_builder_steal(&b);
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);
  g_autofree guint8 *buf = g_memdup2(data, len);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(buf, len, &m, NULL), ==, 1);
  g_assert_cmpint(stun_msg_check_integrity(&m, key, sizeof key - 1), ==, 1);
  g_assert_cmpint(stun_msg_check_integrity_sha256(&m, key, sizeof key - 1), ==, 1);
  buf[len - 1] ^= 1; /* last byte of the SHA-256 HMAC */
  g_assert_cmpint(stun_msg_parse(buf, len, &m, NULL), ==, 1);
  g_assert_cmpint(stun_msg_check_integrity(&m, key, sizeof key - 1), ==, 1);
  g_assert_cmpint(stun_msg_check_integrity_sha256(&m, key, sizeof key - 1), ==, -1);
}

static void
test_crc32_check_value(void)
{
  /* The standard CRC-32 check value ("123456789" -> 0xCBF43926, ISO-HDLC / IEEE 802.3). */
  g_assert_cmphex(stun_crc32((const guint8 *)"123456789", 9), ==, 0xCBF43926u);
}

/* RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY, except -SHA256 and FINGERPRINT, are ignored. */
static void
test_attributes_after_integrity_ignored(void)
{
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, rfc5769_tid);
  stun_add_integrity(&b, (const guint8 *)"k", 1);
  stun_add_text(&b, STUN_ATTR_SOFTWARE, "late");
  stun_add_fingerprint(&b);
  g_autoptr(GBytes) bytes = stun_builder_steal(&b);
  gsize len;
  const guint8 *d = g_bytes_get_data(bytes, &len);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(d, len, &m, NULL), ==, 1);
  g_assert_cmpuint(m.n_ignored, ==, 1);
  g_assert_cmpint(stun_msg_find(&m, STUN_ATTR_SOFTWARE, NULL), ==, 0);
  g_assert_cmpint(stun_msg_check_integrity(&m, (const guint8 *)"k", 1), ==, 1);
}

/* ---- Malformed messages (table) -------------------------------------------------------------- */

typedef struct {
  const char *description; /* what is wrong */
  const char *ref;         /* the rule it breaks */
  const char *hex;         /* the datagram */
  int expected;            /* stun_msg_parse() result */
} ParseCase;

static const ParseCase parse_cases[] = {
  /* VALID */
  { "header only", "RFC 8489 §5", HDR_REQ("00 00"), 1 },
  { "zero-length attribute", "RFC 8489 §14", HDR_REQ("00 04") "80 22 00 00", 1 },
  { "unknown optional attribute", "RFC 8489 §14", HDR_REQ("00 08") "80 99 00 03 61 62 63 00", 1 },
  { "good fingerprint", "RFC 8489 §14.7", HDR_REQ("00 08") "80 28 00 04 5b 0f f6 fc", 1 },
  /* NOT STUN */
  { "first two bits set", "RFC 8489 §5", "c0 01 00 00 21 12 a4 42 00 01 02 03 04 05 06 07 08 09 0a 0b", 0 },
  { "no magic cookie (RFC 3489)", "RFC 8489 §5", "00 01 00 00 21 12 a4 43 00 01 02 03 04 05 06 07 08 09 0a 0b", 0 },
  /* INVALID */
  { "empty datagram", "RFC 8489 §5", "", -1 },
  { "truncated header", "RFC 8489 §5", "00 01 00 00 21 12 a4 42 00 01 02 03 04 05 06 07 08 09 0a", -1 },
  { "length not a multiple of 4", "RFC 8489 §5", HDR_REQ("00 05") "80 22 00 01 61", -1 },
  { "length beyond the datagram", "RFC 8489 §5", HDR_REQ("00 08") "80 22 00 00", -1 },
  { "bytes after the message", "RFC 8489 §5", HDR_REQ("00 00") "00 00 00 00", -1 },
  { "attribute overruns the message", "RFC 8489 §14", HDR_REQ("00 08") "80 22 00 08 61 62 63 64", -1 },
  { "attribute padding overruns", "RFC 8489 §14", HDR_REQ("00 08") "80 22 00 05 61 62 63 64", -1 },
  { "huge attribute length", "RFC 8489 §14", HDR_REQ("00 04") "80 22 ff ff", -1 },
  { "bad fingerprint", "RFC 8489 §14.7", HDR_REQ("00 08") "80 28 00 04 00 00 00 00", -1 },
  { "attribute after a good fingerprint", "RFC 8489 §14.7",
    HDR_REQ("00 0c") "80 28 00 04 28 07 d1 33 80 22 00 00", -1 },
  { "fingerprint of length 8", "RFC 8489 §14.7", HDR_REQ("00 0c") "80 28 00 08 00 00 00 00 00 00 00 00", -1 },
  { "MESSAGE-INTEGRITY of length 16", "RFC 8489 §14.5",
    HDR_REQ("00 14") "00 08 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", -1 },
  { "MESSAGE-INTEGRITY-SHA256 of length 12", "RFC 8489 §14.6",
    HDR_REQ("00 10") "00 1c 00 0c 00 00 00 00 00 00 00 00 00 00 00 00", -1 },
  { "MESSAGE-INTEGRITY-SHA256 of length 36", "RFC 8489 §14.6",
    HDR_REQ("00 28") "00 1c 00 24 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
                     "00 00 00 00 00 00 00 00 00 00 00 00", -1 },
};

static void
test_parse_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
    const ParseCase *c = &parse_cases[i];
    gsize len;
    g_autofree guint8 *buf = hex_bytes(c->hex, &len);
    StunMsg m;
    const char *reason = NULL;
    int rc = stun_msg_parse(buf, len, &m, &reason);
    if (rc != c->expected)
      g_error("%s (%s): got %d want %d (%s)", c->description, c->ref, rc, c->expected,
              reason ? reason : "");
    if (rc != 1)
      g_assert_nonnull(reason);
  }
}

typedef struct {
  const char *description; /* what is wrong */
  const char *hex;         /* message containing the attribute */
  guint16 type;            /* attribute to decode */
  int expected;            /* decoder result */
} AttrCase;

static const AttrCase attr_cases[] = {
  { "IPv4 address of 7 bytes", HDR_REQ("00 0c") "00 01 00 07 00 01 00 50 0a 00 00 00", STUN_ATTR_MAPPED_ADDRESS, -1 },
  { "unknown address family", HDR_REQ("00 0c") "00 20 00 08 00 03 00 50 0a 00 00 01", STUN_ATTR_XOR_MAPPED_ADDRESS, -1 },
  { "IPv6 family in 8 bytes", HDR_REQ("00 0c") "00 20 00 08 00 02 00 50 0a 00 00 01", STUN_ATTR_XOR_MAPPED_ADDRESS, -1 },
  { "address of 2 bytes", HDR_REQ("00 08") "80 2c 00 02 00 01 00 00", STUN_ATTR_OTHER_ADDRESS, -1 },
  { "error class 2", HDR_REQ("00 08") "00 09 00 04 00 00 02 00", STUN_ATTR_ERROR_CODE, -1 },
  { "error number 100", HDR_REQ("00 08") "00 09 00 04 00 00 04 64", STUN_ATTR_ERROR_CODE, -1 },
  { "error code of 3 bytes", HDR_REQ("00 08") "00 09 00 03 00 00 04 00", STUN_ATTR_ERROR_CODE, -1 },
  { "valid error 420", HDR_REQ("00 08") "00 09 00 04 00 00 04 14", STUN_ATTR_ERROR_CODE, 1 },
  { "UNKNOWN-ATTRIBUTES of odd length", HDR_REQ("00 08") "00 0a 00 03 00 01 00 00", STUN_ATTR_UNKNOWN_ATTRIBUTES, -1 },
  { "RESPONSE-PORT of 2 bytes", HDR_REQ("00 08") "00 27 00 02 0d 96 00 00", STUN_ATTR_RESPONSE_PORT, -1 },
  { "CHANGE-REQUEST of 2 bytes", HDR_REQ("00 08") "00 03 00 02 00 06 00 00", STUN_ATTR_CHANGE_REQUEST, -1 },
  { "absent attribute", HDR_REQ("00 00"), STUN_ATTR_MAPPED_ADDRESS, 0 },
};

static void
test_attribute_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(attr_cases); i++) {
    const AttrCase *c = &attr_cases[i];
    gsize len;
    g_autofree guint8 *buf = hex_bytes(c->hex, &len);
    StunMsg m;
    g_assert_cmpint(stun_msg_parse(buf, len, &m, NULL), ==, 1);
    int rc;
    guint16 types[4];
    switch (c->type) {
    case STUN_ATTR_ERROR_CODE: rc = stun_msg_get_error(&m, NULL, NULL, NULL); break;
    case STUN_ATTR_UNKNOWN_ATTRIBUTES: rc = stun_msg_get_unknown(&m, types, 4); break;
    case STUN_ATTR_RESPONSE_PORT: rc = stun_msg_get_response_port(&m, NULL); break;
    case STUN_ATTR_CHANGE_REQUEST: rc = stun_msg_get_u32(&m, c->type, NULL); break;
    default: rc = stun_msg_get_address(&m, c->type, NULL); break;
    }
    if (rc != c->expected)
      g_error("%s: got %d want %d", c->description, rc, c->expected);
  }
}

static void
test_too_many_attributes(void)
{
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, rfc5769_tid);
  for (int i = 0; i < STUN_MAX_ATTRS + 1; i++)
    stun_add_raw(&b, STUN_ATTR_SOFTWARE, NULL, 0);
  g_autoptr(GBytes) bytes = stun_builder_steal(&b);
  gsize len;
  const guint8 *d = g_bytes_get_data(bytes, &len);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(d, len, &m, NULL), ==, -1);
}

/* ---- Random mutations -------------------------------------------------------------------------
 * Thousands of mutated copies of the vectors, each in an exactly-sized heap buffer, go through
 * the parser and every decoder: nothing may crash or read outside the buffer, and whatever
 * parses must keep its attributes inside it. */

static void
exercise(const guint8 *buf, gsize len)
{
  StunMsg m;
  const char *reason = NULL;
  int rc = stun_msg_parse(buf, len, &m, &reason);
  g_assert_true(rc == 1 || rc == 0 || rc == -1);
  if (rc != 1) {
    g_assert_nonnull(reason);
    return;
  }
  g_assert_cmpuint(m.len, ==, len);
  for (guint i = 0; i < m.n_attrs; i++)
    g_assert_cmpuint((gsize)m.attrs[i].off + m.attrs[i].len, <=, len);
  static const guint16 addr_types[] = { STUN_ATTR_MAPPED_ADDRESS, STUN_ATTR_XOR_MAPPED_ADDRESS,
                                        STUN_ATTR_RESPONSE_ORIGIN, STUN_ATTR_OTHER_ADDRESS };
  for (gsize i = 0; i < G_N_ELEMENTS(addr_types); i++) {
    StunAddress a;
    stun_msg_get_address(&m, addr_types[i], &a);
  }
  guint code;
  guint32 roff, v;
  guint16 rlen, port, types[8];
  if (stun_msg_get_error(&m, &code, &roff, &rlen) == 1)
    g_assert_cmpuint((gsize)roff + rlen, <=, len);
  stun_msg_get_u32(&m, STUN_ATTR_CHANGE_REQUEST, &v);
  stun_msg_get_response_port(&m, &port);
  stun_msg_get_unknown(&m, types, G_N_ELEMENTS(types));
  const char *t;
  gsize tl;
  stun_msg_get_text(&m, STUN_ATTR_USERNAME, &t, &tl);
  stun_msg_unknown_required(&m, NULL, 0, types, G_N_ELEMENTS(types));
  stun_msg_check_integrity(&m, (const guint8 *)rfc5769_password, strlen(rfc5769_password));
  stun_msg_check_integrity_sha256(&m, (const guint8 *)"k", 1);
}

static void
test_mutations(void)
{
  const char *names[] = { "request", "response-ipv4", "response-ipv6", "request-long-term" };
  guint8 *seeds[G_N_ELEMENTS(names)];
  gsize seed_len[G_N_ELEMENTS(names)];
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
    seeds[i] = vector(names[i], &seed_len[i]);
  g_autoptr(GRand) rand = g_rand_new_with_seed(5769);
  guint parsed = 0;
  for (int round = 0; round < 20000; round++) {
    gsize which = (gsize)round % G_N_ELEMENTS(names);
    GByteArray *a = g_byte_array_new();
    g_byte_array_append(a, seeds[which], (guint)seed_len[which]);
    int edits = g_rand_int_range(rand, 1, 4);
    for (int e = 0; e < edits; e++) {
      guint pos = a->len ? (guint)g_rand_int_range(rand, 0, (gint32)a->len) : 0;
      switch (g_rand_int_range(rand, 0, 6)) {
      case 0: /* flip a byte */
        if (a->len)
          a->data[pos] ^= (guint8)g_rand_int_range(rand, 1, 256);
        break;
      case 1: /* truncate */
        g_byte_array_set_size(a, pos);
        break;
      case 2: { /* insert 1-8 random bytes */
        guint8 ins[8];
        int n = g_rand_int_range(rand, 1, 9);
        for (int k = 0; k < n; k++)
          ins[k] = (guint8)g_rand_int_range(rand, 0, 256);
        g_array_insert_vals((GArray *)a, pos, ins, (guint)n);
        break;
      }
      case 3: /* random message length, kept consistent with the datagram half of the time */
        if (a->len >= 4) {
          guint16 l = g_rand_boolean(rand) ? (guint16)(a->len - MIN(a->len, 20))
                                           : (guint16)g_rand_int_range(rand, 0, 65536);
          a->data[2] = (guint8)(l >> 8);
          a->data[3] = (guint8)l;
        }
        break;
      case 4: /* random attribute length at an attribute-like offset */
        if (pos + 4 <= a->len) {
          pos &= ~3u;
          a->data[pos + 2] = (guint8)g_rand_int_range(rand, 0, 256);
          a->data[pos + 3] = (guint8)g_rand_int_range(rand, 0, 256);
        }
        break;
      default: /* remove a 4-byte word */
        if (pos + 4 <= a->len)
          g_byte_array_remove_range(a, pos & ~3u, 4);
        break;
      }
    }
    g_autofree guint8 *buf = g_memdup2(a->data, a->len);
    gsize blen = a->len;
    g_byte_array_unref(a);
    exercise(buf, blen);
    StunMsg m;
    if (stun_msg_parse(buf, blen, &m, NULL) == 1)
      parsed++;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
    g_free(seeds[i]);
  /* The mutations must not all be rejected trivially, or the decoders were never exercised. */
  g_assert_cmpuint(parsed, >, 100);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/stun/codec/rfc5769/sample-request-short-term", test_vector_request);
  g_test_add_func("/stun/codec/rfc5769/ipv4-response", test_vector_response_v4);
  g_test_add_func("/stun/codec/rfc5769/ipv6-response", test_vector_response_v6);
  g_test_add_func("/stun/codec/rfc5769/request-long-term", test_vector_long_term);
  g_test_add_func("/stun/codec/build/reproduces-long-term-vector", test_build_reproduces_long_term_vector);
  g_test_add_func("/stun/codec/build/ipv4-response-verifies", test_build_ipv4_response);
  g_test_add_func("/stun/codec/integrity-sha256-round-trip", test_integrity_sha256_round_trip);
  g_test_add_func("/stun/codec/crc32-check-value", test_crc32_check_value);
  g_test_add_func("/stun/codec/ignores-attributes-after-integrity", test_attributes_after_integrity_ignored);
  g_test_add_func("/stun/codec/malformed/table", test_parse_table);
  g_test_add_func("/stun/codec/malformed/attribute-values", test_attribute_table);
  g_test_add_func("/stun/codec/malformed/too-many-attributes", test_too_many_attributes);
  g_test_add_func("/stun/codec/mutations-never-crash", test_mutations);
  return g_test_run();
}
