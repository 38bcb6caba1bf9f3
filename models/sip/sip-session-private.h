/* sip-session-private.h — internals shared by sip-session.c (manager, dispatch, ending),
 * sip-session-invite.c (the initial INVITE in both roles, 2xx/ACK, CANCEL) and sip-session-timer.c
 * (re-INVITE and UPDATE in both directions, glare, RFC 4028 session timers). */
#pragma once

#include "sip/sip-session.h"

struct SipSessionMgr {
  SipStack *s;            /* the stack we serve (borrowed) */
  SipSessionConfig cfg;   /* configuration; cfg.local.user points at user */
  char *user;             /* our copy of the Contact user */
  SipSessionOps ops;      /* owner callbacks */
  void *ctx;              /* their context */
  GHashTable *dialogs;    /* dialog id -> SipSession * (not owned): live dialogs only */
  GPtrArray *sessions;    /* every session ever made (owned), in creation order */
};

/* Invariants: key != NULL iff the session's dialog is in m->dialogs; invite_st and invite_txn
 * are dropped at their final response; every event is cancelled when the session terminates. */
struct SipSession {
  SipSessionMgr *m;          /* owner */
  SipSessionRole role;       /* UAC or UAS */
  SipSessionState state;     /* state */
  char *call_id;             /* Call-ID */
  char *local_tag;           /* our tag */
  SipDialog *dialog;         /* dialog, NULL until one exists */
  char *key;                 /* dialog id in m->dialogs */
  gboolean forgotten;        /* sip_session_forget(): inert */
  void *data;                /* owner data */
  char *local_type;          /* content type of local_body */
  GBytes *local_body;        /* our current offer/answer */
  char *remote_type;         /* content type of remote_body */
  GBytes *remote_body;       /* the peer's last offer/answer */
  /* UAC: the initial INVITE. */
  char *inv_ruri, *inv_from, *inv_to, *inv_route; /* copies of the SipInviteParams strings */
  SipFlow inv_flow;          /* its first hop */
  guint32 cseq;              /* CSeq number of the last initial INVITE (before the dialog) */
  GBytes *invite;            /* the last INVITE (initial or retried) we sent */
  SipMsg invite_msg;         /* parsed view of invite */
  SipTxn *invite_txn;        /* its client transaction until the final response */
  gboolean got_provisional;  /* a 1xx came (CANCEL allowed, §9.1) */
  gboolean cancel_wanted;    /* CANCEL asked for before any 1xx */
  gboolean cancelled;        /* CANCEL sent */
  SimEvent cancel_ev;        /* 64*T1 after the CANCEL without a final response */
  guint retries_422;         /* 422 retries of the current INVITE */
  /* The ACK for our last 2xx (initial or re-INVITE), re-sent for each 2xx retransmission. */
  GBytes *ack;               /* its bytes */
  guint32 ack_cseq;          /* CSeq number of the INVITE it acknowledges */
  SipFlow ack_flow;          /* where it goes */
  /* UAS: the INVITE being answered (initial or re-INVITE). */
  SipTxn *invite_st;         /* its server transaction until the final response */
  GBytes *uas_req;           /* a copy of its bytes (2xx retransmissions route on it) */
  SipMsg uas_req_msg;        /* parsed view */
  SipFlow uas_req_flow;      /* the flow it came on */
  guint32 uas_se;            /* session interval for our 2xx, 0: none */
  gboolean uas_ref_uac;      /* refresher=uac in our 2xx */
  GBytes *resp_2xx;          /* our 2xx being retransmitted until the ACK */
  guint32 resp_2xx_cseq;     /* its CSeq number */
  SimTime retx;              /* current retransmission interval */
  SimEvent retx_ev;          /* next 2xx retransmission */
  SimEvent ack_timeout_ev;   /* 64*T1 after the first 2xx */
  gboolean answer_in_ack;    /* our 2xx carried an offer: the ACK brings the answer */
  SimEvent answer_ev;        /* sip_session_answer_after() */
  char *answer_type;         /* its body type */
  GBytes *answer_body;       /* its body */
  /* RFC 4028 session timer. */
  guint32 se;                /* negotiated interval, 0: no session timer */
  guint32 req_se;            /* interval we ask for */
  guint32 min_se;            /* Min-SE we send (raised by a 422) */
  gboolean we_refresh;       /* we are the refresher */
  SimEvent refresh_ev;       /* refresher: at se/2 */
  SimEvent expire_ev;        /* non-refresher: se - min(32, se/3); refresher: se */
  /* Our re-INVITE or UPDATE. */
  SipTxn *mid_txn;           /* its client transaction until the final response */
  SipMethod mid_method;      /* INVITE or UPDATE */
  gboolean mid_refresh;      /* a session refresh rather than a new offer */
  gboolean mid_offer;        /* it carries offer_body */
  SimEvent glare_ev;         /* retry after 491 (§14.1) */
  char *offer_type;          /* the new offer's type */
  GBytes *offer_body;        /* the new offer */
  SipSessionReport report;   /* outcome */
};

/* sip-session.c */
void session_trace(SipSession *ss, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void session_set_state(SipSession *ss, SipSessionState st);
void session_end(SipSession *ss, SipEndCause cause, guint status, const char *failure, gboolean bye);
void session_add_key(SipSession *ss);
void session_remote_body(SipSession *ss, const SipMsg *m, gboolean offer);
void session_respond(SipTxn *st, const SipMsg *req, guint status, const char *tag);
SipBuilder *session_dialog_request(SipSession *ss, const char *method, SipFlow *flow);
SipTxn *session_start_txn(SipSession *ss, GBytes *req, const SipFlow *flow, gboolean detach);
void session_bye(SipSession *ss);
guint32 session_random(SipSession *ss);

/* sip-session-invite.c */
extern const SipClientOps session_client_ops;
SipSession *session_new(SipSessionMgr *m, SipSessionRole role);
void uac_send_invite(SipSession *ss);
void uac_send_ack(SipSession *ss, const SipMsg *resp);
gboolean uac_resend_ack(SipSession *ss, const SipMsg *resp);
void uas_incoming(SipSessionMgr *m, SipTxn *st, const SipMsg *req, const SipFlow *flow);
void uas_take_request(SipSession *ss, SipTxn *st, const SipMsg *req, const SipFlow *flow);
SipBuilder *uas_response(SipSession *ss, const SipMsg *req, guint status);
void uas_send_2xx(SipSession *ss, GBytes *resp);
void uas_ack(SipSession *ss, const SipMsg *ack);
void uas_cancel(SipSessionMgr *m, SipTxn *st, const SipMsg *req);
void uas_stop_2xx(SipSession *ss);

/* sip-session-timer.c */
int sst_negotiate(const SipSessionConfig *cfg, const SipMsg *req, guint32 *se, gboolean *ref_uac);
void sst_request_headers(SipSession *ss, SipBuilder *b, gboolean initial);
void sst_response_headers(SipSession *ss, SipBuilder *b);
void sst_uas_committed(SipSession *ss);
void sst_uac_response(SipSession *ss, const SipMsg *resp);
void sst_stop(SipSession *ss);
guint32 sst_min_se_of(const SipMsg *m);
void mid_request(SipSession *ss, SipTxn *st, const SipMsg *req, const SipFlow *flow);
gboolean mid_send(SipSession *ss, SipMethod method, gboolean refresh);
void mid_response(SipSession *ss, const SipMsg *resp);
void mid_failed(SipSession *ss, SipTxnFailure why);
