#include "sim.h"

#include <string.h>

void sim_value(uint32_t k, int16_t xyz[3])
{
    xyz[0] = (int16_t)((int32_t)((k * 3u) % 65536u) - 32768);
    xyz[1] = (int16_t)(-(int32_t)(k % 1000u));
    xyz[2] = (int16_t)(16384 + (int32_t)(k % 7u));
}

static int acc_configure(void *ctx, uint16_t rate_hz, uint8_t range_g)
{
    sim_accel_t *a = ctx;
    if (a->fail_configure)
        return -1;
    a->rate_hz = rate_hz;
    a->range_g = range_g;
    return 0;
}

static int acc_start(void *ctx)
{
    sim_accel_t *a = ctx;
    a->running = 1;
    a->reads = 0;
    a->starts++;
    return 0;
}

static int acc_stop(void *ctx)
{
    sim_accel_t *a = ctx;
    a->running = 0;
    a->stops++;
    return 0;
}

static int acc_read(void *ctx, int16_t xyz[3])
{
    sim_accel_t *a = ctx;
    if (a->fail_read) {
        a->fail_read--;
        a->reads++; /* that sample is gone */
        return -1;
    }
    sim_value(a->reads++, xyz);
    return 0;
}

static uint32_t clk_now(void *ctx)
{
    return ((sim_clock_t *)ctx)->ticks;
}

static int nv_load(void *ctx, uint8_t *buf, size_t len)
{
    sim_nv_t *n = ctx;
    if (!n->has || len != PLM_CONFIG_SIZE)
        return -1;
    memcpy(buf, n->rec, len);
    return 0;
}

static int nv_save(void *ctx, const uint8_t *buf, size_t len)
{
    sim_nv_t *n = ctx;
    if (n->fail_save || len != PLM_CONFIG_SIZE)
        return -1;
    memcpy(n->rec, buf, len);
    n->has = 1;
    n->saves++;
    return 0;
}

void sim_reboot(sim_t *s)
{
    plm_device_config_t cfg = {
        .accel = &s->accel,
        .clock = &s->clock,
        .storage = s->st.slot_count ? &s->st : NULL,
        .nv = &s->nvs,
        .serial = "0123456789ABCDEF01234567",
    };
    plm_dev_init(&s->dev, &cfg);
}

void sim_setup(sim_t *s, uint8_t *mem, uint32_t slots, uint32_t slots_per_block, uint32_t start_ticks)
{
    memset(s, 0, sizeof *s);
    s->accel = (plm_accel_t){&s->acc, PLM_ACCEL_SIMULATED, acc_configure, acc_start, acc_stop, acc_read};
    s->clock = (plm_clock_t){&s->clk, SIM_TPU, clk_now};
    s->nvs = (plm_nvstore_t){&s->nv, nv_load, nv_save};
    s->clk.ticks = start_ticks;
    if (slots)
        plm_ramstore_init(&s->rs, &s->st, mem, slots, slots_per_block);
    sim_reboot(s);
}

int sim_vendor(sim_t *s, uint8_t type, uint8_t req, uint16_t wValue, uint16_t wIndex, const uint8_t *data,
               uint16_t len, uint8_t *reply, uint16_t *reply_len)
{
    plm_setup_t st = {type, req, wValue, wIndex, len};
    uint8_t dummy[PLM_USB_BULK_MPS];
    uint16_t dl = 0;
    return plm_dev_vendor_request(&s->dev, &st, data, data ? len : 0, reply ? reply : dummy,
                                  (uint16_t)PLM_USB_BULK_MPS, reply_len ? reply_len : &dl);
}
