/* driver.c — a plain main() for the libFuzzer-style targets in fuzz/, so that they build and run
 * with any C compiler: every file given (or every file of every directory given) is run once,
 * then `-runs=N` seeded random mutations of them, in the manner of libFuzzer's mutators (bit
 * flips, interesting values, byte insertion and deletion, chunk copies, truncation, splicing of
 * two inputs).  The same seed gives the same inputs, so a failure reproduces exactly.
 *
 *   fuzz-net [-seed=S] [-runs=N] [-max_len=L] [-save=DIR] CORPUS_DIR_OR_FILE...
 *
 * With -save=DIR each mutated input is written to DIR/current before it runs, so the one that
 * crashed is left behind.  The exit status is 0 when every input returned.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A corpus input: its bytes. */
typedef struct {
  guint8 *data; /* g_malloc'd bytes */
  gsize len;    /* their number */
} Input;

static void
input_free(gpointer p)
{
  Input *in = p;
  g_free(in->data);
  g_free(in);
}

static void
add_file(GPtrArray *corpus, const char *path)
{
  g_autoptr(GError) error = NULL;
  Input *in = g_new0(Input, 1);
  if (!g_file_get_contents(path, (char **)&in->data, &in->len, &error)) {
    g_printerr("%s\n", error->message);
    g_free(in);
    exit(2);
  }
  g_ptr_array_add(corpus, in);
}

static void
add_path(GPtrArray *corpus, const char *path)
{
  if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
    add_file(corpus, path);
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
  if (!dir) {
    g_printerr("%s\n", error->message);
    exit(2);
  }
  /* Sorted, so that the run does not depend on directory order. */
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(dir)))
    g_ptr_array_add(names, g_build_filename(path, name, NULL));
  g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
  for (guint i = 0; i < names->len; i++) {
    const char *f = g_ptr_array_index(names, i);
    if (g_file_test(f, G_FILE_TEST_IS_REGULAR))
      add_file(corpus, f);
  }
}

/* Values that break length and offset arithmetic (libFuzzer's "interesting" integers). */
static const guint32 interesting[] = {
  0, 1, 2, 3, 4, 7, 8, 16, 20, 32, 64, 127, 128, 255, 256, 512, 576, 1024, 1500, 4096,
  0x7fff, 0x8000, 0xfff8, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
};

/* Apply 1..4 random edits to buf (len bytes, room for max_len); returns the new length. */
static gsize
mutate(GRand *rng, guint8 *buf, gsize len, gsize max_len, const GPtrArray *corpus)
{
  guint n_edits = (guint)g_rand_int_range(rng, 1, 5);
  for (guint e = 0; e < n_edits; e++) {
    switch (g_rand_int_range(rng, 0, 9)) {
    case 0: /* flip a bit */
      if (len)
        buf[g_rand_int_range(rng, 0, (gint32)len)] ^= (guint8)(1u << g_rand_int_range(rng, 0, 8));
      break;
    case 1: /* a random byte */
      if (len)
        buf[g_rand_int_range(rng, 0, (gint32)len)] = (guint8)g_rand_int(rng);
      break;
    case 2: { /* an interesting value, 1, 2 or 4 bytes, big-endian */
      guint32 v = interesting[g_rand_int_range(rng, 0, G_N_ELEMENTS(interesting))];
      gsize w = (gsize)1 << g_rand_int_range(rng, 0, 3);
      if (len >= w) {
        gsize at = (gsize)g_rand_int_range(rng, 0, (gint32)(len - w + 1));
        for (gsize i = 0; i < w; i++)
          buf[at + i] = (guint8)(v >> (8 * (w - 1 - i)));
      }
      break;
    }
    case 3: { /* add or subtract a small number from a byte */
      if (len)
        buf[g_rand_int_range(rng, 0, (gint32)len)] += (guint8)g_rand_int_range(rng, -8, 9);
      break;
    }
    case 4: { /* insert random bytes */
      gsize n = (gsize)g_rand_int_range(rng, 1, 17);
      if (len + n <= max_len) {
        gsize at = (gsize)g_rand_int_range(rng, 0, (gint32)len + 1);
        memmove(buf + at + n, buf + at, len - at);
        for (gsize i = 0; i < n; i++)
          buf[at + i] = (guint8)g_rand_int(rng);
        len += n;
      }
      break;
    }
    case 5: { /* delete bytes */
      if (len) {
        gsize at = (gsize)g_rand_int_range(rng, 0, (gint32)len);
        gsize want = (gsize)g_rand_int_range(rng, 1, 17); /* MIN() evaluates twice */
        gsize n = MIN(want, len - at);
        memmove(buf + at, buf + at + n, len - at - n);
        len -= n;
      }
      break;
    }
    case 6: { /* copy a chunk over another place */
      if (len >= 2) {
        gsize from = (gsize)g_rand_int_range(rng, 0, (gint32)len);
        gsize to = (gsize)g_rand_int_range(rng, 0, (gint32)len);
        gsize want = (gsize)g_rand_int_range(rng, 1, 33);
        gsize n = MIN(want, MIN(len - from, len - to));
        memmove(buf + to, buf + from, n);
      }
      break;
    }
    case 7: /* truncate */
      if (len)
        len = (gsize)g_rand_int_range(rng, 0, (gint32)len);
      break;
    case 8: { /* splice: a piece of another corpus input at a random place */
      const Input *o = g_ptr_array_index(corpus, g_rand_int_range(rng, 0, (gint32)corpus->len));
      if (o->len) {
        gsize from = (gsize)g_rand_int_range(rng, 0, (gint32)o->len);
        gsize want = (gsize)g_rand_int_range(rng, 1, 65);
        gsize n = MIN(want, o->len - from);
        gsize at = (gsize)g_rand_int_range(rng, 0, (gint32)len + 1);
        n = MIN(n, max_len - len);
        memmove(buf + at + n, buf + at, len - at);
        memcpy(buf + at, o->data + from, n);
        len += n;
      }
      break;
    }
    default:
      g_assert_not_reached();
    }
  }
  return len;
}

static void
save(const char *dir, const guint8 *data, gsize len)
{
  if (!dir)
    return;
  g_autofree char *path = g_build_filename(dir, "current", NULL);
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(path, (const char *)data, (gssize)len, &error))
    g_printerr("%s\n", error->message);
}

int
main(int argc, char **argv)
{
  guint64 seed = 1;
  guint64 runs = 0;
  gsize max_len = 4096;
  const char *save_dir = NULL;
  g_autoptr(GPtrArray) corpus = g_ptr_array_new_with_free_func(input_free);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (g_str_has_prefix(a, "-seed="))
      seed = g_ascii_strtoull(a + 6, NULL, 10);
    else if (g_str_has_prefix(a, "-runs="))
      runs = g_ascii_strtoull(a + 6, NULL, 10);
    else if (g_str_has_prefix(a, "-max_len="))
      max_len = MAX(g_ascii_strtoull(a + 9, NULL, 10), 1);
    else if (g_str_has_prefix(a, "-save="))
      save_dir = a + 6;
    else if (a[0] == '-')
      ; /* libFuzzer options (-max_total_time=...) are accepted and ignored */
    else
      add_path(corpus, a);
  }
  for (guint i = 0; i < corpus->len; i++) {
    const Input *in = g_ptr_array_index(corpus, i);
    LLVMFuzzerTestOneInput(in->data, in->len);
  }
  if (runs && corpus->len == 0) {
    Input *empty = g_new0(Input, 1);
    g_ptr_array_add(corpus, empty);
  }
  g_autoptr(GRand) rng = g_rand_new_with_seed_array((const guint32[]){ (guint32)seed,
                                                                       (guint32)(seed >> 32) }, 2);
  guint8 *buf = g_malloc(max_len);
  for (guint64 r = 0; r < runs; r++) {
    const Input *base = g_ptr_array_index(corpus, g_rand_int_range(rng, 0, (gint32)corpus->len));
    gsize len = MIN(base->len, max_len);
    memcpy(buf, base->data, len);
    len = mutate(rng, buf, len, max_len, corpus);
    save(save_dir, buf, len);
    /* A copy of exactly len bytes, so that ASan sees any read past the end. */
    guint8 *exact = g_malloc(MAX(len, 1));
    memcpy(exact, buf, len);
    LLVMFuzzerTestOneInput(exact, len);
    g_free(exact);
  }
  g_free(buf);
  printf("%s: %u corpus inputs, %" G_GUINT64_FORMAT " mutations (seed %" G_GUINT64_FORMAT "): ok\n",
         argv[0], corpus->len, runs, seed);
  return 0;
}
