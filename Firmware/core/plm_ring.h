/*
 * Frame ring buffer on a plm_storage_t (NOR-flash semantics). Holds packed
 * frames, one per slot, oldest first. When full, the oldest erase block is
 * evicted; the loss is recorded exactly (frames and samples) and stamped
 * onto the frame that follows the evicted ones when it is popped.
 */
#ifndef PLM_RING_H
#define PLM_RING_H

#include <stdint.h>

#include "plm_hal.h"

typedef enum {
    PLM_RING_OK = 0,
    PLM_RING_BUSY = 1,  /* storage busy (erase/program in progress): retry */
    PLM_RING_EMPTY = 2,
    PLM_RING_ERROR = -1
} plm_ring_status_t;

typedef struct {
    const plm_storage_t *st;
    uint32_t head;           /* slot of the oldest frame */
    uint32_t count;          /* frames stored */
    uint32_t samples;        /* samples in those frames */
    uint32_t erased_block;   /* block erased and ready for the write position, or UINT32_MAX */
    uint32_t pending_lost;   /* samples evicted just before the current head */
    uint8_t pending_flags;   /* PLM_FLAG_GAP_* to stamp with pending_lost */
    uint32_t evicted_frames; /* total since init */
    uint32_t evicted_samples;
} plm_ring_t;

int plm_ring_init(plm_ring_t *r, const plm_storage_t *st); /* -1 if geometry is unusable */
uint32_t plm_ring_capacity(const plm_ring_t *r);          /* frames it can always hold */

/* Append a packed frame (len <= PLM_STORAGE_SLOT_SIZE). May evict. */
plm_ring_status_t plm_ring_push(plm_ring_t *r, const uint8_t *frame, uint32_t len);

/* Remove the oldest frame into out (PLM_STORAGE_SLOT_SIZE bytes), with any
 * eviction loss stamped on it. *len receives the frame length. */
plm_ring_status_t plm_ring_pop(plm_ring_t *r, uint8_t *out, uint32_t *len);

#endif
