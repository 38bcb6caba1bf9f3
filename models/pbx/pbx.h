/* pbx.h — the cloud PBX: registrar, B2BUA and media server on the PBX host.
 *
 * The PBX listens for SIP on its SIP address (UDP and TCP 5060, TLS 5061), runs the registrar
 * (registrar.h: naive or NAT-aware, pings, forced expiry) and terminates every call as a
 * back-to-back user agent: it answers the phone's INVITE itself and calls the phone on behalf of
 * the remote party.  Its media server (the SIP address or a second one, pbx.media_addr) anchors
 * the phone's RTP: it sends to the address the phone's SDP names unless it latches onto the
 * source of the phone's RTP (symmetric-RTP "comedia", as SBCs and Kamailio rtpengine do).  It
 * anchors the media: every RTP packet from the phone is relayed to the remote party's host and
 * every packet of the remote party to the phone, headers and send-time stamps intact, so the
 * counts at the phone and at the remote party are end to end.  (The leg to the remote party is
 * media only: its signalling is not modelled; the remote party answers and holds when the PBX's
 * leg to the phone does.)  Profiles: experiments/profiles/pbx/naive.ini and nat-aware.ini.
 */
#pragma once

#include "config.h"
#include "media/media-stream.h"
#include "sim.h"
#include "sip/registrar.h"
#include "sip/sip-session.h"

G_BEGIN_DECLS

/* One call as the PBX sees it.  Owned by the PBX; valid until pbx_free(). */
typedef struct {
  guint index;          /* order in which the PBX saw calls, from 0 */
  gboolean inbound;     /* the PBX called the phone (inbound to the phone) */
  SipSession *ss;       /* its session; NULL when an inbound call found no binding */
  MediaStream *ms;      /* media server leg toward the phone (relays, sends nothing itself) */
  MediaStream *far;     /* media server leg toward the remote party */
  MediaStream *party;   /* the remote party's own stream (the far end of the phone's audio) */
  SimAddr sdp_remote;   /* where the phone's SDP said to send RTP, {0,0} if none yet */
  SipFlow target;       /* inbound: where the INVITE went (registrar lookup) */
  gboolean target_via_source; /* inbound: the target is the REGISTER's source flow (nat_aware) */
  char *call_id;        /* the session's Call-ID, NULL without a session */
  guint16 media_port;   /* our RTP port toward the phone (the remote leg uses + 2) */
  guint64 sdp_version;  /* o= sess-version */
  gboolean srtp;        /* SRTP keys were exchanged */
  SrtpKeys tx_keys;     /* our SDES master key */
  SimEvent probe_ev;    /* next early-media packet (pbx.early_media_probe_s), 0 = none */
  SimTime probe_until;  /* when the early media stops */
  guint16 probe_seq;    /* its RTP sequence number */
  guint probe_ptime_ms; /* its packet interval (media.ptime_ms) */
  struct IceAgent *ice; /* ICE-lite agent of the media server (pbx.ice = lite), NULL if none */
  gboolean ice_mismatch; /* the offer's c=/m= was none of its candidates: answered a=ice-mismatch */
} PbxCall;

typedef struct {
  SimNode host;         /* the PBX host */
  guint32 sip_addr;     /* SIP server address (203.0.113.10) */
  guint32 media_addr;   /* media server address (203.0.113.20), 0: the SIP address */
  SimNode remote_host;  /* the remote party's host */
  guint32 remote_addr;  /* its address (203.0.113.30) */
} PbxSetup;

typedef struct Pbx Pbx;

Pbx *pbx_new(const Config *cfg, const PbxSetup *setup, GError **error);
void pbx_free(Pbx *x);

/* Call the phone registered as `aor` (an inbound call).  Never NULL: without a binding the call
 * has no session (ss NULL) and the reason is traced. */
PbxCall *pbx_call_user(Pbx *x, const char *aor, const char *caller);
void pbx_hangup(PbxCall *c);

Registrar *pbx_registrar(Pbx *x);
SipStack *pbx_stack(Pbx *x);
GPtrArray *pbx_calls(Pbx *x); /* PbxCall*, in creation order (borrowed) */
PbxCall *pbx_find_call(Pbx *x, const char *call_id);
/* pbx.reinvite_media = keep: re-INVITEs do not move the media (field-notes §4 A4). */
gboolean pbx_keeps_media(const Pbx *x);
MediaLatch pbx_latching(const Pbx *x);
guint32 pbx_media_addr(const Pbx *x);

extern const CfgKeyDef pbx_keys[];

/* ---- pbx-media.c (used by pbx.c) ---------------------------------------------------------- */
GBytes *pbx_media_sdp(Pbx *x, PbxCall *c, gboolean srtp);
gboolean pbx_media_apply(Pbx *x, PbxCall *c, GBytes *body, gboolean offer, gboolean *offered_srtp);
gboolean pbx_media_ensure(Pbx *x, PbxCall *c);
void pbx_media_state(Pbx *x, PbxCall *c, SipSessionState st);

G_END_DECLS
