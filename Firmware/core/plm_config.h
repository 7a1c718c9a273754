/* Persistent settings (side, calibration) as a 16-byte record with a CRC:
 *  0 u32 magic 0x434D4C50 ("PLMC")   4 u8 version (1)   5 u8 side
 *  6 i16 cal x   8 i16 cal y   10 i16 cal z   12 u32 CRC-32 of bytes 0..11 */
#ifndef PLM_CONFIG_H
#define PLM_CONFIG_H

#include <stdint.h>

#define PLM_CONFIG_SIZE 16u
#define PLM_CONFIG_MAGIC 0x434D4C50u
#define PLM_CONFIG_VERSION 1u

typedef struct {
    uint8_t side;
    int16_t cal[3];
} plm_config_t;

void plm_config_defaults(plm_config_t *c);
void plm_config_encode(const plm_config_t *c, uint8_t out[PLM_CONFIG_SIZE]);
/* 0 if valid; -1 (and *c untouched) if magic, version, side or CRC is wrong */
int plm_config_decode(const uint8_t in[PLM_CONFIG_SIZE], plm_config_t *c);

#endif
