/* l4.c — UDP (RFC 768), TCP (RFC 9293) and ICMP (RFC 792) headers: parse and build.
 *
 * Parsers take the enclosing packet's Ipv4Info and bound every read by both the buffer length
 * and the IPv4 total length.  ICMP errors quote the offending datagram's IP header and at least
 * its first 8 transport bytes (RFC 792; RFC 1812 §4.3.2.3 says as much as fits in 576 bytes);
 * icmp_quote_parse() finds that quote so a NAT can translate it (RFC 5508 §4.2).
 */
#include "ipv4.h"

#include <string.h>

int
udp_parse(const guint8 *buf, gsize len, const Ipv4Info *ip, UdpInfo *out)
{
  memset(out, 0, sizeof *out);
  if (ip->proto != NET_PROTO_UDP || ip->frag_off != 0)
    return 0;
  gsize avail = ipv4_payload_avail(ip, len);
  if (avail < UDP_HDR_LEN)
    return -1;
  const guint8 *h = buf + ip->hdr_len;
  out->off = ip->hdr_len;
  out->sport = net_get16(h);
  out->dport = net_get16(h + 2);
  out->length = net_get16(h + 4);
  out->csum = net_get16(h + 6);
  out->payload_off = ip->hdr_len + UDP_HDR_LEN;
  if (out->length < UDP_HDR_LEN)
    return -1;
  if (!ip->mf && !ip->truncated) {
    /* A whole datagram: the UDP length must fit in the IP payload; bytes after it are padding. */
    if (out->length > avail)
      return -1;
    out->payload_len = out->length - UDP_HDR_LEN;
  } else {
    /* A first fragment or a quote: the length describes the whole datagram. */
    out->payload_len = MIN((gsize)out->length, avail) - UDP_HDR_LEN;
  }
  return 1;
}

int
tcp_parse(const guint8 *buf, gsize len, const Ipv4Info *ip, TcpInfo *out)
{
  memset(out, 0, sizeof *out);
  if (ip->proto != NET_PROTO_TCP || ip->frag_off != 0)
    return 0;
  gsize avail = ipv4_payload_avail(ip, len);
  if (avail < TCP_HDR_MIN)
    return -1;
  const guint8 *h = buf + ip->hdr_len;
  gsize hdr_len = (gsize)(h[12] >> 4) * 4;
  if (hdr_len < TCP_HDR_MIN || hdr_len > avail)
    return -1;
  out->off = ip->hdr_len;
  out->hdr_len = hdr_len;
  out->sport = net_get16(h);
  out->dport = net_get16(h + 2);
  out->seq = net_get32(h + 4);
  out->ack = net_get32(h + 8);
  out->flags = h[13] & 0x3f;
  out->window = net_get16(h + 14);
  out->csum = net_get16(h + 16);
  out->payload_off = ip->hdr_len + hdr_len;
  out->payload_len = avail - hdr_len;
  return 1;
}

int
icmp_parse(const guint8 *buf, gsize len, const Ipv4Info *ip, IcmpInfo *out)
{
  memset(out, 0, sizeof *out);
  if (ip->proto != NET_PROTO_ICMP || ip->frag_off != 0)
    return 0;
  gsize avail = ipv4_payload_avail(ip, len);
  if (avail < ICMP_HDR_LEN)
    return -1;
  const guint8 *h = buf + ip->hdr_len;
  out->off = ip->hdr_len;
  out->type = h[0];
  out->code = h[1];
  out->csum = net_get16(h + 2);
  out->id = net_get16(h + 4);
  out->seq = net_get16(h + 6);
  out->rest = net_get32(h + 4);
  out->payload_off = ip->hdr_len + ICMP_HDR_LEN;
  out->payload_len = avail - ICMP_HDR_LEN;
  return 1;
}

gboolean
icmp_is_error(guint8 type)
{
  return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
         type == ICMP_TIME_EXCEEDED || type == ICMP_PARAM_PROBLEM;
}

gboolean
icmp_is_echo(guint8 type)
{
  return type == ICMP_ECHO_REQUEST || type == ICMP_ECHO_REPLY;
}

int
icmp_quote_parse(const guint8 *buf, gsize len, const IcmpInfo *icmp, Ipv4Info *inner,
                 gsize *inner_off, gsize *l4_off)
{
  memset(inner, 0, sizeof *inner);
  if (!icmp_is_error(icmp->type))
    return 0;
  /* The quote ends where the ICMP message ends (icmp->payload_len is already bounded). */
  const guint8 *q = buf + icmp->payload_off;
  gsize qlen = icmp->payload_len;
  if (ipv4_parse(q, qlen, IPV4_PARSE_QUOTED, inner) != 1)
    return -1;
  if (inner->frag_off == 0 && qlen < inner->hdr_len + 8)
    return -1; /* RFC 792: the quote holds at least 64 bits of the original data */
  *inner_off = icmp->payload_off;
  *l4_off = icmp->payload_off + inner->hdr_len;
  return 1;
}

gboolean
tcp_options_foreach(const guint8 *buf, const TcpInfo *tcp, TcpOptFn fn, void *ctx)
{
  gsize i = tcp->off + TCP_HDR_MIN;
  gsize end = tcp->off + tcp->hdr_len;
  while (i < end) {
    guint8 kind = buf[i];
    if (kind == 0) /* end of option list */
      return TRUE;
    if (kind == 1) { /* no-operation */
      i++;
      continue;
    }
    if (i + 2 > end)
      return FALSE;
    gsize olen = buf[i + 1];
    if (olen < 2 || i + olen > end)
      return FALSE;
    if (fn)
      fn(ctx, kind, i, olen);
    i += olen;
  }
  return TRUE;
}

/* ---- Builders ---------------------------------------------------------------------------------- */

static void
put_ipv4(guint8 *buf, const Ipv4Build *ip, guint8 proto, gsize total)
{
  memset(buf, 0, IPV4_HDR_MIN);
  buf[0] = 0x45;
  buf[1] = ip->tos;
  net_put16(buf + 2, (guint16)total);
  net_put16(buf + 4, ip->id);
  net_put16(buf + 6, ip->df ? 0x4000 : 0);
  buf[8] = ip->ttl ? ip->ttl : 64;
  buf[9] = proto;
  net_put32(buf + 12, ip->src);
  net_put32(buf + 16, ip->dst);
  ipv4_set_header_checksum(buf);
}

gsize
ipv4_build_udp(guint8 *buf, gsize cap, const Ipv4Build *ip, guint16 sport, guint16 dport,
               const guint8 *payload, gsize plen, gboolean no_checksum)
{
  gsize total = IPV4_HDR_MIN + UDP_HDR_LEN + plen;
  if (total > cap || total > IPV4_MAX_LEN)
    return 0;
  put_ipv4(buf, ip, NET_PROTO_UDP, total);
  guint8 *u = buf + IPV4_HDR_MIN;
  net_put16(u, sport);
  net_put16(u + 2, dport);
  net_put16(u + 4, (guint16)(UDP_HDR_LEN + plen));
  net_put16(u + 6, no_checksum ? 0 : 1); /* nonzero marks "compute" for l4_fix_checksum */
  if (plen)
    memcpy(u + UDP_HDR_LEN, payload, plen);
  if (!no_checksum)
    l4_fix_checksum(buf, total);
  return total;
}

gsize
ipv4_build_tcp(guint8 *buf, gsize cap, const Ipv4Build *ip, const TcpBuild *tcp,
               const guint8 *payload, gsize plen)
{
  gsize total = IPV4_HDR_MIN + TCP_HDR_MIN + plen;
  if (total > cap || total > IPV4_MAX_LEN)
    return 0;
  put_ipv4(buf, ip, NET_PROTO_TCP, total);
  guint8 *t = buf + IPV4_HDR_MIN;
  memset(t, 0, TCP_HDR_MIN);
  net_put16(t, tcp->sport);
  net_put16(t + 2, tcp->dport);
  net_put32(t + 4, tcp->seq);
  net_put32(t + 8, tcp->ack);
  t[12] = (TCP_HDR_MIN / 4) << 4;
  t[13] = tcp->flags;
  net_put16(t + 14, tcp->window ? tcp->window : 65535);
  if (plen)
    memcpy(t + TCP_HDR_MIN, payload, plen);
  l4_fix_checksum(buf, total);
  return total;
}

gsize
ipv4_build_icmp_echo(guint8 *buf, gsize cap, const Ipv4Build *ip, gboolean reply, guint16 id,
                     guint16 seq, const guint8 *payload, gsize plen)
{
  gsize total = IPV4_HDR_MIN + ICMP_HDR_LEN + plen;
  if (total > cap || total > IPV4_MAX_LEN)
    return 0;
  put_ipv4(buf, ip, NET_PROTO_ICMP, total);
  guint8 *m = buf + IPV4_HDR_MIN;
  memset(m, 0, ICMP_HDR_LEN);
  m[0] = reply ? ICMP_ECHO_REPLY : ICMP_ECHO_REQUEST;
  net_put16(m + 4, id);
  net_put16(m + 6, seq);
  if (plen)
    memcpy(m + ICMP_HDR_LEN, payload, plen);
  l4_fix_checksum(buf, total);
  return total;
}

gsize
ipv4_build_icmp_error(guint8 *buf, gsize cap, const Ipv4Build *ip, guint8 type, guint8 code,
                      guint32 rest, const guint8 *orig, gsize orig_len)
{
  /* RFC 1812 §4.3.2.3: quote as much of the original as fits in a 576-byte error. */
  gsize quote = MIN(orig_len, (gsize)576 - IPV4_HDR_MIN - ICMP_HDR_LEN);
  gsize total = IPV4_HDR_MIN + ICMP_HDR_LEN + quote;
  if (total > cap)
    return 0;
  put_ipv4(buf, ip, NET_PROTO_ICMP, total);
  guint8 *m = buf + IPV4_HDR_MIN;
  m[0] = type;
  m[1] = code;
  net_put16(m + 2, 0);
  net_put32(m + 4, rest);
  memcpy(m + ICMP_HDR_LEN, orig, quote);
  l4_fix_checksum(buf, total);
  return total;
}
