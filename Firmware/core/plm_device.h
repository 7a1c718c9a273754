/*
 * The portable device core: sampling scheduler (data-ready events with
 * missed-sample detection), timestamping, frame assembly, a RAM queue that
 * spills to the storage ring when the host is not reading, delivery in
 * order, and the vendor control requests. Single-threaded: the board calls
 * every function from its main loop (interrupts only record timestamps).
 */
#ifndef PLM_DEVICE_H
#define PLM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "plm_config.h"
#include "plm_hal.h"
#include "plm_protocol.h"
#include "plm_ring.h"
#include "plm_time.h"

#define PLM_FW_MAJOR 0u
#define PLM_FW_MINOR 1u
#define PLM_FW_PATCH 0u

#define PLM_QUEUE_FRAMES 32u /* RAM queue, 2 KiB */
#define PLM_QUEUE_SPILL 16u  /* spill to storage once this many frames wait */
#define PLM_STATUS_PERIOD_US 1000000u
/* Frames sent and not yet committed by the host, kept in RAM to be sent again
 * after a link event (docs/protocol.md, "Acknowledgement"): 64 frames = 4 KiB,
 * 3.8 s at 100 Hz, 1.9 s at 200 Hz; when it is full the device sends nothing
 * new until the host commits (the frames wait in the queue/flash instead). */
#ifndef PLM_RETAIN_FRAMES
#define PLM_RETAIN_FRAMES 64u
#endif

/* Where the frame in tx came from. */
typedef enum {
    PLM_TX_POPPED = 0,   /* taken from the queue/flash: sent for the first time */
    PLM_TX_RESEND = 1,   /* the retained frame at u_cursor, sent again after a rewind */
    PLM_TX_COMMITTED = 2 /* a resend the host committed while it was in flight */
} plm_tx_src_t;

typedef struct {
    uint8_t bmRequestType;
    uint8_t bRequest;
    uint16_t wValue;
    uint16_t wIndex;
    uint16_t wLength;
} plm_setup_t;

void plm_setup_parse(const uint8_t raw[8], plm_setup_t *s);

typedef struct {
    const plm_accel_t *accel;
    const plm_clock_t *clock;
    const plm_storage_t *storage; /* NULL: RAM queue only */
    const plm_nvstore_t *nv;      /* NULL: settings not persisted */
    const char *serial;           /* up to PLM_SERIAL_MAX ASCII chars */
} plm_device_config_t;

typedef struct {
    plm_device_config_t cfg;
    char serial[PLM_SERIAL_MAX + 1];
    plm_config_t settings;
    uint16_t rate_hz;
    uint8_t range_g;
    bool running;
    bool sensor_error;
    bool storage_ok;
    plm_timebase_t tb;

    /* sampler */
    bool have_prev;
    uint64_t prev_ticks;
    uint32_t pending_sensor_lost;

    /* assembler */
    uint8_t cur_count;
    uint64_t cur_ts;
    bool first;
    plm_sample_t cur[PLM_FRAME_MAX_SAMPLES];
    uint32_t next_seq;

    /* RAM queue of packed frames */
    uint8_t q[PLM_QUEUE_FRAMES][PLM_FRAME_MAX_SIZE];
    uint32_t q_head, q_count, q_samples;
    uint32_t q_pending_lost;
    uint8_t q_pending_flags;

    plm_ring_t ring;

    /* frame being sent on the bulk endpoint */
    uint8_t tx[PLM_FRAME_MAX_SIZE];
    uint32_t tx_len;
    plm_tx_src_t tx_src;
    /* set by a rewind that took back the frame in tx: the board must withdraw
     * the packet it armed with it (plm_dev_take_withdraw) */
    bool tx_withdraw;

    /* retention (after the host's first COMMIT or REWIND): frames sent and not
     * yet committed, oldest first; u_cursor of them have been sent since the
     * last rewind */
    bool retain;
    uint8_t u[PLM_RETAIN_FRAMES][PLM_FRAME_MAX_SIZE];
    uint32_t u_head, u_count, u_cursor;
    /* the newest frame handed to the board for the host since power-up (COMMIT's
     * upper bound: the host can have a packet before the board reports it done) */
    bool have_sent;
    uint32_t sent_hwm;

    /* totals since power-up */
    uint32_t sensor_missed;
    uint32_t q_dropped_frames, q_dropped_samples;

    /* status reporting */
    uint64_t last_status_ticks;
    uint8_t last_status_state;
    uint32_t last_status_lost;
} plm_device_t;

int plm_dev_init(plm_device_t *d, const plm_device_config_t *cfg);

/* A data-ready event whose edge was seen at raw tick count raw_ticks. */
void plm_dev_on_data_ready(plm_device_t *d, uint32_t raw_ticks);

/* Housekeeping: spill the RAM queue to storage. Call often. */
void plm_dev_poll(plm_device_t *d);

/* The frame to put on the bulk IN endpoint: stays the same until
 * plm_dev_tx_done() is called (after the host acknowledged it), so a frame
 * interrupted by a bus reset is sent again. NULL if none is ready (or, with
 * retention on, PLM_RETAIN_FRAMES frames wait for the host's COMMIT).
 * tx_done after a rewind took the frame back is ignored. */
const uint8_t *plm_dev_tx_frame(plm_device_t *d, uint32_t *len);
void plm_dev_tx_done(plm_device_t *d);

/* COMMIT: the host has durably stored every frame up to seq. Switches
 * retention on and forgets the retained frames up to seq. Returns -1 (STALL)
 * if no frame was sent since power-up or seq is newer than the newest frame
 * sent (a number from another power-up), and then changes nothing. */
int plm_dev_commit(plm_device_t *d, uint32_t seq);

/* A link event (bus reset, SET_CONFIGURATION, the frame endpoint's halt
 * cleared, REWIND): with retention on, the next frames sent are the retained
 * ones from the oldest, then new ones; the frame in tx goes back to the
 * retained ones and tx_withdraw is set. Without retention: nothing changes
 * (the frame in tx is sent again, as before). */
void plm_dev_rewind(plm_device_t *d);

/* REWIND request: switch retention on, then plm_dev_rewind. */
void plm_dev_rewind_request(plm_device_t *d);

/* True once after a rewind took back the frame in tx: the board withdraws
 * the packet it armed with it before new data goes out. */
bool plm_dev_take_withdraw(plm_device_t *d);

/* Vendor request (bmRequestType 0xC0/0x40). data/data_len: the OUT data
 * stage. Returns 0 and fills reply (reply_len bytes, before truncation to
 * wLength) or -1 to STALL. */
int plm_dev_vendor_request(plm_device_t *d, const plm_setup_t *s, const uint8_t *data, uint16_t data_len,
                           uint8_t *reply, uint16_t reply_cap, uint16_t *reply_len);

void plm_dev_info(const plm_device_t *d, plm_info_t *out);
void plm_dev_buffered(const plm_device_t *d, plm_buffered_t *out);
uint8_t plm_dev_state(const plm_device_t *d);

/* Fills a status message and returns 1 when one is due (state or loss
 * counters changed, or PLM_STATUS_PERIOD_US elapsed); 0 otherwise. */
int plm_dev_status_poll(plm_device_t *d, uint8_t out[PLM_STATUS_SIZE]);

#endif
