#include "plm_time.h"

void plm_time_init(plm_timebase_t *tb, uint32_t ticks_per_us, uint32_t raw_now)
{
    tb->ticks_per_us = ticks_per_us ? ticks_per_us : 1u;
    tb->last_raw = raw_now;
    tb->last_ext = raw_now;
    tb->offset_us = 0;
    tb->synced = false;
}

uint64_t plm_time_extend(plm_timebase_t *tb, uint32_t raw)
{
    uint32_t delta = raw - tb->last_raw; /* modular */
    if (delta < 0x80000000u) {
        tb->last_ext += delta;
        tb->last_raw = raw;
        return tb->last_ext;
    }
    /* older than the newest reading */
    uint32_t back = tb->last_raw - raw;
    return tb->last_ext - back;
}

uint64_t plm_time_us(const plm_timebase_t *tb, uint64_t ticks)
{
    return ticks / tb->ticks_per_us + tb->offset_us; /* wraps mod 2^64 */
}

void plm_time_set_host(plm_timebase_t *tb, uint64_t now_ticks, uint64_t host_us)
{
    tb->offset_us = host_us - now_ticks / tb->ticks_per_us;
    tb->synced = true;
}
