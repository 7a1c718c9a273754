/* Simulated drivers for the tests: accelerometer, clock, non-volatile store. */
#ifndef PLM_SIM_H
#define PLM_SIM_H

#include <stdint.h>

#include "plm_device.h"
#include "plm_ramstore.h"

/* The simulated accelerometer returns sample k (k counts reads since the
 * last start) as sim_value(k); tests predict delivered values from k. */
void sim_value(uint32_t k, int16_t xyz[3]);

typedef struct {
    uint32_t reads;
    uint16_t rate_hz;
    uint8_t range_g;
    int running;
    int fail_read, fail_configure;
    int starts, stops;
} sim_accel_t;

typedef struct {
    uint32_t ticks;
} sim_clock_t;

typedef struct {
    uint8_t rec[PLM_CONFIG_SIZE];
    int has;
    int saves;
    int fail_save;
} sim_nv_t;

/* A device wired to simulated drivers; storage optional (slots == 0: none). */
typedef struct {
    sim_accel_t acc;
    sim_clock_t clk;
    sim_nv_t nv;
    plm_accel_t accel;
    plm_clock_t clock;
    plm_nvstore_t nvs;
    plm_ramstore_t rs;
    plm_storage_t st;
    plm_device_t dev;
} sim_t;

#define SIM_TPU 72u /* ticks per µs, as on the board */

void sim_setup(sim_t *s, uint8_t *mem, uint32_t slots, uint32_t slots_per_block, uint32_t start_ticks);
/* re-init the device on the same drivers (power cycle; nv survives) */
void sim_reboot(sim_t *s);
int sim_vendor(sim_t *s, uint8_t type, uint8_t req, uint16_t wValue, uint16_t wIndex, const uint8_t *data,
               uint16_t len, uint8_t *reply, uint16_t *reply_len);

#endif
