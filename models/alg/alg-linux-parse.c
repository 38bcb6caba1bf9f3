/* alg-linux-parse.c — the SIP and SDP parsing rules of Linux's nf_conntrack_sip.c: header lines
 * found by long or compact name at a line start (ct_sip_get_header), a URI found by searching for
 * "sip:" and skipping the user part up to '@' on the same line (skp_epaddr_len), IPv4 addresses
 * parsed like in4_pton() with a port of 1024..65535 or none (then 5060), comma lists of Contacts
 * (ct_sip_walk_headers), URI parameters (ct_sip_parse_param), and SDP lines limited by a
 * terminating line type (ct_sip_get_sdp_header).  Rules only; no kernel code is copied.
 * Every function bounds-checks against len: the buffer is never NUL-terminated.
 */
#include "alg-linux-private.h"

#include <string.h>

#define SIP_PORT 5060

typedef enum {
  LX_MATCH_DIGITS, /* digits_len */
  LX_MATCH_EPADDR, /* address[:port] (epaddr_len) */
  LX_MATCH_SKP,    /* user@ skipped, then address[:port] (skp_epaddr_len) */
  LX_MATCH_MEDIA,  /* letters, one space, digits (media_len, for m=) */
} LxMatch;

typedef struct {
  const char *name;   /* long name */
  const char *cname;  /* compact name or NULL */
  const char *search; /* text to find after the colon before matching, or NULL */
  LxMatch match;      /* how the value's length is found */
} LxHdrDef;

static const LxHdrDef hdrs[] = {
  [LX_HDR_CSEQ] = { "CSeq", NULL, NULL, LX_MATCH_DIGITS },
  [LX_HDR_FROM] = { "From", "f", "sip:", LX_MATCH_SKP },
  [LX_HDR_TO] = { "To", "t", "sip:", LX_MATCH_SKP },
  [LX_HDR_CONTACT] = { "Contact", "m", "sip:", LX_MATCH_SKP },
  [LX_HDR_VIA_UDP] = { "Via", "v", "UDP ", LX_MATCH_EPADDR },
  [LX_HDR_VIA_TCP] = { "Via", "v", "TCP ", LX_MATCH_EPADDR },
  [LX_HDR_EXPIRES] = { "Expires", NULL, NULL, LX_MATCH_DIGITS },
  [LX_HDR_CONTENT_LENGTH] = { "Content-Length", "l", NULL, LX_MATCH_DIGITS },
};

static const LxHdrDef sdp_hdrs[] = {
  [LX_SDP_UNSPEC] = { "", NULL, NULL, LX_MATCH_DIGITS },
  [LX_SDP_VERSION] = { "v=", NULL, NULL, LX_MATCH_DIGITS },
  [LX_SDP_OWNER] = { "o=", NULL, "IN IP4 ", LX_MATCH_EPADDR },
  [LX_SDP_CONNECTION] = { "c=", NULL, "IN IP4 ", LX_MATCH_EPADDR },
  [LX_SDP_MEDIA] = { "m=", NULL, NULL, LX_MATCH_MEDIA },
};

static gboolean
ci_prefix(const char *buf, gsize off, gsize len, const char *s)
{
  gsize n = strlen(s);
  return len - off >= n && g_ascii_strncasecmp(buf + off, s, n) == 0;
}

static gboolean
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

guint
lx_strtoul(const char *buf, gsize off, gsize len, gsize *end)
{
  guint64 v = 0;
  gsize i = off;
  while (i < len && is_digit(buf[i])) {
    v = v * 10 + (guint)(buf[i] - '0');
    if (v > G_MAXUINT32)
      v = G_MAXUINT32;
    i++;
  }
  if (end)
    *end = i;
  return (guint)v;
}

/* Search `needle` (case-insensitive) from off up to the end of the line: its offset, or -1. */
static gssize
header_search(const char *buf, gsize off, gsize len, const char *needle)
{
  gsize n = strlen(needle);
  for (gsize i = off; i + n <= len; i++) {
    if (buf[i] == '\r' || buf[i] == '\n')
      return -1;
    if (g_ascii_strncasecmp(buf + i, needle, n) == 0)
      return (gssize)i;
  }
  return -1;
}

/* in4_pton(): four decimal octets separated by dots, ended by anything that is not a digit, a
 * dot or a hex letter (a hex letter makes it fail, as in the kernel). */
gboolean
lx_parse_addr(const char *buf, gsize off, gsize len, guint32 *addr, gsize *end)
{
  guint32 a = 0;
  guint octets = 0, w = 0, digits = 0;
  gsize i = off;
  for (;; i++) {
    char c = i < len ? buf[i] : '\0';
    if (is_digit(c)) {
      w = w * 10 + (guint)(c - '0');
      if (w > 255 || ++digits > 3)
        return FALSE;
      continue;
    }
    if (g_ascii_isxdigit(c))
      return FALSE;
    if (!digits)
      return FALSE;
    a = a << 8 | w;
    octets++;
    w = 0;
    digits = 0;
    if (c == '.') {
      if (octets >= 4)
        return FALSE;
      continue;
    }
    break;
  }
  if (octets != 4)
    return FALSE;
  *addr = a;
  if (end)
    *end = i;
  return TRUE;
}

/* Length of the matched value at off (0: no match); *shift is added to the match offset. */
static gsize
match_len(LxMatch how, const char *buf, gsize off, gsize len, gsize *shift)
{
  *shift = 0;
  gsize end;
  guint32 a;
  switch (how) {
  case LX_MATCH_DIGITS:
    lx_strtoul(buf, off, len, &end);
    return end - off;
  case LX_MATCH_MEDIA:
    end = off;
    while (end < len && g_ascii_isalpha(buf[end]))
      end++;
    if (end >= len || buf[end] != ' ')
      return 0;
    lx_strtoul(buf, end + 1, len, &end);
    return end - off;
  case LX_MATCH_SKP: {
    /* skp_epaddr_len: skip to just after '@' if there is one on this line. */
    gsize i = off;
    while (i < len && buf[i] != '@' && buf[i] != '\r' && buf[i] != '\n')
      i++;
    if (i < len && buf[i] == '@') {
      *shift = i + 1 - off;
      off = i + 1;
    }
  }
    /* fall through */
  case LX_MATCH_EPADDR:
    if (!lx_parse_addr(buf, off, len, &a, &end))
      return 0;
    if (end < len && buf[end] == ':') {
      end++;
      lx_strtoul(buf, end, len, &end);
    }
    return end - off;
  }
  return 0;
}

int
lx_get_header(const char *buf, gsize off, gsize len, LxHdr h, gsize *moff, gsize *mlen)
{
  const LxHdrDef *d = &hdrs[h];
  for (gsize i = off; i < len; i++) {
    if (buf[i] != '\r' && buf[i] != '\n')
      continue;
    if (++i >= len)
      break;
    if (buf[i - 1] == '\r' && buf[i] == '\n' && ++i >= len)
      break;
    if (buf[i] == ' ' || buf[i] == '\t')
      continue; /* continuation line */
    /* A compact name must be followed by a non-letter. */
    if (ci_prefix(buf, i, len, d->name))
      i += strlen(d->name);
    else if (d->cname && len - i >= 2 && ci_prefix(buf, i, len, d->cname) &&
             !g_ascii_isalpha(buf[i + 1]))
      i += 1;
    else
      continue;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
      i++;
    if (i >= len || buf[i] != ':' || ++i >= len)
      break; /* the kernel stops searching here */
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
      i++;
    if (i >= len)
      break;
    *moff = i;
    if (d->search) {
      gssize s = header_search(buf, i, len, d->search);
      if (s < 0)
        return -1;
      i = (gsize)s + strlen(d->search);
    }
    gsize shift;
    *mlen = match_len(d->match, buf, i, len, &shift);
    if (!*mlen)
      continue;
    *moff = i + shift;
    return 1;
  }
  return 0;
}

/* ct_sip_next_header: the next entry of a comma list in the same header line. */
static int
next_header(const char *buf, gsize off, gsize len, LxHdr h, gsize *moff, gsize *mlen)
{
  const LxHdrDef *d = &hdrs[h];
  gssize c = header_search(buf, off, len, ",");
  if (c < 0)
    return 0;
  gssize s = header_search(buf, (gsize)c, len, d->search);
  if (s < 0)
    return 0;
  gsize i = (gsize)s + strlen(d->search), shift;
  *mlen = match_len(d->match, buf, i, len, &shift);
  if (!*mlen)
    return -1;
  *moff = i + shift;
  return 1;
}

static int
walk_headers(const char *buf, gsize off, gsize len, LxHdr h, int *in_header, gsize *moff,
             gsize *mlen)
{
  int ret;
  if (in_header && *in_header) {
    for (;;) {
      ret = next_header(buf, off, len, h, moff, mlen);
      if (ret > 0)
        return ret;
      if (ret == 0)
        break;
      off = *moff + 1;
    }
    *in_header = 0;
  }
  for (;;) {
    ret = lx_get_header(buf, off, len, h, moff, mlen);
    if (ret > 0)
      break;
    if (ret == 0)
      return 0;
    off = *moff; /* "sip:" missing on that line: go on from there */
  }
  if (in_header)
    *in_header = 1;
  return 1;
}

int
lx_parse_header_uri(const char *buf, gsize *coff, gsize len, LxHdr h, int *in_header,
                    gsize *moff, gsize *mlen, guint32 *addr, guint16 *port)
{
  int ret = walk_headers(buf, coff ? *coff : 0, len, h, in_header, moff, mlen);
  if (ret == 0)
    return 0;
  gsize c;
  if (!lx_parse_addr(buf, *moff, len, addr, &c))
    return -1;
  if (c < len && buf[c] == ':') {
    guint p = lx_strtoul(buf, c + 1, len, &c);
    /* Measured (#46): a port below 1024 makes the field ignored, not the packet dropped. */
    if (p < 1024 || p > 65535)
      return p < 1024 ? 0 : -1;
    *port = (guint16)p;
  } else {
    *port = SIP_PORT;
  }
  if (coff)
    *coff = c;
  return 1;
}

int
lx_parse_request(const char *buf, gsize len, gsize *moff, gsize *mlen, guint32 *addr,
                 guint16 *port)
{
  gsize i = 0;
  while (i < len && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n')
    i++;
  if (i == 0 || ++i >= len)
    return 0;
  for (; i + 4 < len; i++) {
    if (buf[i] == '\r' || buf[i] == '\n')
      return -1;
    if (g_ascii_strncasecmp(buf + i, "sip:", 4) == 0) {
      i += 4;
      break;
    }
  }
  gsize shift;
  if (!match_len(LX_MATCH_SKP, buf, i, len, &shift))
    return 0;
  i += shift;
  gsize end;
  if (!lx_parse_addr(buf, i, len, addr, &end))
    return -1;
  if (end < len && buf[end] == ':') {
    guint p = lx_strtoul(buf, end + 1, len, &end);
    if (p < 1024 || p > 65535)
      return -1;
    *port = (guint16)p;
  } else {
    *port = SIP_PORT;
  }
  *moff = i;
  *mlen = end - i;
  return 1;
}

/* The end of the header entry starting at `start`: the next comma or the end of the line. */
static gsize
entry_end(const char *buf, gsize start, gsize len)
{
  gsize i = start;
  while (i < len && buf[i] != ',' && buf[i] != '\r' && buf[i] != '\n')
    i++;
  return i;
}

int
lx_parse_address_param(const char *buf, gsize start, gsize len, const char *name, gsize *poff,
                       gsize *plen, guint32 *addr)
{
  gsize lim = entry_end(buf, start, len);
  gssize s = header_search(buf, start, lim, name);
  if (s < 0)
    return 0;
  gsize a = (gsize)s + strlen(name), end;
  if (!lx_parse_addr(buf, a, lim, addr, &end))
    return 0;
  *poff = a;
  *plen = end - a;
  return 1;
}

int
lx_parse_numerical_param(const char *buf, gsize start, gsize len, const char *name, gsize *poff,
                         gsize *plen, guint *val)
{
  gsize lim = entry_end(buf, start, len);
  gssize s = header_search(buf, start, lim, name);
  if (s < 0)
    return 0;
  gsize a = (gsize)s + strlen(name), end;
  *val = lx_strtoul(buf, a, len, &end);
  if (end == a)
    return -1;
  if (poff) {
    *poff = a;
    *plen = end - a;
  }
  return 1;
}

gboolean
lx_parse_transport(const char *buf, gsize start, gsize len, guint8 flow_proto, guint8 *proto)
{
  gsize lim = entry_end(buf, start, len);
  gssize s = header_search(buf, start, lim, "transport=");
  if (s < 0) {
    *proto = flow_proto;
    return TRUE;
  }
  gsize v = (gsize)s + strlen("transport=");
  if (ci_prefix(buf, v, lim, "TCP"))
    *proto = 6;
  else if (ci_prefix(buf, v, lim, "UDP"))
    *proto = 17;
  else
    return FALSE;
  return *proto == flow_proto;
}

int
lx_get_sdp_header(const char *buf, gsize off, gsize len, LxSdp h, LxSdp term, gsize *moff,
                  gsize *mlen)
{
  const LxHdrDef *d = &sdp_hdrs[h], *t = &sdp_hdrs[term];
  for (gsize i = off; i < len; i++) {
    if (buf[i] != '\r' && buf[i] != '\n')
      continue;
    if (++i >= len)
      break;
    if (buf[i - 1] == '\r' && buf[i] == '\n' && ++i >= len)
      break;
    if (term != LX_SDP_UNSPEC && ci_prefix(buf, i, len, t->name))
      break;
    if (!ci_prefix(buf, i, len, d->name))
      continue;
    i += strlen(d->name);
    *moff = i;
    if (d->search) {
      gssize s = header_search(buf, i, len, d->search);
      if (s < 0)
        return -1;
      i = (gsize)s + strlen(d->search);
    }
    gsize shift;
    *mlen = match_len(d->match, buf, i, len, &shift);
    if (!*mlen)
      return -1;
    *moff = i + shift;
    return 1;
  }
  return 0;
}

int
lx_parse_sdp_addr(const char *buf, gsize off, gsize len, LxSdp h, LxSdp term, gsize *moff,
                  gsize *mlen, guint32 *addr)
{
  int ret = lx_get_sdp_header(buf, off, len, h, term, moff, mlen);
  if (ret <= 0)
    return ret;
  gsize end;
  if (!lx_parse_addr(buf, *moff, len, addr, &end))
    return 0;

  return 1;
}

gssize
lx_body_start(const char *buf, gsize len)
{
  for (gsize i = 0; i + 4 <= len; i++)
    if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
      return (gssize)(i + 4);
  return -1;
}
