/* The device core with simulated accelerometer, clock, flash and nv store. */
#include <string.h>

#include "plm_device.h"
#include "sim.h"
#include "test.h"

/* W25Q16 geometry: 2 MiB = 32768 slots of 64 bytes, 4 KiB sectors */
#define BIG_SLOTS 32768u
#define BIG_SPB 64u
static uint8_t big_mem[BIG_SLOTS * PLM_STORAGE_SLOT_SIZE];
static uint8_t small_mem[16 * PLM_STORAGE_SLOT_SIZE];
static sim_t S;

#define OUT PLM_REQTYPE_VENDOR_OUT
#define IN PLM_REQTYPE_VENDOR_IN

/* Checks a stream of frames against the simulated accelerometer. */
typedef struct {
    uint32_t next_k;   /* accelerometer read index of the next sample expected */
    uint32_t next_seq;
    uint64_t t0_us;    /* time of sample k = 0 */
    uint32_t period_us;
    uint32_t frames, samples, lost, seq_gaps;
    int check_time;
} chk_t;

static void chk_frame(chk_t *c, const uint8_t *buf, uint32_t len)
{
    plm_frame_t f;
    REQUIRE(plm_frame_decode(buf, len, &f) == PLM_DECODE_OK);
    CHECK_EQ(len, f.length);
    if (f.seq != c->next_seq) {
        CHECK(f.flags & PLM_FLAG_GAP_OVERFLOW);
        c->seq_gaps += f.seq - c->next_seq;
    }
    if (f.lost_samples)
        CHECK(f.flags & (PLM_FLAG_GAP_OVERFLOW | PLM_FLAG_GAP_SENSOR));
    else
        CHECK((f.flags & (PLM_FLAG_GAP_OVERFLOW | PLM_FLAG_GAP_SENSOR)) == 0);
    c->next_k += f.lost_samples;
    c->lost += f.lost_samples;
    CHECK_EQ(f.period_us, c->period_us);
    if (c->check_time)
        CHECK_EQ(f.timestamp_us, c->t0_us + (uint64_t)c->next_k * c->period_us);
    for (uint32_t i = 0; i < f.count; i++) {
        int16_t e[3];
        sim_value(c->next_k + i, e);
        if (f.samples[i].x != e[0] || f.samples[i].y != e[1] || f.samples[i].z != e[2]) {
            printf("  sample k=%" PRIu32 " mismatch\n", c->next_k + i);
            CHECK(0);
            return;
        }
    }
    c->next_k += f.count;
    c->samples += f.count;
    c->frames++;
    c->next_seq = f.seq + 1u;
}

static int read_one(chk_t *c)
{
    uint32_t len;
    const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
    if (p == NULL)
        return 0;
    if (c != NULL)
        chk_frame(c, p, len);
    plm_dev_tx_done(&S.dev);
    return 1;
}

static void read_all(chk_t *c)
{
    int idle = 0;
    while (idle < 100) {
        plm_dev_poll(&S.dev);
        if (read_one(c))
            idle = 0;
        else
            idle++;
    }
}

static uint32_t period_ticks(uint16_t rate) { return (1000000u / rate) * SIM_TPU; }

/* one data-ready edge per period, starting at the current clock */
static void sample(uint32_t n, uint16_t rate, int host_reads)
{
    for (uint32_t i = 0; i < n; i++) {
        S.clk.ticks += period_ticks(rate);
        plm_dev_on_data_ready(&S.dev, S.clk.ticks);
        plm_dev_poll(&S.dev);
        for (int r = 0; r < host_reads; r++)
            (void)read_one(NULL);
    }
}

static int vreq(uint8_t type, uint8_t req, uint16_t v, uint16_t i)
{
    return sim_vendor(&S, type, req, v, i, NULL, 0, NULL, NULL);
}

static void start_at(uint16_t rate, uint8_t range, chk_t *c)
{
    CHECK_EQ(vreq(OUT, PLM_REQ_CONFIGURE, rate, range), 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    memset(c, 0, sizeof *c);
    c->period_us = 1000000u / rate;
    /* sample 0 arrives one period after now */
    c->t0_us = plm_time_us(&S.dev.tb, plm_time_extend(&S.dev.tb, S.clk.ticks) + period_ticks(rate));
    c->check_time = 1;
}

static void ten_minutes_offline(uint16_t rate)
{
    sim_setup(&S, big_mem, BIG_SLOTS, BIG_SPB, 0xF0000000u); /* the tick counter wraps soon, and often */
    S.rs.busy_polls_program = 1;
    S.rs.busy_polls_erase = 3;
    chk_t c;
    start_at(rate, 4, &c);
    uint32_t n = 600u * rate; /* 10 minutes, the host never reads */
    sample(n, rate, 0);
    plm_buffered_t b;
    plm_dev_buffered(&S.dev, &b);
    CHECK_EQ(b.frames, n / 6u);
    CHECK_EQ(b.samples, n);
    CHECK_EQ(b.frames_dropped, 0);
    CHECK_EQ(b.samples_lost, 0);
    read_all(&c);
    CHECK_EQ(c.samples, n);
    CHECK_EQ(c.frames, n / 6u);
    CHECK_EQ(c.lost, 0);
    CHECK_EQ(c.seq_gaps, 0);
    CHECK_EQ(S.rs.faults, 0);
    plm_dev_buffered(&S.dev, &b);
    CHECK_EQ(b.frames, 0);
}

void test_dev_ten_minutes_offline_100hz(void) { ten_minutes_offline(100); }
void test_dev_ten_minutes_offline_200hz(void) { ten_minutes_offline(200); }

void test_dev_catch_up_while_sampling_keeps_order(void)
{
    sim_setup(&S, big_mem, BIG_SLOTS, BIG_SPB, 0);
    S.rs.busy_polls_program = 2;
    S.rs.busy_polls_erase = 20;
    chk_t c;
    start_at(50, 2, &c);
    sample(50u * 120u, 50, 0); /* two minutes unread */
    /* the host comes back: reads while sampling goes on */
    for (uint32_t i = 0; i < 50u * 60u; i++) {
        S.clk.ticks += period_ticks(50);
        plm_dev_on_data_ready(&S.dev, S.clk.ticks);
        for (int r = 0; r < 3; r++) {
            plm_dev_poll(&S.dev);
            (void)read_one(&c);
        }
    }
    read_all(&c);
    CHECK_EQ(c.samples, 50u * 180u);
    CHECK_EQ(c.lost, 0);
    CHECK_EQ(S.rs.faults, 0);
}

void test_dev_overflow_reports_exact_loss(void)
{
    sim_setup(&S, small_mem, 16, 4, 0);
    chk_t c;
    start_at(100, 4, &c);
    sample(600, 100, 0); /* 100 frames; RAM queue 32 + storage 13..16 */
    plm_buffered_t b;
    plm_dev_buffered(&S.dev, &b);
    CHECK_EQ(b.frames + b.frames_dropped, 100);
    CHECK_EQ(b.samples + b.samples_lost, 600);
    CHECK(b.frames_dropped > 0);
    read_all(&c);
    CHECK_EQ(c.frames, b.frames);
    CHECK_EQ(c.samples + c.lost, 600); /* every sample either delivered or reported lost */
    CHECK_EQ(c.lost, b.samples_lost);
    CHECK_EQ(c.seq_gaps, b.frames_dropped);
    CHECK_EQ(c.next_seq, 100);
    CHECK_EQ(S.rs.faults, 0);
}

void test_dev_without_storage_drops_oldest_in_ram(void)
{
    sim_setup(&S, NULL, 0, 0, 0);
    chk_t c;
    start_at(100, 4, &c);
    sample(50u * 6u, 100, 0);
    plm_buffered_t b;
    plm_dev_buffered(&S.dev, &b);
    CHECK_EQ(b.frames, PLM_QUEUE_FRAMES);
    CHECK_EQ(b.frames_dropped, 50u - PLM_QUEUE_FRAMES);
    uint32_t len;
    const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
    REQUIRE(p != NULL);
    plm_frame_t f;
    REQUIRE(plm_frame_decode(p, len, &f) == PLM_DECODE_OK);
    CHECK_EQ(f.seq, 18);
    CHECK_EQ(f.lost_samples, 18u * 6u);
    CHECK_EQ(f.flags, PLM_FLAG_GAP_OVERFLOW); /* FIRST was on the dropped frame 0 */
    read_all(&c);
    CHECK_EQ(c.samples + c.lost, 300);
}

void test_dev_sensor_gap_is_counted_and_timed(void)
{
    sim_setup(&S, NULL, 0, 0, 1000);
    chk_t c;
    start_at(100, 4, &c);
    c.check_time = 0;
    sample(8, 100, 0);
    /* three data-ready edges never arrive (about 4 periods pass, with jitter) */
    S.clk.ticks += 3u * period_ticks(100) + period_ticks(100) / 10u;
    sample(4, 100, 0);
    sample(2, 100, 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_STOP, 0, 0), 0); /* flushes the partial frame */
    uint8_t buf[3][64];
    uint32_t len[3];
    plm_frame_t f[3];
    for (int i = 0; i < 3; i++) {
        const uint8_t *p = plm_dev_tx_frame(&S.dev, &len[i]);
        REQUIRE(p != NULL);
        memcpy(buf[i], p, len[i]);
        plm_dev_tx_done(&S.dev);
        REQUIRE(plm_frame_decode(buf[i], len[i], &f[i]) == PLM_DECODE_OK);
    }
    CHECK(plm_dev_tx_frame(&S.dev, &len[0]) == NULL);
    CHECK_EQ(f[0].count, 6);
    CHECK_EQ(f[0].flags, PLM_FLAG_FIRST);
    CHECK_EQ(f[1].count, 2); /* closed early at the gap */
    CHECK_EQ(f[1].lost_samples, 0);
    CHECK_EQ(f[2].count, 6);
    CHECK_EQ(f[2].flags, PLM_FLAG_GAP_SENSOR);
    CHECK_EQ(f[2].lost_samples, 3);
    CHECK_EQ(f[1].timestamp_us, c.t0_us + 6u * 10000u);
    /* sample after the gap: 8 periods + 3 missing + jitter */
    CHECK_EQ(f[2].timestamp_us, c.t0_us + 11u * 10000u + 1000u);
    int16_t e[3];
    sim_value(8, e); /* the accelerometer delivered the next sample it had */
    CHECK(f[2].samples[0].x == e[0] && f[2].samples[0].z == e[2]);
    plm_buffered_t b;
    plm_dev_buffered(&S.dev, &b);
    CHECK_EQ(b.samples_lost, 3);
}

void test_dev_accel_read_failure_is_a_lost_sample(void)
{
    sim_setup(&S, NULL, 0, 0, 0);
    chk_t c;
    start_at(100, 4, &c);
    sample(3, 100, 0);
    S.acc.fail_read = 1;
    sample(7, 100, 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_STOP, 0, 0), 0);
    read_all(&c); /* k index and time stay aligned: the failed read consumed k=3 */
    CHECK_EQ(c.samples, 9);
    CHECK_EQ(c.lost, 1);
    CHECK(plm_dev_state(&S.dev) & PLM_STATE_SENSOR_ERROR);
}

void test_dev_sequence_number_wraps(void)
{
    sim_setup(&S, NULL, 0, 0, 0);
    chk_t c;
    start_at(100, 4, &c);
    S.dev.next_seq = 0xFFFFFFFEu;
    c.next_seq = 0xFFFFFFFEu;
    sample(18, 100, 0);
    uint32_t seqs[3];
    for (int i = 0; i < 3; i++) {
        uint32_t len;
        const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
        REQUIRE(p != NULL);
        plm_frame_t f;
        REQUIRE(plm_frame_decode(p, len, &f) == PLM_DECODE_OK);
        seqs[i] = f.seq;
        CHECK_EQ(f.lost_samples, 0);
        CHECK((f.flags & PLM_FLAG_GAP_OVERFLOW) == 0);
        chk_frame(&c, p, len);
        plm_dev_tx_done(&S.dev);
    }
    CHECK_EQ(seqs[0], 0xFFFFFFFEu);
    CHECK_EQ(seqs[1], 0xFFFFFFFFu);
    CHECK_EQ(seqs[2], 0);
    CHECK_EQ(c.seq_gaps, 0);
}

void test_dev_timestamps_wrap_modulo_2_64(void)
{
    sim_setup(&S, NULL, 0, 0, 12345);
    uint8_t t[8];
    plm_put_u64(t, UINT64_C(0xFFFFFFFFFFFFFFFF) - 24999u); /* 2^64 - 25000 µs */
    CHECK_EQ(sim_vendor(&S, OUT, PLM_REQ_SET_HOST_TIME, 0, 0, t, 8, NULL, NULL), 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    sample(12, 100, 0);
    uint64_t ts[2];
    for (int i = 0; i < 2; i++) {
        uint32_t len;
        const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
        REQUIRE(p != NULL);
        plm_frame_t f;
        REQUIRE(plm_frame_decode(p, len, &f) == PLM_DECODE_OK);
        CHECK(f.flags & PLM_FLAG_TIME_SYNCED);
        ts[i] = f.timestamp_us;
        plm_dev_tx_done(&S.dev);
    }
    /* sample 0 at host time 2^64 - 25000 + 10000; frame 1 starts 60 ms later */
    CHECK_EQ(ts[0], UINT64_C(0xFFFFFFFFFFFFFFFF) - 14999u);
    CHECK_EQ(ts[1], 45000u);
}

void test_dev_info_and_configure(void)
{
    sim_setup(&S, small_mem, 16, 4, 0);
    uint8_t r[64];
    uint16_t rl = 0;
    CHECK_EQ(sim_vendor(&S, IN, PLM_REQ_GET_INFO, 0, 0, NULL, 48, r, &rl), 0);
    CHECK_EQ(rl, 48);
    /* defaults: 100 Hz, 4 g, side unset, storage 32 + 13 frames */
    static const uint8_t expect[24] = {1, PLM_FW_MAJOR, PLM_FW_MINOR, PLM_FW_PATCH, 0, 0xFE, 100, 0, 4,
                                       PLM_STATE_STORAGE_OK, 6, 64, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(memcmp(r, expect, 24) == 0);
    CHECK(memcmp(r + 24, "0123456789ABCDEF01234567", 24) == 0);

    CHECK_EQ(vreq(OUT, PLM_REQ_CONFIGURE, 200, 16), 0);
    CHECK_EQ(S.acc.rate_hz, 200);
    CHECK_EQ(S.acc.range_g, 16);
    CHECK_EQ(vreq(OUT, PLM_REQ_CONFIGURE, 150, 4), -1); /* bad rate */
    CHECK_EQ(vreq(OUT, PLM_REQ_CONFIGURE, 100, 3), -1); /* bad range */
    CHECK_EQ(vreq(IN, PLM_REQ_CONFIGURE, 100, 4), -1);  /* wrong direction */
    CHECK_EQ(vreq(OUT, PLM_REQ_GET_INFO, 0, 0), -1);
    CHECK_EQ(vreq(OUT, 0x7F, 0, 0), -1);               /* unknown request */
    S.acc.fail_configure = 1;
    CHECK_EQ(vreq(OUT, PLM_REQ_CONFIGURE, 50, 2), -1); /* sensor refused */
    S.acc.fail_configure = 0;
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0); /* idempotent */
    CHECK_EQ(S.acc.starts, 1);
    CHECK_EQ(vreq(OUT, PLM_REQ_CONFIGURE, 50, 2), -1); /* not while running */
    CHECK_EQ(sim_vendor(&S, IN, PLM_REQ_GET_INFO, 0, 0, NULL, 48, r, &rl), 0);
    CHECK_EQ(plm_get_u16(r + 6), 200);
    CHECK_EQ(r[8], 16);
    CHECK(r[9] & PLM_STATE_RUNNING);
    CHECK_EQ(vreq(OUT, PLM_REQ_STOP, 0, 0), 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_STOP, 0, 0), 0);
    CHECK_EQ(S.acc.stops, 1);
    CHECK_EQ(vreq(OUT, PLM_REQ_CONFIGURE, 50, 2), 0);
}

void test_dev_side_and_calibration_persist(void)
{
    sim_setup(&S, NULL, 0, 0, 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_SET_SIDE, 3, 0), -1);
    CHECK_EQ(vreq(OUT, PLM_REQ_SET_SIDE, PLM_SIDE_RIGHT, 0), 0);
    uint8_t cal[6] = {0x10, 0x00, 0xF0, 0xFF, 0x00, 0x80}; /* +16, -16, -32768 */
    CHECK_EQ(sim_vendor(&S, OUT, PLM_REQ_SET_CALIBRATION, 0, 0, cal, 5, NULL, NULL), -1);
    CHECK_EQ(sim_vendor(&S, OUT, PLM_REQ_SET_CALIBRATION, 0, 0, cal, 6, NULL, NULL), 0);
    CHECK_EQ(S.nv.saves, 2);
    S.nv.fail_save = 1;
    CHECK_EQ(vreq(OUT, PLM_REQ_SET_SIDE, PLM_SIDE_LEFT, 0), -1);
    S.nv.fail_save = 0;
    sim_reboot(&S); /* power cycle: settings come back from the nv store */
    CHECK_EQ(S.dev.settings.side, PLM_SIDE_RIGHT);
    uint8_t r[64];
    uint16_t rl;
    CHECK_EQ(sim_vendor(&S, IN, PLM_REQ_GET_INFO, 0, 0, NULL, 48, r, &rl), 0);
    CHECK_EQ(r[4], PLM_SIDE_RIGHT);
    CHECK(r[16] == 0x10 && r[17] == 0 && r[18] == 0xF0 && r[19] == 0xFF && r[20] == 0x00 && r[21] == 0x80);
    /* calibration is subtracted, saturating at the int16 limits */
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    sample(6, 100, 0);
    uint32_t len;
    const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
    REQUIRE(p != NULL);
    plm_frame_t f;
    REQUIRE(plm_frame_decode(p, len, &f) == PLM_DECODE_OK);
    for (uint32_t k = 0; k < 6; k++) {
        int16_t e[3];
        sim_value(k, e);
        CHECK_EQ(f.samples[k].x, (int16_t)((int32_t)e[0] - 16 < -32768 ? -32768 : e[0] - 16));
        CHECK_EQ(f.samples[k].y, (int16_t)(e[1] + 16));
        CHECK_EQ(f.samples[k].z, 32767); /* 16384.. + 32768 saturates */
    }
}

void test_dev_host_time_and_buffered(void)
{
    sim_setup(&S, NULL, 0, 0, 720000u); /* 10 ms of uptime */
    uint8_t r[64];
    uint16_t rl;
    CHECK_EQ(sim_vendor(&S, IN, PLM_REQ_GET_DEVICE_TIME, 0, 0, NULL, 8, r, &rl), 0);
    CHECK_EQ(rl, 8);
    CHECK_EQ(plm_get_u64(r), 10000u);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    sample(3, 100, 0); /* a partial frame */
    uint8_t t[8];
    plm_put_u64(t, UINT64_C(1700000000000000));
    CHECK_EQ(sim_vendor(&S, OUT, PLM_REQ_SET_HOST_TIME, 0, 0, t, 7, NULL, NULL), -1);
    CHECK_EQ(sim_vendor(&S, OUT, PLM_REQ_SET_HOST_TIME, 0, 0, t, 8, NULL, NULL), 0);
    S.clk.ticks += 72u * 250u;
    CHECK_EQ(sim_vendor(&S, IN, PLM_REQ_GET_DEVICE_TIME, 0, 0, NULL, 8, r, &rl), 0);
    CHECK_EQ(plm_get_u64(r), UINT64_C(1700000000000250));
    sample(6, 100, 0);
    CHECK_EQ(sim_vendor(&S, IN, PLM_REQ_GET_BUFFERED, 0, 0, NULL, 16, r, &rl), 0);
    CHECK_EQ(rl, 16);
    CHECK_EQ(plm_get_u32(r), 2);     /* the partial frame closed at the sync + one full */
    CHECK_EQ(plm_get_u32(r + 4), 9);
    CHECK_EQ(plm_get_u32(r + 8), 0);
    CHECK_EQ(plm_get_u32(r + 12), 0);
    uint32_t len;
    plm_frame_t f;
    const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
    REQUIRE(p && plm_frame_decode(p, len, &f) == PLM_DECODE_OK);
    CHECK_EQ(f.count, 3);
    CHECK_EQ(f.flags, PLM_FLAG_FIRST);
    CHECK_EQ(f.timestamp_us, 20000u); /* uptime base: 10 ms + one period */
    plm_dev_tx_done(&S.dev);
    p = plm_dev_tx_frame(&S.dev, &len);
    REQUIRE(p && plm_frame_decode(p, len, &f) == PLM_DECODE_OK);
    CHECK_EQ(f.flags, PLM_FLAG_TIME_SYNCED);
    /* uptime at sync 40000 µs -> host 1.7e15; first sample after it 250 µs + 10 ms later */
    CHECK_EQ(f.timestamp_us, UINT64_C(1700000000000000) + 250u + 10000u);
}

void test_dev_frame_resent_until_acknowledged(void)
{
    sim_setup(&S, NULL, 0, 0, 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    sample(12, 100, 0);
    uint32_t l1, l2;
    const uint8_t *p = plm_dev_tx_frame(&S.dev, &l1);
    REQUIRE(p != NULL);
    uint8_t first[64];
    memcpy(first, p, l1);
    /* bus reset before the host acknowledged: the same frame comes again */
    p = plm_dev_tx_frame(&S.dev, &l2);
    REQUIRE(p != NULL);
    CHECK(l1 == l2 && memcmp(first, p, l1) == 0);
    plm_buffered_t b;
    plm_dev_buffered(&S.dev, &b);
    CHECK_EQ(b.frames, 2);
    plm_dev_tx_done(&S.dev);
    p = plm_dev_tx_frame(&S.dev, &l2);
    REQUIRE(p != NULL);
    CHECK_EQ(plm_get_u32(p + PLM_OFF_SEQ), plm_get_u32(first + PLM_OFF_SEQ) + 1u);
}

void test_dev_status_messages(void)
{
    sim_setup(&S, NULL, 0, 0, 0);
    uint8_t m[16];
    CHECK_EQ(plm_dev_status_poll(&S.dev, m), 0); /* nothing changed, period not over */
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    CHECK_EQ(plm_dev_status_poll(&S.dev, m), 1);
    plm_status_t st;
    REQUIRE(plm_status_decode(m, 16, &st) == 0);
    CHECK_EQ(st.state, PLM_STATE_RUNNING);
    CHECK_EQ(plm_dev_status_poll(&S.dev, m), 0);
    sample(6, 100, 0);
    CHECK_EQ(plm_dev_status_poll(&S.dev, m), 0);
    S.clk.ticks += 72u * 1000000u;
    CHECK_EQ(plm_dev_status_poll(&S.dev, m), 1);
    REQUIRE(plm_status_decode(m, 16, &st) == 0);
    CHECK_EQ(st.frames_buffered, 1);
    CHECK_EQ(st.next_seq, 1);
    S.clk.ticks += 5u * period_ticks(100); /* 5 samples missed */
    sample(1, 100, 0);
    CHECK_EQ(plm_dev_status_poll(&S.dev, m), 1);
    REQUIRE(plm_status_decode(m, 16, &st) == 0);
    CHECK(st.state & PLM_STATE_LOSS);
}

void test_dev_restart_marks_first_frame(void)
{
    sim_setup(&S, NULL, 0, 0, 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    sample(6, 100, 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_STOP, 0, 0), 0);
    sample(6, 100, 0); /* edges while stopped are ignored */
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    S.clk.ticks += 72u * 1000000u; /* a long pause is not a gap after START */
    sample(6, 100, 0);
    uint8_t flags[2];
    uint32_t seqs[2];
    for (int i = 0; i < 2; i++) {
        uint32_t len;
        plm_frame_t f;
        const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
        REQUIRE(p && plm_frame_decode(p, len, &f) == PLM_DECODE_OK);
        flags[i] = f.flags;
        seqs[i] = f.seq;
        CHECK_EQ(f.lost_samples, 0);
        plm_dev_tx_done(&S.dev);
    }
    CHECK_EQ(flags[0], PLM_FLAG_FIRST);
    CHECK_EQ(flags[1], PLM_FLAG_FIRST);
    CHECK_EQ(seqs[1], seqs[0] + 1u);
}

/* ---- COMMIT / REWIND (docs/protocol.md, "Acknowledgement") ------------------------------ */

static int commit(uint32_t seq)
{
    uint16_t v, i;
    plm_commit_split(seq, &v, &i);
    return vreq(OUT, PLM_REQ_COMMIT, v, i);
}

/* the host reads one frame (the packet is acknowledged); its seq, or -1 if none is ready */
static int64_t send_one(void)
{
    uint32_t len;
    const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
    if (p == NULL)
        return -1;
    int64_t seq = plm_get_u32(p + PLM_OFF_SEQ);
    plm_dev_tx_done(&S.dev);
    return seq;
}

void test_dev_commit_keeps_sent_frames_until_committed(void)
{
    sim_setup(&S, NULL, 0, 0, 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    sample(60, 100, 0); /* frames 0..9 */
    CHECK_EQ(vreq(OUT, PLM_REQ_REWIND, 0, 0), 0); /* the host will commit */
    for (int64_t k = 0; k < 5; k++)
        CHECK_EQ(send_one(), k);
    plm_buffered_t b;
    plm_dev_buffered(&S.dev, &b);
    CHECK_EQ(b.frames, 5); /* 5..9 wait; 0..4 are sent and kept, not waiting */
    CHECK_EQ(commit(2), 0);
    /* a link event: 3 and 4 (sent, not committed) come again, then the rest */
    plm_dev_rewind(&S.dev);
    plm_dev_buffered(&S.dev, &b);
    CHECK_EQ(b.frames, 7);
    CHECK_EQ(b.samples, 42);
    for (int64_t k = 3; k < 10; k++)
        CHECK_EQ(send_one(), k);
    CHECK_EQ(send_one(), -1);
    /* another one; the host commits while the resend is under way */
    plm_dev_rewind(&S.dev);
    CHECK_EQ(send_one(), 3);
    CHECK_EQ(commit(9), 0);
    CHECK_EQ(send_one(), -1);
    plm_dev_rewind(&S.dev);
    CHECK_EQ(send_one(), -1); /* everything committed: nothing to send again */
    plm_dev_buffered(&S.dev, &b);
    CHECK_EQ(b.frames, 0);
    /* REWIND takes no parameters */
    CHECK_EQ(vreq(OUT, PLM_REQ_REWIND, 1, 0), -1);
    CHECK_EQ(vreq(IN, PLM_REQ_REWIND, 0, 0), -1);
}

void test_dev_without_commit_sent_frames_are_gone(void)
{
    /* a host that never commits sees the old behaviour */
    sim_setup(&S, NULL, 0, 0, 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    sample(30, 100, 0); /* frames 0..4 */
    CHECK_EQ(send_one(), 0);
    CHECK_EQ(send_one(), 1);
    plm_dev_rewind(&S.dev);
    CHECK_EQ(send_one(), 2);
    uint32_t len;
    const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
    REQUIRE(p != NULL);
    CHECK_EQ(plm_get_u32(p + PLM_OFF_SEQ), 3);
    plm_dev_rewind(&S.dev); /* the frame in flight stays and is sent again */
    CHECK(!plm_dev_take_withdraw(&S.dev));
    CHECK_EQ(send_one(), 3);
    CHECK_EQ(send_one(), 4);
    CHECK_EQ(send_one(), -1);
}

void test_dev_rewind_takes_back_the_frame_in_flight(void)
{
    sim_setup(&S, NULL, 0, 0, 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    sample(30, 100, 0); /* frames 0..4 */
    CHECK_EQ(vreq(OUT, PLM_REQ_REWIND, 0, 0), 0);
    CHECK_EQ(send_one(), 0);
    uint32_t len;
    const uint8_t *p = plm_dev_tx_frame(&S.dev, &len); /* frame 1 armed, not yet acknowledged */
    REQUIRE(p != NULL);
    CHECK_EQ(plm_get_u32(p + PLM_OFF_SEQ), 1);
    plm_dev_rewind(&S.dev);
    CHECK(plm_dev_take_withdraw(&S.dev)); /* the board must take the armed packet back */
    CHECK(!plm_dev_take_withdraw(&S.dev));
    plm_dev_tx_done(&S.dev); /* the board's late completion of that packet: ignored */
    for (int64_t k = 0; k < 5; k++)
        CHECK_EQ(send_one(), k); /* in order from the oldest uncommitted */
    CHECK_EQ(send_one(), -1);
    CHECK_EQ(commit(4), 0);
}

void test_dev_overflow_with_uncommitted_frames_is_exact(void)
{
    /* the host reads but does not commit (its disk is full): PLM_RETAIN_FRAMES frames go out, then the
     * device sends nothing new; the rest waits in RAM and flash, which overflow; after the COMMIT the
     * remaining frames arrive with the loss stamped exactly (GAP_OVERFLOW, lost_samples) */
    sim_setup(&S, small_mem, 16, 4, 0);
    chk_t c;
    start_at(100, 4, &c);
    CHECK_EQ(vreq(OUT, PLM_REQ_REWIND, 0, 0), 0);
    uint32_t frames = PLM_RETAIN_FRAMES + 100u;
    for (uint32_t i = 0; i < frames * 6u; i++) {
        sample(1, 100, 0);
        (void)read_one(&c);
    }
    CHECK_EQ(c.frames, PLM_RETAIN_FRAMES);
    CHECK_EQ(S.dev.u_count, PLM_RETAIN_FRAMES);
    plm_buffered_t b;
    plm_dev_buffered(&S.dev, &b);
    CHECK(b.frames_dropped > 0);
    CHECK_EQ(b.frames + b.frames_dropped + PLM_RETAIN_FRAMES, frames);
    /* a link event before the commit: the retained frames come again first, unchanged */
    plm_dev_rewind(&S.dev);
    CHECK_EQ(send_one(), 0);
    CHECK_EQ(commit(PLM_RETAIN_FRAMES - 1u), 0);
    read_all(&c);
    CHECK_EQ(c.next_seq, frames);
    CHECK_EQ(c.samples + c.lost, frames * 6u); /* every sample delivered once or reported lost */
    CHECK_EQ(c.lost, b.samples_lost);
    CHECK_EQ(c.seq_gaps, b.frames_dropped);
    CHECK_EQ(S.rs.faults, 0);
}

void test_dev_commit_out_of_range_stalls(void)
{
    sim_setup(&S, NULL, 0, 0, 0);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    sample(30, 100, 0); /* frames 0..4 */
    CHECK_EQ(commit(0), -1); /* nothing sent since power-up */
    CHECK(!S.dev.retain);
    CHECK_EQ(send_one(), 0);
    CHECK_EQ(send_one(), 1);
    CHECK_EQ(send_one(), 2);
    CHECK_EQ(commit(3), -1);          /* produced but never sent */
    uint32_t len;
    REQUIRE(plm_dev_tx_frame(&S.dev, &len) != NULL);
    CHECK_EQ(commit(3), 0); /* handed over, the board not yet done: the host may have it already */
    plm_dev_tx_done(&S.dev);
    CHECK_EQ(commit(4), -1);
    CHECK_EQ(commit(0x00010002u), -1); /* the high half counts */
    CHECK(S.dev.retain);
    CHECK_EQ(commit(2), 0);
    CHECK_EQ(commit(1), 0); /* older than what is kept: nothing to do */
    CHECK_EQ(vreq(IN, PLM_REQ_COMMIT, 2, 0), -1);
    /* a power cycle: numbering restarts at 0, the number from before is refused */
    sim_reboot(&S);
    CHECK_EQ(vreq(OUT, PLM_REQ_START, 0, 0), 0);
    sample(12, 100, 0);
    CHECK_EQ(send_one(), 0);
    CHECK_EQ(commit(2), -1);
    CHECK_EQ(commit(0), 0);
}
