/* sip-txn.h — SIP transactions (RFC 3261 §17, with RFC 6026's Accepted state) over the transport
 * layer, for one SIP element: a SipStack.
 *
 * Client transactions retransmit over UDP (Timers A and E), give up with Timer B or F, send the ACK
 * for a non-2xx final response themselves and absorb its retransmissions (Timer D).  Server
 * transactions absorb retransmitted requests by resending the last response, retransmit non-2xx
 * final responses over UDP (Timer G) until the ACK, and report Timer H when none comes.  2xx
 * responses and their ACKs belong to the dialog layer above (RFC 3261 §13.3.1.4, §17.1.1.3).
 * Responses are routed as §18.2.2 and RFC 3581 §4 say: the same connection for streams; for UDP
 * the request's source address and, with rport, its source port, else the Via sent-by port.
 */
#pragma once

#include "sip-transport.h"

G_BEGIN_DECLS

/* RFC 3261 §17.1.1.1 timer values; keys sip.t1_ms, sip.t2_ms, sip.t4_ms. */
typedef struct {
  SimTime t1; /* RTT estimate, 500 ms */
  SimTime t2; /* longest retransmit interval for non-INVITE requests and INVITE responses, 4 s */
  SimTime t4; /* how long a message may stay in the network, 5 s */
} SipTimers;

void sip_timers_default(SipTimers *t);
void sip_timers_from_config(const Config *cfg, SipTimers *t);

typedef struct SipStack SipStack;
typedef struct SipTxn SipTxn;

/* Why a client transaction ended without a final response. */
typedef enum {
  SIP_TXN_TIMER_B,   /* INVITE: no final response in 64*T1 */
  SIP_TXN_TIMER_F,   /* non-INVITE: no final response in 64*T1 */
  SIP_TXN_TRANSPORT, /* the transport could not send, or the connection died */
} SipTxnFailure;

const char *sip_txn_failure_name(SipTxnFailure f); /* "timer B", "timer F", "transport error" */

typedef struct {
  /* Every response: provisional, final, and (INVITE) 2xx retransmissions in the Accepted state. */
  void (*response)(void *ctx, SipTxn *t, const SipMsg *resp, const SipFlow *flow);
  void (*failed)(void *ctx, SipTxn *t, SipTxnFailure why);
} SipClientOps;

typedef struct {
  /* A request that no server transaction absorbed.  `st` is its new server transaction, through
   * which the TU must answer; NULL for an ACK (which has none) and for a CANCEL's INVITE twin. */
  void (*request)(void *ctx, SipStack *s, SipTxn *st, const SipMsg *req, const SipFlow *flow);
  /* A response that matched no client transaction (a 2xx retransmission after Timer M, a stray). */
  void (*stray_response)(void *ctx, SipStack *s, const SipMsg *resp, const SipFlow *flow);
  /* A server INVITE transaction's non-2xx response got no ACK (Timer H, §17.2.1). */
  void (*server_timeout)(void *ctx, SipStack *s, SipTxn *st);
  void (*keepalive)(void *ctx, SipStack *s, const SipFlow *flow, gboolean pong);
  void (*flow_closed)(void *ctx, SipStack *s, const SipFlow *flow, const char *reason);
} SipStackOps;

typedef struct {
  SipTlParams tl;         /* transport parameters */
  SipTimers timers;       /* T1, T2, T4 */
  gboolean honour_rport;  /* RFC 3581: answer to the source port when the top Via has rport */
  guint udp_max_bytes;    /* RFC 3261 §18.1.1: requests larger than this go over TCP instead of
                           * UDP (1300 when the path MTU is unknown); 0 = send as-is, as some
                           * phones do (the router then fragments them) */
  guint32 rand_stream;    /* random stream id for branch and tag values */
} SipStackParams;

SipStack *sip_stack_new(SimNode host, const SipStackParams *params, const SipStackOps *ops, void *ctx,
                        GError **error);
void sip_stack_free(SipStack *s);
SipTl *sip_stack_tl(SipStack *s);
const SipTimers *sip_stack_timers(const SipStack *s);
const char *sip_stack_name(const SipStack *s);

/* A fresh RFC 3261 branch ("z9hG4bK" + 16 hex digits) or tag (8 hex digits), from the stack's
 * random stream.  Caller frees. */
char *sip_stack_branch(SipStack *s);
char *sip_stack_tag(SipStack *s);
/* One draw from the same stream (RFC 3261 §14.1 glare delays and the like). */
guint32 sip_stack_random(SipStack *s);

/* Start a client transaction: `req` is a whole request whose top Via carries the branch; it is sent
 * on `flow` now.  Not for ACK (use sip_stack_send).  The transaction belongs to the stack; the TU
 * may hold the pointer until `failed` or a final response, or call sip_txn_detach() earlier. */
SipTxn *sip_txn_client(SipStack *s, GBytes *req, const SipFlow *flow, const SipClientOps *ops,
                       void *ctx);
/* Stop calling the TU back; the transaction runs on (retransmissions, ACK) until it ends. */
void sip_txn_detach(SipTxn *t);
/* The flow a transaction uses (its connection id filled in once sent). */
const SipFlow *sip_txn_flow(const SipTxn *t);
SipMethod sip_txn_method(const SipTxn *t);

/* Answer a server transaction.  After a final response the TU must forget `st`. */
gboolean sip_txn_respond(SipTxn *st, GBytes *resp);
/* The INVITE server transaction a CANCEL names (same branch, RFC 3261 §9.2), or NULL. */
SipTxn *sip_stack_cancel_target(SipStack *s, const SipMsg *cancel);
/* The request a server transaction was created for (its bytes live as long as the transaction). */
const SipMsg *sip_txn_request(const SipTxn *st);

/* Send outside any transaction (ACK for a 2xx, 2xx retransmissions, keepalives). */
gboolean sip_stack_send(SipStack *s, SipFlow *flow, GBytes *msg);
/* Send a response to `req` routed as §18.2.2 / RFC 3581 §4 (used by server transactions). */
gboolean sip_stack_send_response(SipStack *s, const SipMsg *req, const SipFlow *req_flow, GBytes *resp);

typedef struct {
  guint64 client_started;   /* client transactions started */
  guint64 retransmissions;  /* requests and responses sent again by timers */
  guint64 timeouts;         /* Timer B, F and H expiries */
  guint64 absorbed;         /* retransmitted requests and responses absorbed */
  guint64 strays;           /* responses that matched no transaction */
} SipStackStats;

const SipStackStats *sip_stack_stats(const SipStack *s);
guint sip_stack_txn_count(const SipStack *s); /* live transactions */

extern const CfgKeyDef sip_txn_keys[];

G_END_DECLS
