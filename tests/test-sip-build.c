/* test-sip-build.c — building SIP messages, editing them by splicing, and multipart bodies.
 *
 * Round trips: what the builder writes parses back to the same fields; a response built from a
 * request copies what RFC 3261 §8.2.6.2 says; edits (a proxy's Via work §16.6/§16.7, rport and
 * received RFC 3581 §4, header and body rewrites) produce the expected bytes, with Content-Length
 * following the body.  Inputs live in exactly-sized heap buffers.
 */
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


/* The folded, oddly spaced request of test-sip-msg.c (RFC 4475 §3.1.1.1, wsinv-like). */
static const char wsinv[] =
  "INVITE sip:bob@example.com SIP/2.0\r\n"
  "Via  :  SIP  /   2.0\r\n /UDP\r\n    192.0.2.2 : 5070 ; branch = z9hG4bKws ;  rport\r\n"
  "Max-Forwards:\t70\r\n"
  "t  :\r\n  <sip:bob@example.com>\r\n"
  "f:\"Alice\"<sip:alice@example.com>  ;  tag = f1\r\n"
  "Call-ID\t:\tws1@192.0.2.2\r\n"
  "CSeq  :  8\r\n   INVITE\r\n"
  "l: 0\r\n\r\n";

/* A datagram without Content-Length: its body runs to the end (RFC 3261 §18.3). */
static const char no_cl[] = INV HDRS CSEQ "Content-Type: text/plain\r\n\r\nhello";

/* ---- multipart bodies --------------------------------------------------------------------- */

static void
test_multipart_finds_sdp(void)
{
  const char *sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
                    "m=audio 4000 RTP/AVP 0\r\n";
  g_autofree char *body = g_strdup_printf(
    "preamble\r\n--b42 \r\nContent-Type: text/plain\r\n\r\nhi\r\n--b42\r\n"
    "content-type: Application/SDP\r\nContent-Disposition: session\r\n\r\n%s\r\n--b42--\r\nepilogue",
    sdp);
  g_autofree char *m = g_strdup_printf(
    INV HDRS CSEQ "Content-Type: multipart/mixed;boundary=\"b42\"\r\nContent-Length: %zu\r\n\r\n%s",
    strlen(body), body);
  g_autoptr(Parsed) p = parse_exact(m, -1, SIP_TP_DGRAM);
  g_assert_cmpint(p->r, ==, 1);
  SipSpan found;
  g_assert_cmpint(sip_msg_find_body(&p->msg, "application/sdp", &found), ==, 1);
  assert_span(p, found, sdp);
  g_assert_cmpint(sip_msg_find_body(&p->msg, "text/plain", &found), ==, 1);
  assert_span(p, found, "hi");
  g_assert_cmpint(sip_msg_find_body(&p->msg, "image/png", &found), ==, 0);
  /* A missing close delimiter, an empty boundary and a plain body. */
  const guint8 *raw = (const guint8 *) "--x\r\nContent-Type: a/b\r\n\r\nbody";
  guint pos = 0;
  SipPart part;
  SipSpan whole = {0, (guint) strlen((const char *) raw)}, bnd = {2, 1};
  g_assert_cmpint(sip_multipart_next(raw, whole, bnd, &pos, &part), ==, -1);
  g_assert_cmpint(sip_multipart_next(raw, whole, (SipSpan){2, 0}, &pos, &part), ==, -1);
  g_autoptr(Parsed) plain = parse_exact(no_cl, -1, SIP_TP_DGRAM);
  g_assert_cmpint(sip_msg_find_body(&plain->msg, "text/plain", &found), ==, 1);
  assert_span(plain, found, "hello");
}

/* ---- building and editing ----------------------------------------------------------------- */

static void
test_build_round_trip(void)
{
  g_autoptr(SipBuilder) b = sip_builder_request("INVITE", "sip:bob@203.0.113.10");
  sip_builder_add(b, SIP_HDR_VIA, "SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bKrt;rport");
  sip_builder_addf(b, SIP_HDR_MAX_FORWARDS, "%u", 70);
  sip_builder_add(b, SIP_HDR_FROM, "\"Alice\" <sip:alice@192.168.1.50>;tag=a1");
  sip_builder_add(b, SIP_HDR_TO, "<sip:bob@203.0.113.10>");
  sip_builder_add(b, SIP_HDR_CALL_ID, "rt-1@192.168.1.50");
  sip_builder_add(b, SIP_HDR_CSEQ, "7 INVITE");
  sip_builder_add_named(b, "X-Custom", "yes");
  const char *body = "v=0\r\n";
  GBytes *bytes = sip_builder_finish(g_steal_pointer(&b), "application/sdp", body, strlen(body));
  gsize n;
  const guint8 *data = g_bytes_get_data(bytes, &n);
  g_autoptr(Parsed) p = parse_exact(data, (gssize) n, SIP_TP_STREAM);
  g_bytes_unref(bytes);
  g_assert_cmpint(p->r, ==, 1);
  g_assert_cmpint(sip_msg_validate(&p->msg, NULL), ==, 1);
  g_assert_cmpint(p->msg.cl_state, ==, SIP_CL_EXACT);
  g_assert_cmpint(p->msg.eol, ==, SIP_EOL_CRLF);
  assert_span(p, p->msg.body, body);
  assert_span(p, p->msg.ruri, "sip:bob@203.0.113.10");
  guint32 num;
  g_assert_cmpint(sip_msg_cseq(&p->msg, &num, NULL, NULL), ==, 1);
  g_assert_cmpuint(num, ==, 7);
  assert_span(p, sip_msg_header_named(&p->msg, "x-custom", 0)->value, "yes");

  /* A response copies Via (all, in order), From, To (+tag), Call-ID, CSeq (§8.2.6.2). */
  g_autoptr(Parsed) req = parse_exact(wsinv, -1, SIP_TP_DGRAM);
  for (guint status = 100; status <= 200; status += 80) {
    GBytes *rb = sip_builder_finish(sip_builder_response_to(&req->msg, status, NULL, "srv7"), NULL,
                                    NULL, 0);
    const guint8 *rd = g_bytes_get_data(rb, &n);
    g_autoptr(Parsed) rsp = parse_exact(rd, (gssize) n, SIP_TP_DGRAM);
    g_bytes_unref(rb);
    g_assert_cmpint(rsp->r, ==, 1);
    g_assert_cmpuint(rsp->msg.status, ==, status);
    g_assert_cmpint(sip_msg_validate(&rsp->msg, NULL), ==, 1);
    SipVia via;
    g_assert_cmpint(sip_msg_via(&rsp->msg, 0, &via), ==, 1);
    assert_span(rsp, via.branch, "z9hG4bKws");
    SipSpan tag;
    g_assert_cmpint(sip_msg_tag(&rsp->msg, SIP_HDR_TO, &tag), ==, status == 100 ? 0 : 1);
    if (status != 100)
      assert_span(rsp, tag, "srv7");
    g_assert_cmpint(sip_msg_tag(&rsp->msg, SIP_HDR_FROM, &tag), ==, 1);
    assert_span(rsp, tag, "f1");
  }
}

static GBytes *
apply(const SipEdits *e, const Parsed *p)
{
  GBytes *out = sip_edits_apply_msg(e, &p->msg);
  g_assert_nonnull(out);
  return out;
}

static void
assert_bytes(GBytes *b, const char *want)
{
  gsize n;
  const char *d = g_bytes_get_data(b, &n);
  g_autofree char *s = g_strndup(d, n);
  g_assert_cmpstr(s, ==, want);
  g_bytes_unref(b);
}

static void
test_edits(void)
{
  const char *m = "BYE sip:b@h SIP/2.0\r\n"
                  "Via: SIP/2.0/UDP p1;branch=z9hG4bK1, SIP/2.0/UDP p2;branch=z9hG4bK2\r\n"
                  "Via: SIP/2.0/UDP ua;branch=z9hG4bK3;rport\r\n"
                  "Content-Type: text/plain\r\nl: 5\r\n\r\nhello";
  g_autoptr(Parsed) p = parse_exact(m, -1, SIP_TP_DGRAM);
  g_assert_cmpint(p->r, ==, 1);
  g_autoptr(SipEdits) e = sip_edits_new();
  g_assert_true(sip_edit_add_top_via(e, &p->msg, "SIP/2.0/UDP proxy;branch=z9hG4bK0"));
  g_assert_true(sip_edit_remove_top_via(e, &p->msg));
  assert_bytes(apply(e, p), "BYE sip:b@h SIP/2.0\r\n"
                            "Via: SIP/2.0/UDP proxy;branch=z9hG4bK0\r\n"
                            "Via: SIP/2.0/UDP p2;branch=z9hG4bK2\r\n"
                            "Via: SIP/2.0/UDP ua;branch=z9hG4bK3;rport\r\n"
                            "Content-Type: text/plain\r\nl: 5\r\n\r\nhello");
  /* rport gets a value and received is appended (RFC 3581 §4); the body grows and
   * Content-Length follows. */
  g_autoptr(SipEdits) e2 = sip_edits_new();
  SipVia via;
  SipSpan v3;
  g_assert_cmpint(sip_msg_via(&p->msg, 2, &via), ==, 1);
  g_assert_cmpint(sip_msg_value(&p->msg, SIP_HDR_VIA, 2, &v3), ==, 1);
  g_assert_true(sip_edit_set_param(e2, p->buf, v3, via.params, "rport", "40000"));
  g_assert_true(sip_edit_set_param(e2, p->buf, v3, via.params, "received", "203.0.113.2"));
  g_assert_true(sip_edit_set_param(e2, p->buf, v3, via.params, "branch", "z9hG4bKnew"));
  g_assert_true(sip_edits_replace_span(e2, p->msg.body, "hello, world"));
  g_assert_false(sip_edits_replace(e2, p->msg.body.off + 1, 1, "x")); /* overlaps */
  assert_bytes(apply(e2, p),
               "BYE sip:b@h SIP/2.0\r\n"
               "Via: SIP/2.0/UDP p1;branch=z9hG4bK1, SIP/2.0/UDP p2;branch=z9hG4bK2\r\n"
               "Via: SIP/2.0/UDP ua;branch=z9hG4bKnew;rport=40000;received=203.0.113.2\r\n"
               "Content-Type: text/plain\r\nl: 12\r\n\r\nhello, world");
  /* Remove a header, replace a value, insert at the end of the head, clear a flag value. */
  g_autoptr(SipEdits) e3 = sip_edits_new();
  g_assert_true(sip_edit_remove_header(e3, &p->msg, sip_msg_header(&p->msg, SIP_HDR_CONTENT_TYPE, 0)));
  g_assert_true(sip_edit_header_value(e3, &p->msg, sip_msg_header(&p->msg, SIP_HDR_VIA, 1),
                                      "SIP/2.0/TCP ua:5070;branch=z9hG4bK3;rport=1"));
  g_assert_true(sip_edit_insert_header(e3, &p->msg, NULL, "Reason", "Q.850;cause=16"));
  g_assert_cmpuint(sip_edits_count(e3), ==, 3);
  GBytes *out3 = apply(e3, p);
  g_autoptr(Parsed) p3 = parse_exact(g_bytes_get_data(out3, NULL), (gssize) g_bytes_get_size(out3),
                                     SIP_TP_DGRAM);
  g_bytes_unref(out3);
  g_assert_cmpint(p3->r, ==, 1);
  g_assert_cmpuint(sip_msg_count(&p3->msg, SIP_HDR_CONTENT_TYPE), ==, 0);
  assert_span(p3, sip_msg_header_named(&p3->msg, "reason", 0)->value, "Q.850;cause=16");
  g_assert_cmpint(sip_msg_via(&p3->msg, 2, &via), ==, 1);
  g_assert_cmpuint(via.rport_port, ==, 1);
  g_autoptr(SipEdits) e4 = sip_edits_new();
  SipSpan v2;
  g_assert_cmpint(sip_msg_value(&p3->msg, SIP_HDR_VIA, 2, &v2), ==, 1);
  g_assert_true(sip_edit_set_param(e4, p3->buf, v2, via.params, "rport", NULL));
  GBytes *out4 = sip_edits_apply(e4, p3->buf, p3->len);
  g_autoptr(Parsed) p4 = parse_exact(g_bytes_get_data(out4, NULL), (gssize) g_bytes_get_size(out4),
                                     SIP_TP_DGRAM);
  g_bytes_unref(out4);
  g_assert_cmpint(sip_msg_via(&p4->msg, 2, &via), ==, 1);
  g_assert_true(via.has_rport);
  g_assert_cmpuint(via.rport.len, ==, 0);
  /* Out-of-range edits are refused. */
  g_autoptr(SipEdits) e5 = sip_edits_new();
  sip_edits_replace(e5, (guint) p->len, 1, "x");
  g_assert_null(sip_edits_apply(e5, p->buf, p->len));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/sip/body/multipart-finds-sdp-part", test_multipart_finds_sdp);
  g_test_add_func("/sip/build/round-trip-and-response-copies-headers", test_build_round_trip);
  g_test_add_func("/sip/edit/via-params-headers-and-content-length", test_edits);
  return g_test_run();
}
