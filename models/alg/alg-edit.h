/* alg-edit.h — small SIP text edits shared by the field-archetype ALGs (alg-wrong-media-port.c,
 * alg-contact-reset.c, alg-mid-dialog-blocker.c, alg-register-mangler.c, alg-proxy-style.c,
 * alg-register-rewriter.c).
 *
 * These ALGs model consumer routers, which treat a SIP datagram as one message and edit it as
 * text, much as the cheap helpers the field reports describe (reference/field-notes.md §4).  They
 * look at UDP only: one datagram = one message (RFC 3261 §18.3: a UDP datagram carries one
 * message).  Header lookups follow RFC 3261 §7.3: a name (long or compact, §7.3.3) then a colon;
 * folded header lines are not supported (they pass untouched, as many such ALGs do).  Every offset
 * is relative to the payload, and every edit goes through nat_alg_mangle(), which fixes lengths
 * and checksums; Content-Length is the caller's business (ae_fix_content_length).
 */
#pragma once

#include "alg.h"

G_BEGIN_DECLS

/* The payload as text (moves when the packet is mangled: call again after each edit). */
static inline const char *
ae_buf(const NatAlgPacket *p)
{
  return (const char *)p->pkt->data + p->payload_off;
}

/* A UDP datagram of this binding that goes to or comes from SIP port `port` and starts like a
 * SIP message (a response "SIP/2.0 " or a request line); keepalives (CRLF, STUN) are not. */
gboolean ae_is_sip_udp(const NatAlgPacket *p, guint16 port);
gboolean ae_is_response(const NatAlgPacket *p);
/* The status code of a response, 0 otherwise. */
guint ae_status(const NatAlgPacket *p);
/* A request with this method ("INVITE"). */
gboolean ae_is_request(const NatAlgPacket *p, const char *method);
/* The CSeq method is `method`. */
gboolean ae_cseq_is(const NatAlgPacket *p, const char *method);
/* Where the body starts (after the first blank line), -1 if there is none. */
gssize ae_body(const NatAlgPacket *p);
/* The n-th (from 0) header named `name` (or its compact form `compact`, 0 for none), in the
 * header section: TRUE and the value's offset and length (trimmed). */
gboolean ae_header(const NatAlgPacket *p, const char *name, char compact, guint n, gsize *voff, gsize *vlen);
/* Offset of `needle` inside [off, off + len) of the payload, -1 if absent. */
gssize ae_find(const NatAlgPacket *p, gsize off, gsize len, const char *needle);
/* Replace [off, off + del) of the payload by text; FALSE if the packet cannot take it. */
gboolean ae_replace(NatAlgPacket *p, gsize off, gsize del, const char *text);
/* In every header `name`/`compact`, replace the first occurrence of `from` by `to`; the count. */
guint ae_replace_in_headers(NatAlgPacket *p, const char *name, char compact, const char *from, const char *to);
/* Set Content-Length to the real body length (no-op without the header or a body). */
void ae_fix_content_length(NatAlgPacket *p);
/* "a.b.c.d:port" of an endpoint. */
void ae_fmt_endpoint(char buf[24], SimAddr a);

/* One SDP line in the body: TRUE and the offset and length of the line after "x=". */
gboolean ae_sdp_line(const NatAlgPacket *p, char type, guint n, gsize *voff, gsize *vlen);
/* In every SDP line of type `type` ('c', 'o'), replace the address `from` by `to`; the count. */
guint ae_sdp_replace_addr(NatAlgPacket *p, char type, guint32 from, guint32 to);
/* The port of the n-th m= line (TRUE), with the offset and length of its digits. */
gboolean ae_sdp_media_port(const NatAlgPacket *p, guint n, guint *port, gsize *poff, gsize *plen);

G_END_DECLS
