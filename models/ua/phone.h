/* phone.h — a SIP phone on a simulated host: a desk phone/ATA or a softphone, as its profile says.
 *
 * A Phone registers with the PBX (sip-reg.h), keeps its NAT binding open with CRLF or OPTIONS
 * keepalives (RFC 5626 §3.5.1, §4.4.1), places and answers calls (sip-session.h) and runs one
 * G.711 MediaStream per call.  It describes itself the way a real phone behind a NAT does: Via,
 * Contact and the SDP c=/m= lines carry its OWN view of its address (192.168.1.50:5060, RTP port
 * 4000), which is exactly what breaks calls through a NAT when nobody fixes it up.  Hold follows
 * the profile's hold style (a=sendonly, RFC 3264 §8.4, or the RFC 2543 c=0.0.0.0); SRTP uses SDES
 * keys (RFC 4568) in a=crypto; SIP and RTP carry the profile's DSCP marks (RFC 4594: EF for voice,
 * CS3 for signalling).
 */
#pragma once

#include "config.h"
#include "media/media-stream.h"
#include "sim.h"
#include "sip/sip-reg.h"
#include "sip/sip-session.h"

G_BEGIN_DECLS

typedef enum {
  PHONE_KEEPALIVE_CRLF,    /* "\r\n\r\n" (RFC 5626 §3.5.1) */
  PHONE_KEEPALIVE_OPTIONS, /* an OPTIONS request to the registrar */
  PHONE_KEEPALIVE_STUN,    /* a STUN Binding request on the SIP flow (RFC 5626 §4.4.2; CRLF on streams) */
} PhoneKeepalive;

typedef enum {
  PHONE_HOLD_SENDONLY,     /* re-INVITE with a=sendonly (RFC 3264 §8.4) */
  PHONE_HOLD_ZERO_ADDRESS, /* re-INVITE with c=IN IP4 0.0.0.0 (RFC 2543 §B.5) */
} PhoneHoldStyle;

/* One call as the phone sees it.  Owned by the phone; valid until phone_free(). */
typedef struct {
  guint index;          /* order in which the phone saw calls, from 0 */
  gboolean inbound;     /* the PBX called us */
  SipSession *ss;       /* its session (owned by the session manager); NULL while gathering */
  MediaStream *ms;      /* its media stream, NULL until the SDP exchange */
  SimAddr sdp_remote;   /* where the peer's SDP said to send RTP (c= and m=), {0,0} if none */
  gboolean held;        /* we put the call on hold */
  gboolean srtp;        /* SRTP keys were exchanged */
  char *call_id;        /* the session's Call-ID */
  guint16 rtp_port;     /* our RTP port for this call */
  guint64 sdp_version;  /* o= sess-version of our last SDP */
  SrtpKeys tx_keys;     /* our SDES master key (RFC 4568) when the profile uses SRTP */
  struct PhoneTraversal *trav; /* NAT traversal state (phone-traversal.c); NULL with none */
  char *callee;         /* outbound with traversal: whom the INVITE calls once gathered */
} PhoneCall;

/* Where the phone lives and whom it talks to (from the topology). */
typedef struct {
  const char *name;     /* trace label ("phone0") */
  guint index;          /* phone index: random streams and media indices */
  SimNode host;         /* its host */
  guint32 addr;         /* its own address (private behind a NAT) */
  guint32 pbx_addr;     /* the PBX's SIP address (registrar and outbound proxy) */
  guint32 stun_addr;    /* the STUN server's address (phone.traversal); 0: none */
  guint32 turn_addr;    /* the TURN server's address; 0: none */
} PhoneSetup;

typedef struct Phone Phone;

typedef struct {
  /* A call was created (inbound INVITE, or phone_call()). */
  void (*call_started)(void *ctx, Phone *p, PhoneCall *c);
  /* A call's session ended. */
  void (*call_ended)(void *ctx, Phone *p, PhoneCall *c);
} PhoneOps;

/* Build the phone from the phone.* keys (and sip.*, media.*, tls.*).  Errors name the key. */
Phone *phone_new(const Config *cfg, const PhoneSetup *setup, const PhoneOps *ops, void *ctx,
                 GError **error);
void phone_free(Phone *p);

void phone_register(Phone *p);                       /* start registering (and keepalives) */
PhoneCall *phone_call(Phone *p, const char *callee); /* INVITE sip:callee@pbx now */
void phone_hangup(PhoneCall *c);                     /* BYE / CANCEL */
gboolean phone_hold(Phone *p, PhoneCall *c, gboolean hold); /* hold (TRUE) or resume re-INVITE */
gboolean phone_reinvite(Phone *p, PhoneCall *c);     /* a re-INVITE with the same offer */

SipReg *phone_reg(Phone *p);
SipStack *phone_stack(Phone *p);
GPtrArray *phone_calls(Phone *p); /* PhoneCall*, in creation order (borrowed) */
PhoneCall *phone_find_call(Phone *p, const char *call_id);
SipNet phone_net(const Phone *p);
guint64 phone_keepalives_sent(const Phone *p);
const char *phone_name(const Phone *p);

extern const CfgKeyDef phone_keys[];

/* What NAT traversal did for a call (phone-traversal.c), for the outcome record. */
typedef struct {
  const char *method;      /* phone.traversal: "none", "stun", "turn", "ice" */
  const char *ice_state;   /* "completed", "failed", ... (ice_state_name), "-" without ICE */
  const char *local_cand;  /* type of the selected pair's local candidate, "-" if none */
  const char *remote_cand; /* type of its remote candidate, "-" if none */
  double ice_time_s;       /* start of the checks to the nomination, -1 if none */
  gboolean relayed;        /* media went through the TURN relay */
  SimAddr srflx;           /* server-reflexive address gathered, {0,0} if none */
  SimAddr relay;           /* relayed address allocated, {0,0} if none */
  SimAddr sdp_default;     /* the address our SDP offered in c=/m= */
} PhoneTraversalInfo;

void phone_call_traversal(const PhoneCall *c, PhoneTraversalInfo *out);

/* ---- phone-media.c: SDP and media of a call (used by phone.c) ---------------------------- */

/* The phone's offer or answer: its own address, the call's RTP port, hold, a=crypto. */
GBytes *phone_media_sdp(Phone *p, PhoneCall *c);
/* Apply the peer's SDP to the call's stream (create, set remote, direction, SRTP); start it. */
void phone_media_apply(Phone *p, PhoneCall *c, GBytes *body);

G_END_DECLS
