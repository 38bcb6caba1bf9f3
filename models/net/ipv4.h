/* ipv4.h — IPv4, UDP, TCP and ICMP headers on raw bytes: parse, build, checksums, packet buffers.
 *
 * Parsers follow the house rule for bytes (style.md): they return 1 when the header is there,
 * 0 when it is absent (another protocol, a non-first fragment, an empty quote) and -1 when it is
 * malformed, and describe the header by offsets into the caller's buffer, never by copies.  They
 * never read past `len`, whatever the header fields claim.  Header layouts are RFC 791 (IPv4),
 * RFC 768 (UDP), RFC 9293 (TCP) and RFC 792 (ICMP); checksums are RFC 1071 with the incremental
 * update of RFC 1624.  Fragmentation and reassembly live in frag.h.
 *
 * All multi-byte values in the structs are in host byte order; the buffers are network order.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* ---- Protocol numbers and constants ---------------------------------------------------------- */

enum {
  NET_PROTO_ICMP = 1,  /* RFC 792 */
  NET_PROTO_TCP = 6,   /* RFC 9293 */
  NET_PROTO_UDP = 17,  /* RFC 768 */
};

#define IPV4_HDR_MIN 20     /* RFC 791: IHL >= 5 words */
#define IPV4_HDR_MAX 60     /* IHL is 4 bits of 32-bit words */
#define IPV4_MAX_LEN 65535  /* total length is 16 bits */
#define UDP_HDR_LEN 8
#define TCP_HDR_MIN 20
#define ICMP_HDR_LEN 8

/* TCP flag bits (RFC 9293 §3.1). */
enum {
  TCP_FIN = 0x01,
  TCP_SYN = 0x02,
  TCP_RST = 0x04,
  TCP_PSH = 0x08,
  TCP_ACK = 0x10,
  TCP_URG = 0x20,
};

/* ICMP types used here (RFC 792). */
enum {
  ICMP_ECHO_REPLY = 0,
  ICMP_DEST_UNREACH = 3,   /* code 4 = fragmentation needed and DF set (RFC 1191) */
  ICMP_SOURCE_QUENCH = 4,
  ICMP_REDIRECT = 5,
  ICMP_ECHO_REQUEST = 8,
  ICMP_TIME_EXCEEDED = 11, /* code 0 = TTL, code 1 = reassembly time exceeded */
  ICMP_PARAM_PROBLEM = 12,
};
#define ICMP_CODE_FRAG_NEEDED 4

/* ---- Byte access ----------------------------------------------------------------------------- */

static inline guint16
net_get16(const guint8 *p)
{
  return (guint16)((p[0] << 8) | p[1]);
}

static inline guint32
net_get32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static inline void
net_put16(guint8 *p, guint16 v)
{
  p[0] = (guint8)(v >> 8);
  p[1] = (guint8)v;
}

static inline void
net_put32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

/* ---- Growable packet buffer ------------------------------------------------------------------
 * A packet that a middlebox may lengthen (an ALG rewriting a payload) lives in a NetBuf.  The
 * bytes are always g_malloc'd, so netbuf_steal() can hand them to a queue that g_free()s them. */

typedef struct {
  guint8 *data; /* packet bytes, IPv4 header first */
  gsize len;    /* bytes in use */
  gsize cap;    /* bytes allocated */
} NetBuf;

NetBuf *netbuf_new(const guint8 *data, gsize len, gsize spare);
void netbuf_free(NetBuf *b);
/* Give up the bytes (g_free them) and free the struct. */
guint8 *netbuf_steal(NetBuf *b, gsize *len);
void netbuf_reserve(NetBuf *b, gsize cap);
/* Replace the `del` bytes at `off` by `ins_len` bytes of `ins`, moving the tail. */
void netbuf_splice(NetBuf *b, gsize off, gsize del, const guint8 *ins, gsize ins_len);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NetBuf, netbuf_free)

/* ---- Checksums (RFC 1071, RFC 1624) ----------------------------------------------------------- */

/* Add `len` bytes to a 32-bit ones'-complement accumulator (odd lengths pad with a zero byte). */
guint32 inet_sum(const guint8 *data, gsize len, guint32 sum);
/* Fold an accumulator to 16 bits (not complemented). */
guint16 inet_fold(guint32 sum);
/* The Internet checksum of a byte range: ~fold(sum). */
guint16 inet_checksum(const guint8 *data, gsize len);
/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for a 16-bit field changing from m to m'. */
guint16 csum_replace16(guint16 hc, guint16 old_val, guint16 new_val);
guint16 csum_replace32(guint16 hc, guint32 old_val, guint32 new_val);

/* ---- IPv4 -------------------------------------------------------------------------------------- */

typedef struct {
  gsize hdr_len;     /* header length in bytes (IHL * 4), 20..60 */
  gsize total_len;   /* total length field; bytes after it in the buffer are ignored */
  guint8 tos;        /* DSCP << 2 | ECN */
  guint16 id;        /* identification */
  gboolean df;       /* don't-fragment flag */
  gboolean mf;       /* more-fragments flag */
  guint16 frag_off;  /* fragment offset in bytes (field * 8) */
  guint8 ttl;        /* time to live */
  guint8 proto;      /* protocol number */
  guint32 src;       /* source address */
  guint32 dst;       /* destination address */
  gboolean truncated; /* IPV4_PARSE_QUOTED only: total_len is larger than the bytes present */
} Ipv4Info;

enum {
  IPV4_PARSE_QUOTED = 1 << 0, /* a header quoted by an ICMP error: the datagram may be cut short */
};

/* 1: a well-formed header; 0: len == 0; -1: malformed (short, version, IHL, lengths). */
int ipv4_parse(const guint8 *buf, gsize len, guint flags, Ipv4Info *out);
static inline gboolean
ipv4_is_fragment(const Ipv4Info *ip)
{
  return ip->mf || ip->frag_off != 0;
}
/* Bytes of the IPv4 payload that are really in the buffer. */
gsize ipv4_payload_avail(const Ipv4Info *ip, gsize len);

gboolean ipv4_header_checksum_ok(const guint8 *buf, gsize hdr_len);
void ipv4_set_header_checksum(guint8 *buf);
/* Write a new total length into the header and fix the header checksum incrementally. */
void ipv4_set_total_len(guint8 *buf, guint16 total_len);
/* Decrement TTL with an incremental checksum update; returns the new TTL. */
guint8 ipv4_dec_ttl(guint8 *buf);
/* Rewrite the source (which = 0) or destination (which = 1) address, fixing the header checksum
 * and, when l4_csum_off != 0, the UDP/TCP checksum at that offset (pseudo-header). */
void ipv4_set_addr(guint8 *buf, int which, guint32 addr, gsize l4_csum_off, gboolean udp);

/* ---- UDP, TCP, ICMP ---------------------------------------------------------------------------
 * These take the Ipv4Info of the enclosing packet.  They return 0 when the packet carries another
 * protocol or is a non-first fragment (no transport header), -1 when the header is cut short or
 * its lengths are inconsistent.  In a first fragment the payload is what this fragment holds. */

typedef struct {
  gsize off;         /* offset of the UDP header in the buffer */
  guint16 sport;     /* source port */
  guint16 dport;     /* destination port */
  guint16 length;    /* UDP length field (header + payload) */
  guint16 csum;      /* checksum field; 0 means none was computed (RFC 768) */
  gsize payload_off; /* offset of the payload */
  gsize payload_len; /* payload bytes present */
} UdpInfo;

typedef struct {
  gsize off;         /* offset of the TCP header */
  gsize hdr_len;     /* data offset * 4, 20..60 */
  guint16 sport;     /* source port */
  guint16 dport;     /* destination port */
  guint32 seq;       /* sequence number */
  guint32 ack;       /* acknowledgement number */
  guint8 flags;      /* TCP_FIN | TCP_SYN | ... */
  guint16 window;    /* receive window */
  guint16 csum;      /* checksum field */
  gsize payload_off; /* offset of the payload */
  gsize payload_len; /* payload bytes present */
} TcpInfo;

typedef struct {
  gsize off;         /* offset of the ICMP header */
  guint8 type;       /* ICMP type */
  guint8 code;       /* ICMP code */
  guint16 csum;      /* checksum field */
  guint16 id;        /* echo: identifier (bytes 4-5) */
  guint16 seq;       /* echo: sequence number (bytes 6-7) */
  guint32 rest;      /* bytes 4-7 as one word (next-hop MTU in its low 16 bits for code 4) */
  gsize payload_off; /* offset of the data after the 8-byte header (the quote, for errors) */
  gsize payload_len; /* bytes of it present */
} IcmpInfo;

int udp_parse(const guint8 *buf, gsize len, const Ipv4Info *ip, UdpInfo *out);
int tcp_parse(const guint8 *buf, gsize len, const Ipv4Info *ip, TcpInfo *out);
int icmp_parse(const guint8 *buf, gsize len, const Ipv4Info *ip, IcmpInfo *out);
gboolean icmp_is_error(guint8 type);
gboolean icmp_is_echo(guint8 type);

/* The datagram quoted by an ICMP error (RFC 792: IP header + at least 64 bits of data).
 * 1: *inner describes it, *inner_off is the offset of its IP header and *l4_off of its first
 * transport bytes (at least 8 are present); 0: not an error type; -1: quote too short or broken. */
int icmp_quote_parse(const guint8 *buf, gsize len, const IcmpInfo *icmp, Ipv4Info *inner,
                     gsize *inner_off, gsize *l4_off);

/* Walk TCP options: calls fn for each option (kind, offset of the kind byte, total length).
 * Returns FALSE if the option area is malformed. */
typedef void (*TcpOptFn)(void *ctx, guint8 kind, gsize off, gsize len);
gboolean tcp_options_foreach(const guint8 *buf, const TcpInfo *tcp, TcpOptFn fn, void *ctx);

/* ---- Transport checksums ---------------------------------------------------------------------- */

/* Recompute the UDP (unless its field is 0), TCP or ICMP checksum of a whole, unfragmented
 * packet.  FALSE if it does not parse or is a fragment. */
gboolean l4_fix_checksum(guint8 *buf, gsize len);
/* Verify the IPv4 header and the transport checksum (UDP field 0 passes). */
gboolean ipv4_checksums_ok(const guint8 *buf, gsize len);
/* Offset of the UDP/TCP checksum field for this packet, or 0 when it has none to keep up to date
 * (another protocol, a non-first fragment, UDP with checksum 0, a header cut short). */
gsize l4_csum_offset(const guint8 *buf, gsize len, const Ipv4Info *ip);
/* Incrementally update the checksum at csum_off for a 16/32-bit field change.  For UDP a zero
 * field stays zero (no checksum) and a computed zero is sent as 0xFFFF (RFC 768). */
void l4_csum_adjust16(guint8 *buf, gsize csum_off, gboolean udp, guint16 old_val, guint16 new_val);
void l4_csum_adjust32(guint8 *buf, gsize csum_off, gboolean udp, guint32 old_val, guint32 new_val);

/* ---- Builders ---------------------------------------------------------------------------------
 * Each writes a whole IPv4 packet with correct checksums into buf and returns its length, or 0 if
 * cap is too small or the packet would exceed 65535 bytes. */

typedef struct {
  guint32 src;   /* source address */
  guint32 dst;   /* destination address */
  guint8 ttl;    /* 0 means 64 */
  guint8 tos;    /* DSCP << 2 | ECN */
  guint16 id;    /* identification */
  gboolean df;   /* set don't-fragment */
} Ipv4Build;

typedef struct {
  guint16 sport;  /* source port */
  guint16 dport;  /* destination port */
  guint32 seq;    /* sequence number */
  guint32 ack;    /* acknowledgement number */
  guint8 flags;   /* TCP_* bits */
  guint16 window; /* 0 means 65535 */
} TcpBuild;

gsize ipv4_build_udp(guint8 *buf, gsize cap, const Ipv4Build *ip, guint16 sport, guint16 dport,
                     const guint8 *payload, gsize plen, gboolean no_checksum);
gsize ipv4_build_tcp(guint8 *buf, gsize cap, const Ipv4Build *ip, const TcpBuild *tcp,
                     const guint8 *payload, gsize plen);
gsize ipv4_build_icmp_echo(guint8 *buf, gsize cap, const Ipv4Build *ip, gboolean reply,
                           guint16 id, guint16 seq, const guint8 *payload, gsize plen);
/* An ICMP error quoting `orig` (its IP header and as much data as fits in 576 bytes, RFC 1812
 * §4.3.2.3).  `rest` fills bytes 4-7 (the next-hop MTU for frag-needed, RFC 1191). */
gsize ipv4_build_icmp_error(guint8 *buf, gsize cap, const Ipv4Build *ip, guint8 type, guint8 code,
                            guint32 rest, const guint8 *orig, gsize orig_len);

/* "192.168.1.50:5060" into buf (at least 22 bytes); returns buf. */
char *net_endpoint_format(guint32 addr, guint16 port, char buf[22]);
const char *net_proto_name(guint8 proto); /* "udp", "tcp", "icmp", "ip" */
/* "udp 192.168.1.50:5060 -> 203.0.113.10:5060" as far as the bytes parse (ports 0 when absent),
 * or "len N" when not even the IPv4 header does; into buf (at least 64 bytes); returns buf. */
char *net_packet_describe(const guint8 *buf, gsize len, char out[64]);

G_END_DECLS
