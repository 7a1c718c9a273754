#include "plm_ring.h"

#include <string.h>

#include "plm_protocol.h"

int plm_ring_init(plm_ring_t *r, const plm_storage_t *st)
{
    memset(r, 0, sizeof *r);
    r->st = st;
    r->erased_block = UINT32_MAX;
    if (st == NULL || st->slots_per_block == 0u || st->slot_count < 2u * st->slots_per_block ||
        st->slot_count % st->slots_per_block != 0u)
        return -1;
    return 0;
}

uint32_t plm_ring_capacity(const plm_ring_t *r)
{
    /* one block is always being erased ahead of the write position */
    return r->st->slot_count - r->st->slots_per_block + 1u;
}

static uint32_t wpos(const plm_ring_t *r)
{
    return (r->head + r->count) % r->st->slot_count;
}

/* Evict the frames stored in block b (which must contain the head). */
static int evict_block(plm_ring_t *r, uint32_t b)
{
    const plm_storage_t *st = r->st;
    while (r->count > 0u && r->head / st->slots_per_block == b) {
        uint8_t hdr[PLM_FRAME_HEADER_SIZE];
        if (st->read(st->ctx, r->head, 0, hdr, PLM_FRAME_HEADER_SIZE) != 0)
            return -1;
        uint32_t n = hdr[PLM_OFF_COUNT];
        /* the frame's own lost count was never delivered either */
        uint32_t inner = plm_get_u32(hdr + PLM_OFF_LOST);
        r->pending_lost += n + inner;
        r->pending_flags |= (uint8_t)(PLM_FLAG_GAP_OVERFLOW | (hdr[PLM_OFF_FLAGS] & PLM_FLAG_GAP_SENSOR));
        r->evicted_frames++;
        r->evicted_samples += n;
        r->samples -= n;
        r->count--;
        r->head = (r->head + 1u) % st->slot_count;
    }
    return 0;
}

plm_ring_status_t plm_ring_push(plm_ring_t *r, const uint8_t *frame, uint32_t len)
{
    const plm_storage_t *st = r->st;
    if (len == 0u || len > PLM_STORAGE_SLOT_SIZE)
        return PLM_RING_ERROR;
    if (st->busy(st->ctx))
        return PLM_RING_BUSY;
    uint32_t w = wpos(r);
    uint32_t b = w / st->slots_per_block;
    if (r->erased_block != b) {
        /* w is the first slot of block b: erase it, evicting what it holds */
        if (r->count > st->slot_count - st->slots_per_block) {
            if (evict_block(r, b) != 0)
                return PLM_RING_ERROR;
        }
        if (st->erase_block(st->ctx, b) != 0)
            return PLM_RING_ERROR;
        r->erased_block = b;
        if (st->busy(st->ctx))
            return PLM_RING_BUSY;
    }
    uint8_t slot[PLM_STORAGE_SLOT_SIZE];
    memcpy(slot, frame, len);
    memset(slot + len, 0xFF, PLM_STORAGE_SLOT_SIZE - len);
    if (st->program(st->ctx, w, slot, PLM_STORAGE_SLOT_SIZE) != 0)
        return PLM_RING_ERROR;
    r->count++;
    r->samples += frame[PLM_OFF_COUNT];
    if ((w + 1u) % st->slots_per_block == 0u)
        r->erased_block = UINT32_MAX; /* next write starts a new block */
    return PLM_RING_OK;
}

plm_ring_status_t plm_ring_pop(plm_ring_t *r, uint8_t *out, uint32_t *len)
{
    const plm_storage_t *st = r->st;
    if (r->count == 0u)
        return PLM_RING_EMPTY;
    if (st->busy(st->ctx))
        return PLM_RING_BUSY;
    if (st->read(st->ctx, r->head, 0, out, PLM_STORAGE_SLOT_SIZE) != 0)
        return PLM_RING_ERROR;
    uint32_t n = out[PLM_OFF_COUNT];
    uint32_t flen = (n >= 1u && n <= PLM_FRAME_MAX_SAMPLES) ? (uint32_t)PLM_FRAME_SIZE(n) : 0u;
    if (flen == 0u)
        return PLM_RING_ERROR;
    if (r->pending_lost > 0u) {
        if (plm_frame_add_loss(out, flen, r->pending_flags, r->pending_lost) != 0)
            return PLM_RING_ERROR;
        r->pending_lost = 0;
        r->pending_flags = 0;
    }
    r->head = (r->head + 1u) % st->slot_count;
    r->count--;
    r->samples -= n;
    *len = flen;
    return PLM_RING_OK;
}
