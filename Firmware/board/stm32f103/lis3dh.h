/* LIS3DH on SPI1 as a plm_accel_t. */
#ifndef PLM_LIS3DH_H
#define PLM_LIS3DH_H

#include "plm_hal.h"

/* Probes WHO_AM_I (0x33); fills *a either way. Returns 0 if the chip answered. */
int lis3dh_init(plm_accel_t *a);

#endif
