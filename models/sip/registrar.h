/* registrar.h — the PBX's registrar and location service (RFC 3261 §10.3), with digest
 * authentication (RFC 2617) and the NAT handling of SIP servers (Kamailio nathelper: nat_uac_test,
 * fix_nated_register, NAT pings; RFC 5626-style flow reuse).
 *
 * The registrar answers REGISTER requests that the PBX's SipStack hands it: 401 with a fresh nonce
 * until the credentials verify against the request's own method and Request-URI, 423 below
 * pbx.min_expires_s, then 200 listing the AOR's bindings.  A binding keeps the Contact as written
 * AND the flow the REGISTER came on (transport, source address and port, connection), plus the
 * received/rport values of RFC 3581.  lookup() gives the target of an INVITE: the Contact's
 * host:port in naive mode, the stored flow in nat_aware mode.  In nat_aware mode NATed bindings
 * (Contact differs from the source) can get a shorter forced expiry and OPTIONS or CRLF pings.
 */
#pragma once

#include "sip-txn.h"

G_BEGIN_DECLS

typedef enum {
  REGISTRAR_PING_OPTIONS, /* an OPTIONS request (non-INVITE client transaction) */
  REGISTRAR_PING_CRLF,    /* a CRLF keepalive (RFC 5626 §3.5.1); no failure detection on UDP */
} RegistrarPing;

typedef struct {
  const char *realm;        /* digest realm (pbx.realm) */
  gboolean nat_aware;       /* pbx.nat_aware */
  guint32 min_expires_s;    /* pbx.min_expires_s: shorter requests get 423 */
  guint32 max_expires_s;    /* pbx.max_expires_s: longer requests are cut down */
  guint32 forced_expires_s; /* pbx.forced_expires_s: nat_aware cap for NATed bindings, 0 = off */
  SimTime ping_interval;    /* pbx.ping_interval_s, 0 = off */
  RegistrarPing ping_method; /* pbx.ping_method */
  gboolean ping_unreachable; /* pbx.ping_timeout_unreachable: a failed ping marks the binding */
  SimTime nonce_lifetime;   /* pbx.nonce_lifetime_s; 0 = each nonce is good for one REGISTER */
  gboolean qop;             /* offer qop="auth" (RFC 2617); FALSE: RFC 2069-style challenges */
  guint32 rand_stream;      /* random stream of the nonces */
} RegistrarParams;

void registrar_params_from_config(const Config *cfg, RegistrarParams *p); /* realm points into cfg */

/* One binding of an AOR (RFC 3261 §10.3 step 8), with what the REGISTER's packet showed. */
typedef struct {
  char *aor;              /* user part of the AOR (the To URI's user) */
  char *contact;          /* the Contact URI as written by the phone */
  SipNet contact_net;     /* transport named by the Contact (;transport=), UDP if none */
  SimAddr contact_addr;   /* the Contact's host:port (port 5060/5061 if absent); addr 0 if not IPv4 */
  SipFlow source;         /* the flow the REGISTER came on: transport, source ip:port, connection */
  guint32 received;       /* RFC 3581: the source address (Via received=) */
  guint16 rport;          /* RFC 3581: the source port when the Via asked for rport, else 0 */
  gboolean natted;        /* the Contact differs from the source (Kamailio nat_uac_test 1|2|16) */
  char *call_id;          /* Call-ID of the last REGISTER */
  guint32 cseq;           /* its CSeq */
  guint32 granted_s;      /* expiry granted last */
  SimTime expires_at;     /* when the binding lapses */
  SimTime registered_at;  /* last successful REGISTER */
  gboolean unreachable;   /* a ping went unanswered (pbx.ping_timeout_unreachable) */
  guint64 pings_sent;     /* pings sent to it */
  guint64 pings_failed;   /* OPTIONS pings that timed out */
} RegBinding;

/* Where to send a request for an AOR. */
typedef struct {
  SipFlow flow;           /* transport, remote ip:port and (streams, nat_aware) connection */
  const char *uri;        /* Request-URI: the Contact as registered (borrowed from the binding) */
  gboolean via_source;    /* TRUE: flow is the REGISTER's source (nat_aware) */
} RegTarget;

typedef struct {
  guint64 registers;       /* REGISTER requests seen */
  guint64 challenges;      /* 401s sent */
  guint64 auth_failures;   /* credentials that did not verify (by reason below) */
  guint64 bad_response;    /* ... wrong digest */
  guint64 uri_mismatch;    /* ... digest-uri differs from the Request-URI */
  guint64 stale;           /* ... expired or used nonce */
  guint64 unknown_user;    /* ... username not configured */
  guint64 too_brief;       /* 423s sent */
  guint64 accepted;        /* 200s sent */
  guint64 expired;         /* bindings that lapsed */
  guint64 pings;           /* pings sent */
  guint64 ping_timeouts;   /* OPTIONS pings that failed */
} RegistrarStats;

typedef struct Registrar Registrar;

/* The stack (the PBX's) must outlive the registrar. */
Registrar *registrar_new(SipStack *stack, const RegistrarParams *params);
void registrar_free(Registrar *r);
void registrar_add_user(Registrar *r, const char *user, const char *password);

/* Offer a request from the stack's `request` callback: TRUE if it was a REGISTER and the
 * registrar answered it through st. */
gboolean registrar_handle(Registrar *r, SipTxn *st, const SipMsg *req, const SipFlow *flow);

/* The latest live, reachable binding of an AOR user (NULL if none), and the target from it. */
const RegBinding *registrar_binding(Registrar *r, const char *aor);
gboolean registrar_lookup(Registrar *r, const char *aor, RegTarget *target);
guint registrar_binding_count(const Registrar *r);
/* Send one ping to the AOR's latest binding now (as the periodic pinger does).  FALSE if none. */
gboolean registrar_ping(Registrar *r, const char *aor);

const RegistrarStats *registrar_stats(const Registrar *r);
const RegistrarParams *registrar_params(const Registrar *r);

extern const CfgKeyDef registrar_keys[];

G_END_DECLS
