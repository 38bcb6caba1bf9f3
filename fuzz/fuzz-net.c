/* fuzz-net.c — fuzz target for models/net: the input is one IPv4 packet.
 *
 * It goes through every parser (IPv4 plain and as an ICMP quote, UDP, TCP and its options, ICMP
 * and the datagram an ICMP error quotes), the checksum verifier, the description used by traces,
 * the checksum fixer and the in-place rewriters on a copy, and fragmentation to an MTU taken from
 * the input followed by reassembly of the pieces, which must give back the datagram.  ipv4.h
 * promises that no parser reads past `len` whatever the header fields claim; ASan checks it.
 */
#include <string.h>

#include "net/frag.h"
#include "net/ipv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
count_opt(void *ctx, guint8 kind, gsize off, gsize len)
{
  gsize *n = ctx;
  *n += kind + off + len;
}

/* The transport parsers on one (outer or quoted) header; checks the offsets they return. */
static void
parse_l4(const guint8 *buf, gsize len, const Ipv4Info *ip)
{
  UdpInfo udp;
  if (udp_parse(buf, len, ip, &udp) == 1)
    g_assert(udp.payload_off + udp.payload_len <= len);
  TcpInfo tcp;
  if (tcp_parse(buf, len, ip, &tcp) == 1) {
    g_assert(tcp.payload_off + tcp.payload_len <= len);
    gsize n = 0;
    tcp_options_foreach(buf, &tcp, count_opt, &n);
  }
  IcmpInfo icmp;
  if (icmp_parse(buf, len, ip, &icmp) == 1) {
    g_assert(icmp.payload_off + icmp.payload_len <= len);
    Ipv4Info inner;
    gsize inner_off = 0, l4_off = 0;
    if (icmp_quote_parse(buf, len, &icmp, &inner, &inner_off, &l4_off) == 1) {
      g_assert(inner_off + inner.hdr_len <= len);
      g_assert(l4_off <= len);
      /* The quote as a packet of its own, as a NAT translating it sees it. */
      const guint8 *q = buf + inner_off;
      gsize qlen = icmp.payload_len;
      UdpInfo qu;
      if (udp_parse(q, qlen, &inner, &qu) == 1)
        g_assert(qu.payload_off + qu.payload_len <= qlen);
      TcpInfo qt;
      tcp_parse(q, qlen, &inner, &qt);
      IcmpInfo qi;
      icmp_parse(q, qlen, &inner, &qi);
    }
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > IPV4_MAX_LEN)
    return 0;
  char desc[64];
  net_packet_describe(data, size, desc);
  ipv4_checksums_ok(data, size);

  Ipv4Info q;
  if (ipv4_parse(data, size, IPV4_PARSE_QUOTED, &q) == 1) {
    g_assert(q.hdr_len <= size);
    parse_l4(data, size, &q);
  }
  Ipv4Info ip;
  if (ipv4_parse(data, size, 0, &ip) != 1)
    return 0;
  g_assert(ip.hdr_len <= ip.total_len && ip.total_len <= size);
  g_assert(ipv4_payload_avail(&ip, size) == ip.total_len - ip.hdr_len);
  parse_l4(data, size, &ip);
  ipv4_header_checksum_ok(data, ip.hdr_len);

  /* Rewrites on a copy: fix the checksums, then NAT-style edits must keep them right. */
  g_autoptr(NetBuf) b = netbuf_new(data, size, 0);
  ipv4_set_header_checksum(b->data);
  if (l4_fix_checksum(b->data, b->len)) {
    g_assert(ipv4_checksums_ok(b->data, b->len));
    gsize csum_off = l4_csum_offset(b->data, b->len, &ip);
    gboolean udp = ip.proto == NET_PROTO_UDP;
    ipv4_set_addr(b->data, 0, 0xcb007102u, csum_off, udp);
    ipv4_set_addr(b->data, 1, 0xc0a80132u, csum_off, udp);
    ipv4_dec_ttl(b->data);
    g_assert(ipv4_checksums_ok(b->data, b->len));
  }

  /* Fragment to an MTU the input chooses, then reassemble: the datagram must come back. */
  guint mtu = 68 + (size > 1 ? data[size - 1] * 8u : 0);
  g_autoptr(GPtrArray) frags = g_ptr_array_new_with_free_func((GDestroyNotify)netbuf_free);
  int n = ipv4_fragment(data, size, mtu, frags);
  if (n > 0 && !ipv4_is_fragment(&ip)) {
    Reasm *r = reasm_new(4, SIM_S(30), REASM_OVERLAP_DISCARD);
    NetBuf *whole = NULL;
    for (guint i = 0; i < frags->len; i++) {
      NetBuf *f = g_ptr_array_index(frags, frags->len - 1 - i); /* last first */
      g_assert(f->len <= mtu || n == 1);
      const char *reason = NULL;
      netbuf_free(whole);
      whole = NULL;
      int rc = reasm_add(r, f->data, f->len, 0, &whole, &reason);
      g_assert(rc >= 0);
      g_assert(rc == 1 || i + 1 < frags->len);
    }
    g_assert(whole);
    /* Options without the copy flag are only in the first fragment, which carries the header. */
    g_assert_cmpuint(whole->len, ==, ip.total_len);
    g_assert(memcmp(whole->data + ip.hdr_len, data + ip.hdr_len, ip.total_len - ip.hdr_len) == 0);
    netbuf_free(whole);
    reasm_free(r);
  }
  return 0;
}
