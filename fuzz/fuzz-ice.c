/* fuzz-ice.c — fuzz target for the ICE agent's receive path (models/stun/ice-check.c): what a
 * phone's or a media server's RTP socket may receive from anybody.
 *
 * One controlled full agent per process (a simulated world is set up once) with one host
 * candidate and one remote candidate.  Each input goes in twice: as a raw datagram, and as the
 * attributes of a Binding request that carries the right USERNAME and a valid MESSAGE-INTEGRITY
 * (RFC 8445 §7.2.2: the short-term key is the local pwd), so the checks behind the integrity gate
 * (PRIORITY, ICE-CONTROLLING/-CONTROLLED, USE-CANDIDATE, unknown attributes, role conflicts) see
 * fuzzed values too.  Timers run between inputs, so triggered checks and retransmissions happen.
 * The agent must never crash, over-read or stop answering.
 */
#include <string.h>

#include "models.h"
#include "sim.h"
#include "stun/ice.h"
#include "stun/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static IceAgent *agent;
static const IceCandidate *local;
static guint64 sent;   /* datagrams the agent sent (answers, checks) */
static guint64 inputs; /* inputs so far */

static void
on_send(void *ctx, const IceCandidate *base, SimAddr to, const guint8 *buf, gsize len)
{
  StunMsg msg;
  const char *reason = NULL;
  g_assert(stun_msg_parse(buf, len, &msg, &reason) == 1); /* the agent only sends valid STUN */
  sent++;
}

static void
setup(void)
{
  models_register_keys();
  SimWorldParams wp = {.seed = 1};
  g_assert(sim_setup(&wp, NULL));
  IceAgentParams p;
  ice_agent_params_default(&p);
  p.name = "fuzz";
  p.ufrag = "LOCL";
  p.pwd = "localpassword0123456789abc";
  p.controlling = FALSE;
  static const IceAgentOps ops = {.send = on_send};
  GError *error = NULL;
  agent = ice_agent_new(&p, &ops, NULL, &error);
  if (!agent)
    g_error("ice_agent_new: %s", error->message);
  IceCandidate c = {.type = ICE_CAND_HOST, .component = 1, .addr = {0xc0000201, 4000}};
  local = ice_agent_add_local(agent, &c, NULL);
  g_assert(local);
  g_assert(ice_agent_set_remote(agent, "RMTE", "remotepassword0123456789abc", FALSE, NULL));
  IceCandidate r = {.type = ICE_CAND_HOST, .component = 1, .priority = 2130706431, .addr = {0xc0000202, 5000}};
  g_strlcpy(r.foundation, "1", sizeof r.foundation);
  g_assert(ice_agent_add_remote_candidate(agent, &r, NULL));
  g_assert(ice_agent_start(agent, NULL));
}

/* A signed Binding request whose other attributes come from the input: type, length, value. */
static GBytes *
signed_request(const uint8_t *data, size_t size)
{
  StunBuilder b;
  guint8 tid[STUN_TID_LEN] = {0};
  memcpy(tid, data, MIN(size, sizeof tid));
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
  stun_add_text(&b, STUN_ATTR_USERNAME, "LOCL:RMTE");
  for (gsize i = sizeof tid; i + 4 <= size;) {
    guint16 type = (guint16)(data[i] << 8 | data[i + 1]);
    gsize len = MIN((gsize)data[i + 2], size - i - 4);
    if (type == STUN_ATTR_MESSAGE_INTEGRITY || type == STUN_ATTR_FINGERPRINT)
      type = STUN_ATTR_PRIORITY;
    stun_add_raw(&b, type, data + i + 4, len);
    i += 4 + len;
  }
  const char *key = "localpassword0123456789abc";
  stun_add_integrity(&b, (const guint8 *)key, strlen(key));
  stun_add_fingerprint(&b);
  return stun_builder_steal(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!agent)
    setup();
  SimAddr from = {0xc0000202, (guint16)(5000 + (size % 3))}; /* the candidate, or a new prflx port */
  ice_agent_receive(agent, local, from, data, size);
  g_autoptr(GBytes) req = signed_request(data, size);
  gsize n = 0;
  const guint8 *b = g_bytes_get_data(req, &n);
  ice_agent_receive(agent, local, from, b, n);
  sim_run(sim_now() + SIM_MS(60));
  /* The signed requests must get past the integrity gate: the agent answers them. */
  if (++inputs == 200)
    g_assert(sent > 0);
  return 0;
}
