/* test-sip-msg.c — SIP message parsing, accessors, framing, building and editing (RFC 3261).
 *
 * Parser cases are tables in the style of libsoup's header-parsing-test.c: {description, RFC
 * reference, bytes, length, expectation} in VALID / RECOVERABLE / INVALID groups; messages are in
 * the spirit of RFC 4475's torture tests but written here.  Every input is copied into an
 * exactly-sized heap buffer so that an over-read shows up under ASan.  The corpus tests walk
 * tests/data/sip (y_/n_/i_ files) and the real Linux ALG messages in tests/data/sip/linux-alg.
 */
#include "sip/sdp.h"
#include "sip/sip-msg.h"
#include "test-sip-util.h"
#include "test-util.h"

#include <string.h>

#define HDRS                                                                                     \
  "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bKa1;rport\r\n"                                \
  "Max-Forwards: 70\r\n"                                                                         \
  "From: \"Alice\" <sip:alice@example.com>;tag=f1\r\n"                                           \
  "To: <sip:bob@example.com>\r\n"                                                                \
  "Call-ID: c1@192.168.1.50\r\n"
#define INV "INVITE sip:bob@example.com SIP/2.0\r\n"
#define CSEQ "CSeq: 1 INVITE\r\n"
#define EMPTY "Content-Length: 0\r\n\r\n"
#define NULBODY INV HDRS CSEQ "Content-Type: application/octet-stream\r\nContent-Length: 3\r\n\r\na\0b"


/* ---- table-driven parse cases ------------------------------------------------------------- */

typedef struct {
  const char *desc;  /* what the case is about */
  const char *ref;   /* RFC section */
  const char *bytes; /* the message */
  gssize length;     /* bytes to use (-1: strlen) */
  SipTransport tp;   /* transport class */
  int parse;         /* expected sip_msg_parse() */
  int valid;         /* expected sip_msg_validate() when parse == 1 */
  const char *why;   /* expected reason (substring) when a -1 is expected, or NULL */
} ParseCase;

static const ParseCase valid_cases[] = {
  {"minimal INVITE", "RFC 3261 §8.1.1", INV HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"200 OK response", "RFC 3261 §7.2",
   "SIP/2.0 200 OK\r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"same over a stream", "RFC 3261 §18.3", INV HDRS CSEQ EMPTY, -1, SIP_TP_STREAM, 1, 1, NULL},
  {"extension method", "RFC 3261 §27.4",
   "FOO sip:bob@example.com SIP/2.0\r\n" HDRS "CSeq: 1 FOO\r\n" EMPTY, -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"tel Request-URI", "RFC 3966 §3",
   "INVITE tel:+1-201-555-0123;phone-context=example.com SIP/2.0\r\n" HDRS CSEQ EMPTY, -1,
   SIP_TP_DGRAM, 1, 1, NULL},
  {"sips IPv6 Request-URI with port", "RFC 3261 §19.1.1",
   "INVITE sips:bob@[2001:db8::10]:5071;transport=tcp SIP/2.0\r\n" HDRS CSEQ EMPTY, -1,
   SIP_TP_DGRAM, 1, 1, NULL},
  {"escaped user part", "RFC 4475 §3.1.1.2 (esc01-like)",
   "INVITE sip:sip%3Auser%40example.com@example.com;other-param=summit SIP/2.0\r\n" HDRS CSEQ EMPTY,
   -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"body with Content-Type and exact Content-Length", "RFC 3261 §20.14",
   INV HDRS CSEQ "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", -1, SIP_TP_DGRAM, 1,
   1, NULL},
  {"NUL bytes inside the body are fine", "RFC 3261 §7.4",
   NULBODY, sizeof(NULBODY) - 1, SIP_TP_DGRAM, 1, 1, NULL},
  {"method token with every token character", "RFC 4475 §3.1.1.3 (intmeth-like)",
   "!interesting-Method0123456789_*+`.%indeed'~ sip:bob@example.com SIP/2.0\r\n" HDRS
   "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n" EMPTY, -1, SIP_TP_DGRAM, 1, 1,
   NULL},
  {"UTF-8 reason phrase", "RFC 4475 §3.1.1.6 (unreason-like)",
   "SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe \xe4\xb8\x80\xe7\x99\xbe\r\n" HDRS CSEQ EMPTY, -1,
   SIP_TP_DGRAM, 1, 1, NULL},
  {"unknown transports in Via", "RFC 4475 §3.1.1.12 (transports-like)",
   "OPTIONS sip:bob@example.com SIP/2.0\r\n"
   "Via: SIP/2.0/SCTP t1.example.com;branch=z9hG4bKkdjuw\r\n"
   "Via: SIP/2.0/TLS t2.example.com;branch=z9hG4bKklasjdhf\r\n"
   "Via: SIP/2.0/UNKNOWN t3.example.com;branch=z9hG4bK2980unddj\r\n"
   "Max-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: t\r\n"
   "CSeq: 1 OPTIONS\r\n" EMPTY, -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"display name without LWS before <", "RFC 4475 §3.1.1.7 (lwsdisp-like)",
   INV "Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\nMax-Forwards: 70\r\n"
   "From: caller<sip:caller@example.com>;tag=323\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n" CSEQ EMPTY,
   -1, SIP_TP_DGRAM, 1, 1, NULL},
};

static const ParseCase recoverable_cases[] = {
  {"bare LF line ends", "RFC 3261 §7 (Linux helper accepts LF)",
   "OPTIONS sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nMax-Forwards: 70\n"
   "From: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: x\nCSeq: 2 OPTIONS\nContent-Length: 0\n\n",
   -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"whitespace and folding everywhere", "RFC 4475 §3.1.1.1 (wsinv-like)",
   "INVITE sip:bob@example.com SIP/2.0\r\n"
   "Via  :  SIP  /   2.0\r\n /UDP\r\n    192.0.2.2 : 5070 ; branch = z9hG4bKws ;  rport\r\n"
   "Max-Forwards:\t70\r\n"
   "t  :\r\n  <sip:bob@example.com>\r\n"
   "f:\"Alice\"<sip:alice@example.com>  ;  tag = f1\r\n"
   "Call-ID\t:\tws1@192.0.2.2\r\n"
   "CSeq  :  8\r\n   INVITE\r\n"
   "Subject:\r\n"
   "NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n"
   "l: 0\r\n\r\n",
   -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"CRLFs before the start line", "RFC 3261 §7.5", "\r\n\r\n" INV HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM,
   1, 1, NULL},
  {"header names in any case", "RFC 3261 §7.3.1",
   INV "VIA: SIP/2.0/UDP h;branch=z9hG4bKc\r\nmax-forwards: 70\r\nFROM: <sip:a@h>;TAG=1\r\n"
   "tO: <sip:b@h>\r\ncall-id: x\r\ncseq: 1 INVITE\r\ncontent-LENGTH: 0\r\n\r\n",
   -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"no Content-Length over UDP: body to the end", "RFC 3261 §18.3",
   INV HDRS CSEQ "Content-Type: text/plain\r\n\r\nhello", -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"Content-Length shorter than the datagram", "RFC 3261 §18.3",
   INV HDRS CSEQ "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhello", -1, SIP_TP_DGRAM,
   1, 1, NULL},
  {"runs of SP in the request line", "RFC 4475 §3.1.2.11 (implementation-defined)",
   "INVITE   sip:bob@example.com   SIP/2.0\r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"response without reason phrase", "RFC 3261 §25.1 Reason-Phrase may be empty",
   "SIP/2.0 180\r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"unknown headers with odd token names", "RFC 3261 §7.3",
   INV HDRS CSEQ "X-Weird.Name!~: a, b, \"c,d\"\r\nUnknownheaderwithnovalue:\r\n" EMPTY, -1,
   SIP_TP_DGRAM, 1, 1, NULL},
  {"unknown Request-URI scheme kept opaque", "RFC 3261 §8.2.2.1 (416 is the UAS's call)",
   "INVITE urn:service:sos SIP/2.0\r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"missing Max-Forwards is tolerated", "RFC 3261 §16.3 step 3 (corpus 08)",
   INV "Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
   "Call-ID: x\r\n" CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"RFC 2543 Via without branch", "RFC 4475 §3.4.1 (inv2543-like)",
   INV "Via: SIP/2.0/UDP 192.0.2.15\r\nMax-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\n"
   "To: <sip:b@h>\r\nCall-ID: x\r\n" CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, 1, NULL},
  {"two requests in one datagram: the second is ignored", "RFC 4475 §3.1.2.14 (dblreq-like)",
   INV HDRS CSEQ EMPTY INV HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, 1, NULL},
};

static const ParseCase invalid_cases[] = {
  {"empty buffer", "-", "", 0, SIP_TP_DGRAM, 0, 0, NULL},
  {"CRLF keepalive", "RFC 5626 §3.5.1", "\r\n\r\n", -1, SIP_TP_DGRAM, 0, 0, NULL},
  {"Content-Length larger than the data", "RFC 3261 §18.3",
   INV HDRS CSEQ "Content-Length: 50\r\n\r\nshort", -1, SIP_TP_DGRAM, -1, 0, "exceeds"},
  {"negative Content-Length", "RFC 3261 §20.14",
   INV HDRS CSEQ "Content-Length: -5\r\n\r\n", -1, SIP_TP_DGRAM, -1, 0, "bad Content-Length"},
  {"huge Content-Length", "RFC 3261 §20.14",
   INV HDRS CSEQ "Content-Length: 99999999999999999999\r\n\r\n", -1, SIP_TP_DGRAM, -1, 0,
   "bad Content-Length"},
  {"conflicting Content-Length", "RFC 3261 §20.14",
   INV HDRS CSEQ "Content-Length: 0\r\nl: 3\r\n\r\nabc", -1, SIP_TP_DGRAM, -1, 0, "conflicting"},
  {"no Content-Length over a stream", "RFC 3261 §18.3",
   INV HDRS CSEQ "\r\n", -1, SIP_TP_STREAM, -1, 0, "stream"},
  {"NUL byte in a header", "RFC 3261 §25.1",
   INV "Subject: a\0b\r\n" HDRS CSEQ EMPTY, sizeof(INV "Subject: a\0b\r\n" HDRS CSEQ EMPTY) - 1,
   SIP_TP_DGRAM, -1, 0, "NUL"},
  {"bare CR in a header", "RFC 3261 §7", INV "Subject: a\rb\r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM,
   -1, 0, "bare CR"},
  {"header line without colon", "RFC 3261 §7.3", INV "Subject hello\r\n" HDRS CSEQ EMPTY, -1,
   SIP_TP_DGRAM, -1, 0, "colon"},
  {"header section never ends", "RFC 3261 §7", INV HDRS CSEQ "Content-Length: 0\r\n", -1,
   SIP_TP_DGRAM, -1, 0, "not terminated"},
  {"start line only, cut", "RFC 3261 §7.1", "INVITE sip:bob@example.com SIP/2.0", -1,
   SIP_TP_DGRAM, -1, 0, NULL},
  {"garbage start line", "RFC 3261 §7.1", "HELLO\r\n\r\n", -1, SIP_TP_DGRAM, -1, 0, NULL},
  {"space inside the Request-URI", "RFC 4475 §3.1.2.8 (lwsruri-like)",
   "INVITE sip:bob @example.com SIP/2.0\r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, -1, 0, NULL},
  {"status code out of range", "RFC 3261 §7.2", "SIP/2.0 999 Weird\r\n" HDRS CSEQ EMPTY, -1,
   SIP_TP_DGRAM, -1, 0, NULL},
  {"four-digit status code", "RFC 3261 §7.2", "SIP/2.0 2000 OK\r\n" HDRS CSEQ EMPTY, -1,
   SIP_TP_DGRAM, -1, 0, NULL},
  {"continuation before any header", "RFC 3261 §7.3.1", INV " folded\r\n" HDRS CSEQ EMPTY, -1,
   SIP_TP_DGRAM, -1, 0, "continuation"},
  {"HTTP is not SIP", "-", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", -1, SIP_TP_DGRAM, -1, 0, NULL},
  {"missing To", "RFC 3261 §8.1.1",
   INV "Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\nMax-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\n"
   "Call-ID: x\r\n" CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1, "missing To"},
  {"missing From", "RFC 3261 §8.1.1",
   INV "Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\nMax-Forwards: 70\r\nTo: <sip:b@h>\r\n"
   "Call-ID: x\r\n" CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1, "missing From"},
  {"missing CSeq", "RFC 3261 §8.1.1; Linux drops it (corpus 47)", INV HDRS EMPTY, -1, SIP_TP_DGRAM,
   1, -1, "missing CSeq"},
  {"missing Call-ID", "RFC 3261 §8.1.1",
   INV "Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\nMax-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\n"
   "To: <sip:b@h>\r\n" CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1, "missing Call-ID"},
  {"missing Via", "RFC 3261 §8.1.1",
   INV "Max-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n" CSEQ EMPTY,
   -1, SIP_TP_DGRAM, 1, -1, "missing Via"},
  {"non-numeric CSeq", "RFC 3261 §20.16", INV HDRS "CSeq: abc INVITE\r\n" EMPTY, -1, SIP_TP_DGRAM,
   1, -1, "bad CSeq"},
  {"CSeq without method", "RFC 3261 §20.16", INV HDRS "CSeq: 1\r\n" EMPTY, -1, SIP_TP_DGRAM, 1,
   -1, "bad CSeq"},
  {"CSeq of 2**31", "RFC 3261 §8.1.1.5", INV HDRS "CSeq: 2147483648 INVITE\r\n" EMPTY, -1,
   SIP_TP_DGRAM, 1, -1, "bad CSeq"},
  {"CSeq method differs", "RFC 3261 §8.1.1.5", INV HDRS "CSeq: 1 BYE\r\n" EMPTY, -1, SIP_TP_DGRAM,
   1, -1, "match"},
  {"two CSeq headers", "RFC 4475 §3.1.2.19 (multiple singletons)",
   INV HDRS CSEQ "CSeq: 2 INVITE\r\n" EMPTY, -1, SIP_TP_DGRAM, 1, -1, "duplicate CSeq"},
  {"Max-Forwards above 255", "RFC 3261 §20.22", INV
   "Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\nMax-Forwards: 300\r\nFrom: <sip:a@h>;tag=1\r\n"
   "To: <sip:b@h>\r\nCall-ID: x\r\n" CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1, "Max-Forwards"},
  {"SIP/7.0", "RFC 4475 §3.1.2.16 (badvers-like): 505",
   "INVITE sip:bob@example.com SIP/7.0\r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1, "version"},
  {"unterminated From", "RFC 3261 §20.20",
   INV "Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\nMax-Forwards: 70\r\nFrom: <sip:a@h;tag=1\r\n"
   "To: <sip:b@h>\r\nCall-ID: x\r\n" CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1, "bad From"},
  {"Via without transport", "RFC 3261 §20.42",
   INV "Via: SIP/2.0 192.0.2.1;branch=z9hG4bKa\r\nMax-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\n"
   "To: <sip:b@h>\r\nCall-ID: x\r\n" CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1, "bad Via"},
  {"Request-URI without scheme", "RFC 3261 §19.1.1",
   "INVITE bob.example.com SIP/2.0\r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1, "Request-URI"},
  {"bad escape in the Request-URI", "RFC 3261 §25.1 escaped",
   "INVITE sip:bob%G1@example.com SIP/2.0\r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1,
   "Request-URI"},
  {"body without Content-Type", "RFC 3261 §20.15",
   INV HDRS CSEQ "Content-Length: 5\r\n\r\nhello", -1, SIP_TP_DGRAM, 1, -1, "Content-Type"},
  {"Call-ID with a space", "RFC 3261 §25.1 callid",
   INV "Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\nMax-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\n"
   "To: <sip:b@h>\r\nCall-ID: a b\r\n" CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1, "Call-ID"},
  {"Request-URI in angle brackets", "RFC 4475 §3.1.2.7 (ltgtruri-like)",
   "INVITE <sip:bob@example.com> SIP/2.0\r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM, 1, -1,
   "Request-URI"},
  {"unbalanced quotes in To", "RFC 4475 §3.1.2.6 (quotbal-like)",
   INV "Via: SIP/2.0/UDP h;branch=z9hG4bKa\r\nMax-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\n"
   "To: \"Mr. J. User <sip:j.user@example.com>\r\nCall-ID: x\r\n" CSEQ EMPTY, -1, SIP_TP_DGRAM, 1,
   -1, "bad To"},
};

static void
run_cases(const ParseCase *cases, guint n)
{
  for (guint i = 0; i < n; i++) {
    const ParseCase *c = &cases[i];
    g_test_message("%s (%s)", c->desc, c->ref);
    g_autoptr(Parsed) p = parse_exact(c->bytes, c->length, c->tp);
    if (p->r != c->parse)
      g_error("%s: parse returned %d (%s), expected %d", c->desc, p->r, p->why, c->parse);
    if (c->parse == -1 && c->why)
      g_assert_nonnull(strstr(p->why, c->why));
    if (p->r != 1)
      continue;
    g_assert_cmpuint(p->msg.msg_len, <=, p->len);
    const char *why = NULL;
    int v = sip_msg_validate(&p->msg, &why);
    if (v != c->valid)
      g_error("%s: validate returned %d (%s), expected %d", c->desc, v, why, c->valid);
    if (c->valid == -1 && c->why)
      g_assert_nonnull(strstr(why, c->why));
  }
}

static void
test_parse_valid(void)
{
  run_cases(valid_cases, G_N_ELEMENTS(valid_cases));
}

static void
test_parse_recoverable(void)
{
  run_cases(recoverable_cases, G_N_ELEMENTS(recoverable_cases));
}

static void
test_parse_invalid(void)
{
  run_cases(invalid_cases, G_N_ELEMENTS(invalid_cases));
}

/* ---- what the recoverable messages parse into --------------------------------------------- */

static void
test_start_line_fields(void)
{
  g_autoptr(Parsed) req = parse_exact("\r\n" INV HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM);
  g_assert_cmpint(req->r, ==, 1);
  g_assert_true(req->msg.is_request);
  g_assert_cmpint(req->msg.method_id, ==, SIP_METHOD_INVITE);
  assert_span(req, req->msg.ruri, "sip:bob@example.com");
  assert_span(req, req->msg.version, "SIP/2.0");
  g_assert_cmpuint(req->msg.n_headers, ==, 7);
  g_assert_cmpint(req->msg.eol, ==, SIP_EOL_CRLF);
  g_assert_cmpuint(req->msg.msg_len, ==, req->len);

  g_autoptr(Parsed) ext = parse_exact("FOO sip:x@h SIP/2.0\r\n\r\n", -1, SIP_TP_DGRAM);
  g_assert_cmpint(ext->msg.method_id, ==, SIP_METHOD_OTHER);
  assert_span(ext, ext->msg.method, "FOO");

  g_autoptr(Parsed) rsp = parse_exact("SIP/2.0 486 Busy  Here \r\n" HDRS CSEQ EMPTY, -1, SIP_TP_DGRAM);
  g_assert_false(rsp->msg.is_request);
  g_assert_cmpuint(rsp->msg.status, ==, 486);
  assert_span(rsp, rsp->msg.reason, "Busy  Here");
  for (guint m = 1; m < SIP_METHOD_COUNT; m++) {
    const char *name = sip_method_name(m);
    g_assert_cmpint(sip_method_lookup((const guint8 *) name, strlen(name)), ==, m);
  }
  g_assert_cmpint(sip_method_lookup((const guint8 *) "invite", 6), ==, SIP_METHOD_OTHER);
  g_assert_cmpstr(sip_reason_phrase(486), ==, "Busy Here");
  g_assert_cmpstr(sip_reason_phrase(499), ==, "Bad Request");
}

static void
test_line_ends_recorded(void)
{
  g_autoptr(Parsed) lf = parse_exact(recoverable_cases[0].bytes, -1, SIP_TP_DGRAM);
  g_assert_cmpint(lf->msg.eol, ==, SIP_EOL_LF);
  g_autoptr(Parsed) mixed =
    parse_exact("OPTIONS sip:b@h SIP/2.0\r\nCall-ID: x\nl: 0\r\n\n", -1, SIP_TP_DGRAM);
  g_assert_cmpint(mixed->r, ==, 1);
  g_assert_cmpint(mixed->msg.eol, ==, SIP_EOL_MIXED);
}

static void
test_folding_and_whitespace(void)
{
  g_autoptr(Parsed) p = parse_exact(recoverable_cases[1].bytes, -1, SIP_TP_DGRAM);
  g_assert_cmpint(p->r, ==, 1);
  SipVia via;
  g_assert_cmpint(sip_msg_via(&p->msg, 0, &via), ==, 1);
  assert_span(p, via.transport, "UDP");
  assert_span(p, via.host, "192.0.2.2");
  g_assert_cmpuint(via.port, ==, 5070);
  assert_span(p, via.branch, "z9hG4bKws");
  g_assert_true(sip_branch_has_cookie(p->buf, via.branch));
  g_assert_false(sip_branch_has_cookie(p->buf, via.transport));
  g_assert_true(via.has_rport);
  g_assert_cmpuint(via.rport.len, ==, 0);
  guint32 num;
  SipMethod m;
  g_assert_cmpint(sip_msg_cseq(&p->msg, &num, &m, NULL), ==, 1);
  g_assert_cmpuint(num, ==, 8);
  g_assert_cmpint(m, ==, SIP_METHOD_INVITE);
  SipSpan tag;
  g_assert_cmpint(sip_msg_tag(&p->msg, SIP_HDR_FROM, &tag), ==, 1);
  assert_span(p, tag, "f1");
  g_assert_cmpint(sip_msg_tag(&p->msg, SIP_HDR_TO, &tag), ==, 0);
  SipNameAddr to;
  g_assert_cmpint(sip_msg_to(&p->msg, &to), ==, 1);
  assert_span(p, to.uri, "sip:bob@example.com");
  const SipHeader *subj = sip_msg_header(&p->msg, SIP_HDR_SUBJECT, 0);
  g_assert_nonnull(subj);
  g_assert_cmpuint(subj->value.len, ==, 0);
  const SipHeader *nf = sip_msg_header_named(&p->msg, "newfangledheader", 0);
  g_assert_nonnull(nf);
  g_assert_cmpint(nf->id, ==, SIP_HDR_OTHER);
  assert_span(p, nf->value, "newfangled value\r\n continued newfangled value");
  g_assert_cmpint(p->msg.cl_state, ==, SIP_CL_EXACT);
}

static void
test_compact_forms(void)
{
  static const struct {
    char letter; /* compact form */
    SipHdr id;   /* its header */
  } forms[] = {
    {'a', SIP_HDR_ACCEPT_CONTACT}, {'b', SIP_HDR_REFERRED_BY}, {'c', SIP_HDR_CONTENT_TYPE},
    {'d', SIP_HDR_REQUEST_DISPOSITION}, {'e', SIP_HDR_CONTENT_ENCODING}, {'f', SIP_HDR_FROM},
    {'i', SIP_HDR_CALL_ID}, {'j', SIP_HDR_REJECT_CONTACT}, {'k', SIP_HDR_SUPPORTED},
    {'l', SIP_HDR_CONTENT_LENGTH}, {'m', SIP_HDR_CONTACT}, {'o', SIP_HDR_EVENT},
    {'r', SIP_HDR_REFER_TO}, {'s', SIP_HDR_SUBJECT}, {'t', SIP_HDR_TO}, {'u', SIP_HDR_ALLOW_EVENTS},
    {'v', SIP_HDR_VIA}, {'x', SIP_HDR_SESSION_EXPIRES}, {'y', SIP_HDR_IDENTITY},
  };
  for (guint i = 0; i < G_N_ELEMENTS(forms); i++) {
    guint8 up = (guint8) g_ascii_toupper(forms[i].letter);
    g_assert_cmpint(sip_hdr_lookup((const guint8 *) &forms[i].letter, 1), ==, forms[i].id);
    g_assert_cmpint(sip_hdr_lookup(&up, 1), ==, forms[i].id);
    g_assert_cmpint(sip_hdr_compact(forms[i].id), ==, forms[i].letter);
  }
  g_assert_cmpint(sip_hdr_lookup((const guint8 *) "z", 1), ==, SIP_HDR_OTHER);
  g_assert_cmpint(sip_hdr_lookup((const guint8 *) "cseq", 4), ==, SIP_HDR_CSEQ);
  g_assert_cmpint(sip_hdr_lookup((const guint8 *) "Via-X", 5), ==, SIP_HDR_OTHER);
  for (guint i = 1; i < SIP_HDR_COUNT; i++) {
    const char *n = sip_hdr_name(i);
    g_assert_cmpint(sip_hdr_lookup((const guint8 *) n, strlen(n)), ==, i);
  }
}

static void
test_list_values(void)
{
  const char *m =
    INV "Via: SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK2"
        ";received=192.0.2.9\r\n"
        "v: SIP/2.0/UDP c.example:5062;branch=z9hG4bK3;rport=40000;maddr=239.1.1.1;ttl=16\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n" CSEQ
        "Contact: \"Bob, Jr.\" <sip:bo,b@h;x=1>;q=0.7, <sip:b2@h>;expires=60,,sip:b3@h;q=0.1\r\n"
        "Authorization: Digest username=\"a\", realm=\"r\"\r\n" EMPTY;
  g_autoptr(Parsed) p = parse_exact(m, -1, SIP_TP_DGRAM);
  g_assert_cmpint(p->r, ==, 1);
  g_assert_cmpint(sip_msg_validate(&p->msg, NULL), ==, 1);
  g_assert_cmpuint(sip_msg_count(&p->msg, SIP_HDR_VIA), ==, 2);
  g_assert_cmpuint(sip_msg_value_count(&p->msg, SIP_HDR_VIA), ==, 3);
  SipVia via;
  g_assert_cmpint(sip_msg_via(&p->msg, 1, &via), ==, 1);
  assert_span(p, via.host, "[2001:db8::1]");
  g_assert_cmpuint(via.port, ==, 5061);
  assert_span(p, via.transport, "TCP");
  assert_span(p, via.received, "192.0.2.9");
  g_assert_false(via.has_rport);
  g_assert_cmpint(sip_msg_via(&p->msg, 2, &via), ==, 1);
  g_assert_cmpuint(via.rport_port, ==, 40000);
  assert_span(p, via.maddr, "239.1.1.1");
  assert_span(p, via.ttl, "16");
  g_assert_cmpint(sip_msg_via(&p->msg, 3, &via), ==, 0);
  /* Commas inside quotes and <...> do not split; empty elements are skipped. */
  g_assert_cmpuint(sip_msg_value_count(&p->msg, SIP_HDR_CONTACT), ==, 3);
  SipNameAddr na;
  g_assert_cmpint(sip_msg_contact(&p->msg, 0, &na), ==, 1);
  assert_span(p, na.display, "Bob, Jr.");
  assert_span(p, na.uri, "sip:bo,b@h;x=1");
  SipSpan q;
  g_assert_cmpint(sip_param_find(p->buf, na.params, "q", &q, NULL), ==, 1);
  assert_span(p, q, "0.7");
  g_assert_cmpint(sip_msg_contact(&p->msg, 2, &na), ==, 1);
  g_assert_false(na.angle);
  assert_span(p, na.uri, "sip:b3@h");
  assert_span(p, na.params, ";q=0.1");
  /* Authorization is not a list: one value with its commas. */
  g_assert_cmpuint(sip_msg_value_count(&p->msg, SIP_HDR_AUTHORIZATION), ==, 1);
}

/* ---- URIs and name-addr ------------------------------------------------------------------- */

typedef struct {
  const char *uri;      /* input */
  int result;           /* sip_uri_parse() */
  SipUriScheme scheme;  /* expected scheme */
  const char *user;     /* expected user ("" = none) */
  const char *password; /* expected password */
  const char *host;     /* expected host */
  guint port;           /* expected port */
  const char *params;   /* expected params span */
  const char *headers;  /* expected headers span */
} UriCase;

static void
test_uri_table(void)
{
  static const UriCase cases[] = {
    {"sip:alice@192.168.1.50", 1, SIP_URI_SIP, "alice", "", "192.168.1.50", 0, "", ""},
    {"SIP:alice:secret@example.com:5070;transport=TCP;lr?subject=hi&x=y", 1, SIP_URI_SIP, "alice",
     "secret", "example.com", 5070, ";transport=TCP;lr", "subject=hi&x=y"},
    {"sips:[2001:db8::1]:5061", 1, SIP_URI_SIPS, "", "", "[2001:db8::1]", 5061, "", ""},
    {"sip:example.com;maddr=239.255.255.1", 1, SIP_URI_SIP, "", "", "example.com", 0,
     ";maddr=239.255.255.1", ""},
    {"sip:%61lice@h", 1, SIP_URI_SIP, "%61lice", "", "h", 0, "", ""},
    {"sip:+1234;phone-context=x@gw.example;user=phone", 1, SIP_URI_SIP, "+1234;phone-context=x", "",
     "gw.example", 0, ";user=phone", ""},
    {"tel:+1-201-555-0123;ext=1", 1, SIP_URI_TEL, "+1-201-555-0123", "", "", 0, ";ext=1", ""},
    {"urn:service:sos", 1, SIP_URI_OTHER, "", "", "", 0, "", ""},
    {"sip:a@h:70000", -1}, {"sip:@h", -1}, {"sip:a@", -1}, {"sip:a@[2001:db8::1", -1},
    {"sip:a@h;;", -1},     {"sip:a b@h", -1}, {"sip:a@h:", -1}, {"nocolon", -1},
    {"sip:a@h%", -1},      {"tel:", -1},      {"sip:a@h x", -1}, {"", 0},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const UriCase *c = &cases[i];
    g_test_message("uri %s", c->uri);
    g_autofree guint8 *buf = g_memdup2(c->uri, strlen(c->uri) + 1);
    SipUri u;
    SipSpan all = {0, (guint) strlen(c->uri)};
    g_assert_cmpint(sip_uri_parse(buf, all, &u), ==, c->result);
    if (c->result != 1)
      continue;
    g_assert_cmpint(u.scheme, ==, c->scheme);
    g_autofree char *user = sip_span_dup(buf, u.user), *pw = sip_span_dup(buf, u.password),
                    *host = sip_span_dup(buf, u.host), *par = sip_span_dup(buf, u.params),
                    *hdr = sip_span_dup(buf, u.headers);
    g_assert_cmpstr(user, ==, c->user);
    g_assert_cmpstr(pw, ==, c->password);
    g_assert_cmpstr(host, ==, c->host);
    g_assert_cmpuint(u.port, ==, c->port);
    g_assert_cmpstr(par, ==, c->params);
    g_assert_cmpstr(hdr, ==, c->headers);
  }
  const guint8 esc[] = "sip%3Auser%40example.com";
  g_autofree char *un = sip_unescape(esc, (SipSpan){0, sizeof esc - 1});
  g_assert_cmpstr(un, ==, "sip:user@example.com");
  guint32 a;
  g_assert_cmpint(sip_host_ipv4((const guint8 *) "203.0.113.2", (SipSpan){0, 11}, &a), ==, 1);
  g_assert_cmphex(a, ==, 0xCB007102);
  g_assert_cmpint(sip_host_ipv4((const guint8 *) "203.0.113.256", (SipSpan){0, 13}, &a), ==, 0);
  g_assert_cmpint(sip_host_ipv4((const guint8 *) "203.0.113", (SipSpan){0, 9}, &a), ==, 0);
}

static void
test_name_addr_table(void)
{
  static const struct {
    const char *in;      /* value */
    int result;          /* sip_name_addr_parse() */
    const char *display; /* expected display */
    const char *uri;     /* expected URI */
    const char *tag;     /* expected tag param, NULL = none */
  } cases[] = {
    {"\"Alice \\\"A\\\"\" <sip:alice@h>;tag=9", 1, "Alice \\\"A\\\"", "sip:alice@h", "9"},
    {"Bob Smith <sip:bob@h;transport=udp> ; tag = x", 1, "Bob Smith", "sip:bob@h;transport=udp", "x"},
    {"<sip:c@h>", 1, "", "sip:c@h", NULL},
    {"sip:d@h;tag=7", 1, "", "sip:d@h", "7"},
    {"  <tel:+15551234>;tag=t", 1, "", "tel:+15551234", "t"},
    {"\"unterminated <sip:a@h>", -1}, {"<sip:a@h", -1}, {"<sip:a@h> junk", -1},
    {"\"x\" sip:a@h", -1}, {"<>", -1}, {"<sip:a@h>;=x", -1},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("name-addr %s", cases[i].in);
    gsize n = strlen(cases[i].in);
    g_autofree guint8 *buf = g_memdup2(cases[i].in, n + 1);
    SipNameAddr na;
    g_assert_cmpint(sip_name_addr_parse(buf, (SipSpan){0, (guint) n}, &na), ==, cases[i].result);
    if (cases[i].result != 1)
      continue;
    g_autofree char *d = sip_span_dup(buf, na.display), *u = sip_span_dup(buf, na.uri);
    g_assert_cmpstr(d, ==, cases[i].display);
    g_assert_cmpstr(u, ==, cases[i].uri);
    SipSpan tag;
    int r = sip_param_find(buf, na.params, "TAG", &tag, NULL);
    g_assert_cmpint(r, ==, cases[i].tag ? 1 : 0);
    if (cases[i].tag) {
      g_autofree char *t = sip_span_dup(buf, tag);
      g_assert_cmpstr(t, ==, cases[i].tag);
    }
  }
}

static void
test_header_values(void)
{
  const char *m = "REGISTER sip:registrar.example SIP/2.0\r\n" HDRS "CSeq: 42 REGISTER\r\n"
                  "Contact: *\r\nExpires: 99999999999\r\n"
                  "Content-Type: Application / SDP ; charset=x\r\n" EMPTY;
  g_autoptr(Parsed) p = parse_exact(m, -1, SIP_TP_DGRAM);
  g_assert_cmpint(p->r, ==, 1);
  SipNameAddr na;
  g_assert_cmpint(sip_msg_contact(&p->msg, 0, &na), ==, 1);
  g_assert_true(na.star);
  guint32 e;
  g_assert_cmpint(sip_msg_expires(&p->msg, &e), ==, 1);
  g_assert_cmpuint(e, ==, G_MAXUINT32);
  guint hops;
  g_assert_cmpint(sip_msg_max_forwards(&p->msg, &hops), ==, 1);
  g_assert_cmpuint(hops, ==, 70);
  SipSpan type, params, cid;
  g_assert_cmpint(sip_msg_content_type(&p->msg, &type, &params), ==, 1);
  g_assert_true(sip_content_type_is(p->buf, type, "application/sdp"));
  g_assert_false(sip_content_type_is(p->buf, type, "application/sdpx"));
  g_assert_cmpint(sip_msg_call_id(&p->msg, &cid), ==, 1);
  assert_span(p, cid, "c1@192.168.1.50");
  guint32 num;
  SipMethod meth;
  SipSpan ms;
  g_assert_cmpint(sip_msg_cseq(&p->msg, &num, &meth, &ms), ==, 1);
  g_assert_cmpuint(num, ==, 42);
  g_assert_cmpint(meth, ==, SIP_METHOD_REGISTER);
  g_assert_cmpint(sip_msg_validate(&p->msg, NULL), ==, 1);
  /* Absent headers report 0. */
  g_autoptr(Parsed) bare = parse_exact("OPTIONS sip:x@h SIP/2.0\r\n\r\n", -1, SIP_TP_DGRAM);
  g_assert_cmpint(sip_msg_expires(&bare->msg, &e), ==, 0);
  g_assert_cmpint(sip_msg_cseq(&bare->msg, &num, NULL, NULL), ==, 0);
  g_assert_cmpint(sip_msg_tag(&bare->msg, SIP_HDR_FROM, &cid), ==, 0);
  g_assert_cmpint(sip_msg_via(&bare->msg, 0, NULL), ==, 0);
  g_assert_cmpint(sip_msg_content_type(&bare->msg, NULL, NULL), ==, 0);
}

/* ---- Content-Length and stream framing ---------------------------------------------------- */

static void
test_content_length_semantics(void)
{
  g_autoptr(Parsed) absent = parse_exact(recoverable_cases[4].bytes, -1, SIP_TP_DGRAM);
  g_assert_cmpint(absent->msg.cl_state, ==, SIP_CL_ABSENT);
  assert_span(absent, absent->msg.body, "hello");
  g_autoptr(Parsed) shorter = parse_exact(recoverable_cases[5].bytes, -1, SIP_TP_DGRAM);
  g_assert_cmpint(shorter->msg.cl_state, ==, SIP_CL_SHORTER);
  assert_span(shorter, shorter->msg.body, "he");
  g_assert_cmpuint(shorter->msg.msg_len, ==, shorter->len - 3);
  g_autoptr(Parsed) stream = parse_exact(recoverable_cases[5].bytes, -1, SIP_TP_STREAM);
  g_assert_cmpint(stream->r, ==, 1);
  g_assert_cmpuint(stream->msg.content_length, ==, 2);
}

static void
test_stream_frame(void)
{
  const char *one = INV HDRS CSEQ "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  const char *two = "SIP/2.0 100 Trying\r\n" HDRS CSEQ EMPTY;
  g_autofree char *joined = g_strconcat("\r\n\r\n", one, two, NULL);
  gsize total = strlen(joined), at = 0, len;
  g_autofree guint8 *buf = g_memdup2(joined, total);
  const char *why;
  guint frames = 0, messages = 0;
  while (at < total) {
    int r = sip_stream_frame(buf + at, total - at, &len, &why);
    g_assert_cmpint(r, ==, 1);
    SipMsg msg;
    int pr = sip_msg_parse(buf + at, len, SIP_TP_STREAM, &msg, &why);
    g_assert_cmpint(pr, >=, 0);
    if (pr == 1) {
      g_assert_cmpuint(msg.msg_len, ==, len);
      messages++;
    }
    frames++;
    at += len;
  }
  g_assert_cmpuint(frames, ==, 3); /* keepalive, INVITE, 100 */
  g_assert_cmpuint(messages, ==, 2);
  /* Every strict prefix of the INVITE needs more bytes, never a bogus frame. */
  gsize n1 = strlen(one);
  for (gsize cut = 1; cut < n1; cut++) {
    g_autofree guint8 *part = g_memdup2(one, cut);
    g_assert_cmpint(sip_stream_frame(part, cut, &len, &why), ==, 0);
    g_assert_cmpuint(len, ==, 0);
  }
  g_assert_cmpint(sip_stream_frame((const guint8 *) "", 0, &len, &why), ==, 0);
  const char *nocl = INV HDRS CSEQ "\r\n";
  g_autofree guint8 *b2 = g_memdup2(nocl, strlen(nocl));
  g_assert_cmpint(sip_stream_frame(b2, strlen(nocl), &len, &why), ==, -1);
  const char *neg = INV HDRS CSEQ "Content-Length: -1\r\n\r\n";
  g_autofree guint8 *b3 = g_memdup2(neg, strlen(neg));
  g_assert_cmpint(sip_stream_frame(b3, strlen(neg), &len, &why), ==, -1);
  /* A head that never ends is given up on after SIP_MAX_HEAD_LEN bytes. */
  GString *big = g_string_new(INV);
  while (big->len <= SIP_MAX_HEAD_LEN)
    g_string_append(big, "X-Pad: 0123456789012345678901234567890123456789\r\n");
  g_autofree guint8 *b4 = g_memdup2(big->str, big->len);
  g_assert_cmpint(sip_stream_frame(b4, big->len, &len, &why), ==, -1);
  g_string_free(big, TRUE);
}

static void
test_too_many_and_long_headers(void)
{
  GString *s = g_string_new(INV HDRS CSEQ);
  for (guint i = 0; i < SIP_MAX_HEADERS; i++)
    g_string_append_printf(s, "X-H%u: %u\r\n", i, i);
  g_string_append(s, EMPTY);
  g_autoptr(Parsed) many = parse_exact(s->str, (gssize) s->len, SIP_TP_DGRAM);
  g_assert_cmpint(many->r, ==, -1);
  g_assert_cmpstr(many->why, ==, "too many headers");
  g_string_assign(s, INV HDRS CSEQ "Subject: ");
  for (guint i = 0; i < 20000; i++)
    g_string_append_c(s, 'a' + i % 26);
  g_string_append(s, "\r\nX-Long-Folded: a\r\n");
  for (guint i = 0; i < 500; i++)
    g_string_append(s, " b,\r\n");
  g_string_append(s, EMPTY);
  g_autoptr(Parsed) lng = parse_exact(s->str, (gssize) s->len, SIP_TP_DGRAM);
  g_assert_cmpint(lng->r, ==, 1);
  g_assert_cmpuint(sip_msg_header(&lng->msg, SIP_HDR_SUBJECT, 0)->value.len, ==, 20000);
  g_assert_cmpint(sip_msg_validate(&lng->msg, NULL), ==, 1);
  g_string_free(s, TRUE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/sip/msg/parse/valid", test_parse_valid);
  g_test_add_func("/sip/msg/parse/recoverable", test_parse_recoverable);
  g_test_add_func("/sip/msg/parse/invalid", test_parse_invalid);
  g_test_add_func("/sip/msg/start-line-fields-and-method-table", test_start_line_fields);
  g_test_add_func("/sip/msg/records-lf-and-mixed-line-ends", test_line_ends_recorded);
  g_test_add_func("/sip/msg/folding-and-odd-spacing-parse-to-clean-fields", test_folding_and_whitespace);
  g_test_add_func("/sip/msg/compact-forms-map-to-long-names", test_compact_forms);
  g_test_add_func("/sip/msg/lists-split-on-commas-outside-quotes-and-angles", test_list_values);
  g_test_add_func("/sip/msg/header-values-cseq-expires-contact-star", test_header_values);
  g_test_add_func("/sip/msg/too-many-headers-rejected-long-values-kept", test_too_many_and_long_headers);
  g_test_add_func("/sip/uri/table", test_uri_table);
  g_test_add_func("/sip/name-addr/table", test_name_addr_table);
  g_test_add_func("/sip/framing/udp-content-length-absent-shorter", test_content_length_semantics);
  g_test_add_func("/sip/framing/stream-splits-messages-and-waits-for-bytes", test_stream_frame);
  return g_test_run();
}
