/* plugin-broken-alg.c — ALG plugins that algsim must refuse with a clear error, built three ways
 * by tests/meson.build: -DBROKEN_NO_SYMBOL exports no algsim_alg_plugin_v1, -DBROKEN_WRONG_ABI
 * claims ALG ABI ALGSIM_ALG_ABI_VERSION + 1, -DBROKEN_NO_PACKET lacks the required packet
 * callback.  Used by test-alg-plugin.c.
 */
#include <algsim/alg-plugin.h>

#if !defined(BROKEN_NO_PACKET)
static AlgsimVerdict
broken_packet(void *state, AlgsimPacket *p)
{
  (void)state;
  (void)p;
  return ALGSIM_PASS;
}
#endif

#if defined(BROKEN_NO_SYMBOL)
/* The right table under the wrong name. */
ALGSIM_ALG_PLUGIN_EXPORT const AlgsimAlgPlugin algsim_alg_plugin = {
  .abi_version = ALGSIM_ALG_ABI_VERSION,
  .name = "broken",
  .packet = broken_packet,
};
#else
ALGSIM_ALG_PLUGIN_EXPORT const AlgsimAlgPlugin algsim_alg_plugin_v1 = {
#if defined(BROKEN_WRONG_ABI)
  .abi_version = ALGSIM_ALG_ABI_VERSION + 1,
#else
  .abi_version = ALGSIM_ALG_ABI_VERSION,
#endif
  .name = "broken",
  .summary = "a plugin algsim must refuse",
#if !defined(BROKEN_NO_PACKET)
  .packet = broken_packet,
#endif
};
#endif
