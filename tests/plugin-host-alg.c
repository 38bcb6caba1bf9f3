/* plugin-host-alg.c — a test ALG plugin ("host-probe") that drives every AlgsimHost service
 * (mangle, fix_packet, expectations, per-binding state, binding timeout, timers, trace) from
 * commands in outbound UDP payloads, and counts what happened in host_probe_stats for
 * test-alg-plugin.c to read.  Commands: "PIN <port>" opens a 10 s pinhole to the phone's <port>
 * and answers "PINNED <public port>"; "UNPIN" closes it; "TIMER" fires after 2 s; "TIMEOUT" sets
 * a 3600 s binding timeout; "DROP" drops; "SAME" edits the first byte in place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algsim/alg-plugin.h>

/* What the test reads back (found with g_module_symbol). */
ALGSIM_ALG_PLUGIN_EXPORT struct {
  int created;            /* create() calls */
  int destroyed;          /* destroy() calls */
  int states_freed;       /* per-binding states destroyed by the host */
  int timers_fired;       /* timer callbacks */
  uint64_t timer_binding; /* binding id the last timer got */
  int last_remove;        /* result of the last expect_remove() */
  int timer_router;       /* the last timer got a router */
} host_probe_stats;

static void
state_free(void *data)
{
  host_probe_stats.states_freed++;
  free(data);
}

static void
timer_cb(void *state, AlgsimRouter *router, uint64_t binding_id, void *data)
{
  (void)state;
  (void)data;
  host_probe_stats.timers_fired++;
  host_probe_stats.timer_binding = binding_id;
  host_probe_stats.timer_router = router != NULL;
}

static int
is_cmd(const AlgsimPacket *p, const char *cmd)
{
  size_t n = strlen(cmd);
  return p->payload_len >= n && memcmp(p->payload, cmd, n) == 0;
}

static AlgsimVerdict
probe_packet(void *state, AlgsimPacket *p)
{
  (void)state;
  const AlgsimHost *h = p->host;
  if (p->dir != ALGSIM_DIR_OUT || p->proto != ALGSIM_PROTO_UDP)
    return ALGSIM_PASS;
  if (is_cmd(p, "PIN ")) {
    char num[8] = {0};
    memcpy(num, p->payload + 4, p->payload_len - 4 < 7 ? p->payload_len - 4 : 7);
    AlgsimExpectParams ep = {
      .proto = ALGSIM_PROTO_UDP,
      .target = {p->internal.addr, (uint16_t)atoi(num)},
      .lifetime_ns = 10 * 1000000000LL,
      .tag = "probe",
    };
    uint16_t port = 0;
    uint64_t *handle = malloc(sizeof *handle);
    *handle = h->expect_add(p, &ep, &port);
    h->set_binding_state(p, handle, state_free);
    char text[32];
    snprintf(text, sizeof text, "PINNED %u", port);
    h->mangle(p, 0, p->payload_len, (const uint8_t *)text, strlen(text));
  } else if (is_cmd(p, "UNPIN")) {
    uint64_t *handle = h->get_binding_state(p);
    host_probe_stats.last_remove = handle ? h->expect_remove(p->router, *handle) : -1;
  } else if (is_cmd(p, "TIMER")) {
    h->add_timer(p, 2 * 1000000000LL, timer_cb, NULL);
  } else if (is_cmd(p, "TIMEOUT")) {
    h->set_binding_timeout(p, 3600 * 1000000000LL);
  } else if (is_cmd(p, "DROP")) {
    h->trace(p->router, "dropping");
    return ALGSIM_DROP;
  } else if (is_cmd(p, "SAME")) {
    p->payload[0] = 's';
    h->fix_packet(p);
  }
  return ALGSIM_PASS;
}

static int
probe_create(const AlgsimHost *host, AlgsimRouter *router, void **state)
{
  if (host->size < sizeof(AlgsimHost) || host->public_addr(router) == 0) {
    host->set_error(router, "unexpected host");
    return -1;
  }
  host_probe_stats.created++;
  *state = &host_probe_stats;
  return 0;
}

static void
probe_destroy(void *state)
{
  (void)state;
  host_probe_stats.destroyed++;
}

ALGSIM_ALG_PLUGIN_EXPORT const AlgsimAlgPlugin algsim_alg_plugin_v1 = {
  .abi_version = ALGSIM_ALG_ABI_VERSION,
  .name = "host-probe",
  .summary = "test plugin driving every host service",
  .source = "tests/plugin-host-alg.c",
  .create = probe_create,
  .destroy = probe_destroy,
  .packet = probe_packet,
};
