/* test-pcap.c — pcaps written by the engine decode in tshark as PPP/IPv4/UDP and TCP, with the IP,
 * UDP and TCP checksums verified and no malformed packets, including packets that crossed the NAT. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "test-util.h"
#include "topology.h"

typedef struct {
  gsize udp_rx;   /* bytes of UDP echoed back to the phone */
  gsize tcp_rx;   /* bytes the server received over TCP */
  SimSock udp;    /* phone's UDP socket */
  SimSock tcp;    /* phone's TCP socket */
} Traffic;

static const guint8 payload[512] = {1, 2, 3};

static void
server_udp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  sim_udp_send(sock, from, data, len); /* echo through the NAT */
}

static void
phone_udp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  ((Traffic *)ctx)->udp_rx += len;
}

static void
server_tcp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  ((Traffic *)ctx)->tcp_rx += len;
}

static void
phone_connected(void *ctx, SimSock sock, gboolean ok)
{
  g_assert_true(ok);
  static guint8 block[20000];
  sim_tcp_send(sock, block, sizeof block);
}

static void
send_udp(void *data)
{
  Traffic *t = data;
  SimAddr to = {.addr = 0xc633641e /* 198.51.100.30 */, .port = 7};
  sim_udp_send(t->udp, to, payload, sizeof payload);
}

/* tshark on a file with checksum validation: what it printed of `field` for `filter`. */
static char *
tshark(const char *file, const char *filter, const char *field)
{
  g_autofree char *args = g_strdup_printf("-r '%s' -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "
                                          "-o tcp.check_checksum:TRUE -Y '%s' -T fields -e %s",
                                          file, filter, field);
  return tu_tshark(args);
}

static void
test_pcap_decodes(void)
{
  if (!tu_have_tshark()) {
    g_test_skip("tshark is not installed");
    return;
  }
  g_autoptr(GError) error = NULL;
  tu_world(1);
  g_autoptr(Config) cfg = tu_config("nat.mapping=apdm", NULL);
  Topology *topo = topology_build(cfg, &error);
  g_assert_no_error(error);
  g_autofree char *dir = g_dir_make_tmp("pcapXXXXXX", NULL);
  g_assert_true(topology_enable_pcap(topo, dir, &error));

  Traffic t = {0};
  SimSockOps server_udp = {.recv = server_udp_recv};
  SimSockOps phone_udp = {.recv = phone_udp_recv};
  SimSockOps server_tcp = {.recv = server_tcp_recv};
  SimSockOps phone_tcp = {.connected = phone_connected};
  g_assert_cmpint(sim_udp_open(topo->server.node, (SimAddr){topo->server.addr, 7}, &server_udp, &t, &error), >=, 0);
  t.udp = sim_udp_open(topo->phones[0].node, (SimAddr){0, 5060}, &phone_udp, &t, &error);
  g_assert_cmpint(t.udp, >=, 0);
  g_assert_cmpint(sim_tcp_listen(topo->server.node, (SimAddr){topo->server.addr, 80}, &server_tcp, &t, &error), >=, 0);
  t.tcp = sim_tcp_connect(topo->phones[0].node, (SimAddr){0, 0}, (SimAddr){topo->server.addr, 80}, &phone_tcp, &t,
                          &error);
  g_assert_cmpint(t.tcp, >=, 0);
  for (int i = 0; i < 10; i++)
    sim_schedule(SIM_MS(100) * i, send_udp, &t);
  sim_run(SIM_S(5));
  g_assert_cmpuint(t.udp_rx, ==, 10 * sizeof payload);
  g_assert_cmpuint(t.tcp_rx, ==, 20000);
  topology_free(topo);
  sim_reset(); /* closes the pcap files */

  /* The phone's own link and the WAN side of the home router, after translation. */
  const char *files[] = {"phone0-home.pcap", "home-isp.pcap", "isp-server.pcap"};
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *path = g_build_filename(dir, files[i], NULL);
    g_test_message("checking %s", path);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    g_autofree char *protos = tshark(path, "udp || tcp", "frame.protocols");
    g_assert_nonnull(strstr(protos, "ppp:ip:udp"));
    g_assert_nonnull(strstr(protos, "ppp:ip:tcp"));
    g_autofree char *bad = tshark(path,
                                  "_ws.malformed || ip.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" "
                                  "|| tcp.checksum.status == \"Bad\" || _ws.expert.severity == \"Error\"",
                                  "frame.number");
    g_assert_cmpstr(bad, ==, "");
    g_autofree char *good = tshark(path, "udp.checksum.status == \"Good\"", "frame.number");
    g_assert_cmpstr(good, !=, "");
  }
  /* After the NAT, the source is the public address; before it, the phone's private one. */
  g_autofree char *wan = g_build_filename(dir, "home-isp.pcap", NULL);
  g_autofree char *srcs = tshark(wan, "udp.dstport == 7", "ip.src");
  g_assert_nonnull(strstr(srcs, "203.0.113.2"));
  g_assert_null(strstr(srcs, "192.168.1.50"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/pcap/tshark-decodes-with-good-checksums", test_pcap_decodes);
  return g_test_run();
}
