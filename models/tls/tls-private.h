/* tls-private.h — internals shared by the TLS model's files: wire constants, handshake message
 * builders and parsers (tls-msg.c), the certificate chain (tls-cert.c) and the keystream/tag
 * model (tls-crypto.c). */
#pragma once

#include "stream.h"
#include "tls.h"

/* Record content types (RFC 5246 §6.2.1). */
enum {
  TLS_CT_CHANGE_CIPHER_SPEC = 20,
  TLS_CT_ALERT = 21,
  TLS_CT_HANDSHAKE = 22,
  TLS_CT_APPLICATION_DATA = 23,
};

/* Handshake message types (RFC 5246 §7.4). */
enum {
  TLS_HS_CLIENT_HELLO = 1,
  TLS_HS_SERVER_HELLO = 2,
  TLS_HS_ENCRYPTED_EXTENSIONS = 8, /* TLS 1.3 (RFC 8446 §4.3.1) */
  TLS_HS_CERTIFICATE = 11,
  TLS_HS_SERVER_KEY_EXCHANGE = 12,
  TLS_HS_SERVER_HELLO_DONE = 14,
  TLS_HS_CERTIFICATE_VERIFY = 15, /* TLS 1.3 (RFC 8446 §4.4.3) */
  TLS_HS_CLIENT_KEY_EXCHANGE = 16,
  TLS_HS_FINISHED = 20,
};

#define TLS_VERSION_1_2 0x0303      /* ProtocolVersion {3, 3} (RFC 5246 §6.2.1) */
#define TLS_VERSION_1_3 0x0304      /* in supported_versions only (RFC 8446 §4.2.1) */
#define TLS_VERSION_1_0 0x0301      /* the record version of a first ClientHello (RFC 5246 App. E.1) */
#define TLS_SUITE 0xc02f            /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (RFC 5289 §3.2) */
#define TLS_SUITE13 0x1301          /* TLS_AES_128_GCM_SHA256 (RFC 8446 §B.4) */
#define TLS_HEADER_LEN 5            /* type, version, length */
#define TLS_NONCE_LEN 8             /* explicit part of the GCM nonce (RFC 5288 §3) */
#define TLS_TAG_LEN 16              /* GCM authentication tag (RFC 5116 §5.1) */
#define TLS_RANDOM_LEN 32           /* ClientHello/ServerHello random (RFC 5246 §7.4.1.2) */
#define TLS_SHARE_LEN 32            /* an X25519 public value (RFC 8422 §5.4, RFC 7748) */
#define TLS_VERIFY_LEN 12           /* Finished verify_data (RFC 5246 §7.4.9) */
#define TLS_VERIFY_LEN13 32         /* TLS 1.3 Finished: Hash.length (RFC 8446 §4.4.4) */
#define TLS_MAX_CIPHERTEXT (TLS_MAX_PLAINTEXT + 2048) /* RFC 5246 §6.2.3 */
#define TLS_SEAL_OVERHEAD (TLS_NONCE_LEN + TLS_TAG_LEN)
#define TLS_MAX_HANDSHAKE_MSG (1 << 18) /* longer messages are refused (OpenSSL allows ~100 KB of certs) */

/* What a peer's hello said, as far as the model cares. */
typedef struct {
  guint8 random[TLS_RANDOM_LEN]; /* the hello's random */
  guint8 session_id[32];         /* legacy session id */
  guint session_id_len;          /* its length, 0..32 */
  char server_name[256];         /* SNI host name (ClientHello); "" if none */
  gboolean suite12;              /* ClientHello offers TLS_SUITE */
  gboolean suite13;              /* ClientHello offers TLS_SUITE13 */
  gboolean tls13;                /* supported_versions offers (CH) or selects (SH) TLS 1.3 */
  gboolean has_share;            /* a usable X25519 key_share came with it */
  guint8 share[TLS_SHARE_LEN];   /* that key_share */
} TlsHello;

/* ---- Handshake messages (tls-msg.c).  Builders append a whole message (4-byte header first).
 * Parsers take the body and return 0 if it is acceptable, else the alert to send. ----------- */

/* share13: also offer TLS 1.3 with this X25519 key_share; NULL: TLS 1.2 only. */
void tls_msg_client_hello(GByteArray *out, const guint8 random[TLS_RANDOM_LEN],
                          const guint8 session_id[32], const char *server_name,
                          const guint8 *share13);
void tls_msg_server_hello13(GByteArray *out, const guint8 random[TLS_RANDOM_LEN],
                            const guint8 session_id[32], const guint8 share[TLS_SHARE_LEN]);
void tls_msg_encrypted_extensions(GByteArray *out);
void tls_msg_certificate_verify(GByteArray *out, GRand *rand);
void tls_msg_server_hello(GByteArray *out, const guint8 random[TLS_RANDOM_LEN],
                          const guint8 session_id[32]);
void tls_msg_certificate(GByteArray *out, GRand *rand, guint chain_bytes, gboolean tls13);
void tls_msg_server_key_exchange(GByteArray *out, const guint8 share[TLS_SHARE_LEN], GRand *rand);
void tls_msg_server_hello_done(GByteArray *out);
void tls_msg_client_key_exchange(GByteArray *out, const guint8 share[TLS_SHARE_LEN]);
void tls_msg_finished(GByteArray *out, const guint8 *verify, gsize len);

/* Only decode errors: which suite and version to use is the server's decision. */
guint8 tls_parse_client_hello(const guint8 *b, gsize len, TlsHello *out);
guint8 tls_parse_server_hello(const guint8 *b, gsize len, TlsHello *out);
guint8 tls_parse_certificate(const guint8 *b, gsize len, gboolean tls13, guint *list_len);
guint8 tls_parse_encrypted_extensions(const guint8 *b, gsize len);
guint8 tls_parse_certificate_verify(const guint8 *b, gsize len);
guint8 tls_parse_server_key_exchange(const guint8 *b, gsize len, guint8 share[TLS_SHARE_LEN]);
guint8 tls_parse_client_key_exchange(const guint8 *b, gsize len, guint8 share[TLS_SHARE_LEN]);

const char *tls_handshake_name(guint8 type); /* "ClientHello" */

/* ---- Certificate chain (tls-cert.c) ------------------------------------------------------------ */

/* Append a certificate_list body (without its own 3-byte length): a leaf and an issuing CA
 * certificate, each a syntactically valid DER X.509v3 certificate, padded with subjectAltName
 * entries so that the list is `chain_bytes` long (within a few bytes; never below the two bare
 * certificates, about 1.6 KB). */
void tls_cert_chain(GByteArray *out, GRand *rand, guint chain_bytes, gboolean tls13);

/* ---- The keystream/tag model (tls-crypto.c) ---------------------------------------------------- */

typedef struct {
  guint8 master[32];     /* "master secret" */
  guint8 client_key[32]; /* protects client -> server records */
  guint8 server_key[32]; /* protects server -> client records */
} TlsKeys;

void tls_derive_keys(const guint8 client_random[TLS_RANDOM_LEN],
                     const guint8 server_random[TLS_RANDOM_LEN],
                     const guint8 client_share[TLS_SHARE_LEN],
                     const guint8 server_share[TLS_SHARE_LEN], TlsKeys *out);
/* verify_data = PRF(master, label, Hash(handshake_messages)) (RFC 5246 §7.4.9): 32 bytes, of
 * which TLS 1.2 sends the first 12 and TLS 1.3 all. */
void tls_finished_verify(const TlsKeys *keys, gboolean from_client, const guint8 hash[32],
                         guint8 out[32]);
/* Append nonce || (plaintext XOR keystream) || tag for record `seq` of content type `type`. */
void tls_seal(const guint8 key[32], guint64 seq, guint8 type, const guint8 *plain, gsize len,
              GByteArray *out);
/* Check and decrypt a protected fragment into `plain` (replacing its contents); FALSE if it is
 * too short or its tag does not match. */
gboolean tls_open(const guint8 key[32], guint64 seq, guint8 type, const guint8 *frag, gsize len,
                  GByteArray *plain);
/* TLS 1.3 records: append (plaintext || type) XOR keystream || tag; open one, giving the inner
 * content type (0 if the record held only padding). */
void tls_seal13(const guint8 key[32], guint64 seq, guint8 type, const guint8 *plain, gsize len,
                GByteArray *out);
gboolean tls_open13(const guint8 key[32], guint64 seq, const guint8 *frag, gsize len,
                    GByteArray *plain, guint8 *type);

/* ---- The connection (tls.c: record layer and life cycle; tls-handshake.c: handshake) --------- */

typedef enum {
  ST_CONNECTING,  /* client: TCP connect in progress */
  ST_WAIT_SH,     /* client: ClientHello sent */
  ST_WAIT_EE,     /* client, TLS 1.3: ServerHello received */
  ST_WAIT_CV,     /* client, TLS 1.3: Certificate received */
  ST_WAIT_CERT,   /* client: ServerHello (TLS 1.3: EncryptedExtensions) received */
  ST_WAIT_SKE,    /* client: Certificate received */
  ST_WAIT_SHD,    /* client: ServerKeyExchange received */
  ST_WAIT_CH,     /* server: waiting for ClientHello */
  ST_WAIT_CKE,    /* server: its flight sent */
  ST_WAIT_CCS,    /* either: waiting for the peer's ChangeCipherSpec */
  ST_WAIT_FIN,    /* either: waiting for the peer's (protected) Finished; TLS 1.3 client:
                   * CertificateVerify received */
  ST_ESTABLISHED, /* application data flows */
  ST_CLOSED,      /* ended: alert sent or received, TCP gone, or tls_close() */
} ConnState;

/* Invariants: `in` holds bytes not yet forming a whole record; `hs` holds handshake bytes not
 * yet forming a whole message; send_seq/recv_seq count records since the respective
 * ChangeCipherSpec (RFC 5246 §6.1).  `busy` counts entries from the engine that are running;
 * a freed connection is released when it drops to zero. */
struct TlsConn {
  TlsRole role;                         /* client or server */
  ConnState state;                      /* handshake progress */
  TcpStream *tcp;                       /* the TCP connection */
  TlsParams params;                     /* parameters (server_name not used from here) */
  char *server_name;                    /* SNI sent (client) or received (server); owned */
  GRand *rand;                          /* randoms, shares, certificate bytes */
  TlsConnOps ops;                       /* owner's callbacks */
  void *ctx;                            /* their context */
  GByteArray *in;                       /* received bytes not yet consumed as records */
  GByteArray *hs;                       /* handshake message reassembly */
  GByteArray *plain;                    /* scratch: a decrypted record */
  GByteArray *early;                    /* application data queued before establishment */
  GChecksum *transcript;                /* SHA-256 of all handshake messages so far */
  guint8 client_random[TLS_RANDOM_LEN]; /* ClientHello.random */
  guint8 server_random[TLS_RANDOM_LEN]; /* ServerHello.random */
  guint8 my_share[TLS_SHARE_LEN];       /* our ECDHE public value */
  guint8 peer_share[TLS_SHARE_LEN];     /* the peer's ECDHE public value */
  TlsKeys keys;                         /* derived once both shares are known */
  gboolean tls13;                       /* TLS 1.3 was negotiated */
  gboolean send_protected;              /* we sent ChangeCipherSpec */
  gboolean recv_protected;              /* the peer's ChangeCipherSpec arrived */
  guint64 send_seq;                     /* next protected record number we send */
  guint64 recv_seq;                     /* next protected record number we expect */
  SimEvent timer;                       /* handshake timeout */
  guint busy;                           /* engine entries running */
  gboolean freed;                       /* tls_conn_free() called */
  gboolean closing;                     /* tls_close() called: no more callbacks */
  TlsStats stats;                       /* counters */
  char label[64];                       /* "client 192.168.1.50:49153" for traces */
};

/* Record layer (tls.c). */
void tls_record_write(TlsConn *c, guint8 type, guint16 version, const guint8 *data, gsize len);
void tls_records_write(TlsConn *c, guint8 type, guint16 version, const guint8 *data, gsize len);
void tls_alert_write(TlsConn *c, guint8 level, guint8 desc);
void tls_ccs_write(TlsConn *c);
/* Send a fatal alert, close, and report (RFC 5246 §7.2.2). */
void tls_conn_fail(TlsConn *c, guint8 alert, const char *why);
void tls_conn_become_established(TlsConn *c);

/* Handshake (tls-handshake.c). */
void tls_handshake_start(TlsConn *c);                                  /* client: ClientHello */
void tls_handshake_recv(TlsConn *c, const guint8 *data, gsize len);    /* handshake record bytes */
void tls_flight_write(TlsConn *c, GByteArray *msgs, guint16 version);
