/* gen-corpus.c — writes the seed corpora of fuzz/corpus/<target>/: a handful of valid inputs
 * per target, built with the project's own builders so that they stay valid as the code
 * evolves.  Run by hand after changing a target's input format:
 *
 *   ninja -C build fuzz/gen-corpus && build/fuzz/gen-corpus fuzz/corpus
 *
 * Files are named y_<what> (valid, must be accepted) as in style.md; crashers found by fuzzing
 * are added next to them as n_<what> by hand and are not rewritten here.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz-nat-common.h"
#include "net/frag.h"
#include "stun/stun.h"

static const char *root;

static void
put(const char *target, const char *name, const guint8 *data, gsize len)
{
  g_autofree char *dir = g_build_filename(root, target, NULL);
  g_mkdir_with_parents(dir, 0755);
  g_autofree char *file = g_strdup_printf("y_%s", name);
  g_autofree char *path = g_build_filename(dir, file, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(path, (const char *)data, (gssize)len, &error))
    g_error("%s", error->message);
}

static gsize
mk_udp(guint8 *buf, guint32 src, guint16 sp, guint32 dst, guint16 dp, const char *payload)
{
  Ipv4Build ip = { .src = src, .dst = dst, .id = 7 };
  return ipv4_build_udp(buf, 2048, &ip, sp, dp, (const guint8 *)payload, strlen(payload), FALSE);
}

static gsize
mk_tcp(guint8 *buf, guint32 src, guint16 sp, guint32 dst, guint16 dp, guint32 seq, guint32 ack,
       guint8 flags, const char *payload)
{
  Ipv4Build ip = { .src = src, .dst = dst, .id = 9 };
  TcpBuild t = { .sport = sp, .dport = dp, .seq = seq, .ack = ack, .flags = flags };
  return ipv4_build_tcp(buf, 2048, &ip, &t, (const guint8 *)payload, strlen(payload));
}

/* A SYN with MSS, SACK-permitted, timestamps and window scale, and one with SACK blocks. */
static gsize
mk_tcp_opts(guint8 *buf, guint32 src, guint16 sp, guint32 dst, guint16 dp, gboolean sack)
{
  static const guint8 syn_opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3,
                                     3, 7 };
  static const guint8 sack_opts[] = { 1, 1, 5, 18, 0, 0, 0x13, 0x88, 0, 0, 0x13, 0xa0,
                                      0, 0, 0x14, 0x00, 0, 0, 0x14, 0x10, 0, 0, 0, 0 };
  const guint8 *o = sack ? sack_opts : syn_opts;
  gsize olen = sack ? sizeof sack_opts : sizeof syn_opts;
  gsize n = mk_tcp(buf, src, sp, dst, dp, 1000, sack ? 5001 : 0,
                   sack ? TCP_ACK : TCP_SYN, "");
  /* Grow the header by the options and fix lengths and checksums. */
  memcpy(buf + n, o, olen);
  buf[IPV4_HDR_MIN + 12] = (guint8)(((TCP_HDR_MIN + olen) / 4) << 4);
  n += olen;
  net_put16(buf + 2, (guint16)n);
  ipv4_set_header_checksum(buf);
  l4_fix_checksum(buf, n);
  return n;
}

static gsize
mk_icmp_error(guint8 *buf, guint32 src, guint32 dst, guint8 type, guint8 code, const guint8 *orig,
              gsize orig_len)
{
  Ipv4Build ip = { .src = src, .dst = dst };
  return ipv4_build_icmp_error(buf, 2048, &ip, type, code, type == 3 && code == 4 ? 1400 : 0,
                               orig, MIN(orig_len, (gsize)28 + 16));
}

/* ---- net ---------------------------------------------------------------------------------------- */

static void
gen_net(void)
{
  guint8 b[2048], o[2048];
  gsize n;
  n = mk_udp(b, FZ_PHONE, 5060, FZ_PBX, 5060, "REGISTER sip:pbx SIP/2.0\r\n\r\n");
  put("net", "udp-sip", b, n);
  Ipv4Build ip = { .src = FZ_PHONE, .dst = FZ_STUN };
  n = ipv4_build_udp(b, sizeof b, &ip, 4000, 3478, (const guint8 *)"nochecksum", 10, TRUE);
  put("net", "udp-no-checksum", b, n);
  n = mk_tcp_opts(b, FZ_PHONE, 40000, FZ_PBX, 5061, FALSE);
  put("net", "tcp-syn-options", b, n);
  n = mk_tcp_opts(b, FZ_PBX, 5061, FZ_PUBLIC, 40000, TRUE);
  put("net", "tcp-ack-sack", b, n);
  n = mk_tcp(b, FZ_PHONE, 40000, FZ_PBX, 5061, 1001, 5001, TCP_ACK | TCP_PSH, "INVITE sip:x");
  put("net", "tcp-data", b, n);
  n = ipv4_build_icmp_echo(b, sizeof b, &ip, FALSE, 77, 1, (const guint8 *)"ping", 4);
  put("net", "icmp-echo", b, n);
  gsize on = mk_udp(o, FZ_PUBLIC, 5060, FZ_PBX, 5060, "REGISTER");
  n = mk_icmp_error(b, FZ_PBX, FZ_PUBLIC, ICMP_DEST_UNREACH, 3, o, on);
  put("net", "icmp-port-unreachable", b, n);
  on = mk_tcp(o, FZ_PUBLIC, 5056, FZ_PBX, 5061, 1, 0, TCP_SYN, "");
  n = mk_icmp_error(b, FZ_REMOTE, FZ_PUBLIC, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, o, on);
  put("net", "icmp-frag-needed-tcp", b, n);
  /* A UDP datagram with a copied IP option, large enough to fragment (MTU from its last byte). */
  guint8 big[600];
  memset(big, 'x', sizeof big);
  big[sizeof big - 1] = 40; /* mtu = 68 + 40 * 8 = 388 */
  n = ipv4_build_udp(b, sizeof b, &(Ipv4Build){ .src = FZ_PHONE, .dst = FZ_PBX, .id = 99 }, 5060,
                     5060, big, sizeof big, FALSE);
  put("net", "udp-large", b, n);
  GPtrArray *frags = g_ptr_array_new_with_free_func((GDestroyNotify)netbuf_free);
  ipv4_fragment(b, n, 388, frags);
  NetBuf *f0 = g_ptr_array_index(frags, 0), *f1 = g_ptr_array_index(frags, 1);
  put("net", "udp-first-fragment", f0->data, f0->len);
  put("net", "udp-later-fragment", f1->data, f1->len);
  g_ptr_array_unref(frags);
}

/* ---- nat ---------------------------------------------------------------------------------------- */

static guint16
ext_port_of(Nat *nat, guint8 proto, guint32 in, guint16 in_port, guint32 rem, guint16 rem_port)
{
  NatBinding *b = nat_binding_lookup(nat, proto, (SimAddr){ in, in_port },
                                     (SimAddr){ rem, rem_port }, 0);
  g_assert(b);
  return nat_binding_tuple(b)->external.port;
}

/* Appends a seq record [ctl][len][bytes]. */
static void
seq_add(GByteArray *s, gboolean out, guint secs, const guint8 *pkt, gsize len)
{
  guint8 h[3] = { (guint8)((out ? 1 : 0) | (MIN(secs, 63u) << 1)), (guint8)(len >> 8),
                  (guint8)len };
  g_byte_array_append(s, h, 3);
  g_byte_array_append(s, pkt, (guint)len);
}

static void
gen_nat(void)
{
  NatParams p;
  fz_nat_params_fixed(&p);
  Nat *nat = fz_nat_new(&p);
  fz_nat_warm_up(nat);
  guint16 tcp_ext = ext_port_of(nat, NET_PROTO_TCP, FZ_PHONE, 40000, FZ_PBX, 5061);
  guint16 sip_ext = ext_port_of(nat, NET_PROTO_UDP, FZ_PHONE, 5060, FZ_PBX, 5060);
  guint16 echo_ext = ext_port_of(nat, NET_PROTO_ICMP, FZ_PHONE, 77, FZ_REMOTE, 0);
  nat_free(nat);

  guint8 b[2048], o[2048];
  gsize n, on;
  n = mk_udp(b, FZ_PHONE, 5060, FZ_PBX, 5060, "REGISTER again");
  put("nat", "out-udp-sip", b, n);
  n = mk_udp(b, FZ_PHONE, 16384, FZ_MEDIA, 40000, "\x80\x00rtp");
  put("nat", "out-udp-rtp", b, n);
  n = mk_udp(b, FZ_PBX, 5060, FZ_PUBLIC, sip_ext, "OPTIONS sip:phone");
  put("nat", "in-udp-sip", b, n);
  n = mk_udp(b, FZ_MEDIA, 30000, FZ_PUBLIC, 5056, "\x80\x00rtp-in");
  put("nat", "in-udp-media", b, n);
  n = mk_udp(b, FZ_PHONE2, 5060, FZ_PUBLIC, sip_ext, "hairpin");
  put("nat", "out-udp-hairpin", b, n);
  n = mk_udp(b, FZ_PHONE, 5060, FZ_PBX, 5060, "M\x05\x02\x10mangle-me-please");
  put("nat", "out-udp-alg-mangle", b, n);
  n = mk_udp(b, FZ_PHONE, 5062, FZ_PBX, 5060, "E\x01\x01\x40" "expect");
  put("nat", "out-udp-alg-expect", b, n);
  n = mk_tcp(b, FZ_PHONE, 40000, FZ_PBX, 5061, 1019, 5012, TCP_ACK, "M\x03\x04\x02more");
  put("nat", "out-tcp-alg-mangle", b, n);
  n = mk_tcp_opts(b, FZ_PBX, 5061, FZ_PUBLIC, tcp_ext, TRUE);
  put("nat", "in-tcp-sack", b, n);
  n = mk_tcp(b, FZ_PBX, 5061, FZ_PUBLIC, tcp_ext, 5012, 1030, TCP_ACK | TCP_FIN, "");
  put("nat", "in-tcp-fin", b, n);
  n = mk_tcp(b, FZ_REMOTE, 443, FZ_PUBLIC, 5058, 1, 0, TCP_SYN, "");
  put("nat", "in-tcp-syn", b, n);
  Ipv4Build ip = { .src = FZ_REMOTE, .dst = FZ_PUBLIC };
  n = ipv4_build_icmp_echo(b, sizeof b, &ip, TRUE, echo_ext, 1, (const guint8 *)"pong", 4);
  put("nat", "in-icmp-echo-reply", b, n);
  on = mk_udp(o, FZ_PUBLIC, sip_ext, FZ_PBX, 5060, "REGISTER");
  n = mk_icmp_error(b, FZ_PBX, FZ_PUBLIC, ICMP_DEST_UNREACH, 3, o, on);
  put("nat", "in-icmp-error-udp", b, n);
  on = mk_tcp(o, FZ_PUBLIC, tcp_ext, FZ_PBX, 5061, 1001, 5001, TCP_ACK, "INVITE");
  n = mk_icmp_error(b, FZ_REMOTE, FZ_PUBLIC, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, o, on);
  put("nat", "in-icmp-error-tcp", b, n);
  on = mk_udp(o, FZ_PBX, 5060, FZ_PHONE, 5060, "OPTIONS");
  n = mk_icmp_error(b, FZ_PHONE, FZ_PBX, ICMP_DEST_UNREACH, 3, o, on);
  put("nat", "out-icmp-error-udp", b, n);
  /* The first fragment of a large datagram (its later fragments are in nat-seq). */
  guint8 big[600];
  memset(big, 'f', sizeof big);
  n = ipv4_build_udp(b, sizeof b, &(Ipv4Build){ .src = FZ_PHONE, .dst = FZ_PBX, .id = 4242 }, 5060,
                     5060, big, sizeof big, FALSE);
  GPtrArray *frags = g_ptr_array_new_with_free_func((GDestroyNotify)netbuf_free);
  ipv4_fragment(b, n, 276, frags);
  NetBuf *f = g_ptr_array_index(frags, 0);
  put("nat", "out-udp-first-fragment", f->data, f->len);

  /* nat-seq: [cfg0][cfg1] then records.  cfg1 bit 6 asks for the warm-up (EIM only). */
  GByteArray *s = g_byte_array_new();
  guint8 cfg[2] = { 0x03 /* EIM, ADF, preserve */, 0x41 | 0x02 | 0x08 | 0xa0 };
  g_byte_array_append(s, cfg, 2);
  for (guint i = 0; i < frags->len; i++) {
    NetBuf *x = g_ptr_array_index(frags, i);
    seq_add(s, TRUE, 0, x->data, x->len);
  }
  n = mk_udp(b, FZ_PBX, 5060, FZ_PUBLIC, sip_ext, "SIP/2.0 200 OK");
  seq_add(s, FALSE, 1, b, n);
  n = mk_udp(b, FZ_PHONE2, 5060, FZ_PUBLIC, sip_ext, "hairpin");
  seq_add(s, TRUE, 1, b, n);
  seq_add(s, FALSE, 40, NULL, 0); /* expire */
  n = mk_udp(b, FZ_PBX, 5060, FZ_PUBLIC, sip_ext, "late");
  seq_add(s, FALSE, 63, b, n);
  put("nat-seq", "warm-fragments-hairpin-expire", s->data, s->len);
  g_byte_array_set_size(s, 0);
  /* APDM, APDF, random allocation, a tiny range and a 4-binding refusing table. */
  guint8 cfg2[2] = { 2 + 3 * 2 + 9 * 3, 0x04 | 0x20 };
  g_byte_array_append(s, cfg2, 2);
  for (guint i = 0; i < 6; i++) {
    n = mk_udp(b, FZ_PHONE + (i & 1), (guint16)(5060 + i), FZ_PBX + i, 5060, "x");
    seq_add(s, TRUE, i, b, n);
  }
  n = mk_tcp(b, FZ_PHONE, 40000, FZ_PBX, 5061, 1, 0, TCP_SYN, "");
  seq_add(s, TRUE, 0, b, n);
  n = mk_tcp(b, FZ_PBX, 5061, FZ_PUBLIC, 5060, 100, 2, TCP_SYN | TCP_ACK, "");
  seq_add(s, FALSE, 0, b, n);
  n = mk_tcp(b, FZ_PHONE, 40000, FZ_PBX, 5061, 2, 101, TCP_RST, "");
  seq_add(s, TRUE, 0, b, n);
  seq_add(s, TRUE, 0, NULL, 0); /* flush */
  put("nat-seq", "apdm-tiny-range-tcp-rst-flush", s->data, s->len);
  g_byte_array_set_size(s, 0);
  /* EIM / EIF, sequential, evict-lru, hold-down: an ICMP echo and its error. */
  guint8 cfg3[2] = { 0 + 0 + 9 * 2, 0x02 | 0x08 | 0x10 | 0x20 };
  g_byte_array_append(s, cfg3, 2);
  ip = (Ipv4Build){ .src = FZ_PHONE, .dst = FZ_REMOTE };
  n = ipv4_build_icmp_echo(b, sizeof b, &ip, FALSE, 9, 1, (const guint8 *)"ping", 4);
  seq_add(s, TRUE, 0, b, n);
  ip = (Ipv4Build){ .src = FZ_REMOTE, .dst = FZ_PUBLIC };
  n = ipv4_build_icmp_echo(b, sizeof b, &ip, TRUE, 1024, 1, (const guint8 *)"ping", 4);
  seq_add(s, FALSE, 0, b, n);
  n = mk_udp(b, FZ_PHONE, 5060, FZ_STUN, 3478, "stun");
  seq_add(s, TRUE, 0, b, n);
  n = mk_udp(b, FZ_REMOTE, 999, FZ_PUBLIC, 1025, "eif");
  seq_add(s, FALSE, 0, b, n);
  put("nat-seq", "eif-sequential-icmp", s->data, s->len);
  g_byte_array_unref(s);
  g_ptr_array_unref(frags);
}

/* ---- frag --------------------------------------------------------------------------------------- */

/* A structured record: datagram `id`, offset in 8-byte units, flags (1 MF, 2 DF, 4 option). */
static void
frag_rec(GByteArray *s, guint8 id, guint secs10, guint16 off8, guint8 flags, guint8 len, guint8 fill)
{
  guint8 h[6] = { (guint8)((id & 3) | ((secs10 & 7) << 4)), (guint8)(off8 >> 8), (guint8)off8,
                  flags, 0, len };
  g_byte_array_append(s, h, 6);
  for (guint i = 0; i < len; i++)
    g_byte_array_append(s, &fill, 1);
}

static void
gen_frag(void)
{
  GByteArray *s = g_byte_array_new();
  guint8 cfg = 0x02; /* discard overlaps, 2 pending */
  g_byte_array_append(s, &cfg, 1);
  frag_rec(s, 0, 0, 0, 1, 16, 'a');
  frag_rec(s, 0, 0, 2, 1, 16, 'b');
  frag_rec(s, 0, 0, 4, 0, 5, 'c');
  put("frag", "in-order", s->data, s->len);
  g_byte_array_set_size(s, 1);
  frag_rec(s, 1, 0, 4, 4, 9, 'c');
  frag_rec(s, 1, 0, 0, 5, 8, 'a');
  frag_rec(s, 1, 0, 1, 5, 24, 'b');
  frag_rec(s, 1, 0, 1, 5, 24, 'b'); /* an exact duplicate */
  put("frag", "reverse-with-option-and-duplicate", s->data, s->len);
  g_byte_array_set_size(s, 0);
  cfg = 0x01; /* accept overlaps */
  g_byte_array_append(s, &cfg, 1);
  frag_rec(s, 2, 0, 0, 1, 32, 'a');
  frag_rec(s, 2, 0, 2, 1, 32, 'b'); /* overlaps the first by 16 bytes */
  frag_rec(s, 3, 0, 0, 1, 8, 'x');  /* another datagram that times out */
  frag_rec(s, 2, 4, 6, 0, 3, 'c');
  put("frag", "overlap-accept-and-timeout", s->data, s->len);
  g_byte_array_set_size(s, 1);
  /* A raw record: a whole packet. */
  guint8 b[256];
  gsize n = mk_udp(b, FZ_PHONE, 5060, FZ_PBX, 5060, "whole");
  guint8 h[6] = { 0x80, 0, 0, 0, 0, (guint8)n };
  g_byte_array_append(s, h, 6);
  g_byte_array_append(s, b, (guint)n);
  frag_rec(s, 0, 0, 8191, 0, 7, 'z'); /* the highest offset */
  put("frag", "raw-whole-and-highest-offset", s->data, s->len);
  g_byte_array_unref(s);
}

/* ---- stun --------------------------------------------------------------------------------------- */

static void
put_stun(const char *name, StunBuilder *b)
{
  put("stun", name, b->bytes->data, b->bytes->len);
  stun_builder_clear(b);
}

static void
gen_stun(void)
{
  static const guint8 tid[STUN_TID_LEN] = { 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                            0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae };
  const char *pw = "VOkJxbRl1RmTxUk/WvJxBt";
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
  put_stun("binding-request", &b);
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
  stun_add_text(&b, STUN_ATTR_SOFTWARE, "STUN test client");
  stun_add_u32(&b, STUN_ATTR_PRIORITY, 0x6e0001ff);
  stun_add_text(&b, STUN_ATTR_USERNAME, "evtj:h6vY");
  stun_add_integrity(&b, (const guint8 *)pw, strlen(pw));
  stun_add_fingerprint(&b);
  put_stun("request-integrity-fingerprint", &b);
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, tid);
  stun_add_address(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, FZ_PUBLIC, 5060);
  stun_add_address(&b, STUN_ATTR_MAPPED_ADDRESS, FZ_PUBLIC, 5060);
  stun_add_address(&b, STUN_ATTR_RESPONSE_ORIGIN, FZ_STUN, 3478);
  stun_add_address(&b, STUN_ATTR_OTHER_ADDRESS, FZ_STUN + 1, 3479);
  stun_add_integrity_sha256(&b, (const guint8 *)pw, strlen(pw));
  stun_add_fingerprint(&b);
  put_stun("response-addresses-sha256", &b);
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
  stun_add_u32(&b, STUN_ATTR_CHANGE_REQUEST, STUN_CHANGE_IP | STUN_CHANGE_PORT);
  stun_add_response_port(&b, 40000);
  stun_add_raw(&b, STUN_ATTR_PADDING, "\0\0\0\0\0\0\0\0", 8);
  guint8 lt[16];
  stun_key_long_term("\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9",
                     "example.org", "TheMatrIX", lt);
  stun_add_text(&b, STUN_ATTR_REALM, "example.org");
  stun_add_text(&b, STUN_ATTR_NONCE, "f//499k954d6OL34oL9FSTvy64sA");
  stun_add_integrity(&b, lt, sizeof lt);
  put_stun("rfc5780-change-request-long-term", &b);
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_ERROR, tid);
  stun_add_error(&b, 420, "Unknown Attribute");
  const guint16 unk[] = { 0x0031, 0x0013 };
  stun_add_unknown(&b, unk, 2);
  stun_add_fingerprint(&b);
  put_stun("error-420-unknown", &b);
}

int
main(int argc, char **argv)
{
  if (argc != 2) {
    g_printerr("usage: %s CORPUS_ROOT\n", argv[0]);
    return 2;
  }
  root = argv[1];
  gen_net();
  gen_nat();
  gen_frag();
  gen_stun();
  return 0;
}
