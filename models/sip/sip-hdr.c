/* sip-hdr.c — the SIP header, method and reason-phrase tables.
 *
 * One header table indexed by SipHdr with long and compact names, in the spirit of the kernel's
 * ct_sip_hdrs[] (net/netfilter/nf_conntrack_sip.c).  Compact forms are RFC 3261 §7.3.3 and the
 * IANA "Header Fields" registry (RFC 3841, 3515, 3892, 4028, 6665, 8224).  Header names are
 * case-insensitive (§7.3.1); method names are case-sensitive (§7.1).  The "list" flag marks the
 * headers whose grammar is a comma-separated list (§7.3.1: "#element"); others (Authorization,
 * Date, WWW-Authenticate, ...) contain commas that do not separate values and are never split.
 */
#include "sip/sip-msg.h"

#include <string.h>

typedef struct {
  const char *name; /* canonical long name */
  char compact;     /* compact form letter, 0 if none */
  gboolean list;    /* comma-separated list grammar (RFC 3261 §25.1 "#") */
} SipHdrDef;

static const SipHdrDef sip_hdrs[SIP_HDR_COUNT] = {
  [SIP_HDR_OTHER] = {NULL, 0, FALSE},
  [SIP_HDR_ACCEPT] = {"Accept", 0, TRUE},
  [SIP_HDR_ACCEPT_CONTACT] = {"Accept-Contact", 'a', TRUE},
  [SIP_HDR_ACCEPT_ENCODING] = {"Accept-Encoding", 0, TRUE},
  [SIP_HDR_ALLOW] = {"Allow", 0, TRUE},
  [SIP_HDR_ALLOW_EVENTS] = {"Allow-Events", 'u', TRUE},
  [SIP_HDR_AUTHORIZATION] = {"Authorization", 0, FALSE},
  [SIP_HDR_CALL_ID] = {"Call-ID", 'i', FALSE},
  [SIP_HDR_CONTACT] = {"Contact", 'm', TRUE},
  [SIP_HDR_CONTENT_DISPOSITION] = {"Content-Disposition", 0, FALSE},
  [SIP_HDR_CONTENT_ENCODING] = {"Content-Encoding", 'e', TRUE},
  [SIP_HDR_CONTENT_LENGTH] = {"Content-Length", 'l', FALSE},
  [SIP_HDR_CONTENT_TYPE] = {"Content-Type", 'c', FALSE},
  [SIP_HDR_CSEQ] = {"CSeq", 0, FALSE},
  [SIP_HDR_DATE] = {"Date", 0, FALSE},
  [SIP_HDR_EVENT] = {"Event", 'o', FALSE},
  [SIP_HDR_EXPIRES] = {"Expires", 0, FALSE},
  [SIP_HDR_FROM] = {"From", 'f', FALSE},
  [SIP_HDR_IDENTITY] = {"Identity", 'y', FALSE},
  [SIP_HDR_MAX_FORWARDS] = {"Max-Forwards", 0, FALSE},
  [SIP_HDR_MIME_VERSION] = {"MIME-Version", 0, FALSE},
  [SIP_HDR_MIN_EXPIRES] = {"Min-Expires", 0, FALSE},
  [SIP_HDR_MIN_SE] = {"Min-SE", 0, FALSE},
  [SIP_HDR_P_ASSERTED_IDENTITY] = {"P-Asserted-Identity", 0, TRUE},
  [SIP_HDR_PATH] = {"Path", 0, TRUE},
  [SIP_HDR_PROXY_AUTHENTICATE] = {"Proxy-Authenticate", 0, FALSE},
  [SIP_HDR_PROXY_AUTHORIZATION] = {"Proxy-Authorization", 0, FALSE},
  [SIP_HDR_PROXY_REQUIRE] = {"Proxy-Require", 0, TRUE},
  [SIP_HDR_RACK] = {"RAck", 0, FALSE},
  [SIP_HDR_RECORD_ROUTE] = {"Record-Route", 0, TRUE},
  [SIP_HDR_REFER_TO] = {"Refer-To", 'r', FALSE},
  [SIP_HDR_REFERRED_BY] = {"Referred-By", 'b', FALSE},
  [SIP_HDR_REJECT_CONTACT] = {"Reject-Contact", 'j', TRUE},
  [SIP_HDR_REQUEST_DISPOSITION] = {"Request-Disposition", 'd', TRUE},
  [SIP_HDR_REQUIRE] = {"Require", 0, TRUE},
  [SIP_HDR_RETRY_AFTER] = {"Retry-After", 0, FALSE},
  [SIP_HDR_ROUTE] = {"Route", 0, TRUE},
  [SIP_HDR_RSEQ] = {"RSeq", 0, FALSE},
  [SIP_HDR_SERVER] = {"Server", 0, FALSE},
  [SIP_HDR_SESSION_EXPIRES] = {"Session-Expires", 'x', FALSE},
  [SIP_HDR_SUBJECT] = {"Subject", 's', FALSE},
  [SIP_HDR_SUBSCRIPTION_STATE] = {"Subscription-State", 0, FALSE},
  [SIP_HDR_SUPPORTED] = {"Supported", 'k', TRUE},
  [SIP_HDR_TIMESTAMP] = {"Timestamp", 0, FALSE},
  [SIP_HDR_TO] = {"To", 't', FALSE},
  [SIP_HDR_UNSUPPORTED] = {"Unsupported", 0, TRUE},
  [SIP_HDR_USER_AGENT] = {"User-Agent", 0, FALSE},
  [SIP_HDR_VIA] = {"Via", 'v', TRUE},
  [SIP_HDR_WARNING] = {"Warning", 0, TRUE},
  [SIP_HDR_WWW_AUTHENTICATE] = {"WWW-Authenticate", 0, FALSE},
};

/* Method names (RFC 3261 §27.4 and the extensions listed in sip-msg.h). */
static const char *const sip_methods[SIP_METHOD_COUNT] = {
  [SIP_METHOD_OTHER] = NULL,         [SIP_METHOD_INVITE] = "INVITE",
  [SIP_METHOD_ACK] = "ACK",          [SIP_METHOD_BYE] = "BYE",
  [SIP_METHOD_CANCEL] = "CANCEL",    [SIP_METHOD_REGISTER] = "REGISTER",
  [SIP_METHOD_OPTIONS] = "OPTIONS",  [SIP_METHOD_UPDATE] = "UPDATE",
  [SIP_METHOD_INFO] = "INFO",        [SIP_METHOD_PRACK] = "PRACK",
  [SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE", [SIP_METHOD_NOTIFY] = "NOTIFY",
  [SIP_METHOD_REFER] = "REFER",      [SIP_METHOD_MESSAGE] = "MESSAGE",
};

/* Default reason phrases (RFC 3261 §21, RFC 3265/6665 489, RFC 4028 422, RFC 3262 420-ish). */
static const struct {
  guint code;         /* status code */
  const char *phrase; /* its reason phrase */
} sip_reasons[] = {
  {100, "Trying"},
  {180, "Ringing"},
  {181, "Call Is Being Forwarded"},
  {182, "Queued"},
  {183, "Session Progress"},
  {200, "OK"},
  {202, "Accepted"},
  {300, "Multiple Choices"},
  {301, "Moved Permanently"},
  {302, "Moved Temporarily"},
  {305, "Use Proxy"},
  {380, "Alternative Service"},
  {400, "Bad Request"},
  {401, "Unauthorized"},
  {402, "Payment Required"},
  {403, "Forbidden"},
  {404, "Not Found"},
  {405, "Method Not Allowed"},
  {406, "Not Acceptable"},
  {407, "Proxy Authentication Required"},
  {408, "Request Timeout"},
  {410, "Gone"},
  {413, "Request Entity Too Large"},
  {414, "Request-URI Too Long"},
  {415, "Unsupported Media Type"},
  {416, "Unsupported URI Scheme"},
  {420, "Bad Extension"},
  {421, "Extension Required"},
  {422, "Session Interval Too Small"},
  {423, "Interval Too Brief"},
  {480, "Temporarily Unavailable"},
  {481, "Call/Transaction Does Not Exist"},
  {482, "Loop Detected"},
  {483, "Too Many Hops"},
  {484, "Address Incomplete"},
  {485, "Ambiguous"},
  {486, "Busy Here"},
  {487, "Request Terminated"},
  {488, "Not Acceptable Here"},
  {489, "Bad Event"},
  {491, "Request Pending"},
  {493, "Undecipherable"},
  {500, "Server Internal Error"},
  {501, "Not Implemented"},
  {502, "Bad Gateway"},
  {503, "Service Unavailable"},
  {504, "Server Time-out"},
  {505, "Version Not Supported"},
  {513, "Message Too Large"},
  {600, "Busy Everywhere"},
  {603, "Decline"},
  {604, "Does Not Exist Anywhere"},
  {606, "Not Acceptable"},
};

const char *
sip_hdr_name(SipHdr id)
{
  g_return_val_if_fail(id < SIP_HDR_COUNT, NULL);
  return sip_hdrs[id].name;
}

char
sip_hdr_compact(SipHdr id)
{
  g_return_val_if_fail(id < SIP_HDR_COUNT, 0);
  return sip_hdrs[id].compact;
}

gboolean
sip_hdr_is_list(SipHdr id)
{
  g_return_val_if_fail(id < SIP_HDR_COUNT, FALSE);
  return sip_hdrs[id].list;
}

SipHdr
sip_hdr_lookup(const guint8 *name, gsize len)
{
  if (len == 0)
    return SIP_HDR_OTHER;
  for (guint i = 1; i < SIP_HDR_COUNT; i++) {
    const SipHdrDef *d = &sip_hdrs[i];
    if (len == 1) {
      if (d->compact && g_ascii_tolower(name[0]) == d->compact)
        return (SipHdr) i;
      continue;
    }
    if (strlen(d->name) == len && g_ascii_strncasecmp((const char *) name, d->name, len) == 0)
      return (SipHdr) i;
  }
  return SIP_HDR_OTHER;
}

const char *
sip_method_name(SipMethod m)
{
  g_return_val_if_fail(m < SIP_METHOD_COUNT, NULL);
  return sip_methods[m];
}

SipMethod
sip_method_lookup(const guint8 *tok, gsize len)
{
  for (guint i = 1; i < SIP_METHOD_COUNT; i++)
    if (strlen(sip_methods[i]) == len && memcmp(tok, sip_methods[i], len) == 0)
      return (SipMethod) i;
  return SIP_METHOD_OTHER;
}

const char *
sip_reason_phrase(guint status)
{
  for (guint i = 0; i < G_N_ELEMENTS(sip_reasons); i++)
    if (sip_reasons[i].code == status)
      return sip_reasons[i].phrase;
  /* RFC 3261 §21: an unknown code is treated as x00 of its class. */
  switch (status / 100) {
  case 1: return "Trying";
  case 2: return "OK";
  case 3: return "Multiple Choices";
  case 4: return "Bad Request";
  case 5: return "Server Internal Error";
  case 6: return "Busy Everywhere";
  default: return "Unknown";
  }
}
