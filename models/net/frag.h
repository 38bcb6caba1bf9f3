/* frag.h — IPv4 fragmentation (RFC 791 §3.2) and reassembly (RFC 791, RFC 815 hole descriptors).
 *
 * Fragmentation splits a datagram to an MTU in 8-byte units and honours DF.  Reassembly keeps one
 * pending datagram per (src, dst, protocol, id), fills its holes as fragments arrive, drops the
 * datagram when its timer (Linux ipfrag_time, 30 s) runs out, refuses new datagrams beyond a limit
 * (Linux bounds memory with ipfrag_high_thresh; here a count), and treats overlapping fragments
 * as configured: discard the whole datagram as Linux has since 4.19 (ip_fragment.c,
 * inet_frag_queue_insert(), following RFC 5722's reasoning) or accept them as RFC 815 does.
 */
#pragma once

#include "ipv4.h"
#include "sim.h"

G_BEGIN_DECLS

/* Split `ip` (a whole IPv4 packet, possibly itself a fragment) into pieces of at most `mtu`
 * bytes, appended to `out` as NetBuf * (give `out` netbuf_free as its free func).  Returns the
 * number appended (1: it fitted, a copy), 0 if DF is set and it does not fit, -1 if it does not
 * parse or mtu is below the RFC 791 minimum of 68. */
int ipv4_fragment(const guint8 *ip, gsize len, guint mtu, GPtrArray *out);

typedef enum {
  REASM_OVERLAP_DISCARD, /* overlap drops the whole datagram; exact duplicates are ignored (Linux) */
  REASM_OVERLAP_ACCEPT,  /* later data overwrites earlier (RFC 815) */
} ReasmOverlap;

typedef struct Reasm Reasm;

/* Told about every pending datagram that timed out: its key, the exact expiry time, and whether
 * its first fragment had arrived (RFC 792: only then may an ICMP time-exceeded be sent). */
typedef void (*ReasmExpiredFn)(void *ctx, const Ipv4Info *key, SimTime at, gboolean had_first);

Reasm *reasm_new(guint max_pending, SimTime timeout, ReasmOverlap overlap);
void reasm_free(Reasm *r);
void reasm_set_expired_cb(Reasm *r, ReasmExpiredFn fn, void *ctx);

/* Feed one fragment.  1: the datagram is complete, *out holds it (caller frees); 0: held;
 * -1: dropped, *reason is a fixed string ("reasm-malformed", "reasm-overlap", "reasm-full",
 * "reasm-too-big").  Timed-out datagrams are expired first. */
int reasm_add(Reasm *r, const guint8 *ip, gsize len, SimTime now, NetBuf **out,
              const char **reason);
void reasm_expire(Reasm *r, SimTime now);
void reasm_clear(Reasm *r);
guint reasm_pending(const Reasm *r);

G_END_DECLS
