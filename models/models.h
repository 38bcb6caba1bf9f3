/* models.h — the wiring between the program (sim/) and the models: key registration. */
#pragma once

#include "config.h"

/* Register every model's configuration keys (idempotent). */
void models_register_keys(void);
