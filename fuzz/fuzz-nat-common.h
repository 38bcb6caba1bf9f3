/* fuzz-nat-common.h — what the two NAT fuzz targets share: the project's addresses, NAT
 * configurations chosen by a byte, a fuzzing ALG hook driven by the packet's payload, a warm-up
 * that leaves bindings, TCP sequence corrections and an expectation in place, and a runner that
 * checks what a passed packet looks like. */
#pragma once

#include "nat/nat.h"

#define FZ_PHONE 0xc0a80132u  /* 192.168.1.50 */
#define FZ_PHONE2 0xc0a80133u /* 192.168.1.51 */
#define FZ_PUBLIC 0xcb007102u /* 203.0.113.2 */
#define FZ_PBX 0xcb00710au    /* 203.0.113.10 */
#define FZ_MEDIA 0xcb007114u  /* 203.0.113.20 */
#define FZ_REMOTE 0xcb00711eu /* 203.0.113.30 */
#define FZ_STUN 0xc633640au   /* 198.51.100.10 */

/* The fixed configuration of fuzz-nat: EIM, address-dependent filtering, parity-preserving
 * allocation in a 16-port range, hairpinning, a 12-binding table with LRU eviction, hold-down,
 * a per-port timeout and refresh traces. */
void fz_nat_params_fixed(NatParams *p);
/* A configuration chosen by two bytes (all mapping x filtering x allocation combinations). */
void fz_nat_params_from_bytes(NatParams *p, guint8 b0, guint8 b1);
/* A NAT on FZ_PUBLIC with the fuzzing ALG hook installed. */
Nat *fz_nat_new(const NatParams *p);
/* Bindings of every kind, a TCP flow with sequence corrections, an expectation; at time 0. */
void fz_nat_warm_up(Nat *nat);
/* Check the NAT's internal invariants (nat-private.h): indexes agree with each other, no mapping
 * without bindings, no external port shared by two internal endpoints (RFC 4787 REQ-3), the table
 * within its limit, the expiry and LRU orders complete. */
void fz_nat_check(Nat *nat);
/* Run one packet through the NAT and check the result and the invariants. */
NatAction fz_nat_run(Nat *nat, const guint8 *data, gsize len, gboolean outbound, SimTime now);
