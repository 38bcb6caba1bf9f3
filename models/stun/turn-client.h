/* turn-client.h — a TURN client (RFC 8656): one allocation over UDP, TCP or TLS.
 *
 * The client allocates a relayed address (answering the server's 401 with its long-term
 * credentials and a 438 with the new nonce), keeps the allocation, its permissions and channels
 * refreshed, sends data to peers as ChannelData when a channel is bound and as Send indications
 * otherwise, and hands data from peers (Data indications, ChannelData) to a callback.  Over UDP
 * requests are retransmitted as a STUN client's are (RFC 8489 §6.2.1, the stun.* keys) and a
 * Binding indication keeps NAT bindings open; over TCP/TLS a request is sent once and fails after
 * Ti = 39.5 s (§6.2.2).
 *
 * Random streams: SIM_STREAM_TURN + 100 + index (transaction ids); over TLS, SIM_STREAM_TLS + 400
 * + index.
 */
#pragma once

#include "config.h"
#include "sim.h"
#include "stun-client.h"
#include "tls/tls.h"
#include "turn.h"

G_BEGIN_DECLS

typedef struct TurnClient TurnClient;

typedef struct {
  TurnTransport transport;    /* how to reach the server */
  SimAddr server;             /* the server's transport address */
  SimAddr local;              /* local address; port 0: ephemeral */
  const char *username;       /* long-term credential (copied) */
  const char *password;       /* its password (copied) */
  guint lifetime_s;           /* LIFETIME asked for in Allocate and Refresh; 0: none */
  guint refresh_margin_s;     /* refresh this long before the allocation expires (60) */
  guint permission_refresh_s; /* CreatePermission refresh interval (240) */
  guint channel_refresh_s;    /* ChannelBind refresh interval (540) */
  guint keepalive_s;          /* UDP: Binding indication interval; 0: none (15) */
  StunClientParams stun;      /* retransmission parameters (stun.*) */
  TlsParams tls;              /* TLS parameters (index is set by the client) */
  guint32 index;              /* client index: random streams */
} TurnClientSetup;

void turn_client_setup_default(TurnClientSetup *s);
/* The turn.*, stun.* and tls.* keys; server and local addresses are left alone.  The strings
 * point into cfg, which must outlive turn_client_new(). */
void turn_client_setup_from_config(const Config *cfg, TurnClientSetup *s);

typedef enum {
  TURN_CLIENT_IDLE,       /* nothing asked yet */
  TURN_CLIENT_ALLOCATING, /* Allocate in progress */
  TURN_CLIENT_ALLOCATED,  /* the relayed address is usable */
  TURN_CLIENT_FAILED,     /* the allocation failed or was lost */
} TurnClientState;

typedef struct {
  /* The allocation succeeded. */
  void (*allocated)(void *ctx, TurnClient *c, SimAddr relayed, SimAddr mapped, guint lifetime_s);
  /* The allocation failed or was lost (a Refresh failed, the connection closed): code is the
   * final error response (401 for wrong credentials, 437, 486, 508...) or 0 for no response. */
  void (*failed)(void *ctx, TurnClient *c, guint code, const char *reason);
  /* Data from a peer. */
  void (*data)(void *ctx, TurnClient *c, SimAddr peer, const guint8 *data, gsize len);
  /* A CreatePermission or ChannelBind (method) failed; code 0 for no response. */
  void (*error)(void *ctx, TurnClient *c, guint16 method, guint code);
} TurnClientOps;

typedef struct {
  guint64 requests;          /* transactions started (each retry after 401/438 is one more) */
  guint64 transmissions;     /* requests sent, retransmissions included */
  guint64 retransmissions;   /* UDP retransmissions */
  guint64 timeouts;          /* transactions without a response */
  guint64 challenges;        /* 401 answered by retrying with credentials */
  guint64 stale_nonces;      /* 438 answered by retrying with the new nonce */
  guint64 refreshes;         /* successful Refreshes */
  guint64 permissions;       /* successful CreatePermissions */
  guint64 channel_binds;     /* successful ChannelBinds */
  guint64 keepalives;        /* Binding indications sent */
  guint64 sent_packets;      /* data messages sent to peers */
  guint64 sent_bytes;        /* their data bytes */
  guint64 send_indications;  /* ... as Send indications */
  guint64 channel_data_sent; /* ... as ChannelData */
  guint64 recv_packets;      /* data messages from peers */
  guint64 recv_bytes;        /* their data bytes */
  guint64 data_indications;  /* ... as Data indications */
  guint64 channel_data_recv; /* ... as ChannelData */
  guint64 dropped;           /* messages not parsed, failing integrity, or on unknown channels */
  guint last_error;          /* code of the last error response received; 0: none */
} TurnClientStats;

TurnClient *turn_client_new(SimNode host, const TurnClientSetup *setup, const TurnClientOps *ops,
                            void *ctx, GError **error);
/* Deallocates (a Refresh with LIFETIME 0, sent once) if allocated, then closes.  No callbacks;
 * not from inside one of this client's callbacks. */
void turn_client_free(TurnClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TurnClient, turn_client_free)

/* Start the Allocate transaction; FALSE unless idle. */
gboolean turn_client_allocate(TurnClient *c);
/* Install a permission for a peer IP and keep refreshing it; FALSE unless allocated. */
gboolean turn_client_permit(TurnClient *c, guint32 peer_ip);
/* Bind the next free channel number to a peer (which also installs its permission) and keep
 * refreshing both, the channel every channel_refresh_s and the permission every
 * permission_refresh_s; returns the channel number, 0 unless allocated.  Data goes as Send
 * indications until the server confirms the binding. */
guint16 turn_client_bind(TurnClient *c, SimAddr peer);
/* Send data to a peer through the relay; FALSE unless allocated. */
gboolean turn_client_send(TurnClient *c, SimAddr peer, const guint8 *data, gsize len);

TurnClientState turn_client_state(const TurnClient *c);
SimAddr turn_client_local(const TurnClient *c);   /* the client's own transport address */
SimAddr turn_client_relayed(const TurnClient *c); /* XOR-RELAYED-ADDRESS; 0 before */
SimAddr turn_client_mapped(const TurnClient *c);  /* XOR-MAPPED-ADDRESS; 0 before */
/* The channel bound and confirmed for a peer; 0 if none. */
guint16 turn_client_channel(const TurnClient *c, SimAddr peer);
const TurnClientStats *turn_client_stats(const TurnClient *c);

G_END_DECLS
