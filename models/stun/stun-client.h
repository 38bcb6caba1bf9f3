/* stun-client.h — STUN Binding transactions over one UDP socket (RFC 8489 §6.2.1, §6.3.3). */
#pragma once

#include "config.h"
#include "sim.h"
#include "stun.h"

G_BEGIN_DECLS

#define STUN_MAX_SENDS 16 /* upper bound of stun.max_sends (Rc) */

/* Retransmission parameters (RFC 8489 §6.2.1): the first retransmission after rto_ms, each
 * later one after twice the previous wait, max_sends transmissions in all (Rc), then rm × rto_ms
 * of waiting before the transaction fails. */
typedef struct {
  guint rto_ms;    /* initial RTO, ms (stun.rto_ms, default 500) */
  guint max_sends; /* Rc (stun.max_sends, default 7) */
  guint rm;        /* Rm (stun.rm, default 16) */
} StunClientParams;

void stun_client_params_default(StunClientParams *p);
void stun_client_params_from_config(const Config *cfg, StunClientParams *p);
/* RFC 8489 §6.2.1: how long to wait after the `sends`-th transmission (1-based) of a request:
 * rto_ms doubled for each earlier transmission, and Rm x rto_ms after the Rc-th.  Shared by every
 * UDP STUN requester (this client, a phone's srflx gathering on its media socket). */
SimTime stun_client_wait(const StunClientParams *p, guint sends);

typedef struct {
  guint32 change;         /* CHANGE-REQUEST flags (STUN_CHANGE_IP | STUN_CHANGE_PORT); 0: none */
  guint16 response_port;  /* RESPONSE-PORT; 0: none */
  guint16 padding;        /* PADDING length in bytes; 0: none */
} StunBindingOpts;

typedef enum {
  STUN_TXN_SUCCESS, /* a success response arrived */
  STUN_TXN_ERROR,   /* an error response arrived (error_code) */
  STUN_TXN_TIMEOUT, /* no response after Rc sends and Rm × RTO */
} StunTxnStatus;

typedef struct {
  guint id;                 /* the transaction's handle */
  StunTxnStatus status;     /* outcome */
  guint error_code;         /* ERROR-CODE of an error response; 0 otherwise */
  guint8 tid[STUN_TID_LEN]; /* transaction id */
  SimAddr local;            /* the client socket's address */
  SimAddr server;           /* where the request was sent */
  SimAddr from;             /* source of the response (differs with CHANGE-REQUEST) */
  gboolean has_mapped;      /* mapped is valid (XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS) */
  gboolean has_origin;      /* response_origin is valid */
  gboolean has_other;       /* other_address is valid */
  SimAddr mapped;           /* the reflexive transport address */
  SimAddr response_origin;  /* RESPONSE-ORIGIN */
  SimAddr other_address;    /* OTHER-ADDRESS */
  guint sends;              /* transmissions made */
  SimTime sent_at[STUN_MAX_SENDS]; /* time of each transmission */
  SimTime finished;         /* when the outcome was decided */
} StunBindingResult;

typedef struct StunClient StunClient;
typedef void (*StunBindingFn)(void *ctx, const StunBindingResult *result);
/* Any valid STUN message the socket receives that is not a response to a pending transaction
 * (a hairpinned request, a response redirected by RESPONSE-PORT). */
typedef void (*StunUnhandledFn)(void *ctx, const StunMsg *msg, SimAddr from);

/* Open a socket at `local` (port 0: ephemeral) on `host`.  `index` picks the random stream of the
 * transaction ids (SIM_STREAM_STUN + index), so clients never share one by accident. */
StunClient *stun_client_new(SimNode host, SimAddr local, const StunClientParams *params,
                            guint32 index, GError **error);
/* Frees the client; pending transactions end without callbacks.  Not from inside a callback. */
void stun_client_free(StunClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StunClient, stun_client_free)
SimAddr stun_client_local(const StunClient *c);
void stun_client_set_unhandled(StunClient *c, StunUnhandledFn fn, void *ctx);

/* Start a Binding transaction to `server`; returns its id (> 0).  `done` is called once. */
guint stun_client_binding(StunClient *c, SimAddr server, const StunBindingOpts *opts,
                          StunBindingFn done, void *ctx);
/* Stop a pending transaction without calling its callback; FALSE if it was not pending. */
gboolean stun_client_cancel(StunClient *c, guint id);
/* The transaction id of a pending transaction; FALSE if not pending. */
gboolean stun_client_get_tid(const StunClient *c, guint id, guint8 tid[STUN_TID_LEN]);
/* Datagrams dropped because they did not parse as STUN. */
guint64 stun_client_dropped(const StunClient *c);

G_END_DECLS
