/* sip-session.h — INVITE sessions (RFC 3261 §13-§15) with re-INVITE, UPDATE (RFC 3311) and
 * session timers (RFC 4028): the call layer that phones and the PBX use.
 *
 * A SipSessionMgr serves one SipStack: the stack's owner forwards every request to
 * sip_session_mgr_request() and every stray response to sip_session_mgr_response().  Each call is a
 * SipSession, created by sip_session_invite() (UAC) or by an incoming INVITE (UAS, reported through
 * SipSessionOps.incoming).  The session carries offer/answer bodies as opaque bytes (the owner
 * builds SDP; hold is just a re-INVITE with the owner's sendonly SDP) and reports every body the
 * peer sends through remote_sdp.  It sends the ACK for 2xx itself (§13.2.2.4), retransmits its own
 * 2xx until the ACK (§13.3.1.4), CANCELs (§9.1), answers CANCEL (§9.2), resolves re-INVITE glare
 * (§14.1), refreshes or expires the session (RFC 4028 §10) and ends the session when an in-dialog
 * request fails with 408/481 or times out (RFC 5057 §5.1).  Every session keeps a report for the
 * call's outcome record.
 *
 * Sessions belong to the manager and live until sip_session_mgr_free(), so a pointer held by the
 * owner stays valid; sip_session_forget() makes one inert.  Free the stack before (or with) the
 * manager: the manager never touches the stack when freed.
 */
#pragma once

#include "config.h"
#include "sip/sip-dialog.h"

G_BEGIN_DECLS

typedef struct SipSessionMgr SipSessionMgr;
typedef struct SipSession SipSession;

typedef enum {
  SIP_REFRESH_REINVITE, /* session refresh by re-INVITE (RFC 4028 §10) */
  SIP_REFRESH_UPDATE,   /* by UPDATE without a body (RFC 4028 §10, RFC 3311) */
} SipRefreshMethod;

typedef enum {
  SIP_REFRESHER_ANY, /* the UAC leaves refresher= out; the UAS chooses (RFC 4028 §7.1, §9) */
  SIP_REFRESHER_UAC, /* refresher=uac */
  SIP_REFRESHER_UAS, /* refresher=uas */
} SipRefresher;

/* Keys: sip.session_timer, sip.session_expires_s, sip.min_se_s, sip.session_refresh,
 * sip.ring_time_ms. */
typedef struct {
  SipLocal local;             /* our Via sent-by and Contact (the user string is copied) */
  gboolean timer;             /* support RFC 4028 session timers */
  guint32 session_expires_s;  /* Session-Expires we ask for (1800 s) */
  guint32 min_se_s;           /* our Min-SE (90 s, RFC 4028 §4) */
  SipRefreshMethod refresh;   /* how we refresh */
  SipRefresher refresher;     /* refresher= in our INVITEs */
  SimTime ring_time;          /* sip_session_answer_after() default: 180 to 200 */
  gboolean reuse_flow;        /* send in-dialog requests on the flow the peer's come on (SBC) */
} SipSessionConfig;

void sip_session_config_default(SipSessionConfig *c); /* key defaults; local left zero */
void sip_session_config_from(const Config *cfg, SipSessionConfig *c); /* local left as it was */

typedef enum {
  SIP_SESSION_UAC, /* we sent the INVITE */
  SIP_SESSION_UAS, /* we received it */
} SipSessionRole;

typedef enum {
  SIP_SESSION_CALLING,    /* UAC: INVITE sent, no provisional response yet; UAS: not answered */
  SIP_SESSION_PROCEEDING, /* UAC: 1xx without a To tag */
  SIP_SESSION_EARLY,      /* early dialog: 1xx with a To tag received (UAC) or sent (UAS) */
  SIP_SESSION_CONFIRMED,  /* 2xx received (UAC) or sent (UAS) */
  SIP_SESSION_TERMINATED, /* failed, cancelled or ended */
} SipSessionState;

typedef enum {
  SIP_END_NONE,            /* still up (or still being set up) */
  SIP_END_SETUP_FAILED,    /* the INVITE got 3xx-6xx or no final response: see setup_* */
  SIP_END_CANCELLED,       /* cancelled before the answer (by us, or by the caller's CANCEL) */
  SIP_END_LOCAL_BYE,       /* we hung up */
  SIP_END_REMOTE_BYE,      /* the peer's BYE */
  SIP_END_ACK_TIMEOUT,     /* no ACK for our 2xx within 64*T1: Timer H (§13.3.1.4) */
  SIP_END_SESSION_EXPIRED, /* no refresh before the session expired (RFC 4028 §10) */
  SIP_END_REFRESH_FAILED,  /* a refresh got 408/481 or timed out (RFC 4028 §10): end_status/end_failure */
  SIP_END_REQUEST_FAILED,  /* another in-dialog request got 408/481 or timed out (RFC 5057 §5.1) */
} SipEndCause;

/* "none", "setup-failed", "cancelled", "local-bye", "remote-bye", "ack-timeout",
 * "session-timer-expired", "refresh-failed", "request-failed". */
const char *sip_end_cause_name(SipEndCause c);

/* What the outcome record needs.  Times are simulation times; -1 when it did not happen. */
typedef struct {
  SipSessionRole role;       /* UAC or UAS */
  SimTime invite_at;         /* first INVITE sent (UAC) or received (UAS) */
  SimTime answered_at;       /* 2xx received (UAC) or sent (UAS) */
  SimTime setup_time;        /* answered_at - invite_at, -1 if never answered */
  guint setup_status;        /* final status of the initial INVITE, 0 if none */
  const char *setup_failure; /* "timer B" / "transport error" when it got none, else NULL */
  SipEndCause end_cause;     /* why it ended */
  guint end_status;          /* the status that ended it (408, 481), 0 if none */
  const char *end_failure;   /* the timer that ended it ("timer H", "timer F", ...), else NULL */
  SimTime ended_at;          /* when it ended */
  guint32 session_expires_s; /* negotiated session interval, 0 without session timer */
  gboolean we_refresh;       /* we are the refresher */
  guint refreshes;           /* successful refresh transactions (re-INVITE/UPDATE 2xx) */
  guint invites_sent;        /* INVITEs sent: initial, 422 retries, re-INVITEs */
  guint updates_sent;        /* UPDATEs sent */
  guint acks_sent;           /* ACKs for 2xx sent, re-sends included */
  guint retransmits_2xx;     /* 2xx retransmissions by our UAS core */
  guint glare_retries;       /* 491 responses that we retried after the §14.1 delay */
} SipSessionReport;

typedef struct {
  /* UAS: a new INVITE (its offer, if any, was reported through remote_sdp just before).  Answer
   * now or later with sip_session_ring/answer/answer_after/reject; doing nothing leaves it ringing.
   * Without this callback every new INVITE gets 480. */
  void (*incoming)(void *ctx, SipSession *ss, const SipMsg *invite);
  /* Every state change (early, confirmed, terminated). */
  void (*state_changed)(void *ctx, SipSession *ss, SipSessionState state);
  /* An offer or answer from the peer: its bytes and content type.  For an offer in a re-INVITE or
   * UPDATE, the owner may call sip_session_set_local_body() before returning: the answer is the
   * local body at that point. */
  void (*remote_sdp)(void *ctx, SipSession *ss, const char *content_type, GBytes *body, gboolean offer);
} SipSessionOps;

SipSessionMgr *sip_session_mgr_new(SipStack *s, const SipSessionConfig *cfg, const SipSessionOps *ops,
                                   void *ctx);
void sip_session_mgr_free(SipSessionMgr *m);
/* From the stack's request callback.  TRUE if the manager handled (and answered) it: INVITE, ACK,
 * BYE, CANCEL, UPDATE, and any request with a To tag that matches no dialog (481, §12.2.2).
 * FALSE for the rest (REGISTER, out-of-dialog OPTIONS, other in-dialog methods): the owner's. */
gboolean sip_session_mgr_request(SipSessionMgr *m, SipTxn *st, const SipMsg *req, const SipFlow *flow);
/* From the stack's stray_response callback: a 2xx retransmission after Timer M gets its ACK again. */
gboolean sip_session_mgr_response(SipSessionMgr *m, const SipMsg *resp, const SipFlow *flow);
guint sip_session_mgr_active(const SipSessionMgr *m); /* sessions not terminated */

typedef struct {
  const char *ruri;         /* Request-URI ("sip:bob@203.0.113.10") */
  const char *from;         /* our name-addr ("<sip:alice@example.com>") */
  const char *to;           /* the callee's name-addr */
  SipFlow flow;             /* first hop (net and remote) */
  const char *route;        /* a Route value for an outbound proxy ("<sip:...;lr>"), or NULL */
  const char *content_type; /* the offer's type ("application/sdp"), NULL: no offer */
  GBytes *body;             /* the offer */
} SipInviteParams;

/* UAC: send an INVITE now.  NULL only for bad parameters. */
SipSession *sip_session_invite(SipSessionMgr *m, const SipInviteParams *p);
/* UAS answers: a provisional (180/183, optional early-media body), the 2xx with the answer, both
 * (180 now, 200 after `delay`, the config's ring_time when negative) or a 3xx-6xx rejection. */
gboolean sip_session_ring(SipSession *ss, guint status, const char *content_type, GBytes *body);
gboolean sip_session_answer(SipSession *ss, const char *content_type, GBytes *body);
gboolean sip_session_answer_after(SipSession *ss, SimTime delay, const char *content_type, GBytes *body);
gboolean sip_session_reject(SipSession *ss, guint status);
/* UAC: CANCEL the INVITE (sent once a provisional response has come, §9.1). */
gboolean sip_session_cancel(SipSession *ss);
/* End the call whatever its state: BYE when confirmed, CANCEL (UAC) or 480 (UAS) before. */
void sip_session_hangup(SipSession *ss);
/* A re-INVITE with a new offer (hold, resume).  FALSE unless confirmed with no INVITE or UPDATE of
 * ours in progress. */
gboolean sip_session_reinvite(SipSession *ss, const char *content_type, GBytes *body);
/* A session refresh now, by the configured method.  FALSE as for reinvite. */
gboolean sip_session_refresh(SipSession *ss);
/* Replace the body we answer offers with (and send in refresh re-INVITEs). */
void sip_session_set_local_body(SipSession *ss, const char *content_type, GBytes *body);
/* Drop the session without signalling (a crash or a lost state: the peer then gets 481). */
void sip_session_forget(SipSession *ss);

SipSessionState sip_session_state(const SipSession *ss);
SipSessionRole sip_session_role(const SipSession *ss);
const char *sip_session_call_id(const SipSession *ss);
const SipDialog *sip_session_dialog(const SipSession *ss); /* NULL before a dialog exists */
const SipSessionReport *sip_session_report(const SipSession *ss);
GBytes *sip_session_remote_body(const SipSession *ss); /* the last body from the peer, or NULL */
void sip_session_set_data(SipSession *ss, void *data);
void *sip_session_get_data(const SipSession *ss);
const char *sip_session_state_name(SipSessionState st);

extern const CfgKeyDef sip_session_keys[];

G_END_DECLS
