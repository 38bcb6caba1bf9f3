/* tls-handshake.c — the full handshake state machines of TLS 1.2 (RFC 5246 §7.3, §7.4) and, when
 * tls.version = 1.3, of a TLS 1.3-shaped handshake (RFC 8446 §2, in middlebox compatibility mode).
 *
 * Client: ClientHello; then ServerHello, Certificate, ServerKeyExchange, ServerHelloDone are
 * expected in this order; the client answers ClientKeyExchange, ChangeCipherSpec and a protected
 * Finished, and is established when the server's ChangeCipherSpec and Finished arrive.  Server:
 * answers a ClientHello with its whole flight in one record run, and is established when the
 * client's Finished verifies.  Any message out of order gets unexpected_message; a Finished that
 * does not match the receiver's own transcript gets decrypt_error (RFC 5246 §7.2.2, §7.4.9).
 * TLS 1.3: the server answers ServerHello, ChangeCipherSpec and protected EncryptedExtensions,
 * Certificate, CertificateVerify, Finished; the client is established one round trip after its
 * ClientHello, when it sends ChangeCipherSpec and Finished.  A client offering TLS 1.3 still
 * offers TLS 1.2, so a TLS 1.2 server gets the TLS 1.2 handshake (RFC 8446 §4.1.1).
 */
#include <string.h>

#include "tls-private.h"

/* Handshake messages: feed the transcript, trace each, send them as one run of records. */
void
tls_flight_write(TlsConn *c, GByteArray *msgs, guint16 version)
{
  for (guint off = 0; off + 4 <= msgs->len;) {
    guint mlen = (guint)msgs->data[off + 1] << 16 | (guint)msgs->data[off + 2] << 8 |
                 msgs->data[off + 3];
    sim_trace("tls", "%s tx %s len=%u", c->label, tls_handshake_name(msgs->data[off]), mlen);
    off += 4 + mlen;
  }
  g_checksum_update(c->transcript, msgs->data, msgs->len);
  tls_records_write(c, TLS_CT_HANDSHAKE, version, msgs->data, msgs->len);
}

static void
transcript_hash(TlsConn *c, guint8 out[32])
{
  GChecksum *copy = g_checksum_copy(c->transcript);
  gsize n = 32;
  g_checksum_get_digest(copy, out, &n);
  g_checksum_free(copy);
}

static void
write_finished(TlsConn *c)
{
  guint8 hash[32], verify[32];
  transcript_hash(c, hash);
  tls_finished_verify(&c->keys, c->role == TLS_ROLE_CLIENT, hash, verify);
  g_autoptr(GByteArray) msg = g_byte_array_new();
  tls_msg_finished(msg, verify, c->tls13 ? TLS_VERIFY_LEN13 : TLS_VERIFY_LEN);
  tls_flight_write(c, msg, TLS_VERSION_1_2);
}

/* ---- Handshake ---------------------------------------------------------------------------------- */

static void
random_fill(GRand *rand, guint8 *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    p[i] = (guint8)g_rand_int_range(rand, 0, 256);
}

void
tls_handshake_start(TlsConn *c)
{
  guint8 session_id[32];
  random_fill(c->rand, c->client_random, TLS_RANDOM_LEN);
  random_fill(c->rand, session_id, sizeof session_id);
  random_fill(c->rand, c->my_share, TLS_SHARE_LEN);
  g_autoptr(GByteArray) msg = g_byte_array_new();
  gboolean offer13 = c->params.protocol == TLS_PROTO_1_3;
  tls_msg_client_hello(msg, c->client_random, session_id, c->server_name,
                       offer13 ? c->my_share : NULL);
  /* A first ClientHello travels in a record marked TLS 1.0 (RFC 5246 App. E.1; OpenSSL). */
  sim_trace("tls", "%s client_random=%02x%02x%02x%02x...", c->label, c->client_random[0],
            c->client_random[1], c->client_random[2], c->client_random[3]);
  tls_flight_write(c, msg, TLS_VERSION_1_0);
  c->state = ST_WAIT_SH;
}

static void
send_server_flight(TlsConn *c)
{
  guint8 session_id[32];
  random_fill(c->rand, c->server_random, TLS_RANDOM_LEN);
  random_fill(c->rand, session_id, sizeof session_id);
  random_fill(c->rand, c->my_share, TLS_SHARE_LEN);
  g_autoptr(GByteArray) msgs = g_byte_array_new();
  tls_msg_server_hello(msgs, c->server_random, session_id);
  guint before = msgs->len;
  tls_msg_certificate(msgs, c->rand, c->params.cert_chain_bytes, FALSE);
  c->stats.cert_chain_bytes = msgs->len - before - 7; /* minus message header and list length */
  tls_msg_server_key_exchange(msgs, c->my_share, c->rand);
  tls_msg_server_hello_done(msgs);
  tls_flight_write(c, msgs, TLS_VERSION_1_2);
  c->state = ST_WAIT_CKE;
}

/* TLS 1.3 (RFC 8446 §2): ServerHello in the clear, a ChangeCipherSpec for middlebox
 * compatibility (§D.4), then EncryptedExtensions, Certificate, CertificateVerify and Finished
 * protected.  One round trip: the client is done when this flight arrives. */
static void
send_server_flight13(TlsConn *c, const TlsHello *ch)
{
  c->tls13 = TRUE;
  random_fill(c->rand, c->server_random, TLS_RANDOM_LEN);
  random_fill(c->rand, c->my_share, TLS_SHARE_LEN);
  memcpy(c->peer_share, ch->share, TLS_SHARE_LEN);
  g_autoptr(GByteArray) sh = g_byte_array_new();
  tls_msg_server_hello13(sh, c->server_random, ch->session_id, c->my_share);
  tls_flight_write(c, sh, TLS_VERSION_1_2);
  tls_ccs_write(c);
  tls_derive_keys(c->client_random, c->server_random, c->peer_share, c->my_share, &c->keys);
  c->send_protected = c->recv_protected = TRUE;
  g_autoptr(GByteArray) msgs = g_byte_array_new();
  tls_msg_encrypted_extensions(msgs);
  guint before = msgs->len;
  tls_msg_certificate(msgs, c->rand, c->params.cert_chain_bytes, TRUE);
  c->stats.cert_chain_bytes = msgs->len - before - 8; /* header, context and list length */
  tls_msg_certificate_verify(msgs, c->rand);
  tls_flight_write(c, msgs, TLS_VERSION_1_2);
  write_finished(c);
  c->state = ST_WAIT_FIN;
}

/* The client's second flight: ClientKeyExchange, ChangeCipherSpec, Finished. */
static void
send_client_finish(TlsConn *c)
{
  g_autoptr(GByteArray) msg = g_byte_array_new();
  tls_msg_client_key_exchange(msg, c->my_share);
  tls_flight_write(c, msg, TLS_VERSION_1_2);
  tls_derive_keys(c->client_random, c->server_random, c->my_share, c->peer_share, &c->keys);
  tls_ccs_write(c);
  write_finished(c);
  c->state = ST_WAIT_CCS;
}

/* One whole handshake message `msg` (header included) of type `type`. */
static void
handle_handshake(TlsConn *c, guint8 type, const guint8 *msg, gsize len)
{
  const guint8 *body = msg + 4;
  gsize blen = len - 4;
  TlsHello hello;
  guint8 alert = 0;
  static const ConnState expect_state[] = {
    [TLS_HS_CLIENT_HELLO] = ST_WAIT_CH,         [TLS_HS_SERVER_HELLO] = ST_WAIT_SH,
    [TLS_HS_ENCRYPTED_EXTENSIONS] = ST_WAIT_EE, [TLS_HS_CERTIFICATE] = ST_WAIT_CERT,
    [TLS_HS_SERVER_KEY_EXCHANGE] = ST_WAIT_SKE, [TLS_HS_SERVER_HELLO_DONE] = ST_WAIT_SHD,
    [TLS_HS_CERTIFICATE_VERIFY] = ST_WAIT_CV,   [TLS_HS_CLIENT_KEY_EXCHANGE] = ST_WAIT_CKE,
    [TLS_HS_FINISHED] = ST_WAIT_FIN,
  };

  sim_trace("tls", "%s rx %s len=%zu", c->label, tls_handshake_name(type), blen);
  gboolean known = type < G_N_ELEMENTS(expect_state) && expect_state[type] != ST_CONNECTING;
  if (!known || expect_state[type] != c->state) {
    tls_conn_fail(c, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected handshake message");
    return;
  }
  if (type != TLS_HS_FINISHED)
    g_checksum_update(c->transcript, msg, len);

  switch (type) {
  case TLS_HS_CLIENT_HELLO:
    alert = tls_parse_client_hello(body, blen, &hello);
    if (alert) {
      tls_conn_fail(c, alert, "bad ClientHello");
      return;
    }
    memcpy(c->client_random, hello.random, TLS_RANDOM_LEN);
    if (hello.server_name[0])
      c->server_name = g_strdup(hello.server_name);
    /* RFC 8446 §4.1.1: TLS 1.3 if both want it and a usable share came; else TLS 1.2. */
    if (c->params.protocol == TLS_PROTO_1_3 && hello.tls13 && hello.suite13 && hello.has_share)
      send_server_flight13(c, &hello);
    else if (hello.suite12)
      send_server_flight(c);
    else
      tls_conn_fail(c, TLS_ALERT_HANDSHAKE_FAILURE, "no acceptable cipher suite"); /* §7.4.1.3 */
    break;
  case TLS_HS_SERVER_HELLO:
    alert = tls_parse_server_hello(body, blen, &hello);
    if (alert) {
      tls_conn_fail(c, alert, "bad ServerHello");
      return;
    }
    memcpy(c->server_random, hello.random, TLS_RANDOM_LEN);
    if (!hello.tls13) {
      c->state = ST_WAIT_CERT;
      break;
    }
    if (c->params.protocol != TLS_PROTO_1_3) {
      tls_conn_fail(c, TLS_ALERT_ILLEGAL_PARAMETER, "TLS 1.3 was not offered");
      return;
    }
    /* TLS 1.3: everything after ServerHello is protected (RFC 8446 §2). */
    c->tls13 = TRUE;
    memcpy(c->peer_share, hello.share, TLS_SHARE_LEN);
    tls_derive_keys(c->client_random, c->server_random, c->my_share, c->peer_share, &c->keys);
    c->send_protected = c->recv_protected = TRUE;
    c->state = ST_WAIT_EE;
    break;
  case TLS_HS_ENCRYPTED_EXTENSIONS:
    alert = tls_parse_encrypted_extensions(body, blen);
    if (alert) {
      tls_conn_fail(c, alert, "bad EncryptedExtensions");
      return;
    }
    c->state = ST_WAIT_CERT;
    break;
  case TLS_HS_CERTIFICATE:
    alert = tls_parse_certificate(body, blen, c->tls13, &c->stats.cert_chain_bytes);
    if (alert) {
      tls_conn_fail(c, alert, "bad Certificate");
      return;
    }
    c->state = c->tls13 ? ST_WAIT_CV : ST_WAIT_SKE;
    break;
  case TLS_HS_CERTIFICATE_VERIFY:
    alert = tls_parse_certificate_verify(body, blen);
    if (alert) {
      tls_conn_fail(c, alert, "bad CertificateVerify");
      return;
    }
    c->state = ST_WAIT_FIN;
    break;
  case TLS_HS_SERVER_KEY_EXCHANGE:
    alert = tls_parse_server_key_exchange(body, blen, c->peer_share);
    if (alert) {
      tls_conn_fail(c, alert, "bad ServerKeyExchange");
      return;
    }
    c->state = ST_WAIT_SHD;
    break;
  case TLS_HS_SERVER_HELLO_DONE:
    if (blen != 0) {
      tls_conn_fail(c, TLS_ALERT_DECODE_ERROR, "bad ServerHelloDone");
      return;
    }
    send_client_finish(c);
    break;
  case TLS_HS_CLIENT_KEY_EXCHANGE:
    alert = tls_parse_client_key_exchange(body, blen, c->peer_share);
    if (alert) {
      tls_conn_fail(c, alert, "bad ClientKeyExchange");
      return;
    }
    tls_derive_keys(c->client_random, c->server_random, c->peer_share, c->my_share, &c->keys);
    c->state = ST_WAIT_CCS;
    break;
  case TLS_HS_FINISHED: {
    guint8 hash[32], expect[32];
    gsize vlen = c->tls13 ? TLS_VERIFY_LEN13 : TLS_VERIFY_LEN;
    transcript_hash(c, hash);
    tls_finished_verify(&c->keys, c->role != TLS_ROLE_CLIENT, hash, expect);
    if (blen != vlen) {
      tls_conn_fail(c, TLS_ALERT_DECODE_ERROR, "bad Finished");
      return;
    }
    if (memcmp(expect, body, vlen) != 0) {
      tls_conn_fail(c, TLS_ALERT_DECRYPT_ERROR, "Finished does not match the transcript");
      return;
    }
    g_checksum_update(c->transcript, msg, len);
    if (c->role == TLS_ROLE_SERVER && !c->tls13) {
      tls_ccs_write(c);
      write_finished(c);
    } else if (c->role == TLS_ROLE_CLIENT && c->tls13) {
      tls_ccs_write(c); /* compatibility mode (RFC 8446 §D.4) */
      write_finished(c);
    }
    tls_conn_become_established(c);
    break;
  }
  }
}

/* Handshake record payload: reassemble and dispatch whole messages. */
void
tls_handshake_recv(TlsConn *c, const guint8 *data, gsize len)
{
  if (c->state == ST_ESTABLISHED) {
    /* Renegotiation is not modelled; a HelloRequest or ClientHello now is unexpected. */
    tls_conn_fail(c, TLS_ALERT_UNEXPECTED_MESSAGE, "handshake after establishment");
    return;
  }
  g_byte_array_append(c->hs, data, (guint)len);
  guint off = 0;
  while (c->state != ST_CLOSED && c->hs->len - off >= 4) {
    const guint8 *m = c->hs->data + off;
    gsize mlen = (gsize)m[1] << 16 | (gsize)m[2] << 8 | m[3];
    if (mlen > TLS_MAX_HANDSHAKE_MSG) {
      tls_conn_fail(c, TLS_ALERT_DECODE_ERROR, "handshake message too long");
      return;
    }
    if (c->hs->len - off < 4 + mlen)
      break;
    handle_handshake(c, m[0], m, 4 + mlen);
    off += (guint)(4 + mlen);
  }
  if (c->state != ST_CLOSED)
    g_byte_array_remove_range(c->hs, 0, off);
}
