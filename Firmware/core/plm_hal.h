/*
 * Driver interfaces between the portable core and the hardware. The board
 * (board/stm32f103) and the tests (tests/) each provide implementations.
 * Every function returns 0 on success and a negative value on failure
 * unless stated otherwise.
 */
#ifndef PLM_HAL_H
#define PLM_HAL_H

#include <stddef.h>
#include <stdint.h>

/* Accelerometer. read() returns the latest x/y/z sample (raw, left-justified
 * 16-bit as the LIS3DH delivers it). */
typedef struct {
    void *ctx;
    uint8_t model; /* PLM_ACCEL_* */
    int (*configure)(void *ctx, uint16_t rate_hz, uint8_t range_g);
    int (*start)(void *ctx);
    int (*stop)(void *ctx);
    int (*read)(void *ctx, int16_t xyz[3]);
} plm_accel_t;

/* Free-running tick counter, 32 bits, wrapping. ticks_per_us ticks make a
 * microsecond (72 on the board: the Cortex-M3 cycle counter at 72 MHz). */
typedef struct {
    void *ctx;
    uint32_t ticks_per_us;
    uint32_t (*now)(void *ctx);
} plm_clock_t;

/* Frame storage for the ring buffer: slot_count slots of
 * PLM_STORAGE_SLOT_SIZE bytes, erased in blocks of slots_per_block slots,
 * NOR-flash semantics (a slot must be erased before it is programmed).
 * program() and erase_block() may return before the operation finishes;
 * busy() is nonzero until it has. read/program/erase are only called when
 * busy() is zero. */
#define PLM_STORAGE_SLOT_SIZE 64u
typedef struct {
    void *ctx;
    uint32_t slot_count;
    uint32_t slots_per_block;
    int (*busy)(void *ctx);
    int (*read)(void *ctx, uint32_t slot, uint32_t offset, uint8_t *buf, uint32_t len);
    int (*program)(void *ctx, uint32_t slot, const uint8_t *buf, uint32_t len);
    int (*erase_block)(void *ctx, uint32_t block);
} plm_storage_t;

/* Small non-volatile record store (side and calibration). */
typedef struct {
    void *ctx;
    int (*load)(void *ctx, uint8_t *buf, size_t len);
    int (*save)(void *ctx, const uint8_t *buf, size_t len);
} plm_nvstore_t;

#endif
