/* turn-client-private.h — internals shared by the TURN client's files: turn-client.c (setup,
 * transports, reception, public API) and turn-client-txn.c (transactions, credentials, refresh
 * timers). */
#pragma once

#include "stun-private.h"
#include "tls/stream.h"
#include "turn-client.h"

G_BEGIN_DECLS

typedef enum {
  OP_ALLOCATE,   /* Allocate */
  OP_REFRESH,    /* Refresh keeping the allocation */
  OP_PERMISSION, /* CreatePermission */
  OP_CHANNEL,    /* ChannelBind */
} OpKind;

/* A pending transaction.  Every way out of the table goes through turn_cl_txn_free(), which cancels the
 * timer first, so a timer never sees a freed Txn. */
typedef struct {
  TurnClient *client;       /* owner */
  OpKind op;                /* what it does */
  guint8 tid[STUN_TID_LEN]; /* transaction id */
  GBytes *request;          /* the bytes, resent unchanged */
  guint sends;              /* transmissions so far */
  SimTime rto;              /* wait after the next transmission */
  SimEvent timer;           /* retransmission or timeout */
  gboolean authed;          /* carried MESSAGE-INTEGRITY */
  guint retries;            /* 401/438 retries so far */
  guint32 peer_ip;          /* OP_PERMISSION: the peer */
  guint16 channel;          /* OP_CHANNEL: the number */
  SimAddr peer;             /* OP_CHANNEL: the peer */
} Txn;

typedef struct {
  TurnClient *client; /* owner */
  guint32 ip;         /* peer IP */
  SimEvent timer;     /* next refresh */
} CPerm;

typedef struct {
  TurnClient *client; /* owner */
  guint16 number;     /* channel number */
  SimAddr peer;       /* peer transport address */
  gboolean bound;     /* the server confirmed the binding */
  SimEvent timer;     /* next refresh */
} CChan;

struct TurnClient {
  SimNode host;           /* host node */
  TurnClientSetup setup;  /* parameters; strings point to the copies below */
  char *username;         /* owned copy */
  char *password;         /* owned copy */
  TurnClientOps ops;      /* callbacks */
  void *ctx;              /* their context */
  GRand *rand;            /* transaction ids */
  SimSock udp;            /* UDP socket, -1 unless UDP */
  TcpStream *tcp;         /* TCP stream, NULL unless TCP */
  TlsConn *tls;           /* TLS connection, NULL unless TLS */
  GByteArray *rx;         /* stream bytes not yet framed */
  SimAddr local;          /* own transport address */
  TurnClientState state;  /* allocation state */
  char *realm;            /* REALM from the server; NULL before the first 401 */
  char *nonce;            /* current NONCE */
  guint8 key[16];         /* long-term key, once realm is known */
  SimAddr relayed;        /* XOR-RELAYED-ADDRESS */
  SimAddr mapped;         /* XOR-MAPPED-ADDRESS */
  guint lifetime_s;       /* lifetime granted last */
  SimEvent refresh_timer; /* next allocation Refresh */
  SimEvent keepalive_timer; /* next Binding indication */
  GPtrArray *txns;        /* Txn*, owned */
  GPtrArray *perms;       /* CPerm*, owned */
  GPtrArray *chans;       /* CChan*, owned */
  guint16 next_channel;   /* next channel number to bind */
  TurnClientStats stats;  /* counters */
};


/* turn-client.c */
void turn_cl_send_raw(TurnClient *c, const guint8 *data, gsize len);
void turn_cl_new_tid(TurnClient *c, guint8 tid[STUN_TID_LEN]);
/* USERNAME, REALM, NONCE, MESSAGE-INTEGRITY (once the realm is known) and FINGERPRINT; TRUE if
 * the request carries credentials. */
gboolean turn_cl_finish_request(TurnClient *c, StunBuilder *b);

/* turn-client-txn.c */
void turn_cl_txn_free(gpointer p);
void turn_cl_perm_free(gpointer p);
void turn_cl_chan_free(gpointer p);
CPerm *turn_cl_perm_find(TurnClient *c, guint32 ip);
CChan *turn_cl_chan_find(const TurnClient *c, guint16 number);
void turn_cl_start_allocate(TurnClient *c);
void turn_cl_start_permission(TurnClient *c, guint32 ip);
void turn_cl_start_channel(TurnClient *c, const CChan *ch);
/* A response (success or error) arrived. */
void turn_cl_handle_response(TurnClient *c, const StunMsg *msg);
/* The allocation failed or is gone: stop everything and call failed() once. */
void turn_cl_lost(TurnClient *c, guint code, const char *reason);

G_END_DECLS
