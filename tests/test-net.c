/* test-net.c — unit tests of models/net: IPv4/UDP/TCP/ICMP parsing on raw bytes (table-driven,
 * with exactly-sized, non-terminated buffers so that ASan/valgrind catch any over-read), the
 * Internet checksum and its RFC 1624 incremental update, builders, fragmentation (RFC 791) and
 * reassembly (RFC 815 holes, overlaps, timeout, limits). */
#include <string.h>

#include "net/frag.h"
#include "net/ipv4.h"
#include "test-util.h"

#define LAN_A 0xc0a80132u   /* 192.168.1.50 */
#define PUBLIC 0xcb007102u  /* 203.0.113.2 */
#define PBX 0xcb00710au     /* 203.0.113.10 */

/* An exactly-sized heap copy: reading one byte past it is an ASan error. */
static guint8 *
exact(const guint8 *src, gsize len)
{
  guint8 *p = g_malloc(MAX(len, 1));
  if (len)
    memcpy(p, src, len);
  return p;
}

static gsize
make_udp(guint8 *buf, gsize cap, gsize plen, gboolean df)
{
  guint8 payload[4000];
  for (gsize i = 0; i < plen; i++)
    payload[i] = (guint8)(i * 7 + 3);
  Ipv4Build ip = { .src = LAN_A, .dst = PBX, .id = 0x1234, .df = df };
  return ipv4_build_udp(buf, cap, &ip, 5060, 5060, payload, plen, FALSE);
}

static gsize
make_tcp(guint8 *buf, gsize cap, const char *payload, guint8 flags)
{
  Ipv4Build ip = { .src = LAN_A, .dst = PBX, .id = 7 };
  TcpBuild t = { .sport = 40000, .dport = 5061, .seq = 1000, .ack = 2000, .flags = flags };
  return ipv4_build_tcp(buf, cap, &ip, &t, (const guint8 *)payload, strlen(payload));
}

/* ---- IPv4 parse table ------------------------------------------------------------------------- */

typedef struct {
  const char *desc; /* what the row checks */
  const char *ref;  /* the rule */
  void (*edit)(guint8 *p, gsize *len); /* turn a valid 48-byte UDP packet into the case */
  int expected;     /* ipv4_parse result */
} Ipv4Case;

static void edit_none(guint8 *p, gsize *len) { (void)p; (void)len; }
static void edit_empty(guint8 *p, gsize *len) { (void)p; *len = 0; }
static void edit_short(guint8 *p, gsize *len) { (void)p; *len = 19; }
static void edit_version6(guint8 *p, gsize *len) { p[0] = 0x65; (void)len; }
static void edit_ihl4(guint8 *p, gsize *len) { p[0] = 0x44; (void)len; }
static void edit_ihl_past_end(guint8 *p, gsize *len) { p[0] = 0x4f; *len = 40; }
static void edit_total_lt_hdr(guint8 *p, gsize *len) { net_put16(p + 2, 19); (void)len; }
static void edit_total_gt_len(guint8 *p, gsize *len) { net_put16(p + 2, 49); (void)len; }
static void edit_padding(guint8 *p, gsize *len) { (void)p; *len = 60; }
static void edit_reserved_flag(guint8 *p, gsize *len) { p[6] |= 0x80; (void)len; }
static void edit_mf_odd(guint8 *p, gsize *len) { p[6] |= 0x20; (void)len; }
static void edit_past_64k(guint8 *p, gsize *len) { net_put16(p + 6, 0x1fff); (void)len; }

static const Ipv4Case ipv4_cases[] = {
  { "valid UDP packet", "RFC 791", edit_none, 1 },
  { "empty buffer", "absent", edit_empty, 0 },
  { "19 bytes", "RFC 1812 5.2.2: at least 20", edit_short, -1 },
  { "version 6", "RFC 791 version", edit_version6, -1 },
  { "IHL 4", "RFC 791: IHL >= 5", edit_ihl4, -1 },
  { "IHL 15 past the buffer", "header within buffer", edit_ihl_past_end, -1 },
  { "total length below header", "RFC 1812 5.2.2", edit_total_lt_hdr, -1 },
  { "total length past buffer", "RFC 1812 5.2.2", edit_total_gt_len, -1 },
  { "link padding after total length", "RFC 791 total length", edit_padding, 1 },
  { "reserved flag set", "RFC 791 flags", edit_reserved_flag, -1 },
  { "MF with 28 data bytes", "RFC 791 3.2: 8-byte units", edit_mf_odd, -1 },
  { "fragment reaching past 65535", "ping of death", edit_past_64k, -1 },
};

static void
test_ipv4_parse_table(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(ipv4_cases); i++) {
    const Ipv4Case *c = &ipv4_cases[i];
    guint8 buf[64] = { 0 };
    gsize len = make_udp(buf, sizeof buf, 20, FALSE);
    g_assert_cmpuint(len, ==, 48);
    c->edit(buf, &len);
    g_autofree guint8 *p = exact(buf, len);
    Ipv4Info ip;
    int r = ipv4_parse(p, len, 0, &ip);
    if (r != c->expected)
      g_error("%s (%s): got %d, expected %d", c->desc, c->ref, r, c->expected);
  }
}

static void
test_ipv4_parse_fields(void)
{
  guint8 buf[64];
  gsize len = make_udp(buf, sizeof buf, 20, TRUE);
  Ipv4Info ip;
  g_assert_cmpint(ipv4_parse(buf, len, 0, &ip), ==, 1);
  g_assert_cmpuint(ip.hdr_len, ==, 20);
  g_assert_cmpuint(ip.total_len, ==, 48);
  g_assert_cmpuint(ip.src, ==, LAN_A);
  g_assert_cmpuint(ip.dst, ==, PBX);
  g_assert_cmpuint(ip.proto, ==, NET_PROTO_UDP);
  g_assert_true(ip.df);
  g_assert_false(ip.mf);
  g_assert_cmpuint(ip.ttl, ==, 64);
  g_assert_cmpuint(ip.id, ==, 0x1234);
  g_assert_true(ipv4_header_checksum_ok(buf, 20));
}

/* ---- Transport parse tables --------------------------------------------------------------------- */

typedef struct {
  const char *desc;   /* what the row checks */
  const char *ref;    /* the rule */
  guint8 proto;       /* which parser */
  gsize off;          /* byte to patch (from the IP header start), 0 = none */
  guint16 val;        /* 16-bit value written there */
  gsize cut;          /* buffer length (and IP total length) to cut to, 0 = keep */
  int expected;       /* parser result */
} L4Case;

static const L4Case l4_cases[] = {
  { "UDP valid", "RFC 768", NET_PROTO_UDP, 0, 0, 0, 1 },
  { "UDP length 7", "RFC 768: length >= 8", NET_PROTO_UDP, 24, 7, 0, -1 },
  { "UDP length past IP payload", "RFC 768", NET_PROTO_UDP, 24, 29, 0, -1 },
  { "UDP header cut to 7 bytes", "RFC 768", NET_PROTO_UDP, 0, 0, 27, -1 },
  { "UDP checksum 0 parses", "RFC 768: no checksum", NET_PROTO_UDP, 26, 0, 0, 1 },
  { "TCP valid", "RFC 9293", NET_PROTO_TCP, 0, 0, 0, 1 },
  { "TCP data offset 4", "RFC 9293: offset >= 5", NET_PROTO_TCP, 32, 0x4018, 0, -1 },
  { "TCP data offset past packet", "RFC 9293", NET_PROTO_TCP, 32, 0xf018, 0, -1 },
  { "TCP header cut to 19 bytes", "RFC 9293", NET_PROTO_TCP, 0, 0, 39, -1 },
  { "ICMP echo valid", "RFC 792", NET_PROTO_ICMP, 0, 0, 0, 1 },
  { "ICMP cut to 7 bytes", "RFC 792", NET_PROTO_ICMP, 0, 0, 27, -1 },
};

static void
test_l4_parse_table(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(l4_cases); i++) {
    const L4Case *c = &l4_cases[i];
    guint8 buf[128];
    gsize len;
    if (c->proto == NET_PROTO_UDP) {
      len = make_udp(buf, sizeof buf, 20, FALSE);
    } else if (c->proto == NET_PROTO_TCP) {
      len = make_tcp(buf, sizeof buf, "INVITE", TCP_ACK | TCP_PSH);
    } else {
      Ipv4Build ip = { .src = LAN_A, .dst = PBX };
      len = ipv4_build_icmp_echo(buf, sizeof buf, &ip, FALSE, 9, 1, (const guint8 *)"ping", 4);
    }
    if (c->off)
      net_put16(buf + c->off, c->val);
    if (c->cut) {
      len = c->cut;
      net_put16(buf + 2, (guint16)len);
    }
    g_autofree guint8 *p = exact(buf, len);
    Ipv4Info ip;
    g_assert_cmpint(ipv4_parse(p, len, 0, &ip), ==, 1);
    UdpInfo u;
    TcpInfo t;
    IcmpInfo m;
    int r = c->proto == NET_PROTO_UDP   ? udp_parse(p, len, &ip, &u)
            : c->proto == NET_PROTO_TCP ? tcp_parse(p, len, &ip, &t)
                                        : icmp_parse(p, len, &ip, &m);
    if (r != c->expected)
      g_error("%s (%s): got %d, expected %d", c->desc, c->ref, r, c->expected);
    /* The other parsers say "absent", not "malformed", for a packet of another protocol. */
    if (c->proto != NET_PROTO_UDP)
      g_assert_cmpint(udp_parse(p, len, &ip, &u), ==, 0);
    if (c->proto != NET_PROTO_TCP)
      g_assert_cmpint(tcp_parse(p, len, &ip, &t), ==, 0);
  }
}

static void
test_l4_nonfirst_fragment_absent(void)
{
  guint8 buf[64];
  gsize len = make_udp(buf, sizeof buf, 20, FALSE);
  net_put16(buf + 6, 0x0001); /* offset 8, last fragment */
  ipv4_set_header_checksum(buf);
  Ipv4Info ip;
  UdpInfo u;
  g_assert_cmpint(ipv4_parse(buf, len, 0, &ip), ==, 1);
  g_assert_cmpint(udp_parse(buf, len, &ip, &u), ==, 0);
  g_assert_cmpuint(l4_csum_offset(buf, len, &ip), ==, 0);
}

/* Every prefix of each sample, in an exact allocation, through every parser. */
static void
test_truncation_no_overread(void)
{
  guint8 samples[5][700];
  gsize lens[5];
  lens[0] = make_udp(samples[0], 700, 100, FALSE);
  lens[1] = make_tcp(samples[1], 700, "REGISTER sip:x SIP/2.0\r\n", TCP_ACK);
  Ipv4Build ip = { .src = PBX, .dst = PUBLIC };
  lens[2] = ipv4_build_icmp_echo(samples[2], 700, &ip, TRUE, 1, 2, (const guint8 *)"abc", 3);
  lens[3] = ipv4_build_icmp_error(samples[3], 700, &ip, ICMP_DEST_UNREACH, 3, 0, samples[0],
                                  lens[0]);
  /* TCP with options (MSS, NOP, NOP, SACK block) */
  memcpy(samples[4], samples[1], lens[1]);
  lens[4] = lens[1];
  guint8 *t = samples[4] + 20;
  memmove(t + 36, t + 20, lens[1] - 40);
  guint8 opts[16] = { 2, 4, 5, 0xb4, 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
  memcpy(t + 20, opts, 16);
  t[12] = 9 << 4;
  lens[4] += 16;
  net_put16(samples[4] + 2, (guint16)lens[4]);
  ipv4_set_header_checksum(samples[4]);
  l4_fix_checksum(samples[4], lens[4]);
  for (guint s = 0; s < 5; s++) {
    g_assert_true(ipv4_checksums_ok(samples[s], lens[s]));
    for (gsize n = 0; n <= lens[s]; n++) {
      g_autofree guint8 *p = exact(samples[s], n);
      Ipv4Info h, in;
      UdpInfo u;
      TcpInfo tc;
      IcmpInfo m;
      int r = ipv4_parse(p, n, 0, &h);
      g_assert_cmpint(r, ==, n == 0 ? 0 : n < lens[s] ? -1 : 1);
      /* A quote-style parse tolerates the cut but must not read past it either. */
      if (ipv4_parse(p, n, IPV4_PARSE_QUOTED, &h) == 1) {
        udp_parse(p, n, &h, &u);
        tcp_parse(p, n, &h, &tc);
        if (tcp_parse(p, n, &h, &tc) == 1)
          tcp_options_foreach(p, &tc, NULL, NULL);
        if (icmp_parse(p, n, &h, &m) == 1) {
          gsize a, b;
          icmp_quote_parse(p, n, &m, &in, &a, &b);
        }
        l4_csum_offset(p, n, &h);
      }
      ipv4_checksums_ok(p, n);
      g_assert_false(l4_fix_checksum(p, n) && n < lens[s]);
    }
  }
}

static void
test_icmp_quote(void)
{
  guint8 orig[64], err[700];
  gsize olen = make_udp(orig, sizeof orig, 20, FALSE);
  Ipv4Build ip = { .src = PBX, .dst = PUBLIC };
  gsize elen = ipv4_build_icmp_error(err, sizeof err, &ip, ICMP_DEST_UNREACH, 3, 0, orig, olen);
  Ipv4Info h, in;
  IcmpInfo m;
  gsize in_off, l4;
  g_assert_cmpint(ipv4_parse(err, elen, 0, &h), ==, 1);
  g_assert_cmpint(icmp_parse(err, elen, &h, &m), ==, 1);
  g_assert_true(icmp_is_error(m.type));
  g_assert_cmpint(icmp_quote_parse(err, elen, &m, &in, &in_off, &l4), ==, 1);
  g_assert_cmpuint(in.src, ==, LAN_A);
  g_assert_cmpuint(net_get16(err + l4), ==, 5060);
  /* RFC 792 minimum quote (header + 8 bytes) parses; one byte less does not. */
  elen = ipv4_build_icmp_error(err, sizeof err, &ip, ICMP_DEST_UNREACH, 3, 0, orig, 28);
  g_assert_cmpint(ipv4_parse(err, elen, 0, &h), ==, 1);
  g_assert_cmpint(icmp_parse(err, elen, &h, &m), ==, 1);
  g_assert_cmpint(icmp_quote_parse(err, elen, &m, &in, &in_off, &l4), ==, 1);
  g_assert_true(in.truncated);
  elen = ipv4_build_icmp_error(err, sizeof err, &ip, ICMP_DEST_UNREACH, 3, 0, orig, 27);
  g_assert_cmpint(ipv4_parse(err, elen, 0, &h), ==, 1);
  g_assert_cmpint(icmp_parse(err, elen, &h, &m), ==, 1);
  g_assert_cmpint(icmp_quote_parse(err, elen, &m, &in, &in_off, &l4), ==, -1);
  /* An echo has no quote. */
  elen = ipv4_build_icmp_echo(err, sizeof err, &ip, FALSE, 1, 1, NULL, 0);
  g_assert_cmpint(ipv4_parse(err, elen, 0, &h), ==, 1);
  g_assert_cmpint(icmp_parse(err, elen, &h, &m), ==, 1);
  g_assert_cmpint(icmp_quote_parse(err, elen, &m, &in, &in_off, &l4), ==, 0);
}

/* ---- Checksums ---------------------------------------------------------------------------------- */

static void
test_checksum_rfc1071_example(void)
{
  /* RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (checksum 220d). */
  const guint8 b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
  g_assert_cmphex(inet_fold(inet_sum(b, sizeof b, 0)), ==, 0xddf2);
  g_assert_cmphex(inet_checksum(b, sizeof b), ==, 0x220d);
  /* An odd length pads with zero. */
  const guint8 o[] = { 0x12, 0x34, 0x56 };
  g_assert_cmphex(inet_fold(inet_sum(o, 3, 0)), ==, 0x1234 + 0x5600);
}

static void
test_checksum_rfc1624_example(void)
{
  /* RFC 1624 §4: HC 0xDD2F, m 0x5555 -> m' 0x3285 gives 0x0000 by eqn. 3 (not -0). */
  g_assert_cmphex(csum_replace16(0xdd2f, 0x5555, 0x3285), ==, 0x0000);
  /* In a UDP checksum that 0 would mean "none": it goes out as 0xFFFF (RFC 768). */
  guint8 b[8] = { 0, 0, 0, 0, 0, 0, 0xdd, 0x2f };
  l4_csum_adjust16(b, 6, TRUE, 0x5555, 0x3285);
  g_assert_cmphex(net_get16(b + 6), ==, 0xffff);
  /* A UDP checksum field of 0 stays 0. */
  guint8 z[8] = { 0 };
  l4_csum_adjust32(z, 6, TRUE, 0x01020304, 0x05060708);
  g_assert_cmphex(net_get16(z + 6), ==, 0);
}

static void
test_checksum_incremental_matches_full(void)
{
  GRand *r = g_rand_new_with_seed(42);
  for (int i = 0; i < 2000; i++) {
    guint8 buf[200];
    gsize plen = (gsize)g_rand_int_range(r, 0, 150);
    guint8 payload[150];
    for (gsize k = 0; k < plen; k++)
      payload[k] = (guint8)g_rand_int(r);
    Ipv4Build ip = { .src = g_rand_int(r), .dst = g_rand_int(r), .id = (guint16)i };
    gsize len;
    gboolean udp = i % 2 == 0;
    if (udp) {
      len = ipv4_build_udp(buf, sizeof buf, &ip, (guint16)g_rand_int(r), 5060, payload, plen,
                           FALSE);
    } else {
      TcpBuild t = { .sport = (guint16)g_rand_int(r), .dport = 80, .seq = g_rand_int(r),
                     .flags = TCP_ACK };
      len = ipv4_build_tcp(buf, sizeof buf, &ip, &t, payload, plen);
    }
    Ipv4Info h;
    g_assert_cmpint(ipv4_parse(buf, len, 0, &h), ==, 1);
    gsize csum = l4_csum_offset(buf, len, &h);
    g_assert_cmpuint(csum, !=, 0);
    ipv4_set_addr(buf, i % 3 == 0, g_rand_int(r), csum, udp);
    guint16 oldp = net_get16(buf + 20), newp = (guint16)g_rand_int(r);
    net_put16(buf + 20, newp);
    l4_csum_adjust16(buf, csum, udp, oldp, newp);
    ipv4_dec_ttl(buf);
    g_assert_true(ipv4_checksums_ok(buf, len));
  }
  g_rand_free(r);
}

static void
test_build_checksums(void)
{
  guint8 buf[256];
  Ipv4Build ip = { .src = LAN_A, .dst = PBX, .ttl = 5, .tos = 0xb8 };
  gsize n = ipv4_build_udp(buf, sizeof buf, &ip, 1, 2, (const guint8 *)"x", 1, FALSE);
  g_assert_true(ipv4_checksums_ok(buf, n));
  g_assert_cmpuint(buf[1], ==, 0xb8);
  n = ipv4_build_udp(buf, sizeof buf, &ip, 1, 2, (const guint8 *)"x", 1, TRUE);
  g_assert_cmpuint(net_get16(buf + 26), ==, 0);
  g_assert_true(ipv4_checksums_ok(buf, n));
  n = make_tcp(buf, sizeof buf, "hello", TCP_SYN);
  g_assert_true(ipv4_checksums_ok(buf, n));
  buf[n - 1] ^= 1;
  g_assert_false(ipv4_checksums_ok(buf, n));
  g_assert_cmpuint(ipv4_build_udp(buf, 30, &ip, 1, 2, (const guint8 *)"x", 3, FALSE), ==, 0);
}

/* ---- NetBuf ------------------------------------------------------------------------------------- */

static void
test_netbuf_splice(void)
{
  g_autoptr(NetBuf) b = netbuf_new((const guint8 *)"hello world", 11, 0);
  netbuf_splice(b, 6, 5, (const guint8 *)"there, world", 12);
  g_assert_cmpmem(b->data, b->len, "hello there, world", 18);
  netbuf_splice(b, 0, 6, NULL, 0);
  g_assert_cmpmem(b->data, b->len, "there, world", 12);
  gsize len;
  guint8 *raw = netbuf_steal(g_steal_pointer(&b), &len);
  g_assert_cmpuint(len, ==, 12);
  g_free(raw);
}

/* ---- Fragmentation ------------------------------------------------------------------------------ */

static void
test_fragment_3000_to_1500(void)
{
  guint8 buf[3100];
  gsize len = make_udp(buf, sizeof buf, 3000, FALSE);
  g_autoptr(GPtrArray) frags = g_ptr_array_new_with_free_func((GDestroyNotify)netbuf_free);
  g_assert_cmpint(ipv4_fragment(buf, len, 1500, frags), ==, 3);
  gsize expect_off = 0;
  for (guint i = 0; i < frags->len; i++) {
    NetBuf *f = frags->pdata[i];
    Ipv4Info h;
    g_assert_cmpint(ipv4_parse(f->data, f->len, 0, &h), ==, 1);
    g_assert_cmpuint(f->len, <=, 1500);
    g_assert_true(ipv4_header_checksum_ok(f->data, h.hdr_len));
    g_assert_cmpuint(h.frag_off, ==, expect_off);
    g_assert_cmpuint(h.id, ==, 0x1234);
    g_assert_true(h.mf == (i + 1 < frags->len));
    if (h.mf)
      g_assert_cmpuint((h.total_len - h.hdr_len) % 8, ==, 0);
    expect_off += h.total_len - h.hdr_len;
  }
  g_assert_cmpuint(expect_off, ==, len - 20);
  /* Reassembled in reverse order, the datagram is byte-identical. */
  Reasm *r = reasm_new(8, SIM_S(30), REASM_OVERLAP_DISCARD);
  NetBuf *out = NULL;
  const char *why = NULL;
  for (guint i = frags->len; i-- > 0;) {
    NetBuf *f = frags->pdata[i];
    int res = reasm_add(r, f->data, f->len, SIM_MS(i), &out, &why);
    g_assert_cmpint(res, ==, i == 0 ? 1 : 0);
  }
  g_assert_nonnull(out);
  g_assert_cmpmem(out->data, out->len, buf, len);
  g_assert_cmpuint(reasm_pending(r), ==, 0);
  netbuf_free(out);
  reasm_free(r);
}

static void
test_fragment_df_refused(void)
{
  guint8 buf[3100];
  gsize len = make_udp(buf, sizeof buf, 3000, TRUE);
  g_autoptr(GPtrArray) frags = g_ptr_array_new_with_free_func((GDestroyNotify)netbuf_free);
  g_assert_cmpint(ipv4_fragment(buf, len, 1500, frags), ==, 0);
  g_assert_cmpuint(frags->len, ==, 0);
  g_assert_cmpint(ipv4_fragment(buf, len, 67, frags), ==, -1); /* RFC 791: 68 minimum */
  len = make_udp(buf, sizeof buf, 100, TRUE);
  g_assert_cmpint(ipv4_fragment(buf, len, 1500, frags), ==, 1); /* fits: a copy */
}

static void
test_fragment_copies_flagged_options(void)
{
  /* A header with Router Alert (0x94, copied) and Record Route (0x07, not copied). */
  guint8 base[1300];
  gsize blen = make_udp(base, sizeof base, 1200, FALSE);
  guint8 buf[1400];
  memcpy(buf, base, 20);
  const guint8 opts[12] = { 0x94, 4, 0, 0, 0x07, 7, 4, 0, 0, 0, 0, 0 };
  memcpy(buf + 20, opts, 12);
  memcpy(buf + 32, base + 20, blen - 20);
  buf[0] = 0x48;
  gsize len = blen + 12;
  net_put16(buf + 2, (guint16)len);
  ipv4_set_header_checksum(buf);
  g_autoptr(GPtrArray) frags = g_ptr_array_new_with_free_func((GDestroyNotify)netbuf_free);
  g_assert_cmpint(ipv4_fragment(buf, len, 576, frags), ==, 3);
  NetBuf *f0 = frags->pdata[0], *f1 = frags->pdata[1];
  g_assert_cmpuint((f0->data[0] & 0xf) * 4, ==, 32);
  g_assert_cmpuint((f1->data[0] & 0xf) * 4, ==, 24);
  g_assert_cmpuint(f1->data[20], ==, 0x94);
  Reasm *r = reasm_new(8, SIM_S(30), REASM_OVERLAP_DISCARD);
  NetBuf *out = NULL;
  const char *why;
  for (guint i = 0; i < frags->len; i++) {
    NetBuf *f = frags->pdata[i];
    reasm_add(r, f->data, f->len, 0, &out, &why);
  }
  g_assert_nonnull(out);
  g_assert_cmpmem(out->data, out->len, buf, len);
  netbuf_free(out);
  reasm_free(r);
}

/* ---- Reassembly --------------------------------------------------------------------------------- */

/* A fragment of a 64-byte-payload datagram (id) covering payload bytes [off, off + n). */
static gsize
frag(guint8 *buf, guint16 id, gsize off, gsize n, gboolean more, guint8 fill)
{
  memset(buf, 0, 20 + n);
  buf[0] = 0x45;
  net_put16(buf + 2, (guint16)(20 + n));
  net_put16(buf + 4, id);
  net_put16(buf + 6, (guint16)((more ? 0x2000 : 0) | off / 8));
  buf[8] = 64;
  buf[9] = NET_PROTO_UDP;
  net_put32(buf + 12, LAN_A);
  net_put32(buf + 16, PBX);
  memset(buf + 20, fill, n);
  ipv4_set_header_checksum(buf);
  return 20 + n;
}

typedef struct {
  gsize off, n;   /* payload range */
  gboolean more;  /* MF */
  guint8 fill;    /* data byte */
  int expected;   /* reasm_add result */
  const char *reason; /* drop reason when -1 */
} FragStep;

typedef struct {
  const char *desc;     /* the behaviour */
  const char *ref;      /* its source */
  ReasmOverlap overlap; /* policy */
  FragStep steps[6];    /* fragments in arrival order; n == 0 ends */
} ReasmCase;

static const ReasmCase reasm_cases[] = {
  { "in order", "RFC 815", REASM_OVERLAP_DISCARD,
    { { 0, 32, TRUE, 1, 0, NULL }, { 32, 32, FALSE, 2, 1, NULL } } },
  { "last first, then a middle hole", "RFC 815 holes", REASM_OVERLAP_DISCARD,
    { { 48, 16, FALSE, 3, 0, NULL }, { 0, 16, TRUE, 1, 0, NULL }, { 16, 32, TRUE, 2, 1, NULL } } },
  { "exact duplicate ignored", "Linux IPFRAG_DUP", REASM_OVERLAP_DISCARD,
    { { 0, 32, TRUE, 1, 0, NULL }, { 0, 32, TRUE, 1, 0, NULL }, { 32, 32, FALSE, 2, 1, NULL } } },
  { "overlap discards the datagram", "Linux 4.19 ip_frag_queue, RFC 5722", REASM_OVERLAP_DISCARD,
    { { 0, 32, TRUE, 1, 0, NULL }, { 24, 40, FALSE, 2, -1, "reasm-overlap" },
      { 32, 32, FALSE, 2, 0, NULL } } },
  { "overlap accepted, later data wins", "RFC 815", REASM_OVERLAP_ACCEPT,
    { { 0, 32, TRUE, 1, 0, NULL }, { 24, 40, FALSE, 2, 1, NULL } } },
  { "second different last fragment", "RFC 791 consistency", REASM_OVERLAP_DISCARD,
    { { 32, 32, FALSE, 2, 0, NULL }, { 40, 32, FALSE, 2, -1, "reasm-malformed" } } },
  { "data beyond the last fragment", "RFC 791 consistency", REASM_OVERLAP_DISCARD,
    { { 32, 16, FALSE, 2, 0, NULL }, { 48, 16, TRUE, 2, -1, "reasm-malformed" } } },
};

static void
test_reasm_table(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(reasm_cases); i++) {
    const ReasmCase *c = &reasm_cases[i];
    Reasm *r = reasm_new(8, SIM_S(30), c->overlap);
    for (guint s = 0; s < G_N_ELEMENTS(c->steps) && c->steps[s].n; s++) {
      const FragStep *st = &c->steps[s];
      guint8 buf[128];
      gsize len = frag(buf, 77, st->off, st->n, st->more, st->fill);
      g_autofree guint8 *p = exact(buf, len);
      NetBuf *out = NULL;
      const char *why = NULL;
      int res = reasm_add(r, p, len, SIM_S(s), &out, &why);
      if (res != st->expected || g_strcmp0(why, st->reason) != 0)
        g_error("%s (%s) step %u: got %d %s", c->desc, c->ref, s, res, why ? why : "");
      if (res == 1) {
        Ipv4Info h;
        g_assert_cmpint(ipv4_parse(out->data, out->len, 0, &h), ==, 1);
        g_assert_false(ipv4_is_fragment(&h));
        g_assert_cmpuint(h.total_len, ==, 84);
        g_assert_true(ipv4_header_checksum_ok(out->data, 20));
        if (c->overlap == REASM_OVERLAP_ACCEPT)
          g_assert_cmpuint(out->data[20 + 24], ==, 2);
        netbuf_free(out);
      }
    }
    reasm_free(r);
  }
}

typedef struct {
  guint n;          /* expiries seen */
  guint16 ids[4];   /* their ids */
  SimTime at[4];    /* their expiry times */
  gboolean first[4]; /* whether their first fragment had come */
} ExpiredSeen;

static void
on_expired(void *ctx, const Ipv4Info *key, SimTime at, gboolean had_first)
{
  ExpiredSeen *s = ctx;
  g_assert_cmpuint(s->n, <, 4);
  s->ids[s->n] = key->id;
  s->at[s->n] = at;
  s->first[s->n] = had_first;
  s->n++;
}

static void
test_reasm_timeout_and_limit(void)
{
  Reasm *r = reasm_new(2, SIM_S(30), REASM_OVERLAP_DISCARD);
  ExpiredSeen seen = { 0 };
  reasm_set_expired_cb(r, on_expired, &seen);
  guint8 buf[128];
  NetBuf *out = NULL;
  const char *why;
  gsize len = frag(buf, 5, 0, 32, TRUE, 1);
  g_assert_cmpint(reasm_add(r, buf, len, SIM_MS(1500), &out, &why), ==, 0);
  len = frag(buf, 6, 32, 32, TRUE, 1);
  g_assert_cmpint(reasm_add(r, buf, len, SIM_S(2), &out, &why), ==, 0);
  len = frag(buf, 7, 0, 32, TRUE, 1);
  g_assert_cmpint(reasm_add(r, buf, len, SIM_S(3), &out, &why), ==, -1);
  g_assert_cmpstr(why, ==, "reasm-full");
  /* The timer runs from the first fragment, 30 s (Linux ipfrag_time), and is exact. */
  reasm_expire(r, SIM_MS(31500) - 1);
  g_assert_cmpuint(seen.n, ==, 0);
  reasm_expire(r, SIM_MS(31500));
  g_assert_cmpuint(seen.n, ==, 1);
  g_assert_cmpuint(seen.ids[0], ==, 5);
  g_assert_cmpint(seen.at[0], ==, SIM_MS(31500));
  g_assert_true(seen.first[0]);
  /* Expiry on the next fragment's arrival reports the exact time, not the arrival time. */
  len = frag(buf, 7, 0, 32, TRUE, 1);
  g_assert_cmpint(reasm_add(r, buf, len, SIM_S(40), &out, &why), ==, 0);
  g_assert_cmpuint(seen.n, ==, 2);
  g_assert_cmpuint(seen.ids[1], ==, 6);
  g_assert_cmpint(seen.at[1], ==, SIM_S(32));
  g_assert_false(seen.first[1]);
  g_assert_cmpuint(reasm_pending(r), ==, 1);
  reasm_free(r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/net/ipv4/parse-table", test_ipv4_parse_table);
  g_test_add_func("/net/ipv4/parse-fields", test_ipv4_parse_fields);
  g_test_add_func("/net/l4/parse-table", test_l4_parse_table);
  g_test_add_func("/net/l4/nonfirst-fragment-has-no-header", test_l4_nonfirst_fragment_absent);
  g_test_add_func("/net/parse/every-prefix-no-overread", test_truncation_no_overread);
  g_test_add_func("/net/icmp/quote-needs-header-plus-8", test_icmp_quote);
  g_test_add_func("/net/checksum/rfc1071-example", test_checksum_rfc1071_example);
  g_test_add_func("/net/checksum/rfc1624-eqn3-and-udp-zero", test_checksum_rfc1624_example);
  g_test_add_func("/net/checksum/incremental-equals-full", test_checksum_incremental_matches_full);
  g_test_add_func("/net/build/checksums-verify", test_build_checksums);
  g_test_add_func("/net/netbuf/splice-grows-and-shrinks", test_netbuf_splice);
  g_test_add_func("/net/fragment/3000-bytes-to-mtu-1500", test_fragment_3000_to_1500);
  g_test_add_func("/net/fragment/df-refused", test_fragment_df_refused);
  g_test_add_func("/net/fragment/copies-flagged-options", test_fragment_copies_flagged_options);
  g_test_add_func("/net/reasm/table", test_reasm_table);
  g_test_add_func("/net/reasm/timeout-30s-and-limit", test_reasm_timeout_and_limit);
  return g_test_run();
}
