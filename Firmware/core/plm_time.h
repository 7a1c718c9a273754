/* Timebase: extends a wrapping 32-bit tick counter to 64 bits and maps it
 * to microseconds on either the device uptime or the host time base. */
#ifndef PLM_TIME_H
#define PLM_TIME_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint32_t ticks_per_us;
    uint32_t last_raw;  /* newest raw reading seen */
    uint64_t last_ext;  /* its 64-bit extension */
    uint64_t offset_us; /* added to uptime µs (mod 2^64) once synced */
    bool synced;
} plm_timebase_t;

void plm_time_init(plm_timebase_t *tb, uint32_t ticks_per_us, uint32_t raw_now);

/* 64-bit tick count for a raw reading. Readings may arrive slightly out of
 * order (an interrupt timestamp processed after a newer "now"): a reading up
 * to 2^31 ticks older than the newest is mapped backwards, anything newer
 * advances the extension. So this must be called at least every 2^31 ticks
 * (29.8 s at 72 MHz). */
uint64_t plm_time_extend(plm_timebase_t *tb, uint32_t raw);

/* µs of a 64-bit tick count on the current time base (uptime or host). */
uint64_t plm_time_us(const plm_timebase_t *tb, uint64_t ticks);

/* Make "now" equal host_us from here on. */
void plm_time_set_host(plm_timebase_t *tb, uint64_t now_ticks, uint64_t host_us);

#endif
