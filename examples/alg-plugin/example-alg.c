/* example-alg.c — an example vendor ALG plugin: a "contact fixer" built against
 * <algsim/alg-plugin.h> alone.
 *
 * What it does, like the SIP ALGs of many consumer routers: in outbound SIP messages of a
 * REGISTER or INVITE transaction (by the CSeq method, so the 200 OK of an inbound INVITE too), a
 * Contact URI naming the phone's signalling endpoint (RFC 3261 §20.10) is rewritten to the
 * router's public mapping of it, and the SDP connection (c=), origin (o=) and RTCP (a=rtcp)
 * addresses naming the phone (RFC 4566 §5.7, §5.2, RFC 3605) to the public address, keeping the
 * media ports.  Inbound messages of those transactions get the reverse mapping, so the phone
 * finds its own Contact in the 200 OK of its REGISTER (RFC 3261 §10.2.4), as nf_nat_sip.c maps
 * both directions (map_sip_addr).  Content-Length is raised or lowered by what the body gained or
 * lost (RFC 3261 §20.14; nf_nat_sip.c mangle_content_len).  No pinholes are opened.  A TCP
 * segment is rewritten only if it holds a whole header; one message per packet.
 *
 * Build: gcc -shared -fPIC -I include -o example-alg.so examples/alg-plugin/example-alg.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algsim/alg-plugin.h>

/* Per-router state. */
typedef struct {
  unsigned long rewritten; /* messages rewritten so far */
} ExampleAlg;

static int
lower(int c)
{
  return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Does [s, s + n) start with the text `w`, ignoring case? */
static int
has_prefix(const uint8_t *s, size_t n, const char *w)
{
  size_t k = strlen(w);
  if (n < k)
    return 0;
  for (size_t i = 0; i < k; i++)
    if (lower(s[i]) != lower((unsigned char)w[i]))
      return 0;
  return 1;
}

/* End of the line starting at `off` (the offset of its CR or LF, or len). */
static size_t
line_end(const uint8_t *b, size_t len, size_t off)
{
  while (off < len && b[off] != '\r' && b[off] != '\n')
    off++;
  return off;
}

/* Start of the next line after the line ending at `eol`. */
static size_t
next_line(const uint8_t *b, size_t len, size_t eol)
{
  if (eol < len && b[eol] == '\r')
    eol++;
  if (eol < len && b[eol] == '\n')
    eol++;
  return eol;
}

/* If the line [off, eol) is the header `name` (or its compact form), the offset of its value. */
static int
header_value(const uint8_t *b, size_t off, size_t eol, const char *name, const char *compact, size_t *val)
{
  size_t n = 0;
  if (has_prefix(b + off, eol - off, name))
    n = strlen(name);
  else if (compact && has_prefix(b + off, eol - off, compact))
    n = strlen(compact);
  else
    return 0;
  size_t i = off + n;
  while (i < eol && (b[i] == ' ' || b[i] == '\t'))
    i++;
  if (i >= eol || b[i] != ':')
    return 0;
  i++;
  while (i < eol && (b[i] == ' ' || b[i] == '\t'))
    i++;
  *val = i;
  return 1;
}

/* Parse a dotted IPv4 address at b[*i] up to `end`; advances *i. */
static int
parse_ipv4(const uint8_t *b, size_t *i, size_t end, uint32_t *addr)
{
  uint32_t a = 0;
  for (int part = 0; part < 4; part++) {
    if (part) {
      if (*i >= end || b[*i] != '.')
        return 0;
      (*i)++;
    }
    unsigned v = 0, digits = 0;
    while (*i < end && b[*i] >= '0' && b[*i] <= '9' && digits < 4) {
      v = v * 10 + (unsigned)(b[*i] - '0');
      (*i)++;
      digits++;
    }
    if (!digits || v > 255)
      return 0;
    a = a << 8 | v;
  }
  if (*i < end && ((b[*i] >= '0' && b[*i] <= '9') || b[*i] == '.'))
    return 0;
  *addr = a;
  return 1;
}

static void
fmt_addr(char *out, size_t size, uint32_t a, int port)
{
  if (port >= 0)
    snprintf(out, size, "%u.%u.%u.%u:%d", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, port);
  else
    snprintf(out, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Rewrite the first SIP URI host[:port] of the Contact value at [val, eol) if it names `from`,
 * to `to`.  1 if rewritten. */
static int
fix_contact(AlgsimPacket *p, size_t val, size_t eol, AlgsimAddr from, AlgsimAddr to)
{
  const uint8_t *b = p->payload;
  size_t i = val;
  while (i + 4 <= eol && !has_prefix(b + i, eol - i, "sip:"))
    i++;
  if (i + 4 > eol)
    return 0;
  i += 4;
  for (size_t k = i; k < eol && b[k] != '>' && b[k] != ';' && b[k] != ','; k++)
    if (b[k] == '@') { /* skip the user part */
      i = k + 1;
      break;
    }
  size_t host = i;
  uint32_t addr;
  if (!parse_ipv4(b, &i, eol, &addr) || addr != from.addr)
    return 0;
  unsigned port = 5060; /* RFC 3261 §19.1.2: the default SIP port */
  if (i < eol && b[i] == ':') {
    port = 0;
    for (i++; i < eol && b[i] >= '0' && b[i] <= '9' && port < 65536; i++)
      port = port * 10 + (unsigned)(b[i] - '0');
  }
  if (port != from.port)
    return 0;
  char text[32];
  fmt_addr(text, sizeof text, to.addr, to.port);
  return p->host->mangle(p, host, i - host, (const uint8_t *)text, strlen(text)) == 0;
}

/* Rewrite an SDP "c=IN IP4 a", "o=... IN IP4 a" or "a=rtcp:port IN IP4 a" (RFC 3605) line naming
 * the phone.  1 if rewritten. */
static int
fix_sdp_line(AlgsimPacket *p, size_t off, size_t eol, uint32_t from, uint32_t to)
{
  const uint8_t *b = p->payload;
  if (eol - off < 2 || !(((b[off] == 'c' || b[off] == 'o') && b[off + 1] == '=') ||
                         has_prefix(b + off, eol - off, "a=rtcp:")))
    return 0;
  size_t i = off + 2;
  while (i + 8 <= eol && !has_prefix(b + i, eol - i, "IN IP4 "))
    i++;
  if (i + 8 > eol)
    return 0;
  i += 7;
  size_t start = i;
  uint32_t addr;
  if (!parse_ipv4(b, &i, eol, &addr) || addr != from)
    return 0;
  char text[32];
  fmt_addr(text, sizeof text, to, -1);
  return p->host->mangle(p, start, i - start, (const uint8_t *)text, strlen(text)) == 0;
}

/* Add delta to the Content-Length value, if the message has one. */
static void
fix_content_length(AlgsimPacket *p, long delta)
{
  const uint8_t *b = p->payload;
  size_t len = p->payload_len, val = 0, eol = line_end(b, len, 0);
  for (size_t off = next_line(b, len, eol); off < len; off = next_line(b, len, eol)) {
    eol = line_end(b, len, off);
    if (eol == off)
      return; /* none */
    if (header_value(b, off, eol, "Content-Length", "l", &val))
      break;
  }
  if (!val)
    return;
  long old = 0;
  size_t i = val;
  while (i < eol && b[i] >= '0' && b[i] <= '9' && old < 100000000)
    old = old * 10 + (b[i++] - '0');
  if (i == val || old + delta < 0)
    return;
  char text[24];
  snprintf(text, sizeof text, "%ld", old + delta);
  p->host->mangle(p, val, i - val, (const uint8_t *)text, strlen(text));
}

static AlgsimVerdict
example_packet(void *state, AlgsimPacket *p)
{
  ExampleAlg *a = state;
  if (p->payload_len < 12)
    return ALGSIM_PASS;
  /* Outbound: the phone's endpoint becomes the public one; inbound, back again. */
  int out = p->dir == ALGSIM_DIR_OUT;
  AlgsimAddr from = out ? p->internal : p->external, to = out ? p->external : p->internal;
  const uint8_t *b = p->payload;
  size_t len = p->payload_len;
  size_t eol = line_end(b, len, 0);
  if (eol >= len || !(has_prefix(b, len, "SIP/2.0 ") || (eol >= 8 && has_prefix(b + eol - 8, 8, " SIP/2.0"))))
    return ALGSIM_PASS; /* not SIP */
  /* Pass 1: the CSeq method, and whether the header is whole. */
  int wanted = 0, whole = 0;
  for (size_t off = next_line(b, len, eol); off < len; off = next_line(b, len, eol)) {
    eol = line_end(b, len, off);
    if (eol == off) {
      whole = eol < len;
      break;
    }
    size_t val;
    if (header_value(b, off, eol, "CSeq", NULL, &val)) {
      while (val < eol && b[val] >= '0' && b[val] <= '9')
        val++;
      while (val < eol && b[val] == ' ')
        val++;
      wanted = has_prefix(b + val, eol - val, "REGISTER") || has_prefix(b + val, eol - val, "INVITE");
    }
  }
  if (!wanted || !whole)
    return ALGSIM_PASS;
  /* Pass 2: Contact headers; pass 3: the SDP body; then Content-Length.  Offsets move with every
   * mangle(), so each step re-reads p->payload. */
  int changed = 0;
  size_t body = 0;
  for (size_t off = next_line(p->payload, p->payload_len, line_end(p->payload, p->payload_len, 0));
       off < p->payload_len;) {
    size_t e = line_end(p->payload, p->payload_len, off), val;
    if (e == off) {
      body = next_line(p->payload, p->payload_len, e);
      break;
    }
    if (header_value(p->payload, off, e, "Contact", "m", &val)) {
      changed |= fix_contact(p, val, e, from, to);
      e = line_end(p->payload, p->payload_len, off);
    }
    off = next_line(p->payload, p->payload_len, e);
  }
  long body_delta = 0;
  for (size_t off = body; body && off < p->payload_len;) {
    size_t before = p->payload_len;
    changed |= fix_sdp_line(p, off, line_end(p->payload, p->payload_len, off), from.addr, to.addr);
    body_delta += (long)p->payload_len - (long)before;
    off = next_line(p->payload, p->payload_len, line_end(p->payload, p->payload_len, off));
  }
  if (body_delta)
    fix_content_length(p, body_delta);
  if (changed) {
    a->rewritten++;
    char row[96];
    snprintf(row, sizeof row, "binding %llu %s rewrote contact/sdp (%lu so far)", (unsigned long long)p->binding_id,
             out ? "out" : "in", a->rewritten);
    p->host->trace(p->router, row);
  }
  return ALGSIM_PASS;
}

static int
example_create(const AlgsimHost *host, AlgsimRouter *router, void **state)
{
  if (host->abi_version != ALGSIM_ALG_ABI_VERSION) {
    host->set_error(router, "host speaks another ALG ABI");
    return -1;
  }
  *state = calloc(1, sizeof(ExampleAlg));
  return *state ? 0 : -1;
}

static void
example_destroy(void *state)
{
  free(state);
}

ALGSIM_ALG_PLUGIN_EXPORT const AlgsimAlgPlugin algsim_alg_plugin_v1 = {
  .abi_version = ALGSIM_ALG_ABI_VERSION,
  .name = "contact-fixer",
  .summary = "example vendor plugin: public Contact and SDP address in outbound REGISTER/INVITE",
  .source = "examples/alg-plugin/example-alg.c (RFC 3261 §20.10, RFC 4566 §5.7)",
  .create = example_create,
  .destroy = example_destroy,
  .packet = example_packet,
};
