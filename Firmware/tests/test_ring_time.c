/* Timebase extension/wrap and the storage ring on simulated NOR flash. */
#include <string.h>

#include "plm_protocol.h"
#include "plm_ramstore.h"
#include "plm_ring.h"
#include "plm_time.h"
#include "test.h"

void test_time_extends_across_32bit_wrap(void)
{
    plm_timebase_t tb;
    plm_time_init(&tb, 72, 0xFFFFFF00u);
    CHECK_EQ(plm_time_extend(&tb, 0xFFFFFF00u), 0xFFFFFF00u);
    CHECK_EQ(plm_time_extend(&tb, 0x00000010u), UINT64_C(0x100000010));
    /* an older reading (interrupt timestamp processed late) maps backwards */
    CHECK_EQ(plm_time_extend(&tb, 0xFFFFFFF0u), UINT64_C(0xFFFFFFF0));
    CHECK_EQ(plm_time_extend(&tb, 0x00000020u), UINT64_C(0x100000020));
    /* 10 wraps in steps of 2^30 ticks */
    uint32_t raw = 0x20u;
    for (int i = 0; i < 40; i++) {
        raw += 0x40000000u;
        (void)plm_time_extend(&tb, raw);
    }
    CHECK_EQ(tb.last_ext, UINT64_C(0x100000020) + UINT64_C(40) * 0x40000000u);
    CHECK_EQ(plm_time_us(&tb, 7200), 100);
}

void test_time_host_sync_and_u64_wrap(void)
{
    plm_timebase_t tb;
    plm_time_init(&tb, 72, 0);
    CHECK(!tb.synced);
    CHECK_EQ(plm_time_us(&tb, 72u * 5000u), 5000);
    plm_time_set_host(&tb, 72u * 5000u, UINT64_C(1700000000000000));
    CHECK(tb.synced);
    CHECK_EQ(plm_time_us(&tb, 72u * 5000u), UINT64_C(1700000000000000));
    CHECK_EQ(plm_time_us(&tb, 72u * 6000u), UINT64_C(1700000000001000));
    /* host time just below 2^64: the µs clock wraps modulo 2^64 */
    plm_time_set_host(&tb, 0, UINT64_C(0xFFFFFFFFFFFFFF9C)); /* 2^64 - 100 */
    CHECK_EQ(plm_time_us(&tb, 72u * 99u), UINT64_C(0xFFFFFFFFFFFFFFFF));
    CHECK_EQ(plm_time_us(&tb, 72u * 100u), 0);
    CHECK_EQ(plm_time_us(&tb, 72u * 150u), 50);
}

static uint8_t ring_mem[16 * PLM_STORAGE_SLOT_SIZE];

static uint32_t make_frame(uint8_t *buf, uint32_t seq, uint8_t count)
{
    plm_frame_t f = {0};
    f.version = 1;
    f.seq = seq;
    f.timestamp_us = seq * 1000u;
    f.period_us = 10000;
    f.count = count;
    f.range_g = 4;
    for (uint8_t i = 0; i < count; i++)
        f.samples[i] = (plm_sample_t){(int16_t)seq, (int16_t)i, 7};
    return (uint32_t)plm_frame_encode(&f, buf, 64);
}

static plm_ring_status_t push_wait(plm_ring_t *r, const uint8_t *b, uint32_t len)
{
    plm_ring_status_t st;
    int guard = 0;
    while ((st = plm_ring_push(r, b, len)) == PLM_RING_BUSY && guard++ < 1000) {
    }
    return st;
}

static plm_ring_status_t pop_wait(plm_ring_t *r, uint8_t *b, uint32_t *len)
{
    plm_ring_status_t st;
    int guard = 0;
    while ((st = plm_ring_pop(r, b, len)) == PLM_RING_BUSY && guard++ < 1000) {
    }
    return st;
}

void test_ring_geometry(void)
{
    plm_ramstore_t rs;
    plm_storage_t st;
    plm_ring_t r;
    plm_ramstore_init(&rs, &st, ring_mem, 16, 4);
    CHECK_EQ(plm_ring_init(&r, &st), 0);
    CHECK_EQ(plm_ring_capacity(&r), 13);
    plm_ramstore_init(&rs, &st, ring_mem, 6, 4); /* not a multiple of the block */
    CHECK_EQ(plm_ring_init(&r, &st), -1);
    plm_ramstore_init(&rs, &st, ring_mem, 4, 4); /* a single block */
    CHECK_EQ(plm_ring_init(&r, &st), -1);
    CHECK_EQ(plm_ring_init(&r, NULL), -1);
}

void test_ring_fifo_with_busy_storage(void)
{
    plm_ramstore_t rs;
    plm_storage_t st;
    plm_ring_t r;
    plm_ramstore_init(&rs, &st, ring_mem, 16, 4);
    rs.busy_polls_program = 2;
    rs.busy_polls_erase = 5;
    REQUIRE(plm_ring_init(&r, &st) == 0);
    uint8_t b[64], o[64];
    uint32_t len;
    CHECK_EQ(plm_ring_pop(&r, o, &len), PLM_RING_EMPTY);
    /* first push erases block 0 and reports busy */
    CHECK_EQ(plm_ring_push(&r, b, make_frame(b, 0, 6)), PLM_RING_BUSY);
    CHECK_EQ(rs.erases, 1);
    CHECK_EQ(push_wait(&r, b, make_frame(b, 0, 6)), PLM_RING_OK);
    CHECK_EQ(rs.erases, 1);
    uint32_t seq = 1, next_out = 0;
    /* 3 rounds around the ring, keeping a few frames stored */
    for (int round = 0; round < 48; round++) {
        CHECK_EQ(push_wait(&r, b, make_frame(b, seq, (uint8_t)(1 + seq % 6))), PLM_RING_OK);
        seq++;
        if (round % 2 == 1 || r.count > 10) {
            REQUIRE(pop_wait(&r, o, &len) == PLM_RING_OK);
            plm_frame_t f;
            CHECK_EQ(plm_frame_decode(o, len, &f), PLM_DECODE_OK);
            CHECK_EQ(f.seq, next_out);
            CHECK_EQ(f.lost_samples, 0);
            next_out++;
        }
    }
    while (pop_wait(&r, o, &len) == PLM_RING_OK) {
        plm_frame_t f;
        CHECK_EQ(plm_frame_decode(o, len, &f), PLM_DECODE_OK);
        CHECK_EQ(f.seq, next_out);
        next_out++;
    }
    CHECK_EQ(next_out, seq);
    CHECK_EQ(r.evicted_frames, 0);
    CHECK_EQ(rs.faults, 0); /* never programmed a non-erased byte, never touched it while busy */
}

void test_ring_overflow_evicts_oldest_block_exactly(void)
{
    plm_ramstore_t rs;
    plm_storage_t st;
    plm_ring_t r;
    plm_ramstore_init(&rs, &st, ring_mem, 16, 4);
    REQUIRE(plm_ring_init(&r, &st) == 0);
    uint8_t b[64], o[64];
    uint32_t len;
    /* 16 frames fill the ring; frame seq has (seq % 3) + 1 samples */
    uint32_t samples_total = 0;
    for (uint32_t s = 0; s < 16; s++) {
        CHECK_EQ(push_wait(&r, b, make_frame(b, s, (uint8_t)(s % 3u + 1u))), PLM_RING_OK);
        samples_total += s % 3u + 1u;
    }
    CHECK_EQ(r.count, 16);
    CHECK_EQ(r.samples, samples_total);
    CHECK_EQ(r.evicted_frames, 0);
    /* the 17th evicts block 0: frames 0..3 with 1+2+3+1 = 7 samples */
    CHECK_EQ(push_wait(&r, b, make_frame(b, 16, 6)), PLM_RING_OK);
    CHECK_EQ(r.evicted_frames, 4);
    CHECK_EQ(r.evicted_samples, 7);
    CHECK_EQ(r.count, 13);
    REQUIRE(pop_wait(&r, o, &len) == PLM_RING_OK);
    plm_frame_t f;
    CHECK_EQ(plm_frame_decode(o, len, &f), PLM_DECODE_OK);
    CHECK_EQ(f.seq, 4);
    CHECK_EQ(f.flags, PLM_FLAG_GAP_OVERFLOW);
    CHECK_EQ(f.lost_samples, 7);
    REQUIRE(pop_wait(&r, o, &len) == PLM_RING_OK);
    CHECK_EQ(plm_frame_decode(o, len, &f), PLM_DECODE_OK);
    CHECK_EQ(f.seq, 5);
    CHECK_EQ(f.flags, 0);
    CHECK_EQ(f.lost_samples, 0);
    CHECK_EQ(rs.faults, 0);
}

void test_ring_storage_error_is_reported(void)
{
    plm_ramstore_t rs;
    plm_storage_t st;
    plm_ring_t r;
    plm_ramstore_init(&rs, &st, ring_mem, 16, 4);
    REQUIRE(plm_ring_init(&r, &st) == 0);
    uint8_t b[64];
    rs.fail_next = 1;
    CHECK_EQ(plm_ring_push(&r, b, make_frame(b, 0, 6)), PLM_RING_ERROR);
    CHECK_EQ(plm_ring_push(&r, b, 0), PLM_RING_ERROR);
    CHECK_EQ(plm_ring_push(&r, b, 65), PLM_RING_ERROR);
}
