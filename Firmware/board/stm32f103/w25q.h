/* Winbond W25Q-series SPI NOR flash as plm_storage_t (64-byte slots, 4 KiB
 * sectors = 64-slot erase blocks). Non-blocking: program and erase return at
 * once and busy() polls the status register. */
#ifndef PLM_W25Q_H
#define PLM_W25Q_H

#include "plm_hal.h"

/* Returns 0 and fills *st if a W25Q of at least 1 MiB answered. */
int w25q_init(plm_storage_t *st);

#endif
