/* phone-private.h — the Phone's state, shared by phone.c (signalling) and phone-media.c (SDP and
 * RTP).  Not for other modules. */
#pragma once

#include "stun/ice.h"
#include "stun/stun-client.h"
#include "stun/turn-client.h"
#include "ua/phone.h"

/* phone.traversal (phone-traversal.c). */
typedef enum {
  PHONE_TRAVERSAL_NONE, /* the phone's own address in c=/m= */
  PHONE_TRAVERSAL_STUN, /* the server-reflexive address in c=/m= */
  PHONE_TRAVERSAL_TURN, /* the relayed address in c=/m=, media through TURN */
  PHONE_TRAVERSAL_ICE,  /* a full ICE agent (RFC 8445) */
} PhoneTraversalMethod;

struct Phone {
  char *name;                /* trace label */
  guint index;               /* phone index */
  SimNode host;              /* its host */
  guint32 addr;              /* its own address, as it writes it into Via, Contact and SDP */
  guint32 pbx_addr;          /* registrar / outbound proxy address */
  char *domain;              /* AOR domain: the PBX address as text */
  char *user;                /* AOR user */
  const PhoneOps *ops;       /* owner callbacks */
  void *ctx;                 /* their context */
  SipNet net;                /* phone.transport */
  guint16 sip_port;          /* local SIP port (UDP/TCP listen; TLS listens on it too) */
  guint32 keepalive_s;       /* phone.keepalive_s, 0 = none */
  PhoneKeepalive ka_method;  /* phone.keepalive_method */
  SimEvent ka_ev;            /* pending keepalive */
  guint64 ka_sent;           /* keepalives sent */
  guint32 ka_cseq;           /* CSeq of OPTIONS keepalives */
  char *ka_call_id;          /* Call-ID of OPTIONS keepalives */
  guint16 rtp_port;          /* phone.rtp_port; 0 = random even port per call */
  gboolean symmetric_rtp;    /* phone.symmetric_rtp: send RTP from the port we receive on */
  gboolean srtp;             /* phone.srtp: offer RTP/SAVP with a=crypto */
  PhoneHoldStyle hold_style; /* phone.hold_style */
  guint8 tos_rtp;            /* DSCP << 2 for RTP/RTCP */
  MediaStreamParams media;   /* template for each call's stream */
  SipStack *stack;           /* SIP transport and transactions */
  SipReg *reg;               /* registration client */
  SipSessionMgr *mgr;        /* INVITE sessions */
  GPtrArray *calls;          /* PhoneCall*, owned */
  GRand *rand;               /* ports and SRTP keys */
  PhoneTraversalMethod traversal; /* phone.traversal */
  SimTime gather_timeout;    /* phone.gather_timeout_ms */
  guint32 stun_addr;         /* STUN server address, 0: none */
  guint32 turn_addr;         /* TURN server address, 0: none */
  StunClientParams stun;     /* srflx Binding retransmissions (stun.*) */
  TurnClientSetup turn;      /* relay allocations (turn.*; strings point into the config) */
  IceAgentParams ice;        /* ICE agents (ice.*) */
};

/* phone-media.c: create the call's stream (on the call's RTP port) if it does not exist yet. */
gboolean phone_media_ensure(Phone *p, PhoneCall *c);

/* ---- phone-traversal.c ------------------------------------------------------------------------ */
typedef struct PhoneTraversal PhoneTraversal;
typedef void (*PhoneGatherDone)(Phone *p, PhoneCall *c);
/* Open the call's stream and gather candidates; `done` runs once, when gathering ended. */
void phone_traversal_start(Phone *p, PhoneCall *c, PhoneGatherDone done);
void phone_traversal_cancel(PhoneCall *c);         /* the call ended while gathering */
gboolean phone_traversal_gathering(const PhoneCall *c);
SimAddr phone_traversal_default(const Phone *p, const PhoneCall *c); /* c=/m= address */
void phone_traversal_sdp(const PhoneCall *c, GString *sdp); /* ICE attributes of our SDP */
/* The peer's SDP was applied (rtp: its c=/m=): start ICE or route media through the relay. */
void phone_traversal_remote(Phone *p, PhoneCall *c, const Sdp *sdp, SimAddr rtp);
void phone_traversal_free(PhoneTraversal *t);
