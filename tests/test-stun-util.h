/* test-stun-util.h — helpers shared by test-stun.c and test-stun-net.c: hex text to exactly-sized
 * byte buffers, dotted-quad addresses, and a Binding request header (RFC 8489 §5). */
#pragma once

#include "sim.h"

/* Hex text ("00 01 a4 ...", any separators) to bytes in an exactly-sized heap buffer, so that an
 * over-read is an out-of-bounds access a sanitizer sees. */
static inline guint8 *
hex_bytes(const char *text, gsize *len)
{
  GByteArray *a = g_byte_array_new();
  for (const char *p = text; *p != '\0';) {
    if (!g_ascii_isxdigit(p[0])) {
      p++;
      continue;
    }
    g_assert_true(g_ascii_isxdigit(p[1]));
    guint8 v = (guint8)((g_ascii_xdigit_value(p[0]) << 4) | g_ascii_xdigit_value(p[1]));
    g_byte_array_append(a, &v, 1);
    p += 2;
  }
  *len = a->len;
  guint8 *out = g_memdup2(a->data, a->len);
  g_byte_array_unref(a);
  return out;
}

static inline guint32
ip(const char *text)
{
  guint32 a;
  g_assert_true(sim_addr_parse(text, &a));
  return a;
}

/* A Binding request header with this length field, the magic cookie and a fixed transaction id. */
#define HDR_REQ(len) "00 01 " len " 21 12 a4 42 00 01 02 03 04 05 06 07 08 09 0a 0b "
