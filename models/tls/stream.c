/* stream.c — a buffered TCP byte stream over a sim TCP socket.
 *
 * The engine's sim_tcp_send() takes at most the free space of the socket's send buffer and
 * reports more room through the writable callback; a TcpStream keeps the rest in its own FIFO and
 * feeds it in order, so a caller never sees a short write (the behaviour of a blocking write() on
 * a Linux socket, without blocking the simulation).  Bytes queued while the connection is still
 * being set up leave when it completes.  A graceful close waits until the FIFO is empty and then
 * closes the socket, so the FIN follows the last byte (tcp_close() in net/ipv4/tcp.c sends the FIN
 * after the queued data).
 *
 * Freeing from inside a callback is allowed: every entry from the engine counts itself in `busy`,
 * and the memory is released only when the outermost entry returns (libuv's close_cb rule).
 */
#include "stream.h"

typedef enum {
  TS_CONNECTING, /* SYN sent, waiting for the engine's connected callback */
  TS_OPEN,       /* connected: bytes flow both ways */
  TS_CLOSING,    /* closed by us: flushing the FIFO, then the socket is closed */
  TS_DONE,       /* socket closed (by us or by the peer) or the connect failed */
} TsState;

struct TcpStream {
  SimSock sock;      /* the engine socket; -1 once closed */
  SimAddr local;     /* local address and port */
  SimAddr peer;      /* remote address and port */
  TsState state;     /* see TsState */
  GByteArray *out;   /* bytes not yet accepted by TCP, from out_off on */
  gsize out_off;     /* bytes of `out` already handed to TCP */
  TcpStreamOps ops;  /* owner's callbacks */
  void *ctx;         /* their context */
  guint busy;        /* engine callbacks currently running on this stream */
  gboolean freed;    /* tcp_stream_free() was called while busy */
};

static void stream_sock_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from);
static void stream_sock_connected(void *ctx, SimSock sock, gboolean ok);
static void stream_sock_closed(void *ctx, SimSock sock, gboolean error);
static void stream_sock_writable(void *ctx, SimSock sock, gsize space);

static const SimSockOps stream_sock_ops = {
  .recv = stream_sock_recv,
  .connected = stream_sock_connected,
  .closed = stream_sock_closed,
  .writable = stream_sock_writable,
};

static TcpStream *
stream_alloc(const TcpStreamOps *ops, void *ctx)
{
  TcpStream *s = g_new0(TcpStream, 1);
  s->sock = -1;
  s->out = g_byte_array_new();
  s->ops = ops ? *ops : (TcpStreamOps){0};
  s->ctx = ctx;
  return s;
}

static void
stream_release(TcpStream *s)
{
  if (s->sock >= 0)
    sim_sock_close(s->sock);
  g_byte_array_unref(s->out);
  g_free(s);
}

static void
enter(TcpStream *s)
{
  s->busy++;
}

/* Returns TRUE if the stream is gone, so the caller must not touch it again. */
static gboolean
leave(TcpStream *s)
{
  s->busy--;
  if (s->freed && s->busy == 0) {
    stream_release(s);
    return TRUE;
  }
  return FALSE;
}

/* The socket is finished: no more engine callbacks, nothing more to send. */
static void
stream_shut(TcpStream *s)
{
  if (s->sock >= 0)
    sim_sock_close(s->sock);
  s->sock = -1;
  s->state = TS_DONE;
  g_byte_array_set_size(s->out, 0);
  s->out_off = 0;
}

/* Hand as much of the FIFO to TCP as it takes; close the socket once a closing stream is empty. */
static void
stream_flush(TcpStream *s)
{
  if (s->state != TS_OPEN && s->state != TS_CLOSING)
    return;
  while (s->out_off < s->out->len) {
    gsize n = sim_tcp_send(s->sock, s->out->data + s->out_off, s->out->len - s->out_off);
    if (n == 0)
      break; /* the engine calls writable when the send buffer has room */
    s->out_off += n;
  }
  if (s->out_off == s->out->len) {
    g_byte_array_set_size(s->out, 0);
    s->out_off = 0;
  } else if (s->out_off > 65536 && s->out_off > s->out->len / 2) {
    g_byte_array_remove_range(s->out, 0, (guint)s->out_off);
    s->out_off = 0;
  }
  if (s->state == TS_CLOSING && s->out->len == 0)
    stream_shut(s);
}

/* ---- Engine callbacks --------------------------------------------------------------------------- */

static void
stream_sock_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  TcpStream *s = ctx;
  if (s->state != TS_OPEN || s->freed)
    return; /* a closing stream discards what still arrives */
  enter(s);
  if (s->ops.recv)
    s->ops.recv(s->ctx, s, data, len);
  leave(s);
}

static void
stream_sock_connected(void *ctx, SimSock sock, gboolean ok)
{
  TcpStream *s = ctx;
  if (s->state != TS_CONNECTING && s->state != TS_CLOSING)
    return;
  enter(s);
  if (!ok) {
    gboolean notify = s->state == TS_CONNECTING && !s->freed;
    stream_shut(s);
    if (notify && s->ops.connected)
      s->ops.connected(s->ctx, s, FALSE);
  } else if (s->state == TS_CLOSING) {
    stream_flush(s); /* closed before the connection was up: send what was queued, then FIN */
  } else {
    s->state = TS_OPEN;
    s->local = sim_sock_local(sock);
    stream_flush(s);
    if (!s->freed && s->ops.connected)
      s->ops.connected(s->ctx, s, TRUE);
  }
  leave(s);
}

static void
stream_sock_closed(void *ctx, SimSock sock, gboolean error)
{
  TcpStream *s = ctx;
  if (s->state == TS_DONE)
    return;
  enter(s);
  gboolean notify = s->state == TS_OPEN && !s->freed;
  /* After the peer's FIN it sends no more but may still read (half-close, RFC 9293 §3.6): the
   * socket stays writable until our owner closes it.  A reset ends everything at once. */
  if (error || s->state != TS_OPEN)
    stream_shut(s);
  if (notify && s->ops.closed)
    s->ops.closed(s->ctx, s, error);
  leave(s);
}

static void
stream_sock_writable(void *ctx, SimSock sock, gsize space)
{
  TcpStream *s = ctx;
  enter(s);
  stream_flush(s);
  leave(s);
}

/* ---- Public API -------------------------------------------------------------------------------- */

TcpStream *
tcp_stream_connect(SimNode host, SimAddr local, SimAddr remote, const TcpStreamOps *ops, void *ctx,
                   GError **error)
{
  TcpStream *s = stream_alloc(ops, ctx);
  s->sock = sim_tcp_connect(host, local, remote, &stream_sock_ops, s, error);
  if (s->sock < 0) {
    stream_release(s);
    return NULL;
  }
  s->local = sim_sock_local(s->sock);
  s->peer = remote;
  s->state = TS_CONNECTING;
  return s;
}

TcpStream *
tcp_stream_wrap(SimSock sock, SimAddr peer, const TcpStreamOps *ops, void *ctx)
{
  g_return_val_if_fail(sock >= 0, NULL);
  TcpStream *s = stream_alloc(ops, ctx);
  s->sock = sock;
  s->local = sim_sock_local(sock);
  s->peer = peer;
  s->state = TS_OPEN;
  sim_sock_set_ops(sock, &stream_sock_ops, s);
  return s;
}

void
tcp_stream_set_ops(TcpStream *s, const TcpStreamOps *ops, void *ctx)
{
  g_return_if_fail(s != NULL);
  s->ops = ops ? *ops : (TcpStreamOps){0};
  s->ctx = ctx;
}

gboolean
tcp_stream_send(TcpStream *s, const guint8 *data, gsize len)
{
  g_return_val_if_fail(s != NULL, FALSE);
  if (s->state != TS_OPEN && s->state != TS_CONNECTING)
    return FALSE;
  if (len == 0)
    return TRUE;
  g_return_val_if_fail(data != NULL, FALSE);
  g_byte_array_append(s->out, data, (guint)len);
  enter(s);
  stream_flush(s);
  leave(s);
  return TRUE;
}

gsize
tcp_stream_pending(const TcpStream *s)
{
  g_return_val_if_fail(s != NULL, 0);
  return s->out->len - s->out_off;
}

void
tcp_stream_close(TcpStream *s)
{
  g_return_if_fail(s != NULL);
  if (s->state == TS_DONE || s->state == TS_CLOSING)
    return;
  gboolean connecting = s->state == TS_CONNECTING;
  s->state = TS_CLOSING;
  if (connecting && s->out->len == 0)
    stream_shut(s); /* nothing to say: abandon the connection attempt */
  else if (!connecting) {
    enter(s);
    stream_flush(s);
    leave(s);
  }
}

void
tcp_stream_free(TcpStream *s)
{
  if (s == NULL)
    return;
  if (s->freed)
    return;
  s->freed = TRUE;
  if (s->sock >= 0)
    sim_sock_close(s->sock);
  s->sock = -1;
  s->state = TS_DONE;
  if (s->busy == 0)
    stream_release(s);
}

gboolean
tcp_stream_set_tos(TcpStream *s, guint8 tos)
{
  g_return_val_if_fail(s != NULL, FALSE);
  return s->sock >= 0 && sim_sock_set_tos(s->sock, tos);
}

gboolean
tcp_stream_is_open(const TcpStream *s)
{
  return s != NULL && (s->state == TS_OPEN || s->state == TS_CONNECTING);
}

gboolean
tcp_stream_is_connected(const TcpStream *s)
{
  return s != NULL && s->state == TS_OPEN;
}

SimSock
tcp_stream_sock(const TcpStream *s)
{
  return s ? s->sock : -1;
}

SimAddr
tcp_stream_local(const TcpStream *s)
{
  return s ? s->local : (SimAddr){0, 0};
}

SimAddr
tcp_stream_peer(const TcpStream *s)
{
  return s ? s->peer : (SimAddr){0, 0};
}
