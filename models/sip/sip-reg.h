/* sip-reg.h — the registration client of a phone (RFC 3261 §10.2, §22.2; RFC 3581 rport).
 *
 * A SipReg sends REGISTER for one address-of-record through a SipStack: To and From carry the
 * AOR, the Contact carries the phone's address as the phone believes it (its private address and
 * port), Call-ID stays the same across refreshes and CSeq grows (§10.2.4).  A 401/407 is answered
 * once with digest credentials (RFC 2617), a 423 with the registrar's Min-Expires (§10.2.8); a 200
 * gives the granted expiry (our Contact's expires parameter, else Expires).  Refreshes go out
 * before expiry and reuse the last nonce with the next nonce-count (RFC 2617 §3.3); failures are
 * reported and retried after phone.register_retry_s.
 */
#pragma once

#include "sip-txn.h"

G_BEGIN_DECLS

typedef enum {
  SIP_REG_IDLE,          /* not started */
  SIP_REG_REGISTERING,   /* the first REGISTER of an attempt is out (refreshes stay REGISTERED) */
  SIP_REG_REGISTERED,    /* a 200 granted a binding that has not expired */
  SIP_REG_FAILED,        /* the last attempt failed; a retry is scheduled */
  SIP_REG_UNREGISTERING, /* Expires: 0 is out */
  SIP_REG_UNREGISTERED,  /* the binding was removed */
} SipRegState;

typedef enum {
  SIP_REG_FAIL_NONE = 0,
  SIP_REG_FAIL_TIMEOUT,   /* "timeout": no final response (Timer F, RFC 3261 §17.1.2.2) */
  SIP_REG_FAIL_REJECTED,  /* "rejected": a final error status (403, 404, 5xx, a second 423...) */
  SIP_REG_FAIL_AUTH,      /* "auth rejected": a 401/407 again after our credentials, not stale */
  SIP_REG_FAIL_TRANSPORT, /* "transport": the connection could not be opened or died */
} SipRegFailure;

const char *sip_reg_state_name(SipRegState s);
const char *sip_reg_failure_name(SipRegFailure f);

typedef struct {
  const char *user;        /* AOR user part and digest username (copied) */
  const char *password;    /* digest password (copied) */
  const char *domain;      /* AOR domain and Request-URI host, e.g. "203.0.113.10" (copied) */
  SipNet net;              /* transport to the registrar */
  SimAddr registrar;       /* where REGISTER goes */
  SimAddr contact;         /* our address as we believe it: Contact and Via sent-by */
  guint32 expires_s;       /* requested expiry (phone.register_expires_s) */
  double refresh_fraction; /* refresh at this fraction of a granted expiry > 64 s */
  gboolean strict_contact; /* a 200 that lists other Contacts but not ours is a failure */
  gboolean rport;          /* ;rport in the Via (RFC 3581 §3) */
  gboolean expires_param;  /* request the expiry as Contact ;expires= (TRUE) or Expires: (FALSE) */
  SimTime retry_interval;  /* wait after a failure before a new attempt */
} SipRegParams;

/* The phone.* keys (user and password point into cfg); the caller sets domain, net, registrar and
 * contact, which come from the scenario. */
void sip_reg_params_from_config(const Config *cfg, SipRegParams *p);

/* The outcome of one registration attempt (first REGISTER sent -> final outcome). */
typedef struct {
  gboolean done;         /* an outcome was reached */
  gboolean ok;           /* registered */
  SipRegFailure failure; /* why not */
  guint status;          /* last final status (0 on timeout) */
  SimTime started;       /* first REGISTER of the attempt sent */
  SimTime finished;      /* outcome time */
  guint requests;        /* REGISTERs sent in the attempt (credential and 423 retries count) */
} SipRegResult;

typedef struct {
  guint64 requests;      /* REGISTERs sent (not counting transaction retransmissions) */
  guint64 challenges;    /* 401/407 received */
  guint64 refreshes;     /* refresh REGISTERs started */
  guint64 successes;     /* 200s that granted our binding */
  guint64 failures;      /* attempts that failed */
  SimTime last_request;  /* when the last REGISTER was sent */
  SimTime last_success;  /* when the last 200 arrived */
  guint32 granted_s;     /* expiry granted by the last 200 */
  guint32 last_cseq;     /* CSeq of the last REGISTER */
} SipRegStats;

typedef struct SipReg SipReg;

typedef struct {
  /* Every state change.  failure/status explain SIP_REG_FAILED (else NONE and the last status). */
  void (*state_changed)(void *ctx, SipReg *r, SipRegState state, SipRegFailure failure, guint status);
} SipRegOps;

/* The stack belongs to the caller and must outlive the SipReg. */
SipReg *sip_reg_new(SipStack *stack, const SipRegParams *params, const SipRegOps *ops, void *ctx);
void sip_reg_free(SipReg *r);

void sip_reg_start(SipReg *r);      /* send the first REGISTER now */
void sip_reg_unregister(SipReg *r); /* Expires: 0 for our Contact; no refresh or retry after it */

SipRegState sip_reg_state(const SipReg *r);
const SipRegResult *sip_reg_first_result(const SipReg *r); /* the first attempt's outcome */
const SipRegResult *sip_reg_last_result(const SipReg *r);  /* the latest finished attempt's */
const SipRegStats *sip_reg_stats(const SipReg *r);
const char *sip_reg_call_id(const SipReg *r);
/* The flow of the last REGISTER (connection id and local port filled in once sent). */
const SipFlow *sip_reg_flow(const SipReg *r);
SimTime sip_reg_next_refresh(const SipReg *r); /* when the next refresh or retry is due; 0 none */

extern const CfgKeyDef sip_reg_keys[];

G_END_DECLS
