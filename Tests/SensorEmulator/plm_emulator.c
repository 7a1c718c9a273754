/*
 * Emulated plm sensors: see include/plm_emulator.h and docs/daemon.md.
 *
 * Each sensor is the firmware's portable core (plm_device + plm_usb, built for
 * the host) with simulated drivers: an accelerometer producing a deterministic
 * synthetic signal, a clock following real elapsed time (plus an optional
 * fast-forward), a RAM store with NOR-flash semantics as its frame storage and
 * a RAM record as its settings flash. Each time the sensor is plugged in it
 * gets a umockdev device (sysfs attributes + the descriptors the firmware
 * itself produces) and an ioctl handler answering libusb's usbfs ioctls:
 * control URBs go through the firmware's EP0 state machine, bulk IN URBs are
 * filled with the frames the firmware queued, interrupt IN URBs with its
 * status messages.
 *
 * The handler runs on umockdev's worker thread while the libusb thread that
 * made the ioctl waits for the answer. Test controls run on test threads; one
 * mutex guards all state. The testbed and libusb share this process (the
 * preload library is linked into the test binary), so URBs are read and
 * written in place: between SUBMITURB and its REAP an URB belongs to the
 * "kernel" (libusb does not touch it), exactly as with usbfs.
 */
#include "plm_emulator.h"

#include <errno.h>
#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <umockdev.h>

#include "plm_config.h"
#include "plm_device.h"
#include "plm_ramstore.h"
#include "plm_usb.h"

#define EMU_MAX_SENSORS 4
#define EMU_MAX_PLUGS 32
#define EMU_MAX_URBS 64
#define EMU_STORE_SLOTS 8192u /* 512 KiB of frame storage: about 8 minutes at 100 Hz */
#define EMU_SLOTS_PER_BLOCK 16u
#define EMU_TICKS_PER_US 72u

typedef struct emu_sensor emu_sensor_t;

typedef struct {
    plm_emu_t *emu;
    emu_sensor_t *sensor;
    int present;
    int devnum;
    char devnode[64];
    char syspath[96];
    UMockdevIoctlBase *handler;
    struct usbdevfs_urb *flying[EMU_MAX_URBS]; /* submitted, not complete; submission order */
    int n_flying;
    struct usbdevfs_urb *done[EMU_MAX_URBS]; /* complete, waiting to be reaped */
    int n_done;
} emu_plug_t;

struct emu_sensor {
    plm_emu_t *emu;
    char serial[PLM_SERIAL_MAX + 1];
    double phase;

    plm_accel_t accel;
    plm_clock_t clock;
    plm_storage_t st;
    plm_ramstore_t rs;
    plm_nvstore_t nvs;
    uint8_t *store_mem;
    uint8_t nv_rec[PLM_CONFIG_SIZE];
    int nv_has;
    uint32_t accel_reads;

    plm_device_t dev;
    plm_usb_t usb;
    plm_usb_hw_t hw;

    /* simulated time, µs since power-up */
    uint64_t t0_real_us;
    uint64_t ff_us;
    uint64_t sim_us;
    uint32_t tick_base;
    uint64_t next_ready_us;
    int ready_armed;

    /* endpoint 0 as the USB driver sees it */
    uint8_t ep0_pkt[PLM_USB_EP0_MPS];
    uint16_t ep0_len;
    int ep0_sent, ep0_stalled;

    /* faults */
    uint32_t corrupt_left;
    int stall_pending;
    int bulk_halted;
    /* like a real host controller: every URB queued on the halted endpoint fails with a STALL */
    int stall_fails_queued;

    uint32_t frames_sent, stalls, halts_cleared;
    uint32_t frames_lost_in_flight; /* plm_emu_unplug_losing, plm_emu_lose_next */
    uint32_t lose_left;
    emu_plug_t *plug; /* NULL while unplugged */
};

struct plm_emu {
    UMockdevTestbed *tb;
    pthread_mutex_t lock;
    emu_sensor_t *sensors[EMU_MAX_SENSORS];
    int n_sensors;
    emu_plug_t *plugs[EMU_MAX_PLUGS];
    int n_plugs;
    int next_devnum;
};

static uint64_t real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- simulated drivers ------------------------------------------------------ */

static int acc_configure(void *ctx, uint16_t rate_hz, uint8_t range_g)
{
    (void)ctx;
    (void)rate_hz;
    (void)range_g;
    return 0;
}

static int acc_start(void *ctx)
{
    ((emu_sensor_t *)ctx)->accel_reads = 0;
    return 0;
}

static int acc_stop(void *ctx)
{
    (void)ctx;
    return 0;
}

static int16_t left_justify12(double counts)
{
    long v = lround(counts);
    if (v > 32767)
        v = 32767;
    if (v < -32768)
        v = -32768;
    return (int16_t)(v & ~0xFL); /* the LIS3DH's 12-bit value, left-justified */
}

/* A deterministic synthetic signal: a sine on each axis around a lying
 * posture (gravity on z). k counts samples since START. */
static int acc_read(void *ctx, int16_t xyz[3])
{
    emu_sensor_t *s = ctx;
    double t = (double)s->accel_reads++ / (double)s->dev.rate_hz;
    double per_g = 32768.0 / (double)s->dev.range_g;
    const double two_pi = 6.283185307179586;
    xyz[0] = left_justify12(per_g * 0.20 * sin(two_pi * 0.5 * t + s->phase));
    xyz[1] = left_justify12(per_g * 0.10 * sin(two_pi * 1.3 * t + s->phase));
    xyz[2] = left_justify12(per_g * (1.0 + 0.05 * sin(two_pi * 0.2 * t)));
    return 0;
}

static uint32_t clk_now(void *ctx)
{
    emu_sensor_t *s = ctx;
    return s->tick_base + (uint32_t)(s->sim_us * EMU_TICKS_PER_US);
}

static int nv_load(void *ctx, uint8_t *buf, size_t len)
{
    emu_sensor_t *s = ctx;
    if (!s->nv_has || len != PLM_CONFIG_SIZE)
        return -1;
    memcpy(buf, s->nv_rec, len);
    return 0;
}

static int nv_save(void *ctx, const uint8_t *buf, size_t len)
{
    emu_sensor_t *s = ctx;
    if (len != PLM_CONFIG_SIZE)
        return -1;
    memcpy(s->nv_rec, buf, len);
    s->nv_has = 1;
    return 0;
}

/* ---- the USB peripheral as plm_usb drives it ------------------------------------ */

static void hw_ep0_send(void *ctx, const uint8_t *buf, uint16_t len)
{
    emu_sensor_t *s = ctx;
    if (len > sizeof s->ep0_pkt)
        len = sizeof s->ep0_pkt;
    if (len > 0u)
        memcpy(s->ep0_pkt, buf, len);
    s->ep0_len = len;
    s->ep0_sent = 1;
}

static void hw_ep0_stall(void *ctx) { ((emu_sensor_t *)ctx)->ep0_stalled = 1; }
static void hw_ep0_receive(void *ctx) { (void)ctx; }
static void hw_set_address(void *ctx, uint8_t addr)
{
    (void)ctx;
    (void)addr;
}
static void hw_set_configured(void *ctx, uint8_t config)
{
    (void)ctx;
    (void)config;
}
static void hw_ep_set_halt(void *ctx, uint8_t ep, bool halt)
{
    emu_sensor_t *s = ctx;
    if (ep == PLM_USB_EP_FRAMES_IN)
        s->bulk_halted = halt ? 1 : 0;
}

/* ---- simulated time ------------------------------------------------------------ */

static uint64_t period_us(const emu_sensor_t *s)
{
    return 1000000u / s->dev.rate_hz;
}

/* Runs the firmware up to the sensor's current simulated time: a data-ready
 * event per sample period while running, housekeeping at least once a second. */
static void advance(emu_sensor_t *s)
{
    uint64_t target = real_us() - s->t0_real_us + s->ff_us;
    while (s->sim_us < target) {
        uint64_t step = target;
        if (s->sim_us + 1000000u < step)
            step = s->sim_us + 1000000u;
        if (s->ready_armed && s->next_ready_us < step)
            step = s->next_ready_us;
        s->sim_us = step;
        if (s->ready_armed && s->sim_us == s->next_ready_us) {
            plm_dev_on_data_ready(&s->dev, clk_now(s));
            s->next_ready_us += period_us(s);
        }
        plm_dev_poll(&s->dev);
    }
}

/* After a request that may have started or stopped sampling. */
static void sync_sampling(emu_sensor_t *s)
{
    if (s->dev.running && !s->ready_armed) {
        s->ready_armed = 1;
        s->next_ready_us = s->sim_us + period_us(s);
    } else if (!s->dev.running) {
        s->ready_armed = 0;
    }
}

/* ---- endpoint 0: one control transfer through the firmware's state machine ---------- */

/* Returns the data bytes transferred (IN: written to data) or -EPIPE. */
static int control_transfer(emu_sensor_t *s, const uint8_t setup[8], uint8_t *data)
{
    uint16_t wlength = (uint16_t)(setup[6] | (setup[7] << 8));
    int dir_in = (setup[0] & 0x80u) != 0u;
    uint16_t mps = PLM_USB_EP0_MPS;
    s->ep0_stalled = 0;
    s->ep0_sent = 0;
    advance(s);
    plm_usb_on_setup(&s->usb, setup);
    int result = 0;
    if (dir_in) {
        uint16_t got = 0;
        for (;;) {
            if (s->ep0_stalled)
                return -EPIPE;
            if (!s->ep0_sent)
                return -EPIPE; /* no data stage: a real host would time out */
            uint16_t n = s->ep0_len;
            if (n > wlength - got)
                n = (uint16_t)(wlength - got);
            memcpy(data + got, s->ep0_pkt, n);
            got = (uint16_t)(got + n);
            int short_packet = s->ep0_len < mps;
            s->ep0_sent = 0;
            plm_usb_on_in_done(&s->usb);
            if (short_packet || got >= wlength)
                break;
        }
        plm_usb_on_out(&s->usb, NULL, 0); /* status stage: the host's zero-length OUT */
        result = got;
    } else {
        for (uint16_t off = 0; off < wlength && !s->ep0_stalled;) {
            uint16_t n = (uint16_t)(wlength - off);
            if (n > mps)
                n = mps;
            plm_usb_on_out(&s->usb, data + off, n);
            off = (uint16_t)(off + n);
        }
        if (s->ep0_stalled || !s->ep0_sent)
            return -EPIPE;
        s->ep0_sent = 0;
        plm_usb_on_in_done(&s->usb); /* status stage: the device's zero-length IN */
        result = wlength;
    }
    sync_sampling(s);
    return s->ep0_stalled ? -EPIPE : result;
}

static int standard_request(emu_sensor_t *s, uint8_t type, uint8_t req, uint16_t value, uint16_t index)
{
    uint8_t setup[8] = {type, req, (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)index, (uint8_t)(index >> 8), 0, 0};
    return control_transfer(s, setup, NULL);
}

/* ---- URBs ------------------------------------------------------------------------- */

static void finish(emu_plug_t *p, int i, int status)
{
    struct usbdevfs_urb *u = p->flying[i];
    u->status = status;
    memmove(&p->flying[i], &p->flying[i + 1], (size_t)(p->n_flying - i - 1) * sizeof p->flying[0]);
    p->n_flying--;
    p->done[p->n_done++] = u;
}

/* Bulk IN: one frame per packet; the URB completes when full or on a short
 * packet. A frame leaves the device's queue when it is put in an URB. */
static int fill_bulk(emu_sensor_t *s, struct usbdevfs_urb *u)
{
    uint8_t *buf = u->buffer;
    while (u->actual_length + (int)PLM_USB_BULK_MPS <= u->buffer_length) {
        uint32_t len = 0;
        const uint8_t *f = plm_dev_tx_frame(&s->dev, &len);
        if (f == NULL)
            return 0;
        if (s->lose_left > 0u) {
            /* acknowledged on the device's side, never delivered to the host */
            s->lose_left--;
            plm_dev_tx_done(&s->dev);
            s->frames_sent++;
            s->frames_lost_in_flight++;
            continue;
        }
        memcpy(buf + u->actual_length, f, len);
        if (s->corrupt_left > 0u) {
            buf[u->actual_length + PLM_OFF_SAMPLES + 1] ^= 0x5Au;
            s->corrupt_left--;
        }
        u->actual_length += (int)len;
        plm_dev_tx_done(&s->dev);
        s->frames_sent++;
        if (len < PLM_USB_BULK_MPS)
            return 1; /* short packet ends the transfer */
    }
    return 1;
}

/* Completes what the device can complete now. */
static void service(emu_plug_t *p)
{
    emu_sensor_t *s = p->sensor;
    if (!p->present) {
        while (p->n_flying > 0)
            finish(p, 0, -ENODEV);
        return;
    }
    advance(s);
    int bulk_blocked = 0, intr_blocked = 0;
    for (int i = 0; i < p->n_flying;) {
        struct usbdevfs_urb *u = p->flying[i];
        if (u->type == USBDEVFS_URB_TYPE_BULK && u->endpoint == PLM_USB_EP_FRAMES_IN && !bulk_blocked) {
            if (s->stall_pending) {
                /* the head URB fails with a STALL; the endpoint stays halted
                 * and the URBs queued behind it wait until the host clears it */
                s->stall_pending = 0;
                s->bulk_halted = 1;
                s->stalls++;
                finish(p, i, -EPIPE);
                bulk_blocked = !s->stall_fails_queued;
                continue;
            }
            if (s->bulk_halted) {
                if (s->stall_fails_queued) {
                    finish(p, i, -EPIPE);
                    continue;
                }
                bulk_blocked = 1;
                i++;
                continue;
            }
            if (fill_bulk(s, u)) {
                finish(p, i, 0);
                continue;
            }
            bulk_blocked = 1; /* later URBs wait behind this one */
        } else if (u->type == USBDEVFS_URB_TYPE_INTERRUPT && u->endpoint == PLM_USB_EP_STATUS_IN && !intr_blocked) {
            uint8_t msg[PLM_STATUS_SIZE];
            if (u->buffer_length >= (int)PLM_STATUS_SIZE && plm_dev_status_poll(&s->dev, msg)) {
                memcpy(u->buffer, msg, sizeof msg);
                u->actual_length = (int)sizeof msg;
                finish(p, i, 0);
                continue;
            }
            intr_blocked = 1;
        }
        i++;
    }
}

static void submit(emu_plug_t *p, struct usbdevfs_urb *u, long *ret, int *err)
{
    emu_sensor_t *s = p->sensor;
    if (!p->present) {
        *ret = -1;
        *err = ENODEV;
        return;
    }
    if (p->n_flying + p->n_done >= EMU_MAX_URBS) {
        *ret = -1;
        *err = ENOMEM;
        return;
    }
    u->actual_length = 0;
    u->status = -EINPROGRESS;
    p->flying[p->n_flying++] = u;
    if (u->type == USBDEVFS_URB_TYPE_CONTROL) {
        uint8_t *buf = u->buffer;
        int r = u->buffer_length >= 8 ? control_transfer(s, buf, buf + 8) : -EPIPE;
        if (r >= 0)
            u->actual_length = r;
        finish(p, p->n_flying - 1, r >= 0 ? 0 : r);
    } else if (!((u->type == USBDEVFS_URB_TYPE_BULK && u->endpoint == PLM_USB_EP_FRAMES_IN) ||
                 (u->type == USBDEVFS_URB_TYPE_INTERRUPT && u->endpoint == PLM_USB_EP_STATUS_IN))) {
        p->n_flying--;
        *ret = -1;
        *err = EINVAL; /* no such endpoint */
        return;
    }
    *ret = 0;
    *err = 0;
}

static void reap(emu_plug_t *p, void **arg, long *ret, int *err)
{
    service(p);
    if (p->n_done > 0) {
        *arg = p->done[0];
        memmove(&p->done[0], &p->done[1], (size_t)(p->n_done - 1) * sizeof p->done[0]);
        p->n_done--;
        *ret = 0;
        *err = 0;
        return;
    }
    *ret = -1;
    *err = p->present ? EAGAIN : ENODEV;
}

static void discard(emu_plug_t *p, struct usbdevfs_urb *u, long *ret, int *err)
{
    for (int i = 0; i < p->n_flying; i++) {
        if (p->flying[i] == u) {
            finish(p, i, -ENOENT);
            *ret = 0;
            *err = 0;
            return;
        }
    }
    *ret = -1;
    *err = EINVAL;
}

static gboolean handle_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data)
{
    (void)handler;
    emu_plug_t *p = user_data;
    emu_sensor_t *s = p->sensor;
    unsigned long request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData *arg_data = umockdev_ioctl_client_get_arg(client);
    void *arg = (void *)(uintptr_t) * (unsigned long *)arg_data->data; /* the caller's pointer, same process */
    long ret = 0;
    int err = 0;

    pthread_mutex_lock(&p->emu->lock);
    switch (request) {
    case USBDEVFS_GET_CAPABILITIES:
        *(uint32_t *)arg = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                           USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET;
        break;
    case USBDEVFS_SUBMITURB:
        submit(p, arg, &ret, &err);
        break;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
        reap(p, arg, &ret, &err);
        break;
    case USBDEVFS_DISCARDURB:
        discard(p, arg, &ret, &err);
        break;
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
        if (!p->present) {
            ret = -1;
            err = ENODEV;
        } else if (*(unsigned int *)arg != 0u) {
            ret = -1;
            err = ENOENT;
        }
        break;
    case USBDEVFS_CLEAR_HALT:
        if (!p->present) {
            ret = -1;
            err = ENODEV;
        } else {
            /* the kernel sends CLEAR_FEATURE(ENDPOINT_HALT) and resets its own state */
            unsigned int ep = *(unsigned int *)arg;
            if (standard_request(s, 0x02, 1 /* CLEAR_FEATURE */, 0, (uint16_t)ep) < 0) {
                ret = -1;
                err = EPIPE;
            } else if (ep == PLM_USB_EP_FRAMES_IN) {
                s->bulk_halted = 0;
                s->halts_cleared++;
            }
        }
        break;
    case USBDEVFS_CONNECTINFO: {
        /* what libusb_wrap_sys_device asks: the device number (and "slow": not low speed) */
        struct usbdevfs_connectinfo *ci = arg;
        ci->devnum = (unsigned int)p->devnum;
        ci->slow = 0;
        break;
    }
    case USBDEVFS_CONTROL: {
        /* a synchronous control request: libusb_wrap_sys_device asks GET_CONFIGURATION; the others go through URBs */
        struct usbdevfs_ctrltransfer *ct = arg;
        if (!p->present) {
            ret = -1;
            err = ENODEV;
        } else if (ct->bRequestType == 0x80 && ct->bRequest == 8 /* GET_CONFIGURATION */ && ct->wLength >= 1u) {
            *(uint8_t *)ct->data = 1;
            ret = 1;
        } else {
            ret = -1;
            err = EPIPE;
        }
        break;
    }
#ifdef USBDEVFS_GET_SPEED
    case USBDEVFS_GET_SPEED:
        ret = 2; /* USB_SPEED_FULL */
        break;
#endif
    case USBDEVFS_GETDRIVER:
        ret = -1;
        err = ENODATA; /* vendor-specific interface: no kernel driver */
        break;
    case USBDEVFS_RESETEP:
    case USBDEVFS_SETINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_RESET:
    case USBDEVFS_DISCONNECT_CLAIM:
        if (!p->present) {
            ret = -1;
            err = ENODEV;
        }
        break;
    default:
        fprintf(stderr, "plm_emulator: unhandled usbfs ioctl 0x%lx on %s\n", request, p->devnode);
        ret = -1;
        err = ENOTTY;
        break;
    }
    pthread_mutex_unlock(&p->emu->lock);
    umockdev_ioctl_client_complete(client, ret, err);
    return TRUE;
}

/* ---- plugging -------------------------------------------------------------------------- */

static void hex_append(char *out, size_t cap, const uint8_t *b, uint16_t n)
{
    size_t len = strlen(out);
    for (uint16_t i = 0; i < n && len + 2 < cap; i++, len += 2)
        snprintf(out + len, cap - len, "%02x", b[i]);
}

/* Called without the lock held (umockdev calls may wait for its thread). */
static int plug_in(plm_emu_t *emu, emu_sensor_t *s)
{
    pthread_mutex_lock(&emu->lock);
    if (s->plug != NULL || emu->n_plugs == EMU_MAX_PLUGS) {
        pthread_mutex_unlock(&emu->lock);
        return -1;
    }
    emu_plug_t *p = calloc(1, sizeof *p);
    if (p == NULL) {
        pthread_mutex_unlock(&emu->lock);
        return -1;
    }
    p->emu = emu;
    p->sensor = s;
    p->devnum = emu->next_devnum++;
    snprintf(p->devnode, sizeof p->devnode, "/dev/bus/usb/001/%03d", p->devnum);
    snprintf(p->syspath, sizeof p->syspath, "/sys/devices/plm-usb1/1-%d", p->devnum);

    /* what the hub and the kernel do on connect: bus reset, SET_ADDRESS,
     * descriptors, SET_CONFIGURATION (the firmware sees all of it) */
    advance(s);
    plm_usb_bus_reset(&s->usb);
    s->bulk_halted = 0;
    int ok = standard_request(s, 0x00, 5 /* SET_ADDRESS */, (uint16_t)p->devnum, 0) >= 0 &&
             standard_request(s, 0x00, 9 /* SET_CONFIGURATION */, 1, 0) >= 0;
    uint8_t desc[PLM_USB_EP0_BUF];
    char hex[2 * (18 + PLM_USB_CONFIG_DESC_SIZE) + 1] = "";
    uint16_t n = plm_usb_descriptor(&s->usb, 1, 0, desc, sizeof desc);
    hex_append(hex, sizeof hex, desc, n);
    ok = ok && n == 18u;
    n = plm_usb_descriptor(&s->usb, 2, 0, desc, sizeof desc);
    hex_append(hex, sizeof hex, desc, n);
    ok = ok && n == PLM_USB_CONFIG_DESC_SIZE;
    if (!ok) {
        pthread_mutex_unlock(&emu->lock);
        free(p);
        return -1;
    }
    p->present = 1;
    s->plug = p;
    emu->plugs[emu->n_plugs++] = p;
    pthread_mutex_unlock(&emu->lock);

    p->handler = umockdev_ioctl_base_new();
    g_signal_connect(p->handler, "handle-ioctl", G_CALLBACK(handle_ioctl), p);
    GError *error = NULL;
    if (!umockdev_testbed_attach_ioctl(emu->tb, p->devnode, p->handler, &error)) {
        fprintf(stderr, "plm_emulator: attach_ioctl %s: %s\n", p->devnode, error ? error->message : "?");
        g_clear_error(&error);
        return -1;
    }
    char record[1024];
    snprintf(record, sizeof record,
             "P: %s\n"
             "N: bus/usb/001/%03d\n"
             "E: SUBSYSTEM=usb\n"
             "E: DEVTYPE=usb_device\n"
             "E: DRIVER=usb\n"
             "E: BUSNUM=001\n"
             "E: DEVNUM=%03d\n"
             "E: DEVNAME=/dev/bus/usb/001/%03d\n"
             "E: PRODUCT=%x/%x/%x\n"
             "A: busnum=1\\n\n"
             "A: devnum=%d\\n\n"
             "A: bConfigurationValue=1\\n\n"
             "A: speed=12\\n\n"
             "A: idVendor=%04x\\n\n"
             "A: idProduct=%04x\\n\n"
             "A: serial=%s\\n\n"
             "H: descriptors=%s\n",
             p->syspath + strlen("/sys"), p->devnum, p->devnum, p->devnum, PLM_USB_VID, PLM_USB_PID,
             (PLM_FW_MAJOR << 8) | PLM_FW_MINOR, p->devnum, PLM_USB_VID, PLM_USB_PID, s->serial, hex);
    if (!umockdev_testbed_add_from_string(emu->tb, record, &error)) {
        fprintf(stderr, "plm_emulator: add device: %s\n", error ? error->message : "?");
        g_clear_error(&error);
        return -1;
    }
    /* the device node reads as usbfs's does, the descriptors first: what libusb_wrap_sys_device reads (a device
     * opened by its node, without libusb's device list) */
    gchar *root = umockdev_testbed_get_root_dir(emu->tb);
    char node[1024];
    snprintf(node, sizeof node, "%s%s", root, p->devnode);
    g_free(root);
    FILE *f = fopen(node, "wb");
    if (f != NULL) {
        for (size_t i = 0; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2) {
            unsigned int byte;
            if (sscanf(hex + i, "%2x", &byte) == 1)
                fputc((int)byte, f);
        }
        fclose(f);
    }
    return 0;
}

plm_emu_t *plm_emu_new(void)
{
    plm_emu_t *emu = calloc(1, sizeof *emu);
    if (emu == NULL)
        return NULL;
    pthread_mutex_init(&emu->lock, NULL);
    emu->next_devnum = 2; /* 1 is the root hub's */
    emu->tb = umockdev_testbed_new();
    if (emu->tb == NULL) {
        free(emu);
        return NULL;
    }
    return emu;
}

void plm_emu_free(plm_emu_t *emu)
{
    if (emu == NULL)
        return;
    for (int i = 0; i < emu->n_plugs; i++) {
        emu_plug_t *p = emu->plugs[i];
        if (p->handler != NULL) {
            umockdev_testbed_detach_ioctl(emu->tb, p->devnode, NULL);
            g_object_unref(p->handler);
        }
        free(p);
    }
    g_object_unref(emu->tb);
    for (int i = 0; i < emu->n_sensors; i++) {
        free(emu->sensors[i]->store_mem);
        free(emu->sensors[i]);
    }
    pthread_mutex_destroy(&emu->lock);
    free(emu);
}

int plm_emu_add_sensor(plm_emu_t *emu, const char *serial, uint8_t side)
{
    if (emu->n_sensors == EMU_MAX_SENSORS)
        return -1;
    emu_sensor_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    s->store_mem = malloc((size_t)EMU_STORE_SLOTS * PLM_STORAGE_SLOT_SIZE);
    if (s->store_mem == NULL) {
        free(s);
        return -1;
    }
    int index = emu->n_sensors;
    s->emu = emu;
    snprintf(s->serial, sizeof s->serial, "%s", serial);
    s->phase = 0.7 * index;
    s->t0_real_us = real_us();
    s->tick_base = 0x10000000u * (uint32_t)(index + 1); /* sensors' counters differ */
    s->accel = (plm_accel_t){s, PLM_ACCEL_SIMULATED, acc_configure, acc_start, acc_stop, acc_read};
    s->clock = (plm_clock_t){s, EMU_TICKS_PER_US, clk_now};
    s->nvs = (plm_nvstore_t){s, nv_load, nv_save};
    plm_ramstore_init(&s->rs, &s->st, s->store_mem, EMU_STORE_SLOTS, EMU_SLOTS_PER_BLOCK);
    plm_config_t cfg;
    plm_config_defaults(&cfg);
    cfg.side = side;
    plm_config_encode(&cfg, s->nv_rec);
    s->nv_has = 1;
    plm_device_config_t dc = {.accel = &s->accel, .clock = &s->clock, .storage = &s->st, .nv = &s->nvs,
                              .serial = s->serial};
    plm_dev_init(&s->dev, &dc);
    s->hw = (plm_usb_hw_t){s, hw_ep0_send, hw_ep0_stall, hw_ep0_receive, hw_set_address, hw_set_configured,
                           hw_ep_set_halt};
    plm_usb_init(&s->usb, &s->hw, &s->dev, PLM_USB_EP0_MPS);

    pthread_mutex_lock(&emu->lock);
    emu->sensors[emu->n_sensors++] = s;
    pthread_mutex_unlock(&emu->lock);
    return plug_in(emu, s) == 0 ? index : -1;
}

static emu_sensor_t *sensor_at(plm_emu_t *emu, int i)
{
    return (i >= 0 && i < emu->n_sensors) ? emu->sensors[i] : NULL;
}

int plm_emu_unplug(plm_emu_t *emu, int sensor)
{
    emu_sensor_t *s = sensor_at(emu, sensor);
    if (s == NULL)
        return -1;
    pthread_mutex_lock(&emu->lock);
    emu_plug_t *p = s->plug;
    if (p == NULL) {
        pthread_mutex_unlock(&emu->lock);
        return -1;
    }
    advance(s);
    p->present = 0;
    while (p->n_flying > 0)
        finish(p, 0, -ENODEV);
    s->plug = NULL;
    pthread_mutex_unlock(&emu->lock);
    /* the kernel's "remove" uevent (libusb's hotplug LEFT), then the sysfs device goes */
    umockdev_testbed_uevent(emu->tb, p->syspath, "remove");
    umockdev_testbed_remove_device(emu->tb, p->syspath);
    return 0;
}

int plm_emu_unplug_losing(plm_emu_t *emu, int sensor, uint32_t n)
{
    emu_sensor_t *s = sensor_at(emu, sensor);
    if (s == NULL)
        return -1;
    pthread_mutex_lock(&emu->lock);
    if (s->plug == NULL) {
        pthread_mutex_unlock(&emu->lock);
        return -1;
    }
    advance(s);
    /* the device's USB peripheral saw these packets acknowledged; the host never got them */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = 0;
        if (plm_dev_tx_frame(&s->dev, &len) == NULL)
            break;
        plm_dev_tx_done(&s->dev);
        s->frames_sent++;
        s->frames_lost_in_flight++;
    }
    pthread_mutex_unlock(&emu->lock);
    return plm_emu_unplug(emu, sensor);
}

void plm_emu_lose_next(plm_emu_t *emu, int sensor, uint32_t n)
{
    emu_sensor_t *s = sensor_at(emu, sensor);
    if (s == NULL)
        return;
    pthread_mutex_lock(&emu->lock);
    s->lose_left += n;
    pthread_mutex_unlock(&emu->lock);
}

int plm_emu_replug(plm_emu_t *emu, int sensor)
{
    emu_sensor_t *s = sensor_at(emu, sensor);
    return s == NULL ? -1 : plug_in(emu, s);
}

void plm_emu_corrupt_next(plm_emu_t *emu, int sensor, uint32_t n)
{
    emu_sensor_t *s = sensor_at(emu, sensor);
    if (s == NULL)
        return;
    pthread_mutex_lock(&emu->lock);
    s->corrupt_left += n;
    pthread_mutex_unlock(&emu->lock);
}

void plm_emu_stall_next(plm_emu_t *emu, int sensor)
{
    emu_sensor_t *s = sensor_at(emu, sensor);
    if (s == NULL)
        return;
    pthread_mutex_lock(&emu->lock);
    s->stall_pending = 1;
    pthread_mutex_unlock(&emu->lock);
}

void plm_emu_stall_fails_queued(plm_emu_t *emu, int sensor, int on)
{
    emu_sensor_t *s = sensor_at(emu, sensor);
    if (s == NULL)
        return;
    pthread_mutex_lock(&emu->lock);
    s->stall_fails_queued = on ? 1 : 0;
    pthread_mutex_unlock(&emu->lock);
}

void plm_emu_fast_forward(plm_emu_t *emu, int sensor, uint64_t microseconds)
{
    emu_sensor_t *s = sensor_at(emu, sensor);
    if (s == NULL)
        return;
    pthread_mutex_lock(&emu->lock);
    s->ff_us += microseconds;
    advance(s);
    pthread_mutex_unlock(&emu->lock);
}

#define EMU_GETTER(name, type, expr)                                                                          \
    type name(plm_emu_t *emu, int sensor)                                                                     \
    {                                                                                                         \
        emu_sensor_t *s = sensor_at(emu, sensor);                                                             \
        if (s == NULL)                                                                                        \
            return 0;                                                                                         \
        pthread_mutex_lock(&emu->lock);                                                                       \
        advance(s);                                                                                           \
        type v = (expr);                                                                                      \
        pthread_mutex_unlock(&emu->lock);                                                                     \
        return v;                                                                                             \
    }

EMU_GETTER(plm_emu_device_number, int, s->plug ? s->plug->devnum : 0)
EMU_GETTER(plm_emu_frames_produced, uint32_t, s->dev.next_seq)
EMU_GETTER(plm_emu_frames_sent, uint32_t, s->frames_sent)
EMU_GETTER(plm_emu_frames_lost_in_flight, uint32_t, s->frames_lost_in_flight)
EMU_GETTER(plm_emu_stalls, uint32_t, s->stalls)
EMU_GETTER(plm_emu_halts_cleared, uint32_t, s->halts_cleared)
EMU_GETTER(plm_emu_frames_uncommitted, uint32_t, s->dev.u_count)
