/* sip-auth.h — HTTP Digest authentication for SIP (RFC 3261 §22.4, RFC 2617 §3, RFC 8760).
 *
 * Parses WWW-Authenticate / Proxy-Authenticate challenges and Authorization /
 * Proxy-Authorization credentials from raw header values (never over-reading), computes digest
 * responses with qop=auth (nc, cnonce) or without qop (RFC 2069 compatibility, RFC 2617 §3.2.2.1),
 * builds the credentials a UAC sends, and verifies them as a registrar does.  MD5 is the SIP
 * default; RFC 8760's SHA-256 is also accepted.  Hashes come from GChecksum.
 */
#pragma once

#include "sip-msg.h"

G_BEGIN_DECLS

typedef enum {
  SIP_DIGEST_MD5 = 0, /* RFC 2617 default */
  SIP_DIGEST_SHA256,  /* RFC 8760 §2 "SHA-256" */
} SipDigestAlg;

const char *sip_digest_alg_name(SipDigestAlg alg); /* "MD5", "SHA-256" */

/* A parsed Digest challenge (RFC 2617 §3.2.1).  Strings are unquoted, unescaped copies. */
typedef struct {
  gboolean proxy;    /* came in Proxy-Authenticate (407) rather than WWW-Authenticate (401) */
  char *realm;       /* realm, required */
  char *nonce;       /* nonce, required */
  char *opaque;      /* opaque, NULL when absent */
  SipDigestAlg alg;  /* algorithm (MD5 when absent) */
  gboolean qop_auth; /* the qop list offers "auth" */
  gboolean qop_auth_int; /* the qop list offers "auth-int" */
  gboolean has_qop;  /* a qop directive was present at all */
  gboolean stale;    /* stale=TRUE: the previous nonce expired, the credentials were good */
} SipChallenge;

/* Parsed Digest credentials (RFC 2617 §3.2.2). */
typedef struct {
  char *username;   /* username */
  char *realm;      /* realm */
  char *nonce;      /* nonce */
  char *uri;        /* digest-uri: the Request-URI the client hashed */
  char *response;   /* request-digest, lower-case hex */
  char *opaque;     /* opaque, NULL when absent */
  char *cnonce;     /* cnonce, NULL without qop */
  char *qop;        /* message-qop ("auth"), NULL without qop */
  guint32 nc;       /* nonce-count, 0 without qop */
  SipDigestAlg alg; /* algorithm */
} SipCredentials;

/* Parse one challenge value.  1 a Digest challenge with realm and nonce, 0 another scheme
 * (Basic, ...), -1 malformed or an unsupported algorithm.  Clear *ch with sip_challenge_clear(). */
int sip_challenge_parse(const guint8 *buf, SipSpan value, SipChallenge *ch);
/* The first Digest challenge of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate). */
int sip_msg_challenge(const SipMsg *resp, SipChallenge *ch);
void sip_challenge_clear(SipChallenge *ch);

/* Parse one credentials value ("Digest username=..."): 1 ok, 0 another scheme, -1 malformed or
 * missing username/realm/nonce/uri/response (or qop without nc and cnonce). */
int sip_credentials_parse(const guint8 *buf, SipSpan value, SipCredentials *cr);
/* The credentials in a request's Authorization (or Proxy-Authorization when proxy) headers whose
 * realm is `realm` (NULL: the first Digest one).  1, 0 none, -1 malformed. */
int sip_msg_credentials(const SipMsg *req, gboolean proxy, const char *realm, SipCredentials *cr);
void sip_credentials_clear(SipCredentials *cr);

/* H(user:realm:password), lower-case hex (RFC 2617 §3.2.2.2).  Caller frees. */
char *sip_digest_ha1(SipDigestAlg alg, const char *user, const char *realm, const char *password);
/* The request-digest (RFC 2617 §3.2.2.1): with qop "auth", KD(HA1, nonce:nc:cnonce:qop:HA2);
 * without qop (qop NULL), KD(HA1, nonce:HA2); HA2 = H(method:uri).  Caller frees. */
char *sip_digest_response(SipDigestAlg alg, const char *ha1, const char *nonce, guint32 nc,
                          const char *cnonce, const char *qop, const char *method, const char *uri);

/* The Authorization (or Proxy-Authorization) value answering `ch` for `method` on `uri`: qop=auth
 * with nc and cnonce when the challenge offers auth, else RFC 2069 style.  Caller frees. */
char *sip_credentials_build(const SipChallenge *ch, const char *user, const char *password,
                            const char *method, const char *uri, guint32 nc, const char *cnonce);

/* Why credentials did not verify (RFC 2617 §3.2.2). */
typedef enum {
  SIP_AUTH_OK = 0,        /* the response is right */
  SIP_AUTH_BAD_RESPONSE,  /* "bad-response": wrong password, or the hashed inputs changed */
  SIP_AUTH_URI_MISMATCH,  /* "uri-mismatch": digest-uri differs from the Request-URI (§3.2.2.5) */
  SIP_AUTH_REALM,         /* "wrong-realm": credentials for another realm */
  SIP_AUTH_BAD_QOP,       /* "bad-qop": a qop we did not offer */
} SipAuthResult;

const char *sip_auth_result_name(SipAuthResult r);

/* Server side: check `cr` for `method` against the Request-URI the request carries (as bytes),
 * for a user whose password is known.  Nonce freshness is the caller's business. */
SipAuthResult sip_credentials_verify(const SipCredentials *cr, const char *realm, const char *password,
                                     const char *method, const char *request_uri);

G_END_DECLS
