/*
 * plm wire protocol: frame packing/unpacking, CRC, and the byte layout of
 * every vendor control request payload and of the status message.
 *
 * This file and plm_protocol.c are the single source of truth for the wire
 * format described in docs/protocol.md. They are built for the MCU, for the
 * host unit tests, and as a SwiftPM C target for the daemon. They depend on
 * nothing but <stdint.h>, <stddef.h> and <string.h>.
 *
 * All multi-byte fields are little-endian and packed byte by byte (shifts),
 * never by copying C structs.
 */
#ifndef PLM_PROTOCOL_H
#define PLM_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions and USB identity ---------------------------------------- */
#define PLM_PROTOCOL_VERSION 1u

/* pid.codes test VID:PID. 0x1209:0x0001 is the pid.codes "Test PID":
 * for development and testing only, never for devices handed to users. */
#define PLM_USB_VID 0x1209u
#define PLM_USB_PID 0x0001u

#define PLM_USB_INTERFACE_CLASS 0xFFu /* vendor specific */
#define PLM_USB_EP_FRAMES_IN 0x81u    /* bulk IN, 64-byte packets     */
#define PLM_USB_EP_STATUS_IN 0x82u    /* interrupt IN, 16-byte packets */
#define PLM_USB_BULK_MPS 64u
#define PLM_USB_STATUS_MPS 16u
#define PLM_USB_STATUS_INTERVAL_MS 10u

/* ---- sample frames ------------------------------------------------------ */
#define PLM_FRAME_MAGIC 0x4C50u /* bytes 0x50 'P', 0x4C 'L' */
#define PLM_FRAME_HEADER_SIZE 24u
#define PLM_FRAME_CRC_SIZE 4u
#define PLM_SAMPLE_SIZE 6u
#define PLM_FRAME_MAX_SAMPLES 6u
#define PLM_FRAME_SIZE(n) (PLM_FRAME_HEADER_SIZE + PLM_SAMPLE_SIZE * (n) + PLM_FRAME_CRC_SIZE)
#define PLM_FRAME_MAX_SIZE 64u /* PLM_FRAME_SIZE(6), one full-speed bulk packet */

/* byte offsets inside a frame (docs/protocol.md, "Sample frame") */
#define PLM_OFF_MAGIC 0u
#define PLM_OFF_VERSION 2u
#define PLM_OFF_FLAGS 3u
#define PLM_OFF_SEQ 4u
#define PLM_OFF_TIMESTAMP 8u
#define PLM_OFF_PERIOD 16u
#define PLM_OFF_COUNT 18u
#define PLM_OFF_RANGE 19u
#define PLM_OFF_LOST 20u
#define PLM_OFF_SAMPLES 24u

/* frame flags */
#define PLM_FLAG_GAP_SENSOR 0x01u   /* samples missed between sensor and MCU */
#define PLM_FLAG_GAP_OVERFLOW 0x02u /* frames dropped because the buffer was full */
#define PLM_FLAG_TIME_SYNCED 0x04u  /* timestamp is on the host time base */
#define PLM_FLAG_FIRST 0x08u        /* first frame after START */
#define PLM_FLAG_KNOWN_MASK 0x0Fu   /* other bits are reserved: send 0, ignore */

typedef struct {
    int16_t x, y, z;
} plm_sample_t;

typedef struct {
    uint8_t version;       /* PLM_PROTOCOL_VERSION */
    uint8_t flags;         /* PLM_FLAG_* */
    uint32_t seq;          /* frame sequence number, wraps 0xFFFFFFFF -> 0 */
    uint64_t timestamp_us; /* time of samples[0], µs, wraps modulo 2^64 */
    uint16_t period_us;    /* nominal time between samples */
    uint8_t count;         /* 1..PLM_FRAME_MAX_SAMPLES */
    uint8_t range_g;       /* full scale: 2, 4, 8 or 16 g */
    uint32_t lost_samples; /* samples lost immediately before this frame */
    plm_sample_t samples[PLM_FRAME_MAX_SAMPLES];
    /* filled by plm_frame_decode only: */
    uint32_t crc;  /* CRC found in the frame */
    size_t length; /* bytes the frame occupies: PLM_FRAME_SIZE(count) */
} plm_frame_t;

typedef enum {
    PLM_DECODE_OK = 0,
    PLM_DECODE_BAD_MAGIC = 1,
    PLM_DECODE_BAD_VERSION = 2,
    PLM_DECODE_TRUNCATED = 3,
    PLM_DECODE_BAD_CRC = 4,
    PLM_DECODE_BAD_LENGTH = 5
} plm_decode_status_t;

/* Pack f into buf. Returns the frame length, or 0 if count is not in
 * 1..PLM_FRAME_MAX_SAMPLES or cap is too small. f->crc/f->length are ignored. */
size_t plm_frame_encode(const plm_frame_t *f, uint8_t *buf, size_t cap);

/* Decode the frame at the start of buf (len bytes available). Checks, in
 * this order: magic, version, header present, count in range (BAD_LENGTH),
 * whole frame present (TRUNCATED), CRC. On OK, *out is filled and
 * out->length tells how many bytes the frame used. On error *out is left
 * in an unspecified state. */
plm_decode_status_t plm_frame_decode(const uint8_t *buf, size_t len, plm_frame_t *out);

/* A frame's header, read in place: every field plm_frame_decode fills but the
 * samples, which stay in the frame's bytes (sample i's x, y, z are the three
 * little-endian int16 at PLM_OFF_SAMPLES + PLM_SAMPLE_SIZE * i). */
typedef struct {
    uint8_t version;
    uint8_t flags;
    uint32_t seq;
    uint64_t timestamp_us;
    uint16_t period_us;
    uint8_t count;
    uint8_t range_g;
    uint32_t lost_samples;
    uint32_t crc;  /* CRC found in the frame */
    size_t length; /* bytes the frame occupies: PLM_FRAME_SIZE(count) */
} plm_frame_header_t;

/* The checks of plm_frame_decode (the same, in the same order, with the same
 * statuses) without copying the samples: on OK, *out holds the header. With
 * check_crc 0 the CRC is read but not computed, for bytes whose CRC a reader
 * has already checked once (every other check is still made, so a frame that
 * announces more samples than buf holds is never OK). plm_frame_decode is
 * this with check_crc 1, plus the samples. */
plm_decode_status_t plm_frame_peek(const uint8_t *buf, size_t len, int check_crc, plm_frame_header_t *out);

const char *plm_decode_status_name(plm_decode_status_t s);

/* Add a loss record to an already packed, valid frame in place: ORs flags
 * into the flags byte, adds lost to lost_samples (saturating at 2^32-1),
 * and rewrites the CRC. Returns 0 on success, -1 if buf is not a valid frame. */
int plm_frame_add_loss(uint8_t *buf, size_t len, uint8_t flags, uint32_t lost);

/* CRC-32/ISO-HDLC (the zlib/Ethernet CRC): poly 0x04C11DB7 reflected,
 * init 0xFFFFFFFF, xorout 0xFFFFFFFF. check("123456789") = 0xCBF43926. */
uint32_t plm_crc32(const uint8_t *data, size_t len);
/* Incremental form: state starts at 0xFFFFFFFF, final value = state ^ 0xFFFFFFFF.
 * Built with PLM_CRC_LIBDEFLATE (the host's Swift package) it is libdeflate's
 * crc32 (PCLMULQDQ where the CPU has it); otherwise (the MCU, the firmware's
 * own host tests) the nibble table below. */
uint32_t plm_crc32_update(uint32_t state, const uint8_t *data, size_t len);
/* The nibble-table form, always built (so the host can check one against the other). */
uint32_t plm_crc32_nibble_update(uint32_t state, const uint8_t *data, size_t len);

/* little-endian helpers */
void plm_put_u16(uint8_t *p, uint16_t v);
void plm_put_u32(uint8_t *p, uint32_t v);
void plm_put_u64(uint8_t *p, uint64_t v);
uint16_t plm_get_u16(const uint8_t *p);
uint32_t plm_get_u32(const uint8_t *p);
uint64_t plm_get_u64(const uint8_t *p);

/* ---- vendor control requests ------------------------------------------- */
/* bmRequestType 0xC0 = device-to-host | vendor | device,
 *               0x40 = host-to-device | vendor | device                  */
#define PLM_REQTYPE_VENDOR_IN 0xC0u
#define PLM_REQTYPE_VENDOR_OUT 0x40u

typedef enum {
    PLM_REQ_GET_INFO = 0x01,        /* IN,  48 bytes: plm_info_t            */
    PLM_REQ_CONFIGURE = 0x02,       /* OUT, wValue=rate Hz, wIndex=range g  */
    PLM_REQ_START = 0x03,           /* OUT, no data                         */
    PLM_REQ_STOP = 0x04,            /* OUT, no data                         */
    PLM_REQ_SET_HOST_TIME = 0x05,   /* OUT, 8 bytes: u64 µs since Unix epoch */
    PLM_REQ_GET_BUFFERED = 0x06,    /* IN,  16 bytes: plm_buffered_t        */
    PLM_REQ_GET_DEVICE_TIME = 0x07, /* IN,  8 bytes: u64 device time µs     */
    PLM_REQ_SET_SIDE = 0x08,        /* OUT, wValue=1 left / 2 right, stored in flash */
    PLM_REQ_SET_CALIBRATION = 0x09, /* OUT, 6 bytes: 3 x i16 offsets, stored in flash */
    PLM_REQ_COMMIT = 0x0A,          /* OUT, wValue=seq bits 0..15, wIndex=seq bits 16..31, no data */
    PLM_REQ_REWIND = 0x0B           /* OUT, no data: resend from the oldest uncommitted frame */
} plm_request_t;

/* COMMIT's sequence number travels in the setup packet (no data stage, so a
 * device can STALL a number it never sent): low half in wValue, high half in
 * wIndex. */
void plm_commit_split(uint32_t seq, uint16_t *wValue, uint16_t *wIndex);
uint32_t plm_commit_seq(uint16_t wValue, uint16_t wIndex);

#define PLM_SIDE_UNSET 0u
#define PLM_SIDE_LEFT 1u
#define PLM_SIDE_RIGHT 2u

#define PLM_ACCEL_NONE 0u
#define PLM_ACCEL_LIS3DH 1u
#define PLM_ACCEL_SIMULATED 0xFEu

#define PLM_STATE_RUNNING 0x01u
#define PLM_STATE_TIME_SYNCED 0x02u
#define PLM_STATE_STORAGE_OK 0x04u
#define PLM_STATE_SENSOR_ERROR 0x08u
#define PLM_STATE_LOSS 0x10u /* status message only: loss since last status */

#define PLM_SERIAL_MAX 24u
#define PLM_INFO_SIZE 48u
typedef struct {
    uint8_t protocol_version;
    uint8_t fw_major, fw_minor, fw_patch;
    uint8_t side;
    uint8_t accel_model;
    uint16_t rate_hz;
    uint8_t range_g;
    uint8_t state;
    uint8_t max_samples_per_frame;
    uint8_t max_frame_size;
    uint32_t storage_capacity_frames;
    int16_t cal[3];
    char serial[PLM_SERIAL_MAX + 1]; /* NUL terminated */
} plm_info_t;
void plm_info_encode(const plm_info_t *in, uint8_t out[PLM_INFO_SIZE]);
int plm_info_decode(const uint8_t *buf, size_t len, plm_info_t *out); /* 0 ok, -1 short */

#define PLM_BUFFERED_SIZE 16u
typedef struct {
    uint32_t frames;         /* complete frames waiting to be read */
    uint32_t samples;        /* samples in those frames */
    uint32_t frames_dropped; /* since power-up, buffer overflow */
    uint32_t samples_lost;   /* since power-up, all causes */
} plm_buffered_t;
void plm_buffered_encode(const plm_buffered_t *in, uint8_t out[PLM_BUFFERED_SIZE]);
int plm_buffered_decode(const uint8_t *buf, size_t len, plm_buffered_t *out);

/* status message on the interrupt IN endpoint */
#define PLM_STATUS_SIZE 16u
#define PLM_STATUS_TYPE 0x01u
typedef struct {
    uint8_t state;           /* PLM_STATE_* */
    uint32_t frames_buffered;
    uint32_t next_seq;
    uint32_t frames_dropped;
} plm_status_t;
void plm_status_encode(const plm_status_t *in, uint8_t out[PLM_STATUS_SIZE]);
int plm_status_decode(const uint8_t *buf, size_t len, plm_status_t *out);

#ifdef __cplusplus
}
#endif
#endif
