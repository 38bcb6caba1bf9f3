/* checksum.c — the Internet checksum (RFC 1071), its incremental update (RFC 1624) and the
 * UDP/TCP/ICMP checksums over an IPv4 packet (pseudo-header per RFC 768 and RFC 9293 §3.1).
 *
 * A middlebox that rewrites a few header fields updates checksums incrementally, as Linux's
 * inet_proto_csum_replace4() does; after a payload rewrite it recomputes them in full.  UDP's
 * checksum field 0 means "none" and stays 0; a computed 0 is sent as 0xFFFF (RFC 768).
 */
#include "ipv4.h"

guint32
inet_sum(const guint8 *data, gsize len, guint32 sum)
{
  guint64 acc = sum;
  gsize i = 0;
  for (; i + 1 < len; i += 2)
    acc += (guint32)((data[i] << 8) | data[i + 1]);
  if (i < len)
    acc += (guint32)(data[i] << 8); /* odd length: pad with a zero byte (RFC 1071 §4.1) */
  while (acc >> 32)
    acc = (acc & 0xffffffffu) + (acc >> 32);
  return (guint32)acc;
}

guint16
inet_fold(guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16)sum;
}

guint16
inet_checksum(const guint8 *data, gsize len)
{
  return (guint16)~inet_fold(inet_sum(data, len, 0));
}

guint16
csum_replace16(guint16 hc, guint16 old_val, guint16 new_val)
{
  /* RFC 1624 eqn. 3; unlike eqn. 2 it never produces -0 from +0 wrongly. */
  guint32 sum = (guint16)~hc;
  sum += (guint16)~old_val;
  sum += new_val;
  return (guint16)~inet_fold(sum);
}

guint16
csum_replace32(guint16 hc, guint32 old_val, guint32 new_val)
{
  guint32 sum = (guint16)~hc;
  sum += (guint16)~(old_val >> 16);
  sum += (guint16)~(old_val & 0xffff);
  sum += new_val >> 16;
  sum += new_val & 0xffff;
  return (guint16)~inet_fold(sum);
}

/* The pseudo-header of RFC 768 / RFC 9293: source, destination, zero, protocol, length. */
static guint32
pseudo_sum(const Ipv4Info *ip, guint32 l4_len)
{
  guint32 sum = 0;
  sum += ip->src >> 16;
  sum += ip->src & 0xffff;
  sum += ip->dst >> 16;
  sum += ip->dst & 0xffff;
  sum += ip->proto;
  sum += l4_len;
  return sum;
}

gsize
l4_csum_offset(const guint8 *buf, gsize len, const Ipv4Info *ip)
{
  if (ip->frag_off != 0)
    return 0;
  if (ip->proto == NET_PROTO_UDP) {
    UdpInfo udp;
    if (udp_parse(buf, len, ip, &udp) != 1 || udp.csum == 0)
      return 0;
    return udp.off + 6;
  }
  if (ip->proto == NET_PROTO_TCP) {
    TcpInfo tcp;
    if (tcp_parse(buf, len, ip, &tcp) != 1)
      return 0;
    return tcp.off + 16;
  }
  return 0;
}

void
l4_csum_adjust16(guint8 *buf, gsize csum_off, gboolean udp, guint16 old_val, guint16 new_val)
{
  if (csum_off == 0)
    return;
  guint16 hc = net_get16(buf + csum_off);
  if (udp && hc == 0)
    return; /* no checksum: keep it that way (RFC 768) */
  hc = csum_replace16(hc, old_val, new_val);
  if (udp && hc == 0)
    hc = 0xffff;
  net_put16(buf + csum_off, hc);
}

void
l4_csum_adjust32(guint8 *buf, gsize csum_off, gboolean udp, guint32 old_val, guint32 new_val)
{
  if (csum_off == 0)
    return;
  guint16 hc = net_get16(buf + csum_off);
  if (udp && hc == 0)
    return;
  hc = csum_replace32(hc, old_val, new_val);
  if (udp && hc == 0)
    hc = 0xffff;
  net_put16(buf + csum_off, hc);
}

gboolean
l4_fix_checksum(guint8 *buf, gsize len)
{
  Ipv4Info ip;
  if (ipv4_parse(buf, len, 0, &ip) != 1 || ipv4_is_fragment(&ip))
    return FALSE;
  gsize l4 = ip.hdr_len;
  gsize l4_len = ip.total_len - ip.hdr_len;
  switch (ip.proto) {
  case NET_PROTO_UDP: {
    UdpInfo udp;
    if (udp_parse(buf, len, &ip, &udp) != 1)
      return FALSE;
    if (udp.csum == 0)
      return TRUE;
    net_put16(buf + l4 + 6, 0);
    guint16 c = (guint16)~inet_fold(inet_sum(buf + l4, udp.length, pseudo_sum(&ip, udp.length)));
    net_put16(buf + l4 + 6, c == 0 ? 0xffff : c);
    return TRUE;
  }
  case NET_PROTO_TCP: {
    TcpInfo tcp;
    if (tcp_parse(buf, len, &ip, &tcp) != 1)
      return FALSE;
    net_put16(buf + l4 + 16, 0);
    net_put16(buf + l4 + 16,
              (guint16)~inet_fold(inet_sum(buf + l4, l4_len, pseudo_sum(&ip, (guint32)l4_len))));
    return TRUE;
  }
  case NET_PROTO_ICMP: {
    IcmpInfo icmp;
    if (icmp_parse(buf, len, &ip, &icmp) != 1)
      return FALSE;
    net_put16(buf + l4 + 2, 0);
    net_put16(buf + l4 + 2, inet_checksum(buf + l4, l4_len));
    return TRUE;
  }
  default:
    return FALSE;
  }
}

gboolean
ipv4_checksums_ok(const guint8 *buf, gsize len)
{
  Ipv4Info ip;
  if (ipv4_parse(buf, len, 0, &ip) != 1 || !ipv4_header_checksum_ok(buf, ip.hdr_len))
    return FALSE;
  if (ipv4_is_fragment(&ip))
    return TRUE; /* the transport checksum covers the whole datagram, not one fragment */
  gsize l4 = ip.hdr_len;
  gsize l4_len = ip.total_len - ip.hdr_len;
  switch (ip.proto) {
  case NET_PROTO_UDP: {
    UdpInfo udp;
    if (udp_parse(buf, len, &ip, &udp) != 1)
      return FALSE;
    if (udp.csum == 0)
      return TRUE;
    return inet_fold(inet_sum(buf + l4, udp.length, pseudo_sum(&ip, udp.length))) == 0xffff;
  }
  case NET_PROTO_TCP: {
    TcpInfo tcp;
    if (tcp_parse(buf, len, &ip, &tcp) != 1)
      return FALSE;
    return inet_fold(inet_sum(buf + l4, l4_len, pseudo_sum(&ip, (guint32)l4_len))) == 0xffff;
  }
  case NET_PROTO_ICMP:
    return inet_fold(inet_sum(buf + l4, l4_len, 0)) == 0xffff;
  default:
    return TRUE;
  }
}
