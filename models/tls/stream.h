/* stream.h — a buffered TCP byte stream over a sim TCP socket, for stream transports (SIP over
 * TCP, and the TLS record layer that SIP over TLS and TURN over TLS use).
 *
 * sim_tcp_send() accepts only what fits in the socket's send buffer (128 KiB, like Linux's
 * default); a TcpStream accepts every byte, keeps what TCP did not take, and hands it over as the
 * writable callback reports room, in order.  tcp_stream_close() is a graceful close: the FIN leaves
 * after every buffered byte, as close() on a Linux socket with SO_LINGER off does.
 */
#pragma once

#include "sim.h"

G_BEGIN_DECLS

typedef struct TcpStream TcpStream;

/* Callbacks; any may be NULL.  None is called after tcp_stream_close() or tcp_stream_free(). */
typedef struct {
  void (*connected)(void *ctx, TcpStream *s, gboolean ok);                    /* connect done */
  void (*recv)(void *ctx, TcpStream *s, const guint8 *data, gsize len);       /* next bytes */
  void (*closed)(void *ctx, TcpStream *s, gboolean error);                    /* FIN or RST */
} TcpStreamOps;

/* Open a TCP connection from `local` (port 0: ephemeral) to `remote`. */
TcpStream *tcp_stream_connect(SimNode host, SimAddr local, SimAddr remote, const TcpStreamOps *ops,
                              void *ctx, GError **error);
/* Take over an accepted (connected) socket from a listener's accepted callback. */
TcpStream *tcp_stream_wrap(SimSock sock, SimAddr peer, const TcpStreamOps *ops, void *ctx);
/* Change the callbacks (for a stream that another layer hands on). */
void tcp_stream_set_ops(TcpStream *s, const TcpStreamOps *ops, void *ctx);

/* Queue bytes; everything is accepted (what TCP does not take now is buffered).  FALSE if the
 * stream is closing or closed, in which case nothing is queued. */
gboolean tcp_stream_send(TcpStream *s, const guint8 *data, gsize len);
/* Bytes accepted by tcp_stream_send() but not yet handed to TCP. */
gsize tcp_stream_pending(const TcpStream *s);
/* Graceful close: FIN after the buffered bytes; no callbacks from now on. */
void tcp_stream_close(TcpStream *s);
/* Free the stream (closing the socket at once if still open, discarding buffered bytes).  Safe
 * from inside the stream's own callbacks: the memory goes when the callback returns. */
void tcp_stream_free(TcpStream *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TcpStream, tcp_stream_free)

/* DSCP << 2 | ECN on every later segment (SIP signalling is often marked CS3 or AF31). */
gboolean tcp_stream_set_tos(TcpStream *s, guint8 tos);
gboolean tcp_stream_is_open(const TcpStream *s); /* connected (or connecting) and not closed */
gboolean tcp_stream_is_connected(const TcpStream *s);
SimSock tcp_stream_sock(const TcpStream *s);
SimAddr tcp_stream_local(const TcpStream *s);
SimAddr tcp_stream_peer(const TcpStream *s);

G_END_DECLS
