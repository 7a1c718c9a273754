#include "plm_device.h"

#include <string.h>

void plm_setup_parse(const uint8_t raw[8], plm_setup_t *s)
{
    s->bmRequestType = raw[0];
    s->bRequest = raw[1];
    s->wValue = plm_get_u16(raw + 2);
    s->wIndex = plm_get_u16(raw + 4);
    s->wLength = plm_get_u16(raw + 6);
}

static uint16_t period_us_for(uint16_t rate_hz)
{
    return (uint16_t)(1000000u / rate_hz);
}

static bool valid_rate(uint32_t r) { return r == 50u || r == 100u || r == 200u; }
static bool valid_range(uint32_t g) { return g == 2u || g == 4u || g == 8u || g == 16u; }

static uint32_t sat_add(uint32_t a, uint64_t b)
{
    uint64_t s = (uint64_t)a + b;
    return s > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)s;
}

static uint64_t now_ticks(plm_device_t *d)
{
    return plm_time_extend(&d->tb, d->cfg.clock->now(d->cfg.clock->ctx));
}

int plm_dev_init(plm_device_t *d, const plm_device_config_t *cfg)
{
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    if (cfg->serial != NULL) {
        for (size_t i = 0; i < PLM_SERIAL_MAX && cfg->serial[i] != '\0'; i++)
            d->serial[i] = cfg->serial[i];
    }
    plm_config_defaults(&d->settings);
    if (cfg->nv != NULL) {
        uint8_t rec[PLM_CONFIG_SIZE];
        if (cfg->nv->load(cfg->nv->ctx, rec, sizeof rec) == 0)
            (void)plm_config_decode(rec, &d->settings);
    }
    d->rate_hz = 100;
    d->range_g = 4;
    plm_time_init(&d->tb, cfg->clock->ticks_per_us, cfg->clock->now(cfg->clock->ctx));
    d->storage_ok = cfg->storage != NULL && plm_ring_init(&d->ring, cfg->storage) == 0;
    d->last_status_ticks = d->tb.last_ext;
    return 0;
}

/* ---- RAM queue ------------------------------------------------------------ */

static uint32_t frame_len(const uint8_t *f)
{
    return (uint32_t)PLM_FRAME_SIZE((uint32_t)f[PLM_OFF_COUNT]);
}

static void q_push(plm_device_t *d, const uint8_t *frame, uint32_t len)
{
    if (d->q_count == PLM_QUEUE_FRAMES) {
        /* full: drop the oldest; the loss is stamped on the frame after it */
        const uint8_t *old = d->q[d->q_head];
        uint32_t n = old[PLM_OFF_COUNT];
        d->q_pending_lost = sat_add(d->q_pending_lost, (uint64_t)n + plm_get_u32(old + PLM_OFF_LOST));
        d->q_pending_flags |= (uint8_t)(PLM_FLAG_GAP_OVERFLOW | (old[PLM_OFF_FLAGS] & PLM_FLAG_GAP_SENSOR));
        d->q_dropped_frames++;
        d->q_dropped_samples += n;
        d->q_samples -= n;
        d->q_head = (d->q_head + 1u) % PLM_QUEUE_FRAMES;
        d->q_count--;
    }
    uint32_t tail = (d->q_head + d->q_count) % PLM_QUEUE_FRAMES;
    memcpy(d->q[tail], frame, len);
    d->q_count++;
    d->q_samples += frame[PLM_OFF_COUNT];
}

/* copy the queue head into out with pending loss applied; does not remove */
static uint32_t q_peek(plm_device_t *d, uint8_t *out)
{
    const uint8_t *f = d->q[d->q_head];
    uint32_t len = frame_len(f);
    memcpy(out, f, len);
    if (d->q_pending_lost > 0u)
        (void)plm_frame_add_loss(out, len, d->q_pending_flags, d->q_pending_lost);
    return len;
}

static void q_drop_head(plm_device_t *d)
{
    d->q_samples -= d->q[d->q_head][PLM_OFF_COUNT];
    d->q_head = (d->q_head + 1u) % PLM_QUEUE_FRAMES;
    d->q_count--;
    d->q_pending_lost = 0;
    d->q_pending_flags = 0;
}

/* ---- assembler -------------------------------------------------------------- */

static void flush_frame(plm_device_t *d)
{
    if (d->cur_count == 0u)
        return;
    plm_frame_t f;
    memset(&f, 0, sizeof f);
    f.version = PLM_PROTOCOL_VERSION;
    f.flags = (uint8_t)((d->tb.synced ? PLM_FLAG_TIME_SYNCED : 0u) | (d->first ? PLM_FLAG_FIRST : 0u) |
                        (d->pending_sensor_lost ? PLM_FLAG_GAP_SENSOR : 0u));
    f.seq = d->next_seq++; /* wraps modulo 2^32 */
    f.timestamp_us = d->cur_ts;
    f.period_us = period_us_for(d->rate_hz);
    f.count = d->cur_count;
    f.range_g = d->range_g;
    f.lost_samples = d->pending_sensor_lost;
    memcpy(f.samples, d->cur, sizeof f.samples);
    uint8_t buf[PLM_FRAME_MAX_SIZE];
    uint32_t len = (uint32_t)plm_frame_encode(&f, buf, sizeof buf);
    d->pending_sensor_lost = 0;
    d->first = false;
    d->cur_count = 0;
    q_push(d, buf, len);
}

static int16_t sat16(int32_t v)
{
    return (int16_t)(v > 32767 ? 32767 : (v < -32768 ? -32768 : v));
}

void plm_dev_on_data_ready(plm_device_t *d, uint32_t raw_ticks)
{
    if (!d->running)
        return;
    uint64_t t = plm_time_extend(&d->tb, raw_ticks);
    if (d->have_prev) {
        uint64_t period = (uint64_t)period_us_for(d->rate_hz) * d->tb.ticks_per_us;
        uint64_t dt = t - d->prev_ticks;
        if (dt >= period + period / 2u) {
            /* data-ready edges were missed: count the samples exactly and
             * start a new frame so in-frame timing stays regular */
            uint64_t missed = (dt + period / 2u) / period - 1u;
            flush_frame(d);
            d->pending_sensor_lost = sat_add(d->pending_sensor_lost, missed);
            d->sensor_missed = sat_add(d->sensor_missed, missed);
        }
    }
    d->prev_ticks = t;
    d->have_prev = true;

    int16_t xyz[3];
    if (d->cfg.accel->read(d->cfg.accel->ctx, xyz) != 0) {
        d->sensor_error = true;
        flush_frame(d);
        d->pending_sensor_lost = sat_add(d->pending_sensor_lost, 1u);
        d->sensor_missed = sat_add(d->sensor_missed, 1u);
        return;
    }
    if (d->cur_count == 0u)
        d->cur_ts = plm_time_us(&d->tb, t);
    plm_sample_t *s = &d->cur[d->cur_count++];
    s->x = sat16((int32_t)xyz[0] - d->settings.cal[0]);
    s->y = sat16((int32_t)xyz[1] - d->settings.cal[1]);
    s->z = sat16((int32_t)xyz[2] - d->settings.cal[2]);
    if (d->cur_count == PLM_FRAME_MAX_SAMPLES)
        flush_frame(d);
}

void plm_dev_poll(plm_device_t *d)
{
    (void)now_ticks(d); /* keep the time extension fresh */
    if (!d->storage_ok)
        return;
    for (int i = 0; i < 4 && d->q_count >= PLM_QUEUE_SPILL; i++) {
        uint8_t buf[PLM_FRAME_MAX_SIZE];
        uint32_t len = q_peek(d, buf);
        plm_ring_status_t st = plm_ring_push(&d->ring, buf, len);
        if (st == PLM_RING_OK) {
            q_drop_head(d);
        } else {
            if (st == PLM_RING_ERROR)
                d->storage_ok = false; /* fall back to the RAM queue */
            break;
        }
    }
}

/* ---- retained frames (sent, not yet committed) ------------------------------- */

static uint8_t *u_at(plm_device_t *d, uint32_t i)
{
    return d->u[(d->u_head + i) % PLM_RETAIN_FRAMES];
}

static void u_append(plm_device_t *d, const uint8_t *frame, uint32_t len)
{
    if (d->u_count >= PLM_RETAIN_FRAMES)
        return; /* cannot happen: nothing new is sent while it is full */
    memcpy(u_at(d, d->u_count), frame, len);
    d->u_count++;
}

static void note_sent(plm_device_t *d, const uint8_t *frame)
{
    d->sent_hwm = plm_get_u32(frame + PLM_OFF_SEQ);
    d->have_sent = true;
}

const uint8_t *plm_dev_tx_frame(plm_device_t *d, uint32_t *len)
{
    if (d->tx_len == 0u) {
        if (d->retain && d->u_cursor < d->u_count) {
            /* after a rewind: the retained frames again, oldest first */
            const uint8_t *f = u_at(d, d->u_cursor);
            d->tx_len = frame_len(f);
            memcpy(d->tx, f, d->tx_len);
            d->tx_src = PLM_TX_RESEND;
        } else if (d->retain && d->u_count >= PLM_RETAIN_FRAMES) {
            return NULL; /* wait for the host's COMMIT; new frames wait in the queue/flash */
        } else if (d->storage_ok && d->ring.count > 0u) {
            /* storage holds the oldest frames: they go first */
            uint32_t l = 0;
            plm_ring_status_t st = plm_ring_pop(&d->ring, d->tx, &l);
            if (st == PLM_RING_ERROR)
                d->storage_ok = false;
            if (st != PLM_RING_OK)
                return NULL;
            d->tx_len = l;
            d->tx_src = PLM_TX_POPPED;
        } else if (d->q_count > 0u) {
            d->tx_len = q_peek(d, d->tx);
            q_drop_head(d);
            d->tx_src = PLM_TX_POPPED;
        } else {
            return NULL;
        }
        if (d->tx_src == PLM_TX_POPPED)
            note_sent(d, d->tx); /* the host may have it (and commit it) before the board reports it done */
    }
    *len = d->tx_len;
    return d->tx;
}

void plm_dev_tx_done(plm_device_t *d)
{
    if (d->tx_len == 0u)
        return; /* a rewind took it back: it is sent again in order */
    switch (d->tx_src) {
    case PLM_TX_RESEND:
        d->u_cursor++;
        break;
    case PLM_TX_POPPED:
        if (d->retain) {
            u_append(d, d->tx, d->tx_len);
            d->u_cursor = d->u_count;
        }
        break;
    case PLM_TX_COMMITTED:
        break;
    }
    d->tx_len = 0;
}

int plm_dev_commit(plm_device_t *d, uint32_t seq)
{
    /* seq wraps after 2^32 frames (over four years at 200 Hz); not handled */
    if (!d->have_sent || seq > d->sent_hwm)
        return -1;
    d->retain = true;
    while (d->u_count > 0u && plm_get_u32(u_at(d, 0) + PLM_OFF_SEQ) <= seq) {
        if (d->u_cursor > 0u)
            d->u_cursor--;
        else if (d->tx_len != 0u && d->tx_src == PLM_TX_RESEND)
            d->tx_src = PLM_TX_COMMITTED; /* in flight and now committed */
        d->u_head = (d->u_head + 1u) % PLM_RETAIN_FRAMES;
        d->u_count--;
    }
    return 0;
}

void plm_dev_rewind(plm_device_t *d)
{
    if (!d->retain)
        return;
    if (d->tx_len != 0u) {
        if (d->tx_src == PLM_TX_POPPED)
            u_append(d, d->tx, d->tx_len); /* it may or may not have reached the host: keep it as sent */
        d->tx_len = 0;
        d->tx_withdraw = true;
    }
    d->u_cursor = 0;
}

void plm_dev_rewind_request(plm_device_t *d)
{
    d->retain = true;
    plm_dev_rewind(d);
}

bool plm_dev_take_withdraw(plm_device_t *d)
{
    bool w = d->tx_withdraw;
    d->tx_withdraw = false;
    return w;
}

/* ---- control ---------------------------------------------------------------- */

uint8_t plm_dev_state(const plm_device_t *d)
{
    return (uint8_t)((d->running ? PLM_STATE_RUNNING : 0u) | (d->tb.synced ? PLM_STATE_TIME_SYNCED : 0u) |
                     (d->storage_ok ? PLM_STATE_STORAGE_OK : 0u) |
                     (d->sensor_error ? PLM_STATE_SENSOR_ERROR : 0u));
}

void plm_dev_info(const plm_device_t *d, plm_info_t *o)
{
    memset(o, 0, sizeof *o);
    o->protocol_version = PLM_PROTOCOL_VERSION;
    o->fw_major = PLM_FW_MAJOR;
    o->fw_minor = PLM_FW_MINOR;
    o->fw_patch = PLM_FW_PATCH;
    o->side = d->settings.side;
    o->accel_model = d->cfg.accel->model;
    o->rate_hz = d->rate_hz;
    o->range_g = d->range_g;
    o->state = plm_dev_state(d);
    o->max_samples_per_frame = PLM_FRAME_MAX_SAMPLES;
    o->max_frame_size = PLM_FRAME_MAX_SIZE;
    o->storage_capacity_frames = PLM_QUEUE_FRAMES + (d->storage_ok ? plm_ring_capacity(&d->ring) : 0u);
    memcpy(o->cal, d->settings.cal, sizeof o->cal);
    memcpy(o->serial, d->serial, sizeof o->serial);
}

void plm_dev_buffered(const plm_device_t *d, plm_buffered_t *o)
{
    uint32_t tx = (d->tx_len != 0u && d->tx_src != PLM_TX_COMMITTED) ? 1u : 0u;
    /* retained frames waiting to be sent again after a rewind */
    uint32_t resend = 0, resend_samples = 0;
    for (uint32_t i = d->u_cursor + tx * (d->tx_src == PLM_TX_RESEND ? 1u : 0u); i < d->u_count; i++) {
        resend++;
        resend_samples += d->u[(d->u_head + i) % PLM_RETAIN_FRAMES][PLM_OFF_COUNT];
    }
    o->frames = d->q_count + (d->storage_ok ? d->ring.count : 0u) + tx + resend;
    o->samples = d->q_samples + (d->storage_ok ? d->ring.samples : 0u) + (tx ? d->tx[PLM_OFF_COUNT] : 0u) +
                 resend_samples;
    o->frames_dropped = d->q_dropped_frames + d->ring.evicted_frames;
    o->samples_lost = d->sensor_missed + d->q_dropped_samples + d->ring.evicted_samples;
}

static int save_settings(plm_device_t *d, const plm_config_t *c)
{
    if (d->cfg.nv != NULL) {
        uint8_t rec[PLM_CONFIG_SIZE];
        plm_config_encode(c, rec);
        if (d->cfg.nv->save(d->cfg.nv->ctx, rec, sizeof rec) != 0)
            return -1;
    }
    d->settings = *c;
    return 0;
}

static int16_t get_i16(const uint8_t *p)
{
    uint16_t u = plm_get_u16(p);
    return (u < 0x8000u) ? (int16_t)u : (int16_t)(-(int32_t)(0x10000u - u));
}

int plm_dev_vendor_request(plm_device_t *d, const plm_setup_t *s, const uint8_t *data, uint16_t data_len,
                           uint8_t *reply, uint16_t reply_cap, uint16_t *reply_len)
{
    *reply_len = 0;
    bool in = s->bmRequestType == PLM_REQTYPE_VENDOR_IN;
    bool out = s->bmRequestType == PLM_REQTYPE_VENDOR_OUT;
    const plm_accel_t *a = d->cfg.accel;

    switch (s->bRequest) {
    case PLM_REQ_GET_INFO: {
        if (!in || reply_cap < PLM_INFO_SIZE)
            return -1;
        plm_info_t info;
        plm_dev_info(d, &info);
        plm_info_encode(&info, reply);
        *reply_len = PLM_INFO_SIZE;
        return 0;
    }
    case PLM_REQ_CONFIGURE:
        if (!out || s->wLength != 0u || d->running || !valid_rate(s->wValue) || !valid_range(s->wIndex))
            return -1;
        if (a->configure(a->ctx, s->wValue, (uint8_t)s->wIndex) != 0) {
            d->sensor_error = true;
            return -1;
        }
        d->rate_hz = s->wValue;
        d->range_g = (uint8_t)s->wIndex;
        return 0;
    case PLM_REQ_START:
        if (!out || s->wLength != 0u)
            return -1;
        if (d->running)
            return 0;
        if (a->configure(a->ctx, d->rate_hz, d->range_g) != 0 || a->start(a->ctx) != 0) {
            d->sensor_error = true;
            return -1;
        }
        d->sensor_error = false;
        d->running = true;
        d->have_prev = false;
        d->first = true;
        d->cur_count = 0;
        return 0;
    case PLM_REQ_STOP:
        if (!out || s->wLength != 0u)
            return -1;
        if (!d->running)
            return 0;
        flush_frame(d);
        d->running = false;
        (void)a->stop(a->ctx);
        return 0;
    case PLM_REQ_SET_HOST_TIME: {
        if (!out || s->wLength != 8u || data_len != 8u)
            return -1;
        flush_frame(d); /* a frame never mixes two time bases */
        plm_time_set_host(&d->tb, now_ticks(d), plm_get_u64(data));
        return 0;
    }
    case PLM_REQ_GET_BUFFERED: {
        if (!in || reply_cap < PLM_BUFFERED_SIZE)
            return -1;
        plm_buffered_t b;
        plm_dev_buffered(d, &b);
        plm_buffered_encode(&b, reply);
        *reply_len = PLM_BUFFERED_SIZE;
        return 0;
    }
    case PLM_REQ_GET_DEVICE_TIME:
        if (!in || reply_cap < 8u)
            return -1;
        plm_put_u64(reply, plm_time_us(&d->tb, now_ticks(d)));
        *reply_len = 8;
        return 0;
    case PLM_REQ_SET_SIDE: {
        if (!out || s->wLength != 0u || (s->wValue != PLM_SIDE_LEFT && s->wValue != PLM_SIDE_RIGHT))
            return -1;
        plm_config_t c = d->settings;
        c.side = (uint8_t)s->wValue;
        return save_settings(d, &c);
    }
    case PLM_REQ_COMMIT:
        if (!out || s->wLength != 0u)
            return -1;
        return plm_dev_commit(d, plm_commit_seq(s->wValue, s->wIndex));
    case PLM_REQ_REWIND:
        if (!out || s->wLength != 0u || s->wValue != 0u || s->wIndex != 0u)
            return -1;
        plm_dev_rewind_request(d);
        return 0;
    case PLM_REQ_SET_CALIBRATION: {
        if (!out || s->wLength != 6u || data_len != 6u)
            return -1;
        plm_config_t c = d->settings;
        for (int i = 0; i < 3; i++)
            c.cal[i] = get_i16(data + 2 * i);
        return save_settings(d, &c);
    }
    default:
        return -1;
    }
}

int plm_dev_status_poll(plm_device_t *d, uint8_t out[PLM_STATUS_SIZE])
{
    uint64_t now = now_ticks(d);
    plm_buffered_t b;
    plm_dev_buffered(d, &b);
    uint8_t state = plm_dev_state(d);
    bool lost = b.samples_lost != d->last_status_lost;
    bool due = state != d->last_status_state || lost ||
               now - d->last_status_ticks >= (uint64_t)PLM_STATUS_PERIOD_US * d->tb.ticks_per_us;
    if (!due)
        return 0;
    plm_status_t st;
    st.state = (uint8_t)(state | (lost ? PLM_STATE_LOSS : 0u));
    st.frames_buffered = b.frames;
    st.next_seq = d->next_seq;
    st.frames_dropped = b.frames_dropped;
    plm_status_encode(&st, out);
    d->last_status_ticks = now;
    d->last_status_state = state;
    d->last_status_lost = b.samples_lost;
    return 1;
}
