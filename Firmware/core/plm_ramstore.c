#include "plm_ramstore.h"

#include <string.h>

static int rs_busy(void *ctx)
{
    plm_ramstore_t *rs = ctx;
    if (rs->busy_left > 0u) {
        rs->busy_left--;
        return 1;
    }
    return 0;
}

static int rs_check(plm_ramstore_t *rs, uint32_t slot)
{
    if (rs->busy_left > 0u || slot >= rs->slot_count) {
        rs->faults++;
        return -1;
    }
    if (rs->fail_next) {
        rs->fail_next = 0;
        return -1;
    }
    return 0;
}

static int rs_read(void *ctx, uint32_t slot, uint32_t offset, uint8_t *buf, uint32_t len)
{
    plm_ramstore_t *rs = ctx;
    if (rs_check(rs, slot) != 0)
        return -1;
    if (offset + len > PLM_STORAGE_SLOT_SIZE) {
        rs->faults++;
        return -1;
    }
    rs->reads++;
    memcpy(buf, rs->mem + (size_t)slot * PLM_STORAGE_SLOT_SIZE + offset, len);
    return 0;
}

static int rs_program(void *ctx, uint32_t slot, const uint8_t *buf, uint32_t len)
{
    plm_ramstore_t *rs = ctx;
    if (rs_check(rs, slot) != 0)
        return -1;
    if (len > PLM_STORAGE_SLOT_SIZE) {
        rs->faults++;
        return -1;
    }
    uint8_t *p = rs->mem + (size_t)slot * PLM_STORAGE_SLOT_SIZE;
    for (uint32_t i = 0; i < len; i++) {
        if (p[i] != 0xFFu)
            rs->faults++; /* NOR flash: programming needs an erased byte */
        p[i] &= buf[i];
    }
    rs->programs++;
    rs->busy_left = rs->busy_polls_program;
    return 0;
}

static int rs_erase(void *ctx, uint32_t block)
{
    plm_ramstore_t *rs = ctx;
    if (rs_check(rs, block * rs->slots_per_block) != 0)
        return -1;
    memset(rs->mem + (size_t)block * rs->slots_per_block * PLM_STORAGE_SLOT_SIZE, 0xFF,
           (size_t)rs->slots_per_block * PLM_STORAGE_SLOT_SIZE);
    rs->erases++;
    rs->busy_left = rs->busy_polls_erase;
    return 0;
}

void plm_ramstore_init(plm_ramstore_t *rs, plm_storage_t *st, uint8_t *mem, uint32_t slot_count,
                       uint32_t slots_per_block)
{
    memset(rs, 0, sizeof *rs);
    rs->mem = mem;
    rs->slot_count = slot_count;
    rs->slots_per_block = slots_per_block;
    /* unknown contents, as after power-up: not erased */
    memset(mem, 0x00, (size_t)slot_count * PLM_STORAGE_SLOT_SIZE);
    st->ctx = rs;
    st->slot_count = slot_count;
    st->slots_per_block = slots_per_block;
    st->busy = rs_busy;
    st->read = rs_read;
    st->program = rs_program;
    st->erase_block = rs_erase;
}
