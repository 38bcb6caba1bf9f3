/* phone-private.h — the Phone's state, shared by phone.c (signalling) and phone-media.c (SDP and
 * RTP).  Not for other modules. */
#pragma once

#include "ua/phone.h"

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
};
