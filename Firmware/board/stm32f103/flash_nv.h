/* Settings record in the last 1 KiB page of the STM32F103C8's own flash. */
#ifndef PLM_FLASH_NV_H
#define PLM_FLASH_NV_H

#include "plm_hal.h"

void flash_nv_init(plm_nvstore_t *nv);

#endif
