/* Framing, CRC and payload layouts against values derived independently:
 * CRC catalogue check values and frames written out by hand in
 * protocol/testdata/golden_frames.hex. */
#include <stdlib.h>
#include <string.h>

#include "plm_config.h"
#include "plm_golden.h"
#include "plm_protocol.h"
#include "test.h"

static const plm_golden_frame_t *golden(const char *name)
{
    for (size_t i = 0; i < plm_golden_frame_count(); i++)
        if (strcmp(plm_golden_frame(i)->name, name) == 0)
            return plm_golden_frame(i);
    return NULL;
}

void test_crc32_catalogue(void)
{
    /* CRC-32/ISO-HDLC check value from the CRC catalogue */
    CHECK_EQ(plm_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
    CHECK_EQ(plm_crc32((const uint8_t *)"", 0), 0x00000000u);
    CHECK_EQ(plm_crc32((const uint8_t *)"a", 1), 0xE8B7BE43u);
    uint32_t st = plm_crc32_update(0xFFFFFFFFu, (const uint8_t *)"1234", 4);
    st = plm_crc32_update(st, (const uint8_t *)"56789", 5);
    CHECK_EQ(st ^ 0xFFFFFFFFu, 0xCBF43926u);
}

void test_little_endian_helpers(void)
{
    uint8_t b[8];
    plm_put_u16(b, 0xBEEF);
    CHECK(b[0] == 0xEF && b[1] == 0xBE);
    plm_put_u32(b, 0x12345678u);
    CHECK(b[0] == 0x78 && b[1] == 0x56 && b[2] == 0x34 && b[3] == 0x12);
    plm_put_u64(b, UINT64_C(0x0102030405060708));
    CHECK(b[0] == 0x08 && b[7] == 0x01 && b[3] == 0x05);
    CHECK_EQ(plm_get_u64(b), UINT64_C(0x0102030405060708));
    CHECK_EQ(plm_get_u32(b), 0x05060708u);
    CHECK_EQ(plm_get_u16(b + 6), 0x0102u);
}

void test_golden_frames_decode(void)
{
    CHECK(plm_golden_frame_count() >= 12u);
    CHECK(plm_golden_frame(plm_golden_frame_count()) == NULL);
    for (size_t i = 0; i < plm_golden_frame_count(); i++) {
        const plm_golden_frame_t *g = plm_golden_frame(i);
        plm_frame_t f;
        plm_decode_status_t st = plm_frame_decode(g->bytes, g->length, &f);
        if ((int)st != g->expected_status)
            printf("  golden %s: got %s\n", g->name, plm_decode_status_name(st));
        CHECK_EQ(st, g->expected_status);
        if (st != PLM_DECODE_OK || !g->has_expect)
            continue;
        CHECK_EQ(f.length, g->length);
        CHECK_EQ(f.version, 1);
        CHECK_EQ(f.flags, g->flags);
        CHECK_EQ(f.seq, g->seq);
        CHECK_EQ(f.timestamp_us, g->timestamp_us);
        CHECK_EQ(f.period_us, g->period_us);
        CHECK_EQ(f.count, g->count);
        CHECK_EQ(f.range_g, g->range_g);
        CHECK_EQ(f.lost_samples, g->lost_samples);
        CHECK(f.samples[0].x == g->s0[0] && f.samples[0].y == g->s0[1] && f.samples[0].z == g->s0[2]);
        CHECK(f.samples[5].x == g->s5[0] && f.samples[5].y == g->s5[1] && f.samples[5].z == g->s5[2]);
    }
}

void test_encode_reproduces_golden_bytes(void)
{
    /* the field values are those written beside the bytes in golden_frames.hex */
    plm_frame_t f = {0};
    f.version = 1;
    f.flags = PLM_FLAG_TIME_SYNCED | PLM_FLAG_FIRST;
    f.seq = 0x12345678u;
    f.timestamp_us = UINT64_C(1700000000000000);
    f.period_us = 10000;
    f.count = 6;
    f.range_g = 4;
    const plm_sample_t s[6] = {{1, -1, 16384},   {-32768, 32767, 0}, {256, -256, 1000},
                               {-1000, 12345, -12345}, {2, -2, -16384}, {4660, 32512, -129}};
    memcpy(f.samples, s, sizeof s);
    uint8_t buf[64];
    const plm_golden_frame_t *g = golden("full_6_samples");
    REQUIRE(g != NULL);
    CHECK_EQ(plm_frame_encode(&f, buf, sizeof buf), 64);
    CHECK(memcmp(buf, g->bytes, 64) == 0);

    plm_frame_t p = {0};
    p.version = 1;
    p.period_us = 20000;
    p.count = 3;
    p.range_g = 2;
    p.samples[1] = (plm_sample_t){-1, -1, -1};
    p.samples[2] = (plm_sample_t){100, 200, 300};
    g = golden("partial_3_samples");
    REQUIRE(g != NULL);
    CHECK_EQ(plm_frame_encode(&p, buf, sizeof buf), 46);
    CHECK(memcmp(buf, g->bytes, 46) == 0);

    plm_frame_t q = {0};
    q.version = 1;
    q.flags = PLM_FLAG_GAP_SENSOR | PLM_FLAG_GAP_OVERFLOW;
    q.seq = 0xFFFFFFFFu;
    q.timestamp_us = UINT64_C(0xFFFFFFFFFFFFFFF0);
    q.period_us = 5000;
    q.count = 1;
    q.range_g = 16;
    q.lost_samples = 70000;
    q.samples[0] = (plm_sample_t){-2, 3, -4};
    g = golden("one_sample_after_loss");
    REQUIRE(g != NULL);
    CHECK_EQ(plm_frame_encode(&q, buf, sizeof buf), 34);
    CHECK(memcmp(buf, g->bytes, 34) == 0);
}

void test_encode_rejects_bad_input(void)
{
    plm_frame_t f = {0};
    uint8_t buf[64];
    f.version = 1;
    f.count = 0;
    CHECK_EQ(plm_frame_encode(&f, buf, sizeof buf), 0);
    f.count = 7;
    CHECK_EQ(plm_frame_encode(&f, buf, sizeof buf), 0);
    f.count = 6;
    CHECK_EQ(plm_frame_encode(&f, buf, 63), 0);
    CHECK_EQ(plm_frame_encode(&f, buf, 64), 64);
    CHECK_EQ(PLM_FRAME_SIZE(6), 64);
    CHECK_EQ(PLM_FRAME_SIZE(1), 34);
}

void test_every_truncation_is_detected(void)
{
    const plm_golden_frame_t *g = golden("full_6_samples");
    REQUIRE(g != NULL);
    plm_frame_t f;
    for (size_t n = 0; n < g->length; n++)
        CHECK_EQ(plm_frame_decode(g->bytes, n, &f), PLM_DECODE_TRUNCATED);
    CHECK_EQ(plm_frame_decode(g->bytes, g->length, &f), PLM_DECODE_OK);
}

void test_every_bit_flip_is_detected(void)
{
    const plm_golden_frame_t *g = golden("full_6_samples");
    REQUIRE(g != NULL);
    uint8_t b[64];
    plm_frame_t f;
    int bad = 0;
    for (size_t i = 0; i < 64; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(b, g->bytes, 64);
            b[i] = (uint8_t)(b[i] ^ (1u << bit));
            plm_decode_status_t st = plm_frame_decode(b, 64, &f);
            if (st == PLM_DECODE_OK)
                bad++;
            if (i < 2)
                CHECK_EQ(st, PLM_DECODE_BAD_MAGIC);
            else if (i == 2)
                CHECK_EQ(st, PLM_DECODE_BAD_VERSION);
        }
    }
    CHECK_EQ(bad, 0);
}

/* plm_frame_peek reads the header in place with plm_frame_decode's checks:
 * on every golden frame, every truncation and every bit flip of a full frame
 * it returns decode's status and, when OK, decode's header fields; with
 * check_crc 0 only a CRC failure turns into OK (the other checks stay). */
void test_peek_agrees_with_decode(void)
{
    const plm_golden_frame_t *g = golden("full_6_samples");
    REQUIRE(g != NULL);
    uint8_t b[64];
    plm_frame_t f;
    plm_frame_header_t h;
    int crc_only = 0;
    for (size_t i = 0; i <= 64 * 8; i++) {
        memcpy(b, g->bytes, 64);
        if (i < 64 * 8)
            b[i / 8] = (uint8_t)(b[i / 8] ^ (1u << (i % 8)));
        static const size_t lengths[] = {0, 1, 2, 3, 23, 24, 25, 27, 28, 40, 63, 64};
        for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
            size_t n = lengths[li];
            plm_decode_status_t d = plm_frame_decode(b, n, &f);
            CHECK_EQ(plm_frame_peek(b, n, 1, &h), d);
            plm_decode_status_t unchecked = plm_frame_peek(b, n, 0, &h);
            if (d == PLM_DECODE_BAD_CRC) {
                CHECK_EQ(unchecked, PLM_DECODE_OK);
                crc_only++;
            } else {
                CHECK_EQ(unchecked, d);
            }
            if (d == PLM_DECODE_OK) {
                CHECK_EQ(plm_frame_peek(b, n, 1, &h), PLM_DECODE_OK);
                CHECK_EQ(h.seq, f.seq);
                CHECK_EQ(h.flags, f.flags);
                CHECK_EQ(h.timestamp_us, f.timestamp_us);
                CHECK_EQ(h.period_us, f.period_us);
                CHECK_EQ(h.count, f.count);
                CHECK_EQ(h.range_g, f.range_g);
                CHECK_EQ(h.lost_samples, f.lost_samples);
                CHECK_EQ(h.crc, f.crc);
                CHECK_EQ(h.length, f.length);
            }
        }
    }
    CHECK(crc_only > 0);
    for (size_t k = 0; k < plm_golden_frame_count(); k++) {
        const plm_golden_frame_t *e = plm_golden_frame(k);
        plm_decode_status_t d = plm_frame_decode(e->bytes, e->length, &f);
        CHECK_EQ(plm_frame_peek(e->bytes, e->length, 1, &h), d);
        if (d == PLM_DECODE_OK)
            CHECK_EQ(h.seq, f.seq);
    }
}

void test_frames_back_to_back(void)
{
    const plm_golden_frame_t *a = golden("partial_3_samples");
    const plm_golden_frame_t *b = golden("one_sample_after_loss");
    REQUIRE(a && b);
    uint8_t buf[128];
    memcpy(buf, a->bytes, a->length);
    memcpy(buf + a->length, b->bytes, b->length);
    plm_frame_t f;
    size_t total = a->length + b->length;
    CHECK_EQ(plm_frame_decode(buf, total, &f), PLM_DECODE_OK);
    CHECK_EQ(f.length, 46);
    CHECK_EQ(f.seq, 0);
    CHECK_EQ(plm_frame_decode(buf + f.length, total - f.length, &f), PLM_DECODE_OK);
    CHECK_EQ(f.seq, 0xFFFFFFFFu);
    CHECK_EQ(f.lost_samples, 70000);
}

void test_add_loss_rewrites_crc(void)
{
    const plm_golden_frame_t *g = golden("partial_3_samples");
    REQUIRE(g != NULL);
    uint8_t b[64];
    memcpy(b, g->bytes, g->length);
    CHECK_EQ(plm_frame_add_loss(b, g->length, PLM_FLAG_GAP_OVERFLOW, 12), 0);
    plm_frame_t f;
    CHECK_EQ(plm_frame_decode(b, g->length, &f), PLM_DECODE_OK);
    CHECK_EQ(f.flags, PLM_FLAG_GAP_OVERFLOW);
    CHECK_EQ(f.lost_samples, 12);
    CHECK(b[20] == 12 && b[21] == 0 && b[22] == 0 && b[23] == 0);
    CHECK_EQ(plm_frame_add_loss(b, g->length, PLM_FLAG_GAP_SENSOR, 0xFFFFFFF8u), 0); /* 12 + that overflows */
    CHECK_EQ(plm_frame_decode(b, g->length, &f), PLM_DECODE_OK);
    CHECK_EQ(f.lost_samples, 0xFFFFFFFFu); /* saturates */
    CHECK_EQ(f.flags, PLM_FLAG_GAP_OVERFLOW | PLM_FLAG_GAP_SENSOR);
    b[30] ^= 1u;
    CHECK_EQ(plm_frame_add_loss(b, g->length, 0, 1), -1);
}

void test_info_layout(void)
{
    plm_info_t in = {0};
    in.protocol_version = 1;
    in.fw_major = 0;
    in.fw_minor = 1;
    in.fw_patch = 2;
    in.side = PLM_SIDE_RIGHT;
    in.accel_model = PLM_ACCEL_LIS3DH;
    in.rate_hz = 200;
    in.range_g = 8;
    in.state = PLM_STATE_RUNNING | PLM_STATE_STORAGE_OK;
    in.max_samples_per_frame = 6;
    in.max_frame_size = 64;
    in.storage_capacity_frames = 0x00008000u;
    in.cal[0] = -2;
    in.cal[1] = 300;
    in.cal[2] = 0;
    memcpy(in.serial, "ABC", 4);
    uint8_t b[PLM_INFO_SIZE];
    plm_info_encode(&in, b);
    static const uint8_t expect[PLM_INFO_SIZE] = {
        0x01, 0x00, 0x01, 0x02, 0x02, 0x01, 0xC8, 0x00, 0x08, 0x05, 0x06, 0x40, 0x00, 0x80, 0x00, 0x00,
        0xFE, 0xFF, 0x2C, 0x01, 0x00, 0x00, 0x00, 0x00, 'A',  'B',  'C',  0,    0,    0,    0,    0,
    };
    CHECK(memcmp(b, expect, PLM_INFO_SIZE) == 0);
    plm_info_t out;
    CHECK_EQ(plm_info_decode(b, PLM_INFO_SIZE - 1, &out), -1);
    CHECK_EQ(plm_info_decode(b, PLM_INFO_SIZE, &out), 0);
    CHECK_EQ(out.rate_hz, 200);
    CHECK_EQ(out.cal[0], -2);
    CHECK(strcmp(out.serial, "ABC") == 0);
    CHECK_EQ(out.storage_capacity_frames, 0x8000u);
}

void test_buffered_and_status_layout(void)
{
    plm_buffered_t bu = {1, 0x0102, 0x03040506u, 7};
    uint8_t b[16];
    plm_buffered_encode(&bu, b);
    static const uint8_t eb[16] = {1, 0, 0, 0, 0x02, 0x01, 0, 0, 0x06, 0x05, 0x04, 0x03, 7, 0, 0, 0};
    CHECK(memcmp(b, eb, 16) == 0);
    plm_buffered_t bo;
    CHECK_EQ(plm_buffered_decode(b, 16, &bo), 0);
    CHECK_EQ(bo.frames_dropped, 0x03040506u);

    plm_status_t st = {PLM_STATE_RUNNING | PLM_STATE_LOSS, 9, 0xFFFFFFFFu, 2};
    plm_status_encode(&st, b);
    static const uint8_t es[16] = {0x01, 0x11, 0, 0, 9, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 2, 0, 0, 0};
    CHECK(memcmp(b, es, 16) == 0);
    plm_status_t so;
    CHECK_EQ(plm_status_decode(b, 16, &so), 0);
    CHECK_EQ(so.next_seq, 0xFFFFFFFFu);
    b[0] = 2;
    CHECK_EQ(plm_status_decode(b, 16, &so), -1);
}

void test_config_record(void)
{
    plm_config_t c = {PLM_SIDE_LEFT, {-1, 2, -300}};
    uint8_t b[PLM_CONFIG_SIZE];
    plm_config_encode(&c, b);
    static const uint8_t head[12] = {0x50, 0x4C, 0x4D, 0x43, 1, 1, 0xFF, 0xFF, 0x02, 0x00, 0xD4, 0xFE};
    CHECK(memcmp(b, head, 12) == 0);
    CHECK_EQ(plm_get_u32(b + 12), plm_crc32(head, 12));
    plm_config_t o;
    CHECK_EQ(plm_config_decode(b, &o), 0);
    CHECK(o.side == PLM_SIDE_LEFT && o.cal[0] == -1 && o.cal[1] == 2 && o.cal[2] == -300);
    b[6] ^= 0x10u;
    CHECK_EQ(plm_config_decode(b, &o), -1);
    uint8_t erased[PLM_CONFIG_SIZE];
    memset(erased, 0xFF, sizeof erased);
    CHECK_EQ(plm_config_decode(erased, &o), -1);
}

#ifdef PLM_GOLDEN_HEX
/* The hand-written hex file and the generated C table must agree. */
void test_golden_hex_matches_table(void)
{
    FILE *fp = fopen(PLM_GOLDEN_HEX, "r");
    REQUIRE(fp != NULL);
    char line[512];
    size_t idx = 0, pos = 0;
    const plm_golden_frame_t *g = NULL;
    while (fgets(line, sizeof line, fp)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        if (strncmp(line, "frame ", 6) == 0) {
            g = plm_golden_frame(idx++);
            REQUIRE(g != NULL);
            char name[64];
            CHECK(sscanf(line + 6, "%63s", name) == 1 && strcmp(name, g->name) == 0);
            pos = 0;
        } else if (strncmp(line, "end", 3) == 0) {
            REQUIRE(g != NULL);
            CHECK_EQ(pos, g->length);
            g = NULL;
        } else if (g && strncmp(line, "expect", 6) != 0) {
            char *p = line;
            for (;;) {
                char *end;
                unsigned long v = strtoul(p, &end, 16);
                if (end == p)
                    break;
                REQUIRE(pos < g->length);
                CHECK_EQ(v, g->bytes[pos]);
                pos++;
                p = end;
            }
        }
    }
    fclose(fp);
    CHECK_EQ(idx, plm_golden_frame_count());
}
#endif
