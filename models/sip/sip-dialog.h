/* sip-dialog.h — SIP dialog state (RFC 3261 §12): identification, sequence numbers, remote
 * target, route set, and building requests inside a dialog (§12.2.1.1).
 *
 * A dialog is identified by Call-ID, local tag and remote tag (§12).  The UAC creates its state
 * from a 1xx/2xx response carrying a To tag (§12.1.2), the UAS from the request it answers with a
 * tag (§12.1.1).  The remote target comes from Contact and is refreshed by target-refresh requests
 * and their 2xx (§12.2); the route set comes from Record-Route (reversed for the UAC).  Requests are
 * built with the Request-URI and Route headers of §12.2.1.1 (loose and strict routing) and sent to
 * the first Route hop or the remote target (§8.1.2), or, for a NAT-aware element, to the flow the
 * peer's messages arrive on (what an SBC does for a phone behind NAT; RFC 5626 §5.3 flow reuse).
 */
#pragma once

#include "sip/sip-txn.h"

G_BEGIN_DECLS

/* Where the dialog's own end sits, for Via sent-by and Contact. */
typedef struct {
  const char *user;   /* Contact user part ("alice"); NULL: none */
  guint32 addr;       /* our address (Via sent-by and Contact host) */
  guint16 port;       /* UDP/TCP port */
  guint16 tls_port;   /* TLS port */
  gboolean rport;     /* add ;rport to our Via (RFC 3581 §3) */
} SipLocal;

/* Invariant: call_id, local_tag and local_uri are always set; remote_tag may be NULL only for
 * a UAC dialog that has not seen a tagged response yet (never stored in that state here). */
typedef struct {
  char *call_id;        /* Call-ID */
  char *local_tag;      /* our tag (From on our requests) */
  char *remote_tag;     /* the peer's tag */
  char *local_uri;      /* our From/To name-addr without tag ("<sip:alice@10.0.0.1>") */
  char *remote_uri;     /* the peer's name-addr without tag */
  guint32 local_cseq;   /* CSeq of our last request (ACK and CANCEL reuse it) */
  guint32 remote_cseq;  /* highest CSeq received from the peer */
  gboolean remote_cseq_set; /* remote_cseq holds a value (§12.1.1 may leave it empty) */
  char *remote_target;  /* the peer's Contact URI (§12.1) */
  GPtrArray *route_set; /* Route values in sending order (char *, "<sip:...;lr>") */
  gboolean secure;      /* the dialog was set up over sips: (§12.1.1) */
  gboolean early;       /* early (1xx) or confirmed (2xx) */
  gboolean uac;         /* we created it as UAC (we own the Call-ID, §14.1) */
  SipNet net;           /* transport the dialog was created on (default for its requests) */
  SipFlow peer_flow;    /* where the peer's last request or response came from */
  gboolean reuse_flow;  /* send our requests on peer_flow instead of routing (NAT-aware) */
  SipLocal local;       /* our address for Via and Contact */
} SipDialog;

/* §12.1.2: the UAC's dialog from its request and a response with a To tag (1xx or 2xx). */
SipDialog *sip_dialog_new_uac(const SipMsg *req, const SipMsg *resp, const SipFlow *resp_flow,
                              SipNet net, const SipLocal *local);
/* §12.1.1: the UAS's dialog from a request it answers with local_tag. */
SipDialog *sip_dialog_new_uas(const SipMsg *req, const SipFlow *req_flow, const char *local_tag,
                              const SipLocal *local);
void sip_dialog_free(SipDialog *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SipDialog, sip_dialog_free)

/* "Call-ID|local-tag|remote-tag", the key of a dialog; g_free() it. */
char *sip_dialog_id(const SipDialog *d);
/* The key of the dialog an incoming request belongs to (local tag = To tag); NULL without tags. */
char *sip_dialog_id_for_request(const SipMsg *req);
/* The key of the dialog an incoming response belongs to (local tag = From tag); NULL without tags. */
char *sip_dialog_id_for_response(const SipMsg *resp);

/* §12.2.2: accept an incoming request's CSeq: FALSE if it is lower than the last one (answer 500);
 * remembers it and the flow it came on. */
gboolean sip_dialog_accept_cseq(SipDialog *d, const SipMsg *req, const SipFlow *flow);
/* §12.2.1.2 / §12.2.2: a target refresh (re-INVITE, UPDATE or its 2xx) replaces the remote target
 * with its Contact. */
void sip_dialog_refresh_target(SipDialog *d, const SipMsg *m);

/* Our Contact value ("<sip:alice@10.0.0.1:5060;transport=tcp>") for transport net; g_free() it. */
char *sip_local_contact(const SipLocal *local, SipNet net);
/* Our Via value for transport net with this branch; g_free() it. */
char *sip_local_via(const SipLocal *local, SipNet net, const char *branch);

/* Build a request in the dialog (§12.2.1.1): Request-URI and Route from the remote target and
 * route set, Via with a fresh branch, Max-Forwards, From, To, Call-ID and CSeq (a new number, or
 * the current one for ACK; §13.2.2.4).  Fills *flow with the next hop (§8.1.2) and returns the
 * builder for more headers (the caller adds Contact to INVITE and UPDATE) and a body. */
SipBuilder *sip_dialog_request(SipDialog *d, SipStack *s, const char *method, SipFlow *flow);
/* Where a request of this dialog goes: the first Route URI, else the remote target (§8.1.2,
 * RFC 3263 reduced to IPv4 literals), or peer_flow when reuse_flow is set.  FALSE when the
 * URI has no IPv4 host. */
gboolean sip_dialog_next_hop(const SipDialog *d, SipFlow *flow);
/* Resolve a SIP URI with an IPv4 host to a flow: port default 5060 (5061 for sips or TLS),
 * ;transport= picks the transport, else def_net. */
gboolean sip_uri_flow(const char *uri, SipNet def_net, SipFlow *flow);

/* §9.1: CANCEL for a request we sent: same Request-URI, Call-ID, From, To, CSeq number, the one top
 * Via (same branch) and the same Route headers. */
GBytes *sip_build_cancel(const SipMsg *invite);
/* Answer a request no layer above handled (RFC 3261 §11.2, §8.2.1): 200 with Allow for OPTIONS,
 * 405 with Allow for any other method. */
gboolean sip_answer_unhandled(SipStack *s, SipTxn *st, const SipMsg *req, const char *allow);

G_END_DECLS
