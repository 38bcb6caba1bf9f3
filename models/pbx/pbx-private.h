/* pbx-private.h — the PBX's state, shared by pbx.c (signalling) and pbx-media.c (media server). */
#pragma once

#include "pbx/pbx.h"
#include "sip/sdp.h"
#include "stun/ice.h"

struct Pbx {
  SimNode host;             /* the PBX host */
  guint32 sip_addr;         /* SIP address */
  guint32 media_addr;       /* media server address (pbx.media_addr) */
  SimNode remote_host;      /* the remote party's host */
  guint32 remote_addr;      /* its address */
  char *domain;             /* SIP address as text, the domain of every AOR */
  SipStack *stack;          /* SIP transport and transactions */
  Registrar *registrar;     /* registrar and location service */
  SipSessionMgr *mgr;       /* B2BUA sessions */
  MediaLatch latching;      /* pbx.latching */
  gboolean keep_media;      /* pbx.reinvite_media = keep */
  gboolean srtp;            /* pbx.srtp: accept SDES SRTP offers */
  gboolean require_registration; /* pbx.require_registration */
  gboolean offer_srtp;      /* inbound calls: offer SRTP (the phone's profile asked for it) */
  SimTime answer_delay;     /* pbx.answer_delay_ms: the remote party picks up */
  guint16 media_port;       /* pbx.media_port: first RTP port */
  SimTime early_probe;      /* pbx.early_media_probe_s, 0 = none */
  guint16 phone_rtp_port;   /* the phone's provisioned RTP port (phone.rtp_port), its target */
  MediaStreamParams media;  /* template of the media server's streams */
  GPtrArray *calls;         /* PbxCall*, owned */
  GRand *rand;              /* SRTP keys */
  gboolean ice_lite;        /* pbx.ice = lite */
};

/* pbx-ice.c: the media server's ICE-lite side (RFC 8445 §2.5). */
void pbx_ice_prepare(Pbx *x, PbxCall *c); /* our offer (inbound call): a lite agent to offer */
/* The phone's SDP (offer or answer), after ensure: start, drop or keep the agent. */
void pbx_ice_remote(Pbx *x, PbxCall *c, const Sdp *sdp, gboolean offer);
const IceCandidatePair *pbx_ice_selected(const PbxCall *c); /* NULL without a selected pair */
void pbx_ice_answer(Pbx *x, PbxCall *c, GString *sdp);  /* a=ice-lite/candidates or a=ice-mismatch */
