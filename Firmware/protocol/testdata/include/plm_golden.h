/*
 * Golden frames: byte arrays written by hand from docs/protocol.md (see
 * golden_frames.hex, from which golden_frames.c is generated). The C tests
 * and the Swift tests both check plm_frame_decode against them.
 */
#ifndef PLM_GOLDEN_H
#define PLM_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *name;
    const uint8_t *bytes;
    size_t length;
    int expected_status; /* a plm_decode_status_t value */
    int has_expect;      /* the fields below are meaningful (ok frames) */
    uint8_t flags;
    uint32_t seq;
    uint64_t timestamp_us;
    uint16_t period_us;
    uint8_t count;
    uint8_t range_g;
    uint32_t lost_samples;
    int16_t s0[3]; /* decoded samples[0] x,y,z */
    int16_t s5[3]; /* decoded samples[5] x,y,z (zero when count < 6) */
} plm_golden_frame_t;

size_t plm_golden_frame_count(void);
const plm_golden_frame_t *plm_golden_frame(size_t index); /* NULL if out of range */

#ifdef __cplusplus
}
#endif
#endif
