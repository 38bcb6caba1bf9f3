/* sip-auth.c — HTTP Digest for SIP: challenge and credentials parsing, response computation,
 * credential building and verification (RFC 3261 §22.4, RFC 2617 §3.2, RFC 8760 §2).
 *
 * Both header kinds are `auth-scheme LWS auth-param *("," auth-param)` with auth-param =
 * token "=" (token / quoted-string) (RFC 2617 §1.2, RFC 3261 §25.1).  The scanner here walks
 * that grammar inside the value span it is given and never reads past it.
 */
#include "sip-auth.h"

#include <string.h>

#include "sip-private.h"

const char *
sip_digest_alg_name(SipDigestAlg alg)
{
  return alg == SIP_DIGEST_SHA256 ? "SHA-256" : "MD5";
}

const char *
sip_auth_result_name(SipAuthResult r)
{
  switch (r) {
  case SIP_AUTH_OK: return "ok";
  case SIP_AUTH_BAD_RESPONSE: return "bad-response";
  case SIP_AUTH_URI_MISMATCH: return "uri-mismatch";
  case SIP_AUTH_REALM: return "wrong-realm";
  case SIP_AUTH_BAD_QOP: return "bad-qop";
  }
  return "?";
}

/* ---- Scanning -------------------------------------------------------------------------------- */

/* The auth-scheme token at the start of v; *pos is left after it.  FALSE if there is none. */
static gboolean
scan_scheme(const guint8 *buf, SipSpan v, SipSpan *scheme, guint *pos)
{
  guint end = sip_span_end(v), i = sip_skip_lws(buf, v.off, end), s = i;
  while (i < end && sip_is_token(buf[i]))
    i++;
  if (i == s)
    return FALSE;
  *scheme = sip_span(s, i);
  *pos = i;
  return TRUE;
}

/* The next auth-param from *pos: 1 found (value span inside the quotes when quoted), 0 at the
 * end, -1 malformed.  Empty list elements (",,") are skipped as RFC 3261 §7.3.1 allows. */
static int
scan_param(const guint8 *buf, guint *pos, guint end, SipSpan *name, SipSpan *val, gboolean *quoted)
{
  guint i = sip_skip_lws(buf, *pos, end);
  while (i < end && buf[i] == ',')
    i = sip_skip_lws(buf, i + 1, end);
  if (i >= end)
    return 0;
  guint ns = i;
  while (i < end && sip_is_token(buf[i]))
    i++;
  if (i == ns)
    return -1;
  *name = sip_span(ns, i);
  i = sip_skip_lws(buf, i, end);
  if (i >= end || buf[i] != '=')
    return -1;
  i = sip_skip_lws(buf, i + 1, end);
  if (i < end && buf[i] == '"') {
    guint q = sip_skip_quoted(buf, i, end);
    if (q == G_MAXUINT)
      return -1;
    *val = sip_span(i + 1, q - 1);
    *quoted = TRUE;
    i = q;
  } else {
    guint vs = i;
    while (i < end && sip_is_token(buf[i]))
      i++;
    if (i == vs)
      return -1;
    *val = sip_span(vs, i);
    *quoted = FALSE;
  }
  i = sip_skip_lws(buf, i, end);
  if (i < end && buf[i] != ',')
    return -1;
  *pos = i;
  return 1;
}

/* A copy of a value with quoted-pair escapes removed (RFC 3261 §25.1). */
static char *
dup_value(const guint8 *buf, SipSpan v, gboolean quoted)
{
  GString *s = g_string_sized_new(v.len);
  for (guint i = v.off; i < sip_span_end(v); i++) {
    if (quoted && buf[i] == '\\' && i + 1 < sip_span_end(v))
      i++;
    g_string_append_c(s, (char)buf[i]);
  }
  return g_string_free(s, FALSE);
}

static gboolean
parse_alg(const guint8 *buf, SipSpan v, SipDigestAlg *alg)
{
  if (sip_span_case_eq(buf, v, "MD5")) {
    *alg = SIP_DIGEST_MD5;
    return TRUE;
  }
  if (sip_span_case_eq(buf, v, "SHA-256")) {
    *alg = SIP_DIGEST_SHA256;
    return TRUE;
  }
  return FALSE; /* MD5-sess and SHA-512-256 are not modelled */
}

/* ---- Challenges -------------------------------------------------------------------------------- */

void
sip_challenge_clear(SipChallenge *ch)
{
  if (!ch)
    return;
  g_free(ch->realm);
  g_free(ch->nonce);
  g_free(ch->opaque);
  memset(ch, 0, sizeof *ch);
}

int
sip_challenge_parse(const guint8 *buf, SipSpan value, SipChallenge *ch)
{
  g_return_val_if_fail(buf != NULL && ch != NULL, -1);
  memset(ch, 0, sizeof *ch);
  SipSpan scheme, name, val;
  guint pos, end = sip_span_end(value);
  gboolean quoted;
  if (!scan_scheme(buf, value, &scheme, &pos))
    return -1;
  if (!sip_span_case_eq(buf, scheme, "Digest"))
    return 0;
  int r;
  while ((r = scan_param(buf, &pos, end, &name, &val, &quoted)) == 1) {
    if (sip_span_case_eq(buf, name, "realm") && !ch->realm) {
      ch->realm = dup_value(buf, val, quoted);
    } else if (sip_span_case_eq(buf, name, "nonce") && !ch->nonce) {
      ch->nonce = dup_value(buf, val, quoted);
    } else if (sip_span_case_eq(buf, name, "opaque") && !ch->opaque) {
      ch->opaque = dup_value(buf, val, quoted);
    } else if (sip_span_case_eq(buf, name, "algorithm")) {
      if (!parse_alg(buf, val, &ch->alg))
        r = -1;
    } else if (sip_span_case_eq(buf, name, "stale")) {
      ch->stale = sip_span_case_eq(buf, val, "true"); /* RFC 2617 §3.2.1: case-insensitive */
    } else if (sip_span_case_eq(buf, name, "qop")) {
      /* qop-options = "qop" "=" <"> 1#qop-value <"> */
      ch->has_qop = TRUE;
      guint lp = 0;
      SipSpan elem;
      while (sip_list_next(buf, val, &lp, &elem) == 1) {
        if (sip_span_case_eq(buf, elem, "auth"))
          ch->qop_auth = TRUE;
        else if (sip_span_case_eq(buf, elem, "auth-int"))
          ch->qop_auth_int = TRUE;
      }
    }
    if (r < 0)
      break;
  }
  if (r < 0 || !ch->realm || !ch->nonce) {
    sip_challenge_clear(ch);
    return -1;
  }
  return 1;
}

int
sip_msg_challenge(const SipMsg *resp, SipChallenge *ch)
{
  g_return_val_if_fail(resp != NULL && ch != NULL, -1);
  static const SipHdr kinds[] = {SIP_HDR_WWW_AUTHENTICATE, SIP_HDR_PROXY_AUTHENTICATE};
  int bad = 0;
  for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
    const SipHeader *h;
    for (guint n = 0; (h = sip_msg_header(resp, kinds[k], n)); n++) {
      int r = sip_challenge_parse(resp->buf, h->value, ch);
      if (r == 1) {
        ch->proxy = kinds[k] == SIP_HDR_PROXY_AUTHENTICATE;
        return 1;
      }
      if (r < 0)
        bad = -1;
    }
  }
  return bad;
}

/* ---- Credentials ------------------------------------------------------------------------------- */

void
sip_credentials_clear(SipCredentials *cr)
{
  if (!cr)
    return;
  g_free(cr->username);
  g_free(cr->realm);
  g_free(cr->nonce);
  g_free(cr->uri);
  g_free(cr->response);
  g_free(cr->opaque);
  g_free(cr->cnonce);
  g_free(cr->qop);
  memset(cr, 0, sizeof *cr);
}

/* Store a directive once; a repeated one makes the credentials malformed. */
static gboolean
take(char **slot, const guint8 *buf, SipSpan v, gboolean quoted)
{
  if (*slot)
    return FALSE;
  *slot = dup_value(buf, v, quoted);
  return TRUE;
}

int
sip_credentials_parse(const guint8 *buf, SipSpan value, SipCredentials *cr)
{
  g_return_val_if_fail(buf != NULL && cr != NULL, -1);
  memset(cr, 0, sizeof *cr);
  SipSpan scheme, name, val;
  guint pos, end = sip_span_end(value);
  gboolean quoted, ok = TRUE, have_nc = FALSE;
  if (!scan_scheme(buf, value, &scheme, &pos))
    return -1;
  if (!sip_span_case_eq(buf, scheme, "Digest"))
    return 0;
  int r;
  while (ok && (r = scan_param(buf, &pos, end, &name, &val, &quoted)) == 1) {
    if (sip_span_case_eq(buf, name, "username"))
      ok = take(&cr->username, buf, val, quoted);
    else if (sip_span_case_eq(buf, name, "realm"))
      ok = take(&cr->realm, buf, val, quoted);
    else if (sip_span_case_eq(buf, name, "nonce"))
      ok = take(&cr->nonce, buf, val, quoted);
    else if (sip_span_case_eq(buf, name, "uri"))
      ok = take(&cr->uri, buf, val, quoted);
    else if (sip_span_case_eq(buf, name, "response"))
      ok = take(&cr->response, buf, val, quoted);
    else if (sip_span_case_eq(buf, name, "opaque"))
      ok = take(&cr->opaque, buf, val, quoted);
    else if (sip_span_case_eq(buf, name, "cnonce"))
      ok = take(&cr->cnonce, buf, val, quoted);
    else if (sip_span_case_eq(buf, name, "qop"))
      ok = take(&cr->qop, buf, val, quoted);
    else if (sip_span_case_eq(buf, name, "algorithm"))
      ok = parse_alg(buf, val, &cr->alg);
    else if (sip_span_case_eq(buf, name, "nc")) {
      /* nc-value = 8LHEX (RFC 2617 §3.2.2) */
      ok = val.len == 8 && !have_nc;
      guint32 nc = 0;
      for (guint i = val.off; ok && i < sip_span_end(val); i++) {
        ok = g_ascii_isxdigit(buf[i]);
        nc = nc * 16 + (guint32)g_ascii_xdigit_value(buf[i]);
      }
      cr->nc = nc;
      have_nc = TRUE;
    }
  }
  if (!ok || r < 0 || !cr->username || !cr->realm || !cr->nonce || !cr->uri || !cr->response ||
      (cr->qop && (!cr->cnonce || !have_nc))) {
    sip_credentials_clear(cr);
    return -1;
  }
  return 1;
}

int
sip_msg_credentials(const SipMsg *req, gboolean proxy, const char *realm, SipCredentials *cr)
{
  g_return_val_if_fail(req != NULL && cr != NULL, -1);
  SipHdr kind = proxy ? SIP_HDR_PROXY_AUTHORIZATION : SIP_HDR_AUTHORIZATION;
  const SipHeader *h;
  int result = 0;
  for (guint n = 0; (h = sip_msg_header(req, kind, n)); n++) {
    int r = sip_credentials_parse(req->buf, h->value, cr);
    if (r == 1) {
      if (!realm || strcmp(cr->realm, realm) == 0)
        return 1;
      sip_credentials_clear(cr);
    } else if (r < 0) {
      result = -1;
    }
  }
  memset(cr, 0, sizeof *cr);
  return result;
}

/* ---- Hashes ------------------------------------------------------------------------------------ */

static char *
hash_parts(SipDigestAlg alg, const char *const *parts)
{
  g_autoptr(GChecksum) c = g_checksum_new(alg == SIP_DIGEST_SHA256 ? G_CHECKSUM_SHA256 : G_CHECKSUM_MD5);
  for (guint i = 0; parts[i]; i++) {
    if (i)
      g_checksum_update(c, (const guchar *)":", 1);
    g_checksum_update(c, (const guchar *)parts[i], (gssize)strlen(parts[i]));
  }
  return g_strdup(g_checksum_get_string(c)); /* lower-case hex (RFC 2617 §3.2.2.2) */
}

char *
sip_digest_ha1(SipDigestAlg alg, const char *user, const char *realm, const char *password)
{
  g_return_val_if_fail(user && realm && password, NULL);
  const char *parts[] = {user, realm, password, NULL};
  return hash_parts(alg, parts);
}

char *
sip_digest_response(SipDigestAlg alg, const char *ha1, const char *nonce, guint32 nc,
                    const char *cnonce, const char *qop, const char *method, const char *uri)
{
  g_return_val_if_fail(ha1 && nonce && method && uri, NULL);
  const char *a2[] = {method, uri, NULL}; /* A2 for qop "auth" or none (§3.2.2.3) */
  g_autofree char *ha2 = hash_parts(alg, a2);
  if (!qop) {
    const char *kd[] = {ha1, nonce, ha2, NULL}; /* RFC 2069 compatibility (§3.2.2.1) */
    return hash_parts(alg, kd);
  }
  g_return_val_if_fail(cnonce != NULL, NULL);
  char ncs[9];
  g_snprintf(ncs, sizeof ncs, "%08x", nc);
  const char *kd[] = {ha1, nonce, ncs, cnonce, qop, ha2, NULL};
  return hash_parts(alg, kd);
}

/* Append name="value" with '"' and '\' escaped (quoted-string, RFC 3261 §25.1). */
static void
append_quoted(GString *s, const char *name, const char *value)
{
  g_string_append_printf(s, "%s%s=\"", s->len > 7 ? ", " : "", name);
  for (const char *p = value; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c(s, '\\');
    g_string_append_c(s, *p);
  }
  g_string_append_c(s, '"');
}

char *
sip_credentials_build(const SipChallenge *ch, const char *user, const char *password,
                      const char *method, const char *uri, guint32 nc, const char *cnonce)
{
  g_return_val_if_fail(ch && ch->realm && ch->nonce && user && password && method && uri, NULL);
  gboolean qop = ch->qop_auth; /* only "auth" is modelled: SIP bodies are not integrity-protected */
  g_return_val_if_fail(!qop || cnonce != NULL, NULL);
  g_autofree char *ha1 = sip_digest_ha1(ch->alg, user, ch->realm, password);
  g_autofree char *resp = sip_digest_response(ch->alg, ha1, ch->nonce, nc, cnonce, qop ? "auth" : NULL, method, uri);
  GString *s = g_string_new("Digest ");
  append_quoted(s, "username", user);
  append_quoted(s, "realm", ch->realm);
  append_quoted(s, "nonce", ch->nonce);
  append_quoted(s, "uri", uri);
  append_quoted(s, "response", resp);
  g_string_append_printf(s, ", algorithm=%s", sip_digest_alg_name(ch->alg));
  if (qop) {
    append_quoted(s, "cnonce", cnonce);
    g_string_append_printf(s, ", qop=auth, nc=%08x", nc);
  }
  if (ch->opaque)
    append_quoted(s, "opaque", ch->opaque);
  return g_string_free(s, FALSE);
}

SipAuthResult
sip_credentials_verify(const SipCredentials *cr, const char *realm, const char *password,
                       const char *method, const char *request_uri)
{
  g_return_val_if_fail(cr && realm && password && method && request_uri, SIP_AUTH_BAD_RESPONSE);
  if (strcmp(cr->realm, realm) != 0)
    return SIP_AUTH_REALM;
  if (cr->qop && g_ascii_strcasecmp(cr->qop, "auth") != 0)
    return SIP_AUTH_BAD_QOP;
  g_autofree char *ha1 = sip_digest_ha1(cr->alg, cr->username, realm, password);
  g_autofree char *want = sip_digest_response(cr->alg, ha1, cr->nonce, cr->nc, cr->cnonce,
                                              cr->qop ? "auth" : NULL, method, cr->uri);
  if (g_ascii_strcasecmp(want, cr->response) != 0)
    return SIP_AUTH_BAD_RESPONSE;
  /* RFC 2617 §3.2.2.5: the digest-uri must name the resource of the Request-Line. */
  if (strcmp(cr->uri, request_uri) != 0)
    return SIP_AUTH_URI_MISMATCH;
  return SIP_AUTH_OK;
}
