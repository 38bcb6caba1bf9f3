/* test-sip-util.h — helpers shared by the SIP codec tests: parse a message from an exactly-sized,
 * not NUL-terminated copy (so an over-read is caught) and compare spans with text. */
#pragma once

#include <string.h>

#include "sip/sip-msg.h"

/* A message copied into an exactly-sized buffer, and its parse. */
typedef struct {
  guint8 *buf;     /* exactly len bytes, not NUL-terminated */
  gsize len;       /* its length */
  SipMsg msg;      /* the parse */
  int r;           /* sip_msg_parse() result */
  const char *why; /* its reason */
} Parsed;

static inline Parsed *
parse_exact(const void *bytes, gssize len, SipTransport tp)
{
  Parsed *p = g_new0(Parsed, 1);
  p->len = len < 0 ? strlen(bytes) : (gsize) len;
  p->buf = g_memdup2(bytes, p->len ? p->len : 1);
  p->r = sip_msg_parse(p->buf, p->len, tp, &p->msg, &p->why);
  return p;
}

static inline void
parsed_free(Parsed *p)
{
  g_free(p->buf);
  g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Parsed, parsed_free)

static inline char *
dup_span(const Parsed *p, SipSpan s)
{
  return sip_span_dup(p->buf, s);
}

#define assert_span(p, s, text)                                                                  \
  G_STMT_START {                                                                                 \
    g_autofree char *_got = dup_span((p), (s));                                                  \
    g_assert_cmpstr(_got, ==, (text));                                                           \
  }                                                                                              \
  G_STMT_END
