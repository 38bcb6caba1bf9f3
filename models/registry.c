/* registry.c — the one place that lists every model's configuration keys.  Adding a model adds
 * one line here and touches nothing else. */
#include "models.h"

extern const CfgKeyDef topology_keys[];
extern const CfgKeyDef sip_txn_keys[];
extern const CfgKeyDef sip_session_keys[];
extern const CfgKeyDef sip_reg_keys[];
extern const CfgKeyDef registrar_keys[];
extern const CfgKeyDef queue_keys[];
extern const CfgKeyDef cross_keys[];
extern const CfgKeyDef stun_keys[];
extern const CfgKeyDef ice_keys[];
extern const CfgKeyDef turn_keys[];
extern const CfgKeyDef nat_keys[];
extern const CfgKeyDef cgn_keys[];
extern const CfgKeyDef router_keys[];
extern const CfgKeyDef media_keys[];
extern const CfgKeyDef tls_keys[];
extern const CfgKeyDef phone_keys[];
extern const CfgKeyDef pbx_keys[];
extern const CfgKeyDef call_keys[];
extern const CfgKeyDef alg_keys[];
extern const CfgKeyDef alg_linux_keys[];
extern const CfgKeyDef alg_ideal_keys[];
extern const CfgKeyDef alg_wrong_media_port_keys[];
extern const CfgKeyDef alg_contact_reset_keys[];
extern const CfgKeyDef alg_mid_dialog_keys[];
extern const CfgKeyDef alg_register_mangler_keys[];
extern const CfgKeyDef alg_proxy_style_keys[];
extern const CfgKeyDef alg_register_rewriter_keys[];
extern const CfgKeyDef alg_tls_keys[];
extern const CfgKeyDef alg_tls_reporter_keys[];
extern const CfgKeyDef alg_media_inactivity_keys[];
extern const CfgKeyDef alg_call_length_keys[];
extern const CfgKeyDef alg_intermittent_keys[];
extern const CfgKeyDef alg_fragment_dropper_keys[];

void
models_register_keys(void)
{
  static gsize once = 0;
  if (!g_once_init_enter(&once))
    return;
  /* One line per model table. */
  cfg_register(topology_keys);
  cfg_register(sip_txn_keys);
  cfg_register(sip_session_keys);
  cfg_register(sip_reg_keys);
  cfg_register(registrar_keys);
  cfg_register(queue_keys);
  cfg_register(cross_keys);
  cfg_register(stun_keys);
  cfg_register(ice_keys);
  cfg_register(turn_keys);
  cfg_register(nat_keys);
  cfg_register(cgn_keys);
  cfg_register(router_keys);
  cfg_register(media_keys);
  cfg_register(tls_keys);
  cfg_register(phone_keys);
  cfg_register(pbx_keys);
  cfg_register(call_keys);
  cfg_register(alg_keys);
  cfg_register(alg_linux_keys);
  cfg_register(alg_ideal_keys);
  cfg_register(alg_wrong_media_port_keys);
  cfg_register(alg_contact_reset_keys);
  cfg_register(alg_mid_dialog_keys);
  cfg_register(alg_register_mangler_keys);
  cfg_register(alg_proxy_style_keys);
  cfg_register(alg_register_rewriter_keys);
  cfg_register(alg_tls_keys);
  cfg_register(alg_tls_reporter_keys);
  cfg_register(alg_media_inactivity_keys);
  cfg_register(alg_call_length_keys);
  cfg_register(alg_intermittent_keys);
  cfg_register(alg_fragment_dropper_keys);
  g_once_init_leave(&once, 1);
}
