/* runner.c — the grid runner of runner.h: forked worker processes fed one task at a time over
 * pipes, checks before runs, atomic run records, resume, shards, progress, and signals.
 *
 * Workers are fork()ed from a parent that has not started a simulation (ns-3 allows one
 * simulation per process and keeps global state; design.md §2), so every worker starts alike and
 * a run's result depends only on its configuration and seed: the same bytes for any --jobs.
 * Pipes carry fixed-size messages (under PIPE_BUF, POSIX.1 write atomicity) plus an error text.
 */
#include "runner.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { TASK_CHECK = 'C', TASK_RUN = 'R' };

typedef struct {
  guint32 kind;            /* TASK_CHECK or TASK_RUN */
  guint32 index;           /* cell (check) or run index (cell * replicas + replica) */
} Cmd;

typedef struct {
  guint32 kind;            /* as the command */
  guint32 index;           /* as the command */
  guint32 ok;              /* check passed / run completed and written */
  guint32 written;         /* the run's record was written (a failed run has one too) */
  guint32 msg_len;         /* bytes of error text that follow */
  guint32 pad;             /* alignment */
  double wall_s;           /* the task's wall-clock time */
} Reply;

typedef struct {
  pid_t pid;               /* the worker, 0 if none */
  int to;                  /* command pipe, write end */
  int from;                /* reply pipe, read end */
  gboolean busy;           /* a task is out */
  Cmd task;                /* which */
} Worker;

typedef struct {
  const Experiment *e;     /* the grid */
  const RunnerOptions *o;  /* options */
  Worker *w;               /* workers */
  guint n_workers;         /* entries */
  GArray *queue;           /* Cmd waiting */
  guint next;              /* next queue entry to hand out */
  RunnerStats *st;         /* counters */
  gint64 t0;               /* start, monotonic us */
  gint64 last_line;        /* last progress output, us */
  guint last_pct;          /* last plain progress line, percent */
  guint *cell_left;        /* runs of each cell still to do */
  guint cells_total;       /* cells with runs in this shard */
  guint cells_done;        /* of them, finished */
  guint check_fail_cell;   /* lowest cell whose check failed, G_MAXUINT if none */
  char *check_fail_msg;    /* its message */
} Runner;

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
  stop_signal = sig;
}

gboolean
runner_parse_shard(const char *text, guint *k, guint *n, GError **error)
{
  guint64 a = 0, b = 0;
  char *end = NULL;
  const char *slash = text ? strchr(text, '/') : NULL;
  if (slash) {
    a = g_ascii_strtoull(text, &end, 10);
    if (end == slash && slash[1]) {
      b = g_ascii_strtoull(slash + 1, &end, 10);
      if (*end == 0 && b >= 1 && b <= 100000 && a >= 1 && a <= b) {
        *k = (guint)a;
        *n = (guint)b;
        return TRUE;
      }
    }
  }
  g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "--shard %s: expected K/N with 1 <= K <= N (e.g. 2/8)",
              text ? text : "");
  return FALSE;
}

/* ---- Pipes -------------------------------------------------------------------------------------- */

static gboolean
write_full(int fd, const void *buf, gsize len)
{
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    p += n;
    len -= (gsize)n;
  }
  return TRUE;
}

static gboolean
read_full(int fd, void *buf, gsize len)
{
  char *p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    p += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* ---- The worker --------------------------------------------------------------------------------- */

static void
reply(int fd, const Cmd *c, gboolean ok, gboolean written, const char *msg, double wall)
{
  Reply r = {.kind = c->kind, .index = c->index, .ok = ok, .written = written,
             .msg_len = msg ? (guint32)strlen(msg) : 0, .wall_s = wall};
  if (!write_full(fd, &r, sizeof r) || (r.msg_len && !write_full(fd, msg, r.msg_len)))
    _exit(1);
}

static void
do_task(const Experiment *e, const RunnerOptions *o, const Cmd *c, int out)
{
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(GError) error = NULL;
  guint reps = experiment_replicas(e);
  guint cell = c->kind == TASK_CHECK ? c->index : c->index / reps;
  guint rep = c->kind == TASK_CHECK ? 0 : c->index % reps;
  g_autoptr(Config) cfg = experiment_run_config(e, cell, rep, &error);
  if (c->kind == TASK_CHECK) {
    gboolean ok = cfg && (!o->check || o->check(o->ctx, cfg, &error));
    reply(out, c, ok, FALSE, ok ? NULL : error->message, (g_get_monotonic_time() - t0) / 1e6);
    return;
  }
  g_autoptr(RunRecord) rec = run_record_new();
  rec->cell = cell;
  rec->replica = rep;
  rec->seed = experiment_run_seed(e, cell, rep);
  rec->ok = cfg && o->run(o->ctx, cfg, rec, &error);
  if (!rec->ok)
    rec->error = g_strdup(error ? error->message : "the run failed without a reason");
  rec->wall_s = (g_get_monotonic_time() - t0) / 1e6;
  g_autofree char *path = run_record_path(o->out_dir, cell, rep);
  g_autoptr(GError) werr = NULL;
  gboolean written = run_record_write(rec, experiment_hash(e), path, &werr);
  reply(out, c, rec->ok && written, written, written ? rec->error : werr->message, rec->wall_s);
}

G_GNUC_NORETURN static void
worker_main(const Experiment *e, const RunnerOptions *o, int in, int out)
{
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  Cmd c;
  while (read_full(in, &c, sizeof c))
    do_task(e, o, &c, out);
  _exit(0); /* no atexit handlers: the parent owns stdio and the results */
}

static gboolean
spawn(Runner *r, guint i, GError **error)
{
  int cmd[2], rep[2];
  if (pipe(cmd) != 0 || pipe(rep) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "pipe: %s", g_strerror(errno));
    return FALSE;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "fork: %s", g_strerror(errno));
    return FALSE;
  }
  if (pid == 0) {
    for (guint j = 0; j < r->n_workers; j++)
      if (j != i && r->w[j].pid) {
        close(r->w[j].to);
        close(r->w[j].from);
      }
    close(cmd[1]);
    close(rep[0]);
    worker_main(r->e, r->o, cmd[0], rep[1]);
  }
  close(cmd[0]);
  close(rep[1]);
  r->w[i] = (Worker){.pid = pid, .to = cmd[1], .from = rep[0]};
  return TRUE;
}

static guint64 max_rss_kb; /* largest worker's ru_maxrss, over the reaped workers */

/* Close a worker's pipes and reap it; returns its wait status. */
static int
reap(Worker *w, gboolean kill_it)
{
  if (!w->pid)
    return 0;
  if (kill_it)
    kill(w->pid, SIGTERM);
  close(w->to);
  close(w->from);
  int status = 0;
  struct rusage ru = {0};
  while (wait4(w->pid, &status, 0, &ru) < 0 && errno == EINTR)
    ;
  max_rss_kb = MAX(max_rss_kb, (guint64)ru.ru_maxrss); /* kilobytes on Linux (getrusage(2)) */
  w->pid = 0;
  w->busy = FALSE;
  return status;
}

/* ---- Progress ------------------------------------------------------------------------------------ */

static void
fmt_dur(double s, char *buf, gsize len)
{
  guint64 t = (guint64)(s + 0.5);
  if (t >= 3600)
    g_snprintf(buf, len, "%" G_GUINT64_FORMAT ":%02u:%02u", t / 3600, (guint)(t / 60 % 60), (guint)(t % 60));
  else
    g_snprintf(buf, len, "%u:%02u", (guint)(t / 60), (guint)(t % 60));
}

static void
progress(Runner *r, gboolean final)
{
  if (r->o->quiet)
    return;
  gint64 now = g_get_monotonic_time();
  RunnerStats *st = r->st;
  guint todo = st->total - st->skipped, done = st->done;
  guint pct = todo ? done * 100 / todo : 100;
  double el = (now - r->t0) / 1e6;
  char elapsed[32], eta[32] = "-";
  fmt_dur(el, elapsed, sizeof elapsed);
  if (done > 0 && done < todo)
    fmt_dur(el / done * (todo - done), eta, sizeof eta);
  else if (done == todo)
    g_strlcpy(eta, "0:00", sizeof eta);
  if (r->o->tty) {
    if (!final && now - r->last_line < 100000)
      return;
    char bar[31];
    guint fill = todo ? done * 30 / todo : 30;
    for (guint i = 0; i < 30; i++)
      bar[i] = i < fill ? '#' : '-';
    bar[30] = 0;
    fprintf(stderr, "\r\033[K[%s] cells %u/%u  runs %u/%u  %s elapsed  ETA %s  %u failed", bar, r->cells_done,
            r->cells_total, done + st->skipped, st->total, elapsed, eta, st->failed);
    if (final)
      fputc('\n', stderr);
  } else {
    if (final ? r->last_pct == 100 : pct < r->last_pct + 10 && now - r->last_line < 30 * G_USEC_PER_SEC)
      return;
    fprintf(stderr, "algsim run: cells %u/%u, runs %u/%u (%u%%), %s elapsed, ETA %s, %u failed\n", r->cells_done,
            r->cells_total, done + st->skipped, st->total, pct, elapsed, eta, st->failed);
    r->last_pct = pct - pct % 10;
  }
  fflush(stderr);
  r->last_line = now;
}

/* ---- The results directory ---------------------------------------------------------------------- */

/* Refuse runs of another experiment; without --resume, remove this experiment's old runs. */
static gboolean
prepare_dir(Runner *r, GError **error)
{
  const char *out = r->o->out_dir;
  g_autofree char *runs = g_build_filename(out, "runs", NULL);
  if (g_mkdir_with_parents(runs, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: cannot create: %s", runs,
                g_strerror(errno));
    return FALSE;
  }
  results_clean_temporaries(out);
  g_autoptr(GPtrArray) names = results_run_files(out, error);
  if (!names)
    return FALSE;
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename(runs, names->pdata[i], NULL);
    g_autoptr(GError) local = NULL;
    g_autoptr(RunRecord) rec = run_record_read(path, experiment_hash(r->e), &local);
    if (!rec && g_error_matches(local, RESULTS_ERROR, RESULTS_ERROR_MISMATCH) && !r->o->force) {
      g_set_error(error, RESULTS_ERROR, RESULTS_ERROR_MISMATCH,
                  "%s holds the runs of another experiment or version (an edited file, other --set, --only or "
                  "--replicas; first: %s): use --force to replace them, or another --out", out,
                  (char *)names->pdata[i]);
      return FALSE;
    }
    if (!r->o->resume || !rec)
      g_unlink(path); /* a fresh run, or an unreadable record: run it again */
  }
  return TRUE;
}

/* The tasks: a check per cell, then the runs of this shard that have no record. */
static void
build_queue(Runner *r)
{
  const Experiment *e = r->e;
  guint cells = experiment_n_cells(e), reps = experiment_replicas(e);
  r->cell_left = g_new0(guint, cells);
  for (guint c = 0; c < cells; c++) {
    Cmd cmd = {TASK_CHECK, c};
    g_array_append_val(r->queue, cmd);
  }
  for (int pass = 0; pass < 2; pass++)
    for (guint run = 0; run < cells * reps; run++) {
      if (r->o->shard_n && run % r->o->shard_n != r->o->shard_k - 1)
        continue;
      guint cell = run / reps;
      if (pass == 0) { /* this shard's runs per cell */
        if (r->cell_left[cell]++ == 0)
          r->cells_total++;
        r->st->total++;
        continue;
      }
      g_autofree char *path = run_record_path(r->o->out_dir, cell, run % reps);
      if (r->o->resume && g_file_test(path, G_FILE_TEST_EXISTS)) {
        r->st->skipped++;
        if (--r->cell_left[cell] == 0)
          r->cells_done++;
        continue;
      }
      Cmd cmd = {TASK_RUN, run};
      g_array_append_val(r->queue, cmd);
    }
}

/* ---- The dispatcher ------------------------------------------------------------------------------ */

static gboolean
checks_pending(const Runner *r)
{
  for (guint i = 0; i < r->n_workers; i++)
    if (r->w[i].busy && r->w[i].task.kind == TASK_CHECK)
      return TRUE;
  return r->next < r->queue->len && g_array_index(r->queue, Cmd, r->next).kind == TASK_CHECK;
}

static void
finish_run(Runner *r, guint run, gboolean failed)
{
  r->st->done++;
  if (failed)
    r->st->failed++;
  guint cell = run / experiment_replicas(r->e);
  if (--r->cell_left[cell] == 0)
    r->cells_done++;
  progress(r, FALSE);
}

static void
report_failure(Runner *r, const Cmd *c, const char *msg)
{
  guint reps = experiment_replicas(r->e);
  g_autofree char *label = experiment_cell_label(r->e, c->index / reps);
  {
    if (r->o->tty && !r->o->quiet)
      fputs("\r\033[K", stderr);
    fprintf(stderr, "algsim run: run %u (cell %u %s, replica %u) failed: %s\n", c->index, c->index / reps, label,
            c->index % reps, msg);
  }
}

/* Read one reply from worker i (poll said it is readable). */
static void
on_reply(Runner *r, guint i)
{
  Worker *w = &r->w[i];
  Reply rep;
  g_autofree char *msg = NULL;
  if (!read_full(w->from, &rep, sizeof rep) ||
      (rep.msg_len && (msg = g_malloc0(rep.msg_len + 1), !read_full(w->from, msg, rep.msg_len)))) {
    /* The worker died (a crash, a kill): its task leaves no record. */
    Cmd task = w->task;
    gboolean had = w->busy;
    int status = reap(w, TRUE);
    if (had && !stop_signal) {
      g_autofree char *why = WIFSIGNALED(status) ? g_strdup_printf("its worker died (signal %d, %s)", WTERMSIG(status),
                                                                   g_strsignal(WTERMSIG(status)))
                                                 : g_strdup_printf("its worker exited (status %d)",
                                                                   WEXITSTATUS(status));
      if (task.kind == TASK_CHECK) {
        if (task.index < r->check_fail_cell) {
          r->check_fail_cell = task.index;
          g_free(r->check_fail_msg);
          r->check_fail_msg = g_strdup_printf("checking the configuration: %s", why);
        }
      } else {
        report_failure(r, &task, why);
        r->st->lost++;
        finish_run(r, task.index, TRUE);
      }
    }
    return;
  }
  w->busy = FALSE;
  if (rep.kind == TASK_CHECK) {
    if (!rep.ok && rep.index < r->check_fail_cell) {
      r->check_fail_cell = rep.index;
      g_free(r->check_fail_msg);
      r->check_fail_msg = g_strdup(msg ? msg : "refused");
    }
    return;
  }
  if (!rep.ok)
    report_failure(r, &w->task, msg ? msg : "no reason given");
  if (!rep.written)
    r->st->lost++;
  finish_run(r, rep.index, !rep.ok);
}

/* Hand out tasks to idle workers (runs only once every check passed). */
static gboolean
dispatch(Runner *r, GError **error)
{
  for (guint i = 0; i < r->n_workers && r->next < r->queue->len; i++) {
    Cmd c = g_array_index(r->queue, Cmd, r->next);
    if (c.kind == TASK_RUN && (checks_pending(r) || r->check_fail_cell != G_MAXUINT))
      break;
    if (!r->w[i].pid && !spawn(r, i, error))
      return FALSE;
    if (r->w[i].busy)
      continue;
    if (!write_full(r->w[i].to, &c, sizeof c)) {
      reap(&r->w[i], TRUE); /* died idle: start another one next time */
      continue;
    }
    r->w[i].busy = TRUE;
    r->w[i].task = c;
    r->next++;
  }
  return TRUE;
}

static gboolean
any_busy(const Runner *r)
{
  for (guint i = 0; i < r->n_workers; i++)
    if (r->w[i].busy)
      return TRUE;
  return FALSE;
}

gboolean
runner_run(const Experiment *e, const RunnerOptions *o, RunnerStats *stats, GError **error)
{
  g_return_val_if_fail(e && o && o->run && o->out_dir && o->jobs >= 1, FALSE);
  RunnerStats st = {0};
  Runner r = {.e = e, .o = o, .st = &st, .check_fail_cell = G_MAXUINT};
  r.t0 = r.last_line = g_get_monotonic_time();
  r.queue = g_array_new(FALSE, FALSE, sizeof(Cmd));
  r.n_workers = o->jobs;
  r.w = g_new0(Worker, r.n_workers);
  gboolean ok = prepare_dir(&r, error);
  if (ok)
    build_queue(&r);

  struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term, old_hup, old_pipe;
  sigemptyset(&sa.sa_mask);
  stop_signal = 0;
  max_rss_kb = 0;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);
  struct sigaction ign = {.sa_handler = SIG_IGN};
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, &old_pipe);

  while (ok && !stop_signal) {
    if (!dispatch(&r, error)) {
      ok = FALSE;
      break;
    }
    if (!any_busy(&r)) {
      if (r.check_fail_cell != G_MAXUINT || r.next >= r.queue->len)
        break;
      continue;
    }
    struct pollfd pfd[r.n_workers];
    nfds_t n = 0;
    guint idx[r.n_workers];
    for (guint i = 0; i < r.n_workers; i++)
      if (r.w[i].pid && r.w[i].busy) {
        pfd[n] = (struct pollfd){.fd = r.w[i].from, .events = POLLIN};
        idx[n++] = i;
      }
    int k = poll(pfd, n, 1000);
    if (k < 0 && errno != EINTR) {
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "poll: %s", g_strerror(errno));
      ok = FALSE;
      break;
    }
    for (nfds_t j = 0; k > 0 && j < n; j++)
      if (pfd[j].revents)
        on_reply(&r, idx[j]);
  }
  for (guint i = 0; i < r.n_workers; i++)
    reap(&r.w[i], stop_signal || !ok || r.check_fail_cell != G_MAXUINT);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sigaction(SIGHUP, &old_hup, NULL);
  sigaction(SIGPIPE, &old_pipe, NULL);
  results_clean_temporaries(o->out_dir);
  st.interrupted = stop_signal != 0;
  st.wall_s = (g_get_monotonic_time() - r.t0) / 1e6;
  st.worker_max_rss_kb = max_rss_kb;
  if (ok && r.check_fail_cell != G_MAXUINT) {
    g_autofree char *label = experiment_cell_label(e, r.check_fail_cell);
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE, "%s: cell %u (%s): %s", experiment_path(e),
                r.check_fail_cell, label, r.check_fail_msg);
    ok = FALSE;
  } else if (ok) {
    progress(&r, TRUE);
  }
  if (stats)
    *stats = st;
  g_free(r.check_fail_msg);
  g_free(r.cell_left);
  g_free(r.w);
  g_array_unref(r.queue);
  return ok;
}
