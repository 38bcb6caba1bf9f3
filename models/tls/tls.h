/* tls.h — a model of TLS 1.2 at the record layer, over the engine's TCP.
 *
 * A TlsConn speaks real TLS framing (RFC 5246 §6.2: content type, version 0x0303, length, at most
 * 2^14 bytes of plaintext per record) and a full TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 handshake
 * of realistic size in two round trips (RFC 5246 §7.3, Figure 1), so Wireshark dissects the
 * traffic as TLS and a slow uplink feels the certificate chain.  Protected records (Finished,
 * alerts after ChangeCipherSpec, application data) look like AES-GCM records: an 8-byte explicit
 * nonce, the payload XORed with a keystream derived from seeded per-connection values, and a
 * 16-byte integrity tag (HMAC-SHA256, truncated).  Any byte a middlebox changes makes the
 * receiver send a fatal bad_record_mac alert and close, as real TLS does (RFC 5246 §6.2.3.3).
 *
 * With tls.version = 1.3 the client also offers TLS 1.3 and a TLS 1.3 server answers with a
 * TLS 1.3-shaped handshake (RFC 8446 §2 in middlebox compatibility mode: one round trip, every
 * record after ServerHello an opaque application_data record).
 *
 * THIS IS A MODEL, NOT CRYPTOGRAPHY: keys derive from values that travel in the clear; it gives
 * no secrecy at all.  It reproduces what middleboxes see and what endpoints do about it.
 */
#pragma once

#include "config.h"
#include "sim.h"

G_BEGIN_DECLS

#define TLS_MAX_PLAINTEXT 16384 /* 2^14 bytes of plaintext per record (RFC 5246 §6.2.1) */

/* Alert descriptions (RFC 5246 §7.2) that the model sends or understands. */
typedef enum {
  TLS_ALERT_CLOSE_NOTIFY = 0,
  TLS_ALERT_UNEXPECTED_MESSAGE = 10,
  TLS_ALERT_BAD_RECORD_MAC = 20,
  TLS_ALERT_RECORD_OVERFLOW = 22,
  TLS_ALERT_HANDSHAKE_FAILURE = 40,
  TLS_ALERT_ILLEGAL_PARAMETER = 47,
  TLS_ALERT_DECODE_ERROR = 50,
  TLS_ALERT_DECRYPT_ERROR = 51,
  TLS_ALERT_PROTOCOL_VERSION = 70,
  TLS_ALERT_INTERNAL_ERROR = 80,
} TlsAlert;

/* Why a connection ended; given to the closed callback. */
typedef enum {
  TLS_CLOSED_PEER,      /* the peer sent close_notify; we answered with ours and closed TCP */
  TLS_CLOSED_ALERT,     /* the peer sent a fatal alert; `alert` is its description */
  TLS_CLOSED_INTEGRITY, /* a record failed its integrity check: we sent bad_record_mac */
  TLS_CLOSED_PROTOCOL,  /* not TLS, unexpected or malformed: we sent the fatal alert `alert` */
  TLS_CLOSED_TCP,       /* TCP connect failed, reset, or FIN without close_notify (truncation) */
  TLS_CLOSED_TIMEOUT,   /* the handshake did not finish within the handshake timeout */
} TlsCloseReason;

typedef enum {
  TLS_ROLE_CLIENT, /* sends ClientHello */
  TLS_ROLE_SERVER, /* answers with its certificate chain */
} TlsRole;

typedef enum {
  TLS_PROTO_1_2, /* TLS 1.2 only */
  TLS_PROTO_1_3, /* client: offer TLS 1.3 and 1.2; server: take TLS 1.3 when offered */
} TlsProtocol;

typedef struct {
  TlsProtocol protocol;      /* highest version (tls.version) */
  guint cert_chain_bytes;    /* server: bytes of its certificate_list (tls.cert_chain_bytes) */
  SimTime handshake_timeout; /* give up if not established by then; 0: never */
  const char *server_name;   /* client: SNI host name (copied); NULL or an IPv4 literal: none */
  guint32 index;             /* random stream SIM_STREAM_TLS + index (one per conn/listener) */
} TlsParams;

/* Defaults of the key table (tls-keys.c). */
void tls_params_default(TlsParams *p);
/* Fill protocol, cert_chain_bytes and handshake_timeout from the tls.* keys; the rest is left
 * alone. */
void tls_params_from_config(const Config *cfg, TlsParams *p);

typedef struct TlsConn TlsConn;

/* Callbacks; any may be NULL.  established() is called once, when the handshake completes (TRUE)
 * or fails (FALSE, just before closed()).  closed() is called once when the connection ends for
 * any reason other than tls_close()/tls_conn_free(), which give no callbacks. */
typedef struct {
  void (*established)(void *ctx, TlsConn *c, gboolean ok);
  void (*recv)(void *ctx, TlsConn *c, const guint8 *data, gsize len); /* application data */
  void (*closed)(void *ctx, TlsConn *c, TlsCloseReason reason, guint8 alert);
} TlsConnOps;

/* Open TCP to `remote` and run the client handshake; the caller frees with tls_conn_free(). */
TlsConn *tls_client_new(SimNode host, SimAddr local, SimAddr remote, const TlsParams *params,
                        const TlsConnOps *ops, void *ctx, GError **error);
/* Run the server side on an accepted TCP socket (from a sim_tcp_listen() accepted callback).
 * The caller frees with tls_conn_free(). */
TlsConn *tls_server_wrap(SimSock sock, SimAddr peer, const TlsParams *params,
                         const TlsConnOps *ops, void *ctx);

/* A TLS listener: each accepted TCP connection becomes a server TlsConn handed to `accept`, which
 * owns it (tls_conn_free) and sets its callbacks with tls_conn_set_ops(). */
typedef struct TlsServer TlsServer;
typedef void (*TlsAcceptFn)(void *ctx, TlsServer *srv, TlsConn *conn, SimAddr peer);
TlsServer *tls_server_listen(SimNode host, SimAddr local, const TlsParams *params,
                             TlsAcceptFn accept, void *ctx, GError **error);
void tls_server_free(TlsServer *srv); /* stops listening; accepted connections live on */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TlsServer, tls_server_free)

void tls_conn_set_ops(TlsConn *c, const TlsConnOps *ops, void *ctx);
/* Send application data: split into records of at most 2^14 bytes; data sent before the handshake
 * completes waits for it.  Everything is buffered (never a short write).  FALSE once closing. */
gboolean tls_send(TlsConn *c, const guint8 *data, gsize len);
/* close_notify (RFC 5246 §7.2.1), then TCP FIN once everything queued has left.  No callbacks.
 * Application data still waiting for the handshake to finish is dropped. */
void tls_close(TlsConn *c);
/* Free; closes TCP at once if still open.  Safe from inside the connection's own callbacks. */
void tls_conn_free(TlsConn *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TlsConn, tls_conn_free)

typedef struct {
  SimTime started;              /* client: TCP connected; server: connection accepted */
  SimTime established_at;       /* handshake finished; 0 until then */
  guint64 records_sent;         /* TLS records written */
  guint64 records_recv;         /* TLS records read */
  guint64 handshake_bytes_sent; /* record bytes (headers included) up to and incl. Finished */
  guint64 handshake_bytes_recv; /* the same, received */
  guint64 app_bytes_sent;       /* application plaintext handed to tls_send() and sent */
  guint64 app_bytes_recv;       /* application plaintext delivered to recv() */
  guint64 wire_bytes_sent;      /* all record bytes written */
  guint64 wire_bytes_recv;      /* all record bytes read */
  guint cert_chain_bytes;       /* certificate_list bytes sent (server) or received (client) */
  guint16 version;              /* negotiated: 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3); 0 before */
  int alert_sent;               /* description of the last alert sent; -1 none */
  int alert_recv;               /* description of the last alert received; -1 none */
  const char *error;            /* fixed reason string of a failure ("bad record tag"), or NULL */
} TlsStats;

/* DSCP << 2 | ECN on every later segment of the connection. */
gboolean tls_conn_set_tos(TlsConn *c, guint8 tos);
gboolean tls_conn_is_established(const TlsConn *c);
TlsRole tls_conn_role(const TlsConn *c);
SimAddr tls_conn_local(const TlsConn *c);
SimAddr tls_conn_peer(const TlsConn *c);
/* SNI: what the client sent, or what the server received; NULL if none. */
const char *tls_conn_server_name(const TlsConn *c);
const TlsStats *tls_conn_stats(const TlsConn *c);

const char *tls_alert_name(guint8 desc);                /* "bad_record_mac" */
const char *tls_close_reason_name(TlsCloseReason reason); /* "integrity" */

G_END_DECLS
