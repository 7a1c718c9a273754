/* plm_storage_t in RAM with NOR-flash semantics, for tests and simulation:
 * erase sets 0xFF, program may only clear bits (programming a non-erased
 * byte is counted as a fault), and each program/erase keeps the device
 * busy for a configurable number of busy() polls. */
#ifndef PLM_RAMSTORE_H
#define PLM_RAMSTORE_H

#include <stdint.h>

#include "plm_hal.h"

typedef struct {
    uint8_t *mem;
    uint32_t slot_count, slots_per_block;
    uint32_t busy_polls_program; /* busy() polls a program keeps busy */
    uint32_t busy_polls_erase;
    uint32_t busy_left;
    uint32_t programs, erases, reads;
    uint32_t faults; /* program on non-erased bytes, out-of-range access, access while busy */
    int fail_next;   /* make the next operation fail */
} plm_ramstore_t;

/* mem must hold slot_count * PLM_STORAGE_SLOT_SIZE bytes. */
void plm_ramstore_init(plm_ramstore_t *rs, plm_storage_t *st, uint8_t *mem, uint32_t slot_count,
                       uint32_t slots_per_block);

#endif
