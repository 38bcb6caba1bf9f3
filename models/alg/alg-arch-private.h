/* alg-arch-private.h — helpers shared by the one-fault ALG archetypes (field-notes §4 A4-A8 and
 * the TLS and intermittent hypotheses): each wraps the correct ALG (alg-ideal.c) and adds the one
 * fault it is named after, so a call that fails under it fails because of that fault alone.
 *
 * The ideal ALG keeps its state on the bindings (nat_binding_set_alg_data), so the archetypes
 * keep theirs in router-wide tables keyed by binding id, Call-ID or the phone's media endpoint.
 */
#pragma once

#include "alg.h"

G_BEGIN_DECLS

extern const AlgOps alg_ideal_ops;
/* Make an alg_ideal_ops state the hold releaser's (field-notes §4 A4, alg-hold-releaser.c). */
void alg_ideal_set_release_on_hold(gpointer ideal);

/* The wrapped ideal ALG. */
typedef struct {
  gpointer ideal; /* alg_ideal_ops state */
  Nat *nat;       /* the NAT */
} ArchBase;

gboolean arch_base_init(ArchBase *b, const Config *cfg, Nat *nat, GError **error);
void arch_base_clear(ArchBase *b);
NatAlgVerdict arch_base_packet(ArchBase *b, NatAlgPacket *p);

/* The TLS archetypes' state: the ideal ALG for plain SIP and the ports they act on. */
typedef struct {
  ArchBase base;  /* the ideal ALG for plain SIP */
  guint16 port;   /* alg.tls_port */
  guint16 wrong;  /* alg.tls_wrong_port (tls-reporter) */
} ArchTls;

gpointer arch_tls_create(const Config *cfg, Nat *nat, GError **error);
void arch_tls_destroy(gpointer state);

/* The payload as text and its length. */
const char *arch_payload(const NatAlgPacket *p);
/* The flow's far (server) port or the phone's port is `port` (SIP on 5060, SIP/TLS on 5061). */
gboolean arch_flow_port(const NatAlgPacket *p, guint16 port);
/* The payload starts with `prefix`. */
gboolean arch_starts(const NatAlgPacket *p, const char *prefix);
/* A SIP request or response (first line). */
gboolean arch_is_sip(const NatAlgPacket *p);
/* The Call-ID value (g_free), or NULL (RFC 3261 §20.8, also the compact "i:"). */
char *arch_call_id(const NatAlgPacket *p);
/* The port of the SDP body's first m=audio line, 0 if none (RFC 4566 §5.14). */
guint16 arch_sdp_audio_port(const NatAlgPacket *p);
/* The SDP body at b[body..len) holds its streams: a=sendonly, a=recvonly (answering the far end's
 * hold), a=inactive or c=IN IP4 0.0.0.0 (RFC 3264 §8.4, RFC 2543). */
gboolean arch_sdp_held(const char *b, gsize body, gsize len);
/* Key of an IPv4 endpoint for the tables. */
guint64 arch_ep_key(guint32 addr, guint16 port);

G_END_DECLS
