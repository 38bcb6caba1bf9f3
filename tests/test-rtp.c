/* test-rtp.c — the RTP/RTCP codec (RFC 3550 §5.1, §6) on exactly-sized buffers: valid and
 * malformed tables, build/parse round trips, compound rules, a mutation and truncation sweep, the
 * middlebox classifier; and the SRTP/SRTCP model (RFC 3711) and SDES a=crypto (RFC 4568). */
#include <string.h>

#include "media/rtp.h"
#include "media/srtp.h"
#include "test-util.h"

/* Parse from a heap copy of exactly len bytes, so that ASan catches any over-read. */
static int
parse_rtp_exact(const guint8 *bytes, gsize len, RtpHeader *h)
{
  guint8 *copy = len ? g_memdup2(bytes, len) : NULL;
  int r = rtp_parse(copy, len, h);
  g_free(copy);
  return r;
}

static int
parse_rtcp_exact(const guint8 *bytes, gsize len, RtcpCompound *c)
{
  guint8 *copy = len ? g_memdup2(bytes, len) : NULL;
  int r = rtcp_parse_compound(copy, len, c);
  if (r == 1) {
    for (guint i = 0; i < c->n; i++) {
      g_assert_cmpuint(c->pkts[i].off + c->pkts[i].len, <=, len);
      if (c->pkts[i].has_cname)
        g_assert_cmpuint(c->pkts[i].cname_off + c->pkts[i].cname_len, <=, len);
      if (c->pkts[i].reason_off)
        g_assert_cmpuint(c->pkts[i].reason_off + c->pkts[i].reason_len, <=, len);
    }
  }
  g_free(copy);
  return r;
}

/* ---- RTP tables ------------------------------------------------------------------------------- */

typedef struct {
  const char *desc;   /* what the case is */
  const char *ref;    /* RFC section */
  const guint8 *data; /* bytes */
  gsize len;          /* length */
  int expected;       /* parser result */
} ParseCase;

#define B(...) (const guint8[]){__VA_ARGS__}, sizeof((const guint8[]){__VA_ARGS__})

static const ParseCase rtp_cases[] = {
  /* VALID */
  {"minimal PCMU header", "RFC 3550 §5.1", B(0x80, 0x00, 0x12, 0x34, 0, 0, 0, 160, 1, 2, 3, 4), 1},
  {"marker and payload", "§5.1", B(0x80, 0x80, 0, 1, 0, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd, 0xff, 0xff), 1},
  {"one CSRC", "§5.1 CC", B(0x81, 0x08, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9), 1},
  {"empty extension", "§5.3.1", B(0x90, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 0), 1},
  {"padding of 2", "§5.1 P", B(0xa0, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x55, 0, 2), 1},
  /* NOT RTP */
  {"empty datagram", "RFC 7983 §7", NULL, 0, 0},
  {"STUN binding request", "RFC 7983 §7", B(0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0), 0},
  {"version 1", "§5.1 V", B(0x40, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1), 0},
  {"RTCP SR on the RTP port", "RFC 5761 §4", B(0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0), 0},
  /* INVALID */
  {"one byte", "§5.1", B(0x80), -1},
  {"11 bytes", "§5.1", B(0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0), -1},
  {"CC=2 without the CSRCs", "§5.1 CC", B(0x82, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9), -1},
  {"X without extension header", "§5.3.1", B(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe), -1},
  {"extension longer than packet", "§5.3.1", B(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 2, 1, 2, 3, 4), -1},
  {"padding count 0", "§5.1 P", B(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x55, 0), -1},
  {"padding longer than payload", "§5.1 P", B(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x55, 3), -1},
  {"padding bit, header only", "§5.1 P", B(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1), -1},
};

static void
test_rtp_parse_table(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(rtp_cases); i++) {
    const ParseCase *c = &rtp_cases[i];
    RtpHeader h;
    int r = parse_rtp_exact(c->data, c->len, &h);
    g_test_message("%s (%s): %d", c->desc, c->ref, r);
    g_assert_cmpint(r, ==, c->expected);
    if (r == 1)
      g_assert_cmpuint(h.payload_off + h.payload_len + h.padding_len, ==, c->len);
  }
}

static void
test_rtp_fields(void)
{
  RtpHeader h;
  g_assert_cmpint(parse_rtp_exact(B(0x81, 0x88, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0xde, 0xad,
                                    0xbe, 0xef, 0, 0, 0, 7, 0x11), &h), ==, 1);
  g_assert_true(h.marker);
  g_assert_cmpuint(h.payload_type, ==, RTP_PT_PCMA);
  g_assert_cmpuint(h.seq, ==, 0xfffe);
  g_assert_cmphex(h.timestamp, ==, 0x01020304);
  g_assert_cmphex(h.ssrc, ==, 0xdeadbeef);
  g_assert_cmpuint(h.csrc_count, ==, 1);
  g_assert_cmpuint(h.csrc[0], ==, 7);
  g_assert_cmpuint(h.payload_off, ==, 16);
  g_assert_cmpuint(h.payload_len, ==, 1);
  g_assert_cmpint(parse_rtp_exact(B(0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x55, 0x66, 0, 2), &h), ==, 1);
  g_assert_cmpuint(h.payload_len, ==, 2);
  g_assert_cmpuint(h.padding_len, ==, 2);
  g_assert_cmpint(parse_rtp_exact(B(0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 9, 9, 9, 9, 0x42), &h), ==, 1);
  g_assert_cmphex(h.ext_profile, ==, 0xbede);
  g_assert_cmpuint(h.ext_off, ==, 16);
  g_assert_cmpuint(h.ext_len, ==, 4);
  g_assert_cmpuint(h.payload_off, ==, 20);
  g_assert_cmpuint(h.payload_len, ==, 1);
}

static void
test_rtp_build_round_trip(void)
{
  guint8 payload[160];
  memset(payload, 0xff, sizeof payload);
  RtpHeader h = {.marker = TRUE, .payload_type = 0, .seq = 65535, .timestamp = 0xfffffff0,
                 .ssrc = 0x12345678, .csrc_count = 2, .csrc = {5, 6}};
  guint8 buf[200];
  gsize len = rtp_build(&h, payload, sizeof payload, buf, sizeof buf);
  g_assert_cmpuint(len, ==, 12 + 8 + 160);
  RtpHeader p;
  g_assert_cmpint(parse_rtp_exact(buf, len, &p), ==, 1);
  g_assert_true(p.marker);
  g_assert_cmpuint(p.seq, ==, 65535);
  g_assert_cmphex(p.timestamp, ==, 0xfffffff0);
  g_assert_cmphex(p.ssrc, ==, 0x12345678);
  g_assert_cmpuint(p.csrc[1], ==, 6);
  g_assert_cmpuint(p.payload_len, ==, 160);
  g_assert_cmpmem(buf + p.payload_off, 160, payload, 160);
  /* One byte short of room: nothing is written. */
  g_assert_cmpuint(rtp_build(&h, payload, sizeof payload, buf, len - 1), ==, 0);
}

/* ---- RTCP ------------------------------------------------------------------------------------- */

static gsize
build_compound(guint8 *buf, gsize cap, gboolean sr, gboolean bye)
{
  RtcpWriter w;
  rtcp_writer_init(&w, buf, cap);
  RtcpReportBlock rb = {.ssrc = 0xabcdef01, .fraction_lost = 25, .cumulative_lost = -3,
                        .highest_seq = 0x10002, .jitter = 17, .lsr = 0x11223344, .dlsr = 65536};
  if (sr)
    rtcp_write_sr(&w, 0x01020304, G_GUINT64_CONSTANT(0xe000000180000000), 160000, 500, 80000, &rb, 1);
  else
    rtcp_write_rr(&w, 0x01020304, &rb, 1);
  rtcp_write_sdes_cname(&w, 0x01020304, "phone0@192.168.1.50");
  if (bye)
    rtcp_write_bye(&w, (const guint32[]){0x01020304}, 1, "hangup");
  return rtcp_writer_finish(&w);
}

static void
test_rtcp_compound_round_trip(void)
{
  guint8 buf[256];
  gsize len = build_compound(buf, sizeof buf, TRUE, TRUE);
  g_assert_cmpuint(len % 4, ==, 0);
  RtcpCompound c;
  g_assert_cmpint(parse_rtcp_exact(buf, len, &c), ==, 1);
  g_assert_cmpuint(c.n, ==, 3);
  const RtcpPacket *sr = &c.pkts[0];
  g_assert_cmpuint(sr->type, ==, RTCP_SR);
  g_assert_cmphex(sr->ssrc, ==, 0x01020304);
  g_assert_cmpuint(sr->packet_count, ==, 500);
  g_assert_cmpuint(sr->octet_count, ==, 80000);
  g_assert_cmpuint(sr->rtp_ts, ==, 160000);
  g_assert_cmpuint(sr->n_reports, ==, 1);
  g_assert_cmphex(sr->reports[0].ssrc, ==, 0xabcdef01);
  g_assert_cmpuint(sr->reports[0].fraction_lost, ==, 25);
  g_assert_cmpint(sr->reports[0].cumulative_lost, ==, -3); /* 24-bit signed */
  g_assert_cmphex(sr->reports[0].highest_seq, ==, 0x10002);
  g_assert_cmpuint(sr->reports[0].jitter, ==, 17);
  g_assert_cmphex(sr->reports[0].lsr, ==, 0x11223344);
  g_assert_cmpuint(sr->reports[0].dlsr, ==, 65536);
  const RtcpPacket *sdes = &c.pkts[1];
  g_assert_cmpuint(sdes->type, ==, RTCP_SDES);
  g_assert_true(sdes->has_cname);
  g_assert_cmpmem(buf + sdes->cname_off, sdes->cname_len, "phone0@192.168.1.50", 19);
  const RtcpPacket *bye = &c.pkts[2];
  g_assert_cmpuint(bye->type, ==, RTCP_BYE);
  g_assert_cmpuint(bye->count, ==, 1);
  g_assert_cmpmem(buf + bye->reason_off, bye->reason_len, "hangup", 6);

  len = build_compound(buf, sizeof buf, FALSE, FALSE);
  g_assert_cmpint(parse_rtcp_exact(buf, len, &c), ==, 1);
  g_assert_cmpuint(c.pkts[0].type, ==, RTCP_RR);
  g_assert_cmpuint(c.n, ==, 2);
  /* The writer refuses what does not fit and says so. */
  g_assert_cmpuint(build_compound(buf, 60, TRUE, TRUE), ==, 0);
}

static const ParseCase rtcp_cases[] = {
  /* VALID */
  {"empty RR", "RFC 3550 §6.4.2", B(0x80, 201, 0, 1, 0, 0, 0, 1), 1},
  {"RR then APP", "§6.7", B(0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 204, 0, 2, 0, 0, 0, 1, 'n', 'a', 'm', 'e'), 1},
  {"RR then feedback (ignored type)", "§6.1", B(0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2), 1},
  {"RR then padded BYE", "§6.6, A.2", B(0x80, 201, 0, 1, 0, 0, 0, 1, 0xa1, 203, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4), 1},
  /* NOT RTCP */
  {"empty", "A.2", NULL, 0, 0},
  {"version 1", "A.2", B(0x40, 201, 0, 1, 0, 0, 0, 1), 0},
  {"an RTP packet", "RFC 5761 §4", B(0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1), 0},
  /* INVALID */
  {"first packet SDES", "A.2", B(0x81, 202, 0, 2, 0, 0, 0, 1, 1, 0, 0, 0), -1},
  {"length past the datagram", "§6.4.1", B(0x80, 201, 0, 2, 0, 0, 0, 1), -1},
  {"length not a multiple of 4", "A.2", B(0x80, 201, 0, 1, 0, 0, 0, 1, 0), -1},
  {"RR with RC=1 but no block", "§6.4.2", B(0x81, 201, 0, 1, 0, 0, 0, 1), -1},
  {"SR too short for sender info", "§6.4.1", B(0x80, 200, 0, 1, 0, 0, 0, 1), -1},
  {"padding on a packet that is not last", "A.2", B(0xa0, 201, 0, 1, 0, 0, 0, 4, 0x80, 201, 0, 1, 0, 0, 0, 1), -1},
  {"SDES without null item", "§6.5", B(0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, 'a', 'b'), -1},
  {"SDES item longer than packet", "§6.5", B(0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 'a', 0), -1},
  {"BYE reason longer than packet", "§6.6", B(0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 203, 0, 2, 0, 0, 0, 1, 9, 'x', 0, 0), -1},
  {"BYE counting more SSRCs than present", "§6.6", B(0x80, 201, 0, 1, 0, 0, 0, 1, 0x82, 203, 0, 1, 0, 0, 0, 1), -1},
  {"APP without name", "§6.7", B(0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 204, 0, 1, 0, 0, 0, 1), -1},
  {"second packet not RTCP", "RFC 5761 §4", B(0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 100, 0, 0), -1},
  {"zero padding count", "A.2", B(0xa0, 201, 0, 1, 0, 0, 0, 0), -1},
};

static void
test_rtcp_parse_table(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(rtcp_cases); i++) {
    const ParseCase *c = &rtcp_cases[i];
    RtcpCompound comp;
    int r = parse_rtcp_exact(c->data, c->len, &comp);
    g_test_message("%s (%s): %d", c->desc, c->ref, r);
    g_assert_cmpint(r, ==, c->expected);
  }
}

static void
test_classifier(void)
{
  const struct {
    const guint8 *data;
    gsize len;
    RtpKind kind;
  } cases[] = {
    {B(0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1), RTP_KIND_RTP},
    {B(0x80, 0x80 | 8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1), RTP_KIND_RTP},
    {B(0x80, 200, 0, 6, 0, 0, 0, 1), RTP_KIND_RTCP},
    {B(0x81, 204, 0, 6, 0, 0, 0, 1), RTP_KIND_RTCP},
    {B(0x80, 205, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0), RTP_KIND_RTP}, /* outside 200..204 */
    {B(0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0), RTP_KIND_OTHER}, /* STUN */
    {B('I', 'N', 'V', 'I', 'T', 'E', ' ', 's', 'i', 'p', ':', 'x'), RTP_KIND_OTHER},
    {B(0x80, 0x00, 0, 1, 0, 0, 0, 0), RTP_KIND_OTHER}, /* too short for RTP */
    {B(0x80, 200, 0), RTP_KIND_OTHER},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    guint8 *copy = g_memdup2(cases[i].data, cases[i].len);
    g_assert_cmpint(rtp_classify(copy, cases[i].len), ==, cases[i].kind);
    g_free(copy);
  }
  g_assert_cmpint(rtp_classify(NULL, 0), ==, RTP_KIND_OTHER);
}

/* Every single-byte mutation (three values per position) and every truncation of a valid RTP
 * packet and RTCP compound parses to -1, 0 or 1 without reading past the end. */
static void
test_mutation_sweep(void)
{
  guint8 rtcp[256];
  gsize rtcp_len = build_compound(rtcp, sizeof rtcp, TRUE, TRUE);
  guint8 rtp[64];
  RtpHeader h = {.payload_type = 0, .seq = 7, .ssrc = 9, .csrc_count = 1, .csrc = {3}};
  gsize rtp_len = rtp_build(&h, (const guint8 *)"0123456789abcdef", 16, rtp, sizeof rtp);
  static const guint8 values[] = {0x00, 0xff, 0xa3};
  guint parsed = 0, rejected = 0;
  for (int which = 0; which < 2; which++) {
    const guint8 *orig = which ? rtcp : rtp;
    gsize len = which ? rtcp_len : rtp_len;
    for (gsize cut = 0; cut < len; cut++) {
      RtpHeader ph;
      RtcpCompound c;
      int r = which ? parse_rtcp_exact(orig, cut, &c) : parse_rtp_exact(orig, cut, &ph);
      g_assert_cmpint(r, >=, -1);
      g_assert_cmpint(r, <=, 1);
    }
    for (gsize pos = 0; pos < len; pos++) {
      for (guint v = 0; v < G_N_ELEMENTS(values); v++) {
        guint8 *m = g_memdup2(orig, len);
        m[pos] = (guint8)(m[pos] ^ values[v] ^ 0x5a);
        RtpHeader ph;
        RtcpCompound c;
        int r = which ? parse_rtcp_exact(m, len, &c) : parse_rtp_exact(m, len, &ph);
        g_assert_cmpint(r, >=, -1);
        g_assert_cmpint(r, <=, 1);
        if (r == 1)
          parsed++;
        else
          rejected++;
        g_free(m);
      }
    }
  }
  g_test_message("mutations: %u parsed, %u rejected", parsed, rejected);
  g_assert_cmpuint(rejected, >, 0);
  g_assert_cmpuint(parsed, >, 0);
}

static void
test_ntp_time(void)
{
  guint64 a = rtp_ntp_from_time(SIM_S(1) + SIM_MS(500));
  guint64 b = rtp_ntp_from_time(SIM_S(2));
  g_assert_cmpuint((guint32)a, ==, 0x80000000u); /* half a second */
  g_assert_cmpuint(b >> 32, ==, (a >> 32) + 1);
  /* The middle 32 bits count 1/65536 s. */
  g_assert_cmpuint(rtp_ntp_middle(b) - rtp_ntp_middle(a), ==, 32768);
}

/* ---- SRTP model ------------------------------------------------------------------------------- */

static void
make_keys(guint32 seed, SrtpKeys *k)
{
  GRand *r = g_rand_new_with_seed(seed);
  srtp_keys_generate(r, k);
  g_rand_free(r);
}

static gsize
make_rtp(guint8 *buf, gsize cap, guint16 seq)
{
  guint8 payload[160];
  memset(payload, 0xff, sizeof payload);
  RtpHeader h = {.payload_type = 0, .seq = seq, .timestamp = seq * 160u, .ssrc = 0x5eed};
  return rtp_build(&h, payload, sizeof payload, buf, cap);
}

static void
test_srtp_round_trip(void)
{
  SrtpKeys k;
  make_keys(1, &k);
  g_autoptr(SrtpContext) tx = srtp_context_new(&k);
  g_autoptr(SrtpContext) rx = srtp_context_new(&k);
  guint8 plain[256], buf[256];
  gsize len = make_rtp(plain, sizeof plain, 100);
  memcpy(buf, plain, len);
  gsize slen = srtp_protect(tx, buf, len, sizeof buf);
  g_assert_cmpuint(slen, ==, len + SRTP_AUTH_TAG_LEN);
  g_assert_cmpmem(buf, RTP_HEADER_LEN, plain, RTP_HEADER_LEN); /* header in clear */
  g_assert_true(memcmp(buf + RTP_HEADER_LEN, plain + RTP_HEADER_LEN, 160) != 0);
  gsize out = 0;
  g_assert_cmpint(srtp_unprotect(rx, buf, slen, &out), ==, SRTP_OK);
  g_assert_cmpmem(buf, out, plain, len);
  /* The same packet again is a replay (RFC 3711 §3.3.2). */
  memcpy(buf, plain, len);
  g_autoptr(SrtpContext) tx2 = srtp_context_new(&k);
  slen = srtp_protect(tx2, buf, len, sizeof buf);
  g_assert_cmpint(srtp_unprotect(rx, buf, slen, &out), ==, SRTP_ERR_REPLAY);
  /* No room for the tag: refused. */
  memcpy(buf, plain, len);
  g_assert_cmpuint(srtp_protect(tx, buf, len, len + 9), ==, 0);
}

static void
test_srtp_any_changed_byte_fails(void)
{
  SrtpKeys k;
  make_keys(2, &k);
  guint8 plain[256];
  gsize len = make_rtp(plain, sizeof plain, 4000);
  g_autoptr(SrtpContext) tx = srtp_context_new(&k);
  guint8 prot[256];
  memcpy(prot, plain, len);
  gsize slen = srtp_protect(tx, prot, len, sizeof prot);
  for (gsize pos = 0; pos < slen; pos++) {
    g_autoptr(SrtpContext) rx = srtp_context_new(&k);
    guint8 *m = g_memdup2(prot, slen);
    m[pos] ^= 0x01;
    gsize out;
    SrtpStatus st = srtp_unprotect(rx, m, slen, &out);
    g_assert_cmpint(st, !=, SRTP_OK);
    if (pos >= 2)
      g_assert_cmpint(st, ==, SRTP_ERR_AUTH); /* header fields included (§3.1) */
    g_free(m);
  }
  /* A receiver with another key rejects everything. */
  SrtpKeys other;
  make_keys(3, &other);
  g_autoptr(SrtpContext) wrong = srtp_context_new(&other);
  gsize out;
  g_assert_cmpint(srtp_unprotect(wrong, prot, slen, &out), ==, SRTP_ERR_AUTH);
  /* Plain RTP at an SRTP receiver fails too (its last 10 bytes are no tag). */
  g_autoptr(SrtpContext) rx2 = srtp_context_new(&k);
  memcpy(prot, plain, len);
  g_assert_cmpint(srtp_unprotect(rx2, prot, len, &out), ==, SRTP_ERR_AUTH);
}

static void
test_srtp_rollover(void)
{
  SrtpKeys k;
  make_keys(4, &k);
  g_autoptr(SrtpContext) tx = srtp_context_new(&k);
  g_autoptr(SrtpContext) rx = srtp_context_new(&k);
  /* Across the 16-bit wrap the ROC becomes 1 on both sides (RFC 3711 §3.3.1). */
  for (guint32 i = 65530; i < 65545; i++) {
    guint8 buf[256];
    gsize len = make_rtp(buf, sizeof buf, (guint16)i);
    gsize slen = srtp_protect(tx, buf, len, sizeof buf);
    gsize out;
    g_assert_cmpint(srtp_unprotect(rx, buf, slen, &out), ==, SRTP_OK);
    g_assert_cmpuint(out, ==, len);
  }
}

static void
test_srtcp_round_trip_and_tamper(void)
{
  SrtpKeys k;
  make_keys(5, &k);
  g_autoptr(SrtpContext) tx = srtp_context_new(&k);
  g_autoptr(SrtpContext) rx = srtp_context_new(&k);
  guint8 plain[256], buf[256];
  gsize len = build_compound(plain, sizeof plain, TRUE, FALSE);
  for (guint i = 0; i < 3; i++) {
    memcpy(buf, plain, len);
    gsize slen = srtcp_protect(tx, buf, len, sizeof buf);
    g_assert_cmpuint(slen, ==, len + SRTCP_OVERHEAD);
    g_assert_cmpmem(buf, RTCP_HEADER_LEN, plain, RTCP_HEADER_LEN);
    g_assert_cmphex(buf[len], &, 0x80); /* E flag */
    g_assert_cmpuint(buf[len + 3], ==, i); /* SRTCP index counts up */
    guint8 bad[256];
    memcpy(bad, buf, slen);
    bad[len - 1] ^= 0x80;
    gsize out;
    g_assert_cmpint(srtcp_unprotect(rx, bad, slen, &out), ==, SRTP_ERR_AUTH);
    g_assert_cmpint(srtcp_unprotect(rx, buf, slen, &out), ==, SRTP_OK);
    g_assert_cmpmem(buf, out, plain, len);
  }
}

/* ---- SDES a=crypto ---------------------------------------------------------------------------- */

static void
test_crypto_attr_round_trip(void)
{
  SrtpKeys k, back;
  make_keys(6, &k);
  g_autofree char *attr = srtp_crypto_attr_format(1, &k);
  g_assert_true(g_str_has_prefix(attr, "1 AES_CM_128_HMAC_SHA1_80 inline:"));
  g_assert_cmpuint(strlen(attr), ==, strlen("1 AES_CM_128_HMAC_SHA1_80 inline:") + 40);
  guint tag = 0;
  /* Exactly-sized, not NUL-terminated. */
  gsize n = strlen(attr);
  char *copy = g_memdup2(attr, n);
  g_assert_cmpint(srtp_crypto_attr_parse(copy, n, &tag, &back), ==, 1);
  g_free(copy);
  g_assert_cmpuint(tag, ==, 1);
  g_assert_cmpmem(back.key, sizeof back.key, k.key, sizeof k.key);
  g_assert_cmpmem(back.salt, sizeof back.salt, k.salt, sizeof k.salt);
}

static void
test_crypto_attr_table(void)
{
  static const struct {
    const char *value;
    int expected;
  } cases[] = {
    /* RFC 4568 §9.1 and the example of §4 (with a 40-character key). */
    {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32", 1},
    {"12\tAES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=1", 1},
    {"1 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", 0},
    {"2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4", 0},
    {"AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", -1},
    {"1 AES_CM_128_HMAC_SHA1_80 PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", -1},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtx", -1},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR!", -1},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaV==", -1},
    {"1 AES_CM_128_HMAC_SHA1_80", -1},
    {"1", -1},
    {"", -1},
    {"1234567890 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", -1},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    gsize n = strlen(cases[i].value);
    char *copy = n ? g_memdup2(cases[i].value, n) : NULL;
    guint tag;
    SrtpKeys k;
    int r = srtp_crypto_attr_parse(copy, n, &tag, &k);
    g_test_message("%s: %d", cases[i].value, r);
    g_assert_cmpint(r, ==, cases[i].expected);
    g_free(copy);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/rtp/parse/table", test_rtp_parse_table);
  g_test_add_func("/rtp/parse/fields-csrc-padding-extension", test_rtp_fields);
  g_test_add_func("/rtp/build/round-trip-and-refuses-short-buffer", test_rtp_build_round_trip);
  g_test_add_func("/rtp/rtcp/compound-sr-sdes-bye-round-trip", test_rtcp_compound_round_trip);
  g_test_add_func("/rtp/rtcp/parse-table", test_rtcp_parse_table);
  g_test_add_func("/rtp/classify/version-and-rtcp-types", test_classifier);
  g_test_add_func("/rtp/parse/mutations-and-truncations-never-over-read", test_mutation_sweep);
  g_test_add_func("/rtp/ntp/sim-time-to-ntp", test_ntp_time);
  g_test_add_func("/srtp/round-trip-header-clear-replay-rejected", test_srtp_round_trip);
  g_test_add_func("/srtp/any-changed-byte-fails-authentication", test_srtp_any_changed_byte_fails);
  g_test_add_func("/srtp/rollover-counter-across-seq-wrap", test_srtp_rollover);
  g_test_add_func("/srtp/srtcp-round-trip-index-and-tamper", test_srtcp_round_trip_and_tamper);
  g_test_add_func("/srtp/sdes/crypto-attr-round-trip", test_crypto_attr_round_trip);
  g_test_add_func("/srtp/sdes/crypto-attr-table", test_crypto_attr_table);
  return g_test_run();
}
