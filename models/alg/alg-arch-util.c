/* alg-arch-util.c — what the one-fault archetypes share: wrapping the ideal ALG, and reading the
 * few SIP and SDP facts they act on (method, Call-ID, audio port, hold) straight from a datagram
 * or a segment that holds whole messages, as the boxes in field-notes §4 do.  Bounded reads only:
 * a malformed payload yields "not found".
 */
#include "alg-arch-private.h"

#include <string.h>

gboolean
arch_base_init(ArchBase *b, const Config *cfg, Nat *nat, GError **error)
{
  b->nat = nat;
  b->ideal = alg_ideal_ops.create(cfg, nat, error);
  return b->ideal != NULL;
}

void
arch_base_clear(ArchBase *b)
{
  if (b->ideal)
    alg_ideal_ops.destroy(b->ideal);
  b->ideal = NULL;
}

NatAlgVerdict
arch_base_packet(ArchBase *b, NatAlgPacket *p)
{
  return alg_ideal_ops.packet(b->ideal, p);
}

const char *
arch_payload(const NatAlgPacket *p)
{
  return (const char *)p->pkt->data + p->payload_off;
}

gboolean
arch_flow_port(const NatAlgPacket *p, guint16 port)
{
  const NatTuple *t = nat_binding_tuple(p->binding);
  return t->remote.port == port || t->internal.port == port;
}

gboolean
arch_starts(const NatAlgPacket *p, const char *prefix)
{
  gsize n = strlen(prefix);
  return p->payload_len >= n && memcmp(arch_payload(p), prefix, n) == 0;
}

gboolean
arch_is_sip(const NatAlgPacket *p)
{
  static const char *const starts[] = { "SIP/2.0 ", "INVITE ", "ACK ", "BYE ", "CANCEL ", "REGISTER ",
                                        "OPTIONS ", "UPDATE ", "PRACK ", "NOTIFY ", "SUBSCRIBE ",
                                        "INFO ", "REFER ", "MESSAGE " };
  for (gsize i = 0; i < G_N_ELEMENTS(starts); i++)
    if (arch_starts(p, starts[i]))
      return TRUE;
  return FALSE;
}

/* Offset just after "\n<name>" (case-insensitive) at a line start, or -1. */
static gssize
find_line(const char *b, gsize len, gsize from, const char *name)
{
  gsize n = strlen(name);
  for (gsize i = from; i + n + 1 <= len; i++)
    if (b[i] == '\n' && g_ascii_strncasecmp(b + i + 1, name, n) == 0)
      return (gssize)(i + 1 + n);
  return -1;
}

char *
arch_call_id(const NatAlgPacket *p)
{
  const char *b = arch_payload(p);
  gsize len = p->payload_len;
  gssize v = find_line(b, len, 0, "Call-ID:");
  if (v < 0)
    v = find_line(b, len, 0, "i:");
  if (v < 0)
    return NULL;
  gsize s = (gsize)v;
  while (s < len && (b[s] == ' ' || b[s] == '\t'))
    s++;
  gsize e = s;
  while (e < len && b[e] != '\r' && b[e] != '\n' && b[e] != ' ')
    e++;
  return e > s ? g_strndup(b + s, e - s) : NULL;
}

/* The body's offset (after the blank line), or -1. */
static gssize
body_start(const NatAlgPacket *p)
{
  const char *b = arch_payload(p);
  for (gsize i = 0; i + 4 <= p->payload_len; i++)
    if (memcmp(b + i, "\r\n\r\n", 4) == 0)
      return (gssize)(i + 4);
  return -1;
}

guint16
arch_sdp_audio_port(const NatAlgPacket *p)
{
  gssize body = body_start(p);
  if (body < 0)
    return 0;
  const char *b = arch_payload(p);
  gssize v = find_line(b, p->payload_len, (gsize)body - 1, "m=audio ");
  if (v < 0)
    return 0;
  guint port = 0;
  for (gsize i = (gsize)v; i < p->payload_len && g_ascii_isdigit(b[i]) && port < 65536; i++)
    port = port * 10 + (guint)(b[i] - '0');
  return port > 0 && port < 65536 ? (guint16)port : 0;
}

gboolean
arch_sdp_held(const char *b, gsize body, gsize len)
{
  if (body == 0 || body > len)
    return FALSE;
  gssize z = find_line(b, len, body - 1, "c=IN IP4 0.0.0.0");
  return find_line(b, len, body - 1, "a=sendonly") >= 0 || find_line(b, len, body - 1, "a=recvonly") >= 0 ||
         find_line(b, len, body - 1, "a=inactive") >= 0 ||
         (z >= 0 && ((gsize)z == len || b[z] == '\r' || b[z] == '\n'));
}

guint64
arch_ep_key(guint32 addr, guint16 port)
{
  return ((guint64)addr << 16) | port;
}

gpointer
arch_tls_create(const Config *cfg, Nat *nat, GError **error)
{
  ArchTls *a = g_new0(ArchTls, 1);
  a->port = (guint16)cfg_int(cfg, "alg.tls_port");
  a->wrong = (guint16)cfg_int(cfg, "alg.tls_wrong_port");
  if (!arch_base_init(&a->base, cfg, nat, error)) {
    g_free(a);
    return NULL;
  }
  return a;
}

void
arch_tls_destroy(gpointer state)
{
  ArchTls *a = state;
  arch_base_clear(&a->base);
  g_free(a);
}
