/* turn-server-private.h — internals shared by the TURN server's files: turn-server.c (listeners,
 * connections, framing, authentication, dispatch) and turn-alloc.c (allocations, permissions,
 * channels, relaying). */
#pragma once

#include "stun-private.h"
#include "tls/stream.h"
#include "turn-server.h"

G_BEGIN_DECLS

/* The 5-tuple that names an allocation (RFC 8656 §2.2): the client's transport address as the
 * server sees it, the server's transport address, and the transport. */
typedef struct {
  TurnTransport transport; /* UDP, TCP or TLS */
  SimAddr client;          /* client transport address (after any NAT) */
  SimAddr server;          /* server transport address */
} TurnTuple;

typedef struct SConn SConn;

/* Where a message came from, and so where answers go. */
typedef struct {
  TurnTuple tuple; /* the 5-tuple */
  SConn *conn;     /* the TCP/TLS connection; NULL over UDP */
} TurnOrigin;

/* A client connection over TCP or TLS.  Invariant: exactly one of tcp/tls is set until the
 * connection dies; a dead connection is freed once no callback of it is running. */
struct SConn {
  TurnServer *server;      /* owner */
  guint id;                /* connection id, > 0 */
  TurnTransport transport; /* TURN_TRANSPORT_TCP or TURN_TRANSPORT_TLS */
  TcpStream *tcp;          /* TCP stream */
  TlsConn *tls;            /* TLS connection */
  TurnOrigin origin;       /* its 5-tuple */
  GByteArray *rx;          /* received bytes not yet framed */
  gboolean dead;           /* closed */
  guint busy;              /* nesting depth of its callbacks */
};

typedef struct {
  guint32 ip;      /* peer IP address (the port is not part of a permission, §9) */
  SimTime expires; /* end of the permission */
} Perm;

typedef struct {
  guint16 number;  /* channel number */
  SimAddr peer;    /* peer transport address */
  SimTime expires; /* end of the binding; kept 5 more minutes to block rebinding (§12) */
} Chan;

/* One allocation.  It is in both server->allocs (creation order) and server->by_tuple. */
typedef struct {
  TurnServer *server;  /* owner */
  guint id;            /* allocation id, > 0, for traces */
  TurnOrigin origin;   /* the 5-tuple and connection */
  char *username;      /* who created it (441 for anyone else) */
  guint8 key[16];      /* its long-term key: responses are integrity-protected with it */
  guint8 tid[STUN_TID_LEN]; /* the Allocate transaction: a retransmission gets success again */
  guint64 token;       /* RESERVATION-TOKEN given with it; 0: none */
  SimAddr relay;       /* relayed transport address */
  SimSock sock;        /* relayed UDP socket */
  SimTime expires;     /* end of the allocation */
  SimEvent timer;      /* expiry timer */
  GArray *perms;       /* Perm, by creation */
  GArray *chans;       /* Chan, by creation */
} Alloc;

/* A relayed port kept for a later Allocate with RESERVATION-TOKEN (RFC 8656 §7.2 EVEN-PORT R). */
typedef struct {
  guint64 token;   /* the token */
  SimSock sock;    /* the socket holding the port */
  SimAddr addr;    /* its address */
  SimTime expires; /* when the reservation lapses (30 s after it was made) */
} Resv;

struct TurnServer {
  SimNode host;          /* the host */
  TurnServerSetup setup; /* parameters; the strings point to the copies below */
  char *realm;           /* owned copies */
  char *username;        /* ... */
  char *password;        /* ... */
  char *software;        /* ... (may be NULL) */
  GHashTable *users;     /* username -> its 16-byte long-term key (both owned) */
  guint8 secret[16];     /* nonce HMAC secret (from the random stream) */
  GRand *rand;           /* SIM_STREAM_TURN + index */
  SimSock udp;           /* UDP listener, -1 if none */
  SimSock tcp_lsn;       /* TCP listener, -1 if none */
  TlsServer *tls_lsn;    /* TLS listener, NULL if none */
  GPtrArray *conns;      /* SConn*, owned, by creation */
  GPtrArray *allocs;     /* Alloc*, owned, by creation */
  GHashTable *by_tuple;  /* TurnTuple* (inside the Alloc) -> Alloc* */
  GArray *resvs;         /* Resv */
  guint next_conn;       /* next connection id */
  guint next_alloc;      /* next allocation id */
  TurnServerStats stats; /* counters */
};

/* turn-server.c */
void turn_srv_send(TurnServer *s, const TurnOrigin *o, const guint8 *data, gsize len);
/* Finish a response (SOFTWARE, MESSAGE-INTEGRITY with key if not NULL, FINGERPRINT) and send it;
 * `what` completes the trace row. */
void turn_srv_respond(TurnServer *s, const TurnOrigin *o, StunBuilder *b, const guint8 *key,
                      const char *what);
/* An error response, integrity-protected with key if not NULL. */
void turn_srv_error(TurnServer *s, const TurnOrigin *o, const StunMsg *req, guint code,
                    const guint8 *key);
void turn_srv_drop(TurnServer *s, guint64 *counter, const char *reason, const TurnOrigin *o);
char *turn_fmt_origin(const TurnOrigin *o, char buf[64]);

/* turn-alloc.c */
Alloc *turn_alloc_find(TurnServer *s, const TurnTuple *t);
void turn_alloc_free(gpointer p);
/* Delete (and trace why). */
void turn_alloc_delete(Alloc *a, const char *why);
/* Authenticated requests; `username` and `key` are the request's. */
void turn_handle_allocate(TurnServer *s, const TurnOrigin *o, const StunMsg *req,
                          const char *username, const guint8 key[16]);
void turn_handle_refresh(TurnServer *s, Alloc *a, const TurnOrigin *o, const StunMsg *req);
void turn_handle_permission(TurnServer *s, Alloc *a, const TurnOrigin *o, const StunMsg *req);
void turn_handle_channel_bind(TurnServer *s, Alloc *a, const TurnOrigin *o, const StunMsg *req);
/* Data from the client: a Send indication, or a ChannelData message. */
void turn_handle_send(TurnServer *s, const TurnOrigin *o, const StunMsg *ind);
void turn_handle_channel_data(TurnServer *s, const TurnOrigin *o, const guint8 *data, gsize len);
void turn_resv_free_all(TurnServer *s);

G_END_DECLS
