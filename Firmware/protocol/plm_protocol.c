/* plm wire protocol implementation. See plm_protocol.h and docs/protocol.md. */
#include "plm_protocol.h"

#include <string.h>

void plm_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}

void plm_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
    p[2] = (uint8_t)((v >> 16) & 0xFFu);
    p[3] = (uint8_t)(v >> 24);
}

void plm_put_u64(uint8_t *p, uint64_t v)
{
    plm_put_u32(p, (uint32_t)(v & 0xFFFFFFFFu));
    plm_put_u32(p + 4, (uint32_t)(v >> 32));
}

uint16_t plm_get_u16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] | (uint16_t)((uint16_t)p[1] << 8));
}

uint32_t plm_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint64_t plm_get_u64(const uint8_t *p)
{
    return (uint64_t)plm_get_u32(p) | ((uint64_t)plm_get_u32(p + 4) << 32);
}

static void put_i16(uint8_t *p, int16_t v)
{
    /* two's complement bit pattern, defined by conversion to unsigned */
    plm_put_u16(p, (uint16_t)v);
}

static int16_t get_i16(const uint8_t *p)
{
    uint16_t u = plm_get_u16(p);
    /* portable conversion without implementation-defined behaviour */
    return (u < 0x8000u) ? (int16_t)u : (int16_t)(-(int32_t)(0x10000u - u));
}

/* CRC-32/ISO-HDLC, nibble-table form (64-byte table, small for the MCU). */
static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t plm_crc32_nibble_update(uint32_t state, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        state ^= data[i];
        state = (state >> 4) ^ crc_nibble[state & 0x0Fu];
        state = (state >> 4) ^ crc_nibble[state & 0x0Fu];
    }
    return state;
}

#ifdef PLM_CRC_LIBDEFLATE
/* The host build (Swift package) takes the same CRC from libdeflate, which
 * folds 16 bytes at a time with carry-less multiplication where the CPU has
 * it (about 0.3 instructions per byte on a block, against 4 or more for
 * table methods): replaying a night checks every byte twice. */
#include <libdeflate.h>

uint32_t plm_crc32_update(uint32_t state, const uint8_t *data, size_t len)
{
    if (len == 0)
        return state;
    /* libdeflate takes and returns the finished (inverted) value */
    return ~libdeflate_crc32(~state, data, len);
}
#else
uint32_t plm_crc32_update(uint32_t state, const uint8_t *data, size_t len)
{
    return plm_crc32_nibble_update(state, data, len);
}
#endif

uint32_t plm_crc32(const uint8_t *data, size_t len)
{
    return plm_crc32_update(0xFFFFFFFFu, data, len) ^ 0xFFFFFFFFu;
}

size_t plm_frame_encode(const plm_frame_t *f, uint8_t *buf, size_t cap)
{
    if (f->count == 0u || f->count > PLM_FRAME_MAX_SAMPLES)
        return 0;
    size_t n = PLM_FRAME_SIZE((size_t)f->count);
    if (cap < n)
        return 0;
    plm_put_u16(buf + PLM_OFF_MAGIC, (uint16_t)PLM_FRAME_MAGIC);
    buf[PLM_OFF_VERSION] = f->version;
    buf[PLM_OFF_FLAGS] = f->flags;
    plm_put_u32(buf + PLM_OFF_SEQ, f->seq);
    plm_put_u64(buf + PLM_OFF_TIMESTAMP, f->timestamp_us);
    plm_put_u16(buf + PLM_OFF_PERIOD, f->period_us);
    buf[PLM_OFF_COUNT] = f->count;
    buf[PLM_OFF_RANGE] = f->range_g;
    plm_put_u32(buf + PLM_OFF_LOST, f->lost_samples);
    uint8_t *s = buf + PLM_OFF_SAMPLES;
    for (unsigned i = 0; i < f->count; i++) {
        put_i16(s + 0, f->samples[i].x);
        put_i16(s + 2, f->samples[i].y);
        put_i16(s + 4, f->samples[i].z);
        s += PLM_SAMPLE_SIZE;
    }
    size_t body = n - PLM_FRAME_CRC_SIZE;
    plm_put_u32(buf + body, plm_crc32(buf, body));
    return n;
}

plm_decode_status_t plm_frame_peek(const uint8_t *buf, size_t len, int check_crc, plm_frame_header_t *out)
{
    if (len < 2u)
        return PLM_DECODE_TRUNCATED;
    if (plm_get_u16(buf + PLM_OFF_MAGIC) != PLM_FRAME_MAGIC)
        return PLM_DECODE_BAD_MAGIC;
    if (len < 3u)
        return PLM_DECODE_TRUNCATED;
    if (buf[PLM_OFF_VERSION] != PLM_PROTOCOL_VERSION)
        return PLM_DECODE_BAD_VERSION;
    if (len < PLM_FRAME_HEADER_SIZE)
        return PLM_DECODE_TRUNCATED;
    uint8_t count = buf[PLM_OFF_COUNT];
    if (count == 0u || count > PLM_FRAME_MAX_SAMPLES)
        return PLM_DECODE_BAD_LENGTH;
    size_t n = PLM_FRAME_SIZE((size_t)count);
    if (len < n)
        return PLM_DECODE_TRUNCATED;
    size_t body = n - PLM_FRAME_CRC_SIZE;
    uint32_t crc = plm_get_u32(buf + body);
    if (check_crc && crc != plm_crc32(buf, body))
        return PLM_DECODE_BAD_CRC;

    out->version = buf[PLM_OFF_VERSION];
    out->flags = buf[PLM_OFF_FLAGS];
    out->seq = plm_get_u32(buf + PLM_OFF_SEQ);
    out->timestamp_us = plm_get_u64(buf + PLM_OFF_TIMESTAMP);
    out->period_us = plm_get_u16(buf + PLM_OFF_PERIOD);
    out->count = count;
    out->range_g = buf[PLM_OFF_RANGE];
    out->lost_samples = plm_get_u32(buf + PLM_OFF_LOST);
    out->crc = crc;
    out->length = n;
    return PLM_DECODE_OK;
}

plm_decode_status_t plm_frame_decode(const uint8_t *buf, size_t len, plm_frame_t *out)
{
    plm_frame_header_t h;
    plm_decode_status_t st = plm_frame_peek(buf, len, 1, &h);
    if (st != PLM_DECODE_OK)
        return st;
    memset(out, 0, sizeof *out);
    out->version = h.version;
    out->flags = h.flags;
    out->seq = h.seq;
    out->timestamp_us = h.timestamp_us;
    out->period_us = h.period_us;
    out->count = h.count;
    out->range_g = h.range_g;
    out->lost_samples = h.lost_samples;
    const uint8_t *s = buf + PLM_OFF_SAMPLES;
    for (unsigned i = 0; i < h.count; i++) {
        out->samples[i].x = get_i16(s + 0);
        out->samples[i].y = get_i16(s + 2);
        out->samples[i].z = get_i16(s + 4);
        s += PLM_SAMPLE_SIZE;
    }
    out->crc = h.crc;
    out->length = h.length;
    return PLM_DECODE_OK;
}

const char *plm_decode_status_name(plm_decode_status_t s)
{
    switch (s) {
    case PLM_DECODE_OK: return "ok";
    case PLM_DECODE_BAD_MAGIC: return "bad magic";
    case PLM_DECODE_BAD_VERSION: return "bad version";
    case PLM_DECODE_TRUNCATED: return "truncated";
    case PLM_DECODE_BAD_CRC: return "bad crc";
    case PLM_DECODE_BAD_LENGTH: return "bad length";
    }
    return "unknown";
}

int plm_frame_add_loss(uint8_t *buf, size_t len, uint8_t flags, uint32_t lost)
{
    plm_frame_t tmp;
    if (plm_frame_decode(buf, len, &tmp) != PLM_DECODE_OK)
        return -1;
    buf[PLM_OFF_FLAGS] = (uint8_t)(buf[PLM_OFF_FLAGS] | flags);
    uint32_t old = plm_get_u32(buf + PLM_OFF_LOST);
    uint32_t sum = (lost > 0xFFFFFFFFu - old) ? 0xFFFFFFFFu : old + lost;
    plm_put_u32(buf + PLM_OFF_LOST, sum);
    size_t body = tmp.length - PLM_FRAME_CRC_SIZE;
    plm_put_u32(buf + body, plm_crc32(buf, body));
    return 0;
}

/* ---- control payloads ---------------------------------------------------- */

void plm_info_encode(const plm_info_t *in, uint8_t out[PLM_INFO_SIZE])
{
    memset(out, 0, PLM_INFO_SIZE);
    out[0] = in->protocol_version;
    out[1] = in->fw_major;
    out[2] = in->fw_minor;
    out[3] = in->fw_patch;
    out[4] = in->side;
    out[5] = in->accel_model;
    plm_put_u16(out + 6, in->rate_hz);
    out[8] = in->range_g;
    out[9] = in->state;
    out[10] = in->max_samples_per_frame;
    out[11] = in->max_frame_size;
    plm_put_u32(out + 12, in->storage_capacity_frames);
    put_i16(out + 16, in->cal[0]);
    put_i16(out + 18, in->cal[1]);
    put_i16(out + 20, in->cal[2]);
    /* 22..23 reserved, zero */
    for (size_t i = 0; i < PLM_SERIAL_MAX && in->serial[i] != '\0'; i++)
        out[24 + i] = (uint8_t)in->serial[i];
}

int plm_info_decode(const uint8_t *buf, size_t len, plm_info_t *out)
{
    if (len < PLM_INFO_SIZE)
        return -1;
    memset(out, 0, sizeof *out);
    out->protocol_version = buf[0];
    out->fw_major = buf[1];
    out->fw_minor = buf[2];
    out->fw_patch = buf[3];
    out->side = buf[4];
    out->accel_model = buf[5];
    out->rate_hz = plm_get_u16(buf + 6);
    out->range_g = buf[8];
    out->state = buf[9];
    out->max_samples_per_frame = buf[10];
    out->max_frame_size = buf[11];
    out->storage_capacity_frames = plm_get_u32(buf + 12);
    out->cal[0] = get_i16(buf + 16);
    out->cal[1] = get_i16(buf + 18);
    out->cal[2] = get_i16(buf + 20);
    for (size_t i = 0; i < PLM_SERIAL_MAX && buf[24 + i] != 0u; i++)
        out->serial[i] = (char)buf[24 + i];
    return 0;
}

void plm_buffered_encode(const plm_buffered_t *in, uint8_t out[PLM_BUFFERED_SIZE])
{
    plm_put_u32(out + 0, in->frames);
    plm_put_u32(out + 4, in->samples);
    plm_put_u32(out + 8, in->frames_dropped);
    plm_put_u32(out + 12, in->samples_lost);
}

int plm_buffered_decode(const uint8_t *buf, size_t len, plm_buffered_t *out)
{
    if (len < PLM_BUFFERED_SIZE)
        return -1;
    out->frames = plm_get_u32(buf + 0);
    out->samples = plm_get_u32(buf + 4);
    out->frames_dropped = plm_get_u32(buf + 8);
    out->samples_lost = plm_get_u32(buf + 12);
    return 0;
}

void plm_status_encode(const plm_status_t *in, uint8_t out[PLM_STATUS_SIZE])
{
    out[0] = PLM_STATUS_TYPE;
    out[1] = in->state;
    out[2] = 0;
    out[3] = 0;
    plm_put_u32(out + 4, in->frames_buffered);
    plm_put_u32(out + 8, in->next_seq);
    plm_put_u32(out + 12, in->frames_dropped);
}

int plm_status_decode(const uint8_t *buf, size_t len, plm_status_t *out)
{
    if (len < PLM_STATUS_SIZE || buf[0] != PLM_STATUS_TYPE)
        return -1;
    out->state = buf[1];
    out->frames_buffered = plm_get_u32(buf + 4);
    out->next_seq = plm_get_u32(buf + 8);
    out->frames_dropped = plm_get_u32(buf + 12);
    return 0;
}

/* ---- COMMIT's sequence number ------------------------------------------------ */

void plm_commit_split(uint32_t seq, uint16_t *wValue, uint16_t *wIndex)
{
    *wValue = (uint16_t)(seq & 0xFFFFu);
    *wIndex = (uint16_t)(seq >> 16);
}

uint32_t plm_commit_seq(uint16_t wValue, uint16_t wIndex)
{
    return (uint32_t)wValue | ((uint32_t)wIndex << 16);
}
