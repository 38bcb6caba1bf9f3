/* turn-server.h — a TURN server (RFC 8656) over UDP, TCP and TLS with UDP relaying.
 *
 * The server listens on one address (UDP and TCP on 3478, TLS on 5349 by default) and relays
 * over UDP sockets on `relay_addr` (the STUN/TURN host's second address in the default topology,
 * 198.51.100.11, so that relayed traffic is told apart from signalling).  Clients authenticate
 * with long-term credentials in one realm: turn.username / turn.password, and any added with
 * turn_server_add_user().  It also answers
 * STUN Binding requests, as RFC 8656 §3 expects of a TURN server.
 *
 * Random streams: SIM_STREAM_TURN + index (0..99) for nonces, relay ports and reservation tokens;
 * the TLS listener uses SIM_STREAM_TLS + 300 + index.
 */
#pragma once

#include "config.h"
#include "sim.h"
#include "tls/tls.h"
#include "turn.h"

G_BEGIN_DECLS

typedef struct TurnServer TurnServer;

typedef struct {
  guint32 addr;               /* listening address (host byte order) */
  guint16 udp_port;           /* UDP listener, 0: none */
  guint16 tcp_port;           /* TCP listener, 0: none */
  guint16 tls_port;           /* TLS listener, 0: none */
  guint32 relay_addr;         /* address of the relayed sockets (on the same host) */
  guint16 relay_port_min;     /* relayed ports are drawn in [min, max] */
  guint16 relay_port_max;     /* highest relayed port */
  const char *realm;          /* REALM (copied) */
  const char *username;       /* the one USERNAME accepted (copied) */
  const char *password;       /* its password (copied) */
  const char *software;       /* SOFTWARE in responses; NULL: none (copied) */
  guint default_lifetime_s;   /* allocation default and least lifetime (600) */
  guint max_lifetime_s;       /* allocation maximum lifetime (3600) */
  guint permission_lifetime_s; /* permission lifetime (300) */
  guint channel_lifetime_s;   /* channel binding lifetime (600) */
  guint nonce_lifetime_s;     /* nonce validity (600) */
  guint user_quota;           /* allocations per username (10) */
  guint max_allocations;      /* allocations in all (1000) */
  TlsParams tls;              /* TLS listener parameters (index is set by the server) */
  guint32 index;              /* server index 0..99: random streams */
} TurnServerSetup;

/* RFC 8656 defaults, no addresses. */
void turn_server_setup_default(TurnServerSetup *s);
/* The turn.* and tls.* keys; addresses are left alone (the caller takes them from the topology).
 * The strings point into cfg, which must outlive the call to turn_server_new(). */
void turn_server_setup_from_config(const Config *cfg, TurnServerSetup *s);

/* Counters.  "Data" bytes are application payload bytes, without STUN/ChannelData headers. */
typedef struct {
  guint64 requests;              /* well-formed requests received (all methods) */
  guint64 allocations;           /* allocations created */
  guint64 allocations_expired;   /* allocations that timed out without a refresh */
  guint64 allocations_deleted;   /* deleted by Refresh with LIFETIME 0 or a closed connection */
  guint64 refreshes;             /* successful Refresh requests with a non-zero lifetime */
  guint64 permissions;           /* permissions installed or refreshed (per peer address) */
  guint64 channel_binds;         /* successful ChannelBind requests */
  guint64 challenges;            /* 401 to requests without MESSAGE-INTEGRITY */
  guint64 auth_failures;         /* 401 for a bad username or integrity, and 441 */
  guint64 stale_nonces;          /* 438 sent */
  guint64 errors;                /* error responses sent, all codes */
  guint64 mismatches;            /* 437 sent */
  guint64 quota_rejects;         /* 486 sent */
  guint64 capacity_rejects;      /* 508 sent */
  guint64 to_peer_packets;       /* datagrams relayed client -> peer */
  guint64 to_peer_bytes;         /* their data bytes */
  guint64 from_peer_packets;     /* datagrams relayed peer -> client */
  guint64 from_peer_bytes;       /* their data bytes */
  guint64 send_indications;      /* Send indications received and relayed */
  guint64 data_indications;      /* Data indications sent */
  guint64 channel_data_in;       /* ChannelData from clients, relayed */
  guint64 channel_data_out;      /* ChannelData sent to clients */
  guint64 dropped_peer_no_permission; /* peer datagrams dropped: no permission for the source */
  guint64 dropped_send_no_permission; /* client data dropped: no permission for the destination */
  guint64 dropped_no_allocation; /* indications or ChannelData on a 5-tuple without allocation */
  guint64 dropped_no_channel;    /* ChannelData on an unbound channel */
  guint64 dropped_malformed;     /* messages that did not parse (or could not be framed) */
  guint64 active;                /* allocations now */
  guint64 peak;                  /* most allocations at once */
  const char *last_drop_reason;  /* fixed reason string of the last drop, or NULL */
} TurnServerStats;

TurnServer *turn_server_new(SimNode host, const TurnServerSetup *setup, GError **error);
/* Frees every allocation and connection (no trace rows, no messages). */
void turn_server_free(TurnServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TurnServer, turn_server_free)
/* Accept another long-term credential in the server's realm (or replace its password). */
void turn_server_add_user(TurnServer *s, const char *username, const char *password);
const TurnServerStats *turn_server_stats(const TurnServer *s);
/* The relayed transport addresses of the live allocations, in creation order (caller frees). */
GArray *turn_server_relays(const TurnServer *s);

G_END_DECLS
