/* sip-build.c — building SIP messages and editing existing ones by splicing bytes.
 *
 * The builder writes CRLF line ends (RFC 3261 §7), long header names and a Content-Length that
 * always matches the body (§20.14; mandatory on streams, harmless on UDP).  sip_builder_response_to()
 * copies what §8.2.6.2 says a response copies from its request.  Edits are (offset, length, text)
 * triples applied in one pass; sip_edits_apply_msg() also rewrites Content-Length when an edit
 * changed the body's size, as nf_nat_sip.c's mangle_content_len() does after an SDP rewrite.
 */
#include "sip/sip-private.h"

#include <string.h>

struct SipBuilder {
  GString *s; /* the message so far: start line and headers */
};

/* One pending splice.  Invariant: edits in a list never overlap (insertions may share a point). */
typedef struct {
  guint off;  /* first byte replaced */
  guint len;  /* bytes replaced (0 = insertion) */
  char *text; /* replacement (owned) */
  guint seq;  /* insertion order, to keep same-point insertions stable */
} SipEdit;

struct SipEdits {
  GArray *items; /* SipEdit */
};

SipBuilder *
sip_builder_request(const char *method, const char *ruri)
{
  g_return_val_if_fail(method != NULL && ruri != NULL, NULL);
  SipBuilder *b = g_new0(SipBuilder, 1);
  b->s = g_string_new(NULL);
  g_string_append_printf(b->s, "%s %s SIP/2.0\r\n", method, ruri); /* §7.1 */
  return b;
}

SipBuilder *
sip_builder_response(guint status, const char *reason)
{
  g_return_val_if_fail(status >= 100 && status <= 699, NULL);
  SipBuilder *b = g_new0(SipBuilder, 1);
  b->s = g_string_new(NULL);
  g_string_append_printf(b->s, "SIP/2.0 %u %s\r\n", status, reason ? reason : sip_reason_phrase(status));
  return b;
}

SipBuilder *
sip_builder_response_to(const SipMsg *req, guint status, const char *reason, const char *to_tag)
{
  g_return_val_if_fail(req != NULL && req->is_request, NULL);
  SipBuilder *b = sip_builder_response(status, reason);
  /* §8.2.6.2: Via (all, in order), From, To, Call-ID and CSeq are copied; the To gets a tag
   * unless it already has one (and never on 100, §8.2.6.2); §8.2.6.1: Timestamp on 100. */
  for (guint i = 0; i < req->n_headers; i++) {
    const SipHeader *h = &req->headers[i];
    switch (h->id) {
    case SIP_HDR_VIA:
    case SIP_HDR_FROM:
    case SIP_HDR_CALL_ID:
    case SIP_HDR_CSEQ:
      sip_builder_add_raw(b, req, h);
      break;
    case SIP_HDR_TIMESTAMP:
      if (status == 100)
        sip_builder_add_raw(b, req, h);
      break;
    case SIP_HDR_TO: {
      SipSpan tag;
      g_autofree char *v = sip_span_dup(req->buf, h->value);
      if (to_tag && status > 100 && sip_msg_tag(req, SIP_HDR_TO, &tag) == 0)
        sip_builder_addf(b, SIP_HDR_TO, "%s;tag=%s", v, to_tag);
      else
        sip_builder_add(b, SIP_HDR_TO, v);
      break;
    }
    default:
      break;
    }
  }
  return b;
}

void
sip_builder_add(SipBuilder *b, SipHdr id, const char *value)
{
  g_return_if_fail(id != SIP_HDR_OTHER && id < SIP_HDR_COUNT);
  g_return_if_fail(id != SIP_HDR_CONTENT_LENGTH); /* sip_builder_finish() writes it */
  g_string_append_printf(b->s, "%s: %s\r\n", sip_hdr_name(id), value);
}

void
sip_builder_addf(SipBuilder *b, SipHdr id, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *v = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  sip_builder_add(b, id, v);
}

void
sip_builder_add_named(SipBuilder *b, const char *name, const char *value)
{
  g_return_if_fail(sip_hdr_lookup((const guint8 *) name, strlen(name)) != SIP_HDR_CONTENT_LENGTH);
  g_string_append_printf(b->s, "%s: %s\r\n", name, value);
}

void
sip_builder_add_raw(SipBuilder *b, const SipMsg *msg, const SipHeader *h)
{
  g_return_if_fail(h->id != SIP_HDR_CONTENT_LENGTH);
  /* Keep the name as written (compact forms stay compact); fold line breaks into SP. */
  g_string_append_len(b->s, (const char *) msg->buf + h->name.off, h->name.len);
  g_string_append(b->s, ": ");
  for (guint i = h->value.off; i < sip_span_end(h->value); i++) {
    guint8 c = msg->buf[i];
    if (c == '\r')
      continue;
    g_string_append_c(b->s, c == '\n' ? ' ' : (char) c);
  }
  g_string_append(b->s, "\r\n");
}

GBytes *
sip_builder_finish(SipBuilder *b, const char *content_type, const void *body, gsize len)
{
  g_return_val_if_fail(len == 0 || body != NULL, NULL);
  if (len > 0 && content_type)
    g_string_append_printf(b->s, "Content-Type: %s\r\n", content_type);
  g_string_append_printf(b->s, "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", len);
  if (len > 0)
    g_string_append_len(b->s, body, (gssize) len);
  gsize n = b->s->len;
  GBytes *out = g_bytes_new_take(g_string_free(b->s, FALSE), n);
  g_free(b);
  return out;
}

void
sip_builder_free(SipBuilder *b)
{
  if (!b)
    return;
  g_string_free(b->s, TRUE);
  g_free(b);
}

/* ---- edits -------------------------------------------------------------------------------- */

static void
edit_clear(gpointer p)
{
  g_free(((SipEdit *) p)->text);
}

SipEdits *
sip_edits_new(void)
{
  SipEdits *e = g_new0(SipEdits, 1);
  e->items = g_array_new(FALSE, FALSE, sizeof(SipEdit));
  g_array_set_clear_func(e->items, edit_clear);
  return e;
}

void
sip_edits_free(SipEdits *e)
{
  if (!e)
    return;
  g_array_unref(e->items);
  g_free(e);
}

guint
sip_edits_count(const SipEdits *e)
{
  return e->items->len;
}

gboolean
sip_edits_replace(SipEdits *e, guint off, guint len, const char *text)
{
  for (guint i = 0; i < e->items->len; i++) {
    const SipEdit *o = &g_array_index(e->items, SipEdit, i);
    gboolean overlap = len && o->len ? (off < o->off + o->len && o->off < off + len)
                       : len ? (o->off > off && o->off < off + len)
                       : o->len ? (off > o->off && off < o->off + o->len)
                                : FALSE;
    if (overlap)
      return FALSE;
  }
  SipEdit ed = {off, len, g_strdup(text ? text : ""), e->items->len};
  g_array_append_val(e->items, ed);
  return TRUE;
}

gboolean
sip_edits_replace_span(SipEdits *e, SipSpan s, const char *text)
{
  return sip_edits_replace(e, s.off, s.len, text);
}

static gint
edit_cmp(gconstpointer a, gconstpointer b)
{
  const SipEdit *x = a, *y = b;
  if (x->off != y->off)
    return x->off < y->off ? -1 : 1;
  if ((x->len == 0) != (y->len == 0))
    return x->len == 0 ? -1 : 1; /* an insertion at p goes before a replacement starting at p */
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

GBytes *
sip_edits_apply(const SipEdits *e, const guint8 *buf, gsize len)
{
  guint n = e->items->len;
  g_autofree SipEdit *sorted = g_memdup2(e->items->data, sizeof(SipEdit) * n);
  for (guint i = 0; i < n; i++)
    if ((gsize) sorted[i].off + sorted[i].len > len)
      return NULL;
  qsort(sorted, n, sizeof(SipEdit), edit_cmp);
  GByteArray *out = g_byte_array_sized_new((guint) len + 64);
  gsize at = 0;
  for (guint i = 0; i < n; i++) {
    g_byte_array_append(out, buf + at, sorted[i].off - at);
    g_byte_array_append(out, (const guint8 *) sorted[i].text, strlen(sorted[i].text));
    at = sorted[i].off + sorted[i].len;
  }
  g_byte_array_append(out, buf + at, len - at);
  return g_byte_array_free_to_bytes(out);
}

GBytes *
sip_edits_apply_msg(const SipEdits *e, const SipMsg *msg)
{
  gssize delta = 0;
  guint bs = msg->body.off, be = sip_span_end(msg->body);
  for (guint i = 0; i < e->items->len; i++) {
    const SipEdit *ed = &g_array_index(e->items, SipEdit, i);
    if (ed->off >= bs && ed->off + ed->len <= be)
      delta += (gssize) strlen(ed->text) - (gssize) ed->len;
  }
  const SipHeader *cl = sip_msg_header(msg, SIP_HDR_CONTENT_LENGTH, 0);
  if (delta == 0 || !cl)
    return sip_edits_apply(e, msg->buf, msg->len);
  /* Rewrite every Content-Length to the new body size (§20.14; nf_nat_sip mangle_content_len). */
  g_autoptr(SipEdits) all = sip_edits_new();
  for (guint i = 0; i < e->items->len; i++) {
    const SipEdit *ed = &g_array_index(e->items, SipEdit, i);
    sip_edits_replace(all, ed->off, ed->len, ed->text);
  }
  g_autofree char *num = g_strdup_printf("%" G_GSSIZE_FORMAT, (gssize) msg->body.len + delta);
  for (guint i = 0; i < msg->n_headers; i++)
    if (msg->headers[i].id == SIP_HDR_CONTENT_LENGTH &&
        !sip_edits_replace_span(all, msg->headers[i].value, num))
      return NULL; /* the caller already edited Content-Length itself */
  return sip_edits_apply(all, msg->buf, msg->len);
}

/* Line end this message uses, so inserted lines match (CRLF unless the head used bare LF). */
static const char *
msg_eol(const SipMsg *msg)
{
  return msg->eol == SIP_EOL_LF ? "\n" : "\r\n";
}

gboolean
sip_edit_header_value(SipEdits *e, const SipMsg *msg, const SipHeader *h, const char *value)
{
  return sip_edits_replace_span(e, h->value, value);
}

gboolean
sip_edit_remove_header(SipEdits *e, const SipMsg *msg, const SipHeader *h)
{
  return sip_edits_replace_span(e, h->line, "");
}

gboolean
sip_edit_insert_header(SipEdits *e, const SipMsg *msg, const SipHeader *before, const char *name,
                       const char *value)
{
  guint at;
  if (before) {
    at = before->line.off;
  } else {
    at = msg->head_len - 1; /* before the blank line's LF ... */
    if (at > 0 && msg->buf[at - 1] == '\r')
      at--; /* ... or its CRLF */
  }
  g_autofree char *line = g_strdup_printf("%s: %s%s", name, value, msg_eol(msg));
  return sip_edits_replace(e, at, 0, line);
}

gboolean
sip_edit_add_top_via(SipEdits *e, const SipMsg *msg, const char *value)
{
  /* §16.6 step 8: the proxy's Via goes above all existing ones. */
  const SipHeader *top = sip_msg_header(msg, SIP_HDR_VIA, 0);
  if (!top && msg->n_headers > 0)
    top = &msg->headers[0];
  return sip_edit_insert_header(e, msg, top, "Via", value);
}

gboolean
sip_edit_remove_top_via(SipEdits *e, const SipMsg *msg)
{
  /* §16.7 step 3: remove the topmost Via value, which may share a line with others. */
  const SipHeader *h = sip_msg_header(msg, SIP_HDR_VIA, 0);
  if (!h)
    return FALSE;
  guint pos = 0;
  SipSpan first, second;
  if (sip_list_next(msg->buf, h->value, &pos, &first) != 1)
    return FALSE;
  if (sip_list_next(msg->buf, h->value, &pos, &second) == 1)
    return sip_edits_replace(e, h->value.off, second.off - h->value.off, "");
  return sip_edits_replace_span(e, h->line, "");
}

gboolean
sip_edit_set_param(SipEdits *e, const guint8 *buf, SipSpan elem, SipSpan params, const char *name,
                   const char *value)
{
  SipSpan v;
  gboolean hv = FALSE;
  int r = sip_param_find(buf, params, name, &v, &hv);
  if (r < 0)
    return FALSE;
  if (r == 0) {
    g_autofree char *t = value ? g_strdup_printf(";%s=%s", name, value) : g_strdup_printf(";%s", name);
    guint at = params.len ? sip_span_end(params) : sip_span_end(elem);
    return sip_edits_replace(e, at, 0, t);
  }
  if (hv && value)
    return sip_edits_replace_span(e, v, value);
  if (!hv && value) {
    g_autofree char *t = g_strdup_printf("=%s", value);
    return sip_edits_replace(e, v.off, 0, t);
  }
  if (!hv)
    return TRUE; /* already a bare flag */
  /* Drop "=value" to leave a bare flag: find the '=' before the value. */
  guint eq = v.off;
  while (eq > params.off && buf[eq - 1] != '=')
    eq--;
  if (eq == params.off)
    return FALSE;
  return sip_edits_replace(e, eq - 1, sip_span_end(v) - (eq - 1), "");
}
