/*
 * A plm leg sensor as a Linux USB gadget: the firmware's portable core
 * (core/, protocol/) behind a host HAL for FunctionFS instead of the STM32
 * USB peripheral. Used by the VM system test (scripts/vm/, docs/daemon.md):
 * under dummy_hcd the same kernel's host side sees a real USB device and the
 * daemon reads it through usbfs and libusb as it would read the board.
 *
 *   ffs_sensor --ffs DIR --serial HEX24 --side left|right [--gadget DIR --udc NAME]
 *              [--stats FILE] [--acklog FILE] [--slots N]
 *
 * DIR is a mounted functionfs instance. The program writes the interface's
 * descriptors to DIR/ep0, then (with --gadget/--udc) binds the gadget to the
 * UDC. The device identity (VID:PID, strings, bcdDevice, power) is the
 * configfs gadget's, set by the caller per docs/protocol.md section 1.
 *
 * What comes from where:
 *   - vendor requests: FUNCTIONFS_SETUP events (FUNCTIONFS_ALL_CTRL_RECIP, so
 *     device-recipient vendor requests reach us) go through plm_usb_on_setup/
 *     on_out/on_in_done, i.e. the core's EP0 state machine and
 *     plm_dev_vendor_request exactly as on the board; its reply packets are
 *     collected and written to ep0, a STALL becomes the FunctionFS stall (a
 *     transfer in the wrong direction). Standard requests never reach us: the
 *     kernel's composite layer answers them from configfs.
 *   - frames: a thread writes plm_dev_tx_frame to ep1 (bulk IN), one frame per
 *     write = one packet; a blocking write returns when the host acknowledged
 *     the packet, and only then is plm_dev_tx_done called. A write cut off by
 *     an unbind leaves the frame in place: it is sent again after the replug.
 *   - status: a thread writes plm_dev_status_poll's messages to ep2 (interrupt IN).
 *   - sampling: a thread raises one data-ready event per sample period of
 *     CLOCK_MONOTONIC (real time: the protocol's timestamps are real time, so the
 *     clock cannot run fast), the accelerometer is simulated (deterministic
 *     sines around a lying posture), the clock is a 72 MHz counter derived from
 *     CLOCK_MONOTONIC (as the board's cycle counter), the frame flash is the
 *     core's NOR ramstore, the settings flash a RAM record holding the side.
 * One mutex makes the core single-threaded, as the board's main loop does.
 *
 * SIGTERM/SIGINT: stops and writes the statistics (key=value lines) to --stats. SIGUSR1: one round of
 * faults (a corrupt frame, a halted bulk endpoint, a nonsense control reply), counted in the statistics.
 * --acklog: one line "seq monotonic_us" per frame the host acknowledged (a frame sent again after a rewind
 * has one line per time).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plm_config.h"
#include "plm_device.h"
#include "plm_protocol.h"
#include "plm_ramstore.h"
#include "plm_usb.h"

#define TICKS_PER_US 72u
#define SLOTS_PER_BLOCK 64u

typedef struct {
    /* configuration */
    const char *ffs_dir, *serial, *gadget_dir, *udc, *stats_path, *acklog_path;
    uint8_t side;
    uint32_t slots;

    /* the core and its drivers */
    pthread_mutex_t lock;
    plm_device_t dev;
    plm_usb_t usb;
    plm_usb_hw_t hw;
    plm_accel_t accel;
    plm_clock_t clock;
    plm_storage_t st;
    plm_ramstore_t rs;
    plm_nvstore_t nvs;
    uint8_t *store_mem;
    uint8_t nv_rec[PLM_CONFIG_SIZE];
    uint32_t accel_reads;
    uint64_t t0_ns;

    /* ep0 bridge: what the core's EP0 state machine asked the hardware to do */
    uint8_t reply[PLM_USB_EP0_BUF + PLM_USB_EP0_MPS];
    uint16_t reply_len;
    int sent, stalled;

    /* sampling */
    int ready_armed;
    uint64_t next_ready_ns;

    /* files */
    int ep0, ep_frames, ep_status;
    FILE *acklog;

    /* counters */
    uint64_t faults_corrupt, faults_halt, faults_ctrl;
    uint64_t frames_acked, write_errors, status_sent, setups, stalls, enables, disables, binds, unbinds;
    uint32_t last_acked_seq;
    int have_acked;
    /* ENABLE/DISABLE events seen (the link went down or up), and frames whose write returned success although
     * the function was disabled or enabled while it waited: the host may never have read them */
    unsigned link_changes;
    uint64_t acked_across_link_change;
    /* the frames thread, whether it is in an endpoint write, and how many writes it has finished: a rewind
     * (docs/protocol.md, "Acknowledgement") withdraws the frame it is writing (withdraw_tx) */
    pthread_t frames_tid;
    int in_write;
    unsigned writes_done;
    uint64_t withdrawals;
} sensor_t;

static sensor_t S;
static volatile sig_atomic_t stop_requested;
/* SIGUSR1 asks for one round of misbehaviour (the system test's scenario e): the next frame corrupted, then
 * the bulk endpoint halted (a STALL the host must clear), then the next IN vendor request answered with 2
 * bytes of nonsense. */
static volatile sig_atomic_t fault_rounds;
static int fault_corrupt, fault_halt, fault_ctrl;

static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ffs_sensor[%s]: ", S.side == 1 ? "left" : "right");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A rewind took back the frame the frames thread may be writing: interrupt that write (SIGUSR2, no
 * SA_RESTART; FunctionFS then dequeues the request and the write returns EINTR unless the host had already
 * read it) and wait until it has returned, so that no packet armed before the rewind goes out after it.
 * Called without the core's lock. */
static void withdraw_tx(sensor_t *s)
{
    unsigned gen = __atomic_load_n(&s->writes_done, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 1000 && __atomic_load_n(&s->in_write, __ATOMIC_SEQ_CST) &&
                    __atomic_load_n(&s->writes_done, __ATOMIC_SEQ_CST) == gen;
         i++) {
        pthread_kill(s->frames_tid, SIGUSR2);
        usleep(1000);
    }
    s->withdrawals++;
}

/* ---- simulated drivers ----------------------------------------------------------- */

static int acc_configure(void *ctx, uint16_t rate_hz, uint8_t range_g)
{
    (void)ctx;
    (void)rate_hz;
    (void)range_g;
    return 0;
}

static int acc_start(void *ctx)
{
    ((sensor_t *)ctx)->accel_reads = 0;
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
    return (int16_t)(v & ~0xFL);
}

/* Lying still with slow breathing-like sway, plus a 2 s leg jerk every 25 s
 * (so the live detector has something to count). */
static int acc_read(void *ctx, int16_t xyz[3])
{
    sensor_t *s = ctx;
    double t = (double)s->accel_reads++ / (double)s->dev.rate_hz;
    double per_g = 32768.0 / (double)s->dev.range_g;
    const double two_pi = 6.283185307179586;
    double phase = s->side == 1 ? 0.0 : 0.7;
    double jerk = fmod(t, 25.0) < 2.0 ? 0.3 * sin(two_pi * 3.0 * t) : 0.0;
    xyz[0] = left_justify12(per_g * (0.02 * sin(two_pi * 0.25 * t + phase) + jerk));
    xyz[1] = left_justify12(per_g * (0.02 * sin(two_pi * 0.3 * t + phase)));
    xyz[2] = left_justify12(per_g * (1.0 + 0.01 * sin(two_pi * 0.2 * t)));
    return 0;
}

static uint32_t clk_at(uint64_t ns)
{
    /* a free-running 72 MHz counter, wrapping at 32 bits */
    return (uint32_t)((ns / 1000u) * TICKS_PER_US + (ns % 1000u) * TICKS_PER_US / 1000u);
}

static uint32_t clk_now(void *ctx)
{
    (void)ctx;
    return clk_at(mono_ns());
}

static int nv_load(void *ctx, uint8_t *buf, size_t len)
{
    sensor_t *s = ctx;
    if (len != PLM_CONFIG_SIZE)
        return -1;
    memcpy(buf, s->nv_rec, len);
    return 0;
}

static int nv_save(void *ctx, const uint8_t *buf, size_t len)
{
    sensor_t *s = ctx;
    if (len != PLM_CONFIG_SIZE)
        return -1;
    memcpy(s->nv_rec, buf, len);
    return 0;
}

/* ---- the USB peripheral as plm_usb drives it: collected for FunctionFS --------- */

static void hw_ep0_send(void *ctx, const uint8_t *buf, uint16_t len)
{
    sensor_t *s = ctx;
    if ((size_t)s->reply_len + len <= sizeof s->reply && len > 0u) {
        memcpy(s->reply + s->reply_len, buf, len);
        s->reply_len = (uint16_t)(s->reply_len + len);
    }
    s->sent = 1;
}
static void hw_ep0_stall(void *ctx) { ((sensor_t *)ctx)->stalled = 1; }
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
    (void)ctx;
    (void)ep;
    (void)halt;
}

/* ---- descriptors for FunctionFS ------------------------------------------------------ */

struct __attribute__((packed)) ffs_descs {
    struct usb_functionfs_descs_head_v2 header;
    __le32 fs_count;
    struct usb_interface_descriptor intf;
    struct usb_endpoint_descriptor_no_audio frames;
    struct usb_endpoint_descriptor_no_audio status;
};

static int write_descriptors(int ep0)
{
    struct ffs_descs d;
    memset(&d, 0, sizeof d);
    d.header.magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
    d.header.length = htole32(sizeof d);
    d.header.flags = htole32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_ALL_CTRL_RECIP);
    d.fs_count = htole32(3);
    d.intf.bLength = sizeof d.intf;
    d.intf.bDescriptorType = USB_DT_INTERFACE;
    d.intf.bNumEndpoints = 2;
    d.intf.bInterfaceClass = PLM_USB_INTERFACE_CLASS;
    d.frames.bLength = sizeof d.frames;
    d.frames.bDescriptorType = USB_DT_ENDPOINT;
    d.frames.bEndpointAddress = PLM_USB_EP_FRAMES_IN;
    d.frames.bmAttributes = USB_ENDPOINT_XFER_BULK;
    d.frames.wMaxPacketSize = htole16(PLM_USB_BULK_MPS);
    d.status.bLength = sizeof d.status;
    d.status.bDescriptorType = USB_DT_ENDPOINT;
    d.status.bEndpointAddress = PLM_USB_EP_STATUS_IN;
    d.status.bmAttributes = USB_ENDPOINT_XFER_INT;
    d.status.wMaxPacketSize = htole16(PLM_USB_STATUS_MPS);
    d.status.bInterval = PLM_USB_STATUS_INTERVAL_MS;
    if (write(ep0, &d, sizeof d) != (ssize_t)sizeof d)
        return -1;
    struct __attribute__((packed)) {
        struct usb_functionfs_strings_head h;
    } str = {{htole32(FUNCTIONFS_STRINGS_MAGIC), htole32(sizeof str), 0, 0}};
    if (write(ep0, &str, sizeof str) != (ssize_t)sizeof str)
        return -1;
    return 0;
}

/* ---- EP0: a setup event through the core's state machine ----------------------------- */

static void handle_setup(sensor_t *s, const struct usb_ctrlrequest *c)
{
    uint8_t raw[8];
    memcpy(raw, c, 8);
    int in = (c->bRequestType & USB_DIR_IN) != 0;
    uint16_t wlen = le16toh(c->wLength);
    uint8_t data[PLM_USB_EP0_BUF];
    int stalled;
    s->setups++;

    if (!in && wlen > 0u) {
        /* OUT data stage: FunctionFS can only stall it before reading; the core
         * decides after seeing the data (SET_HOST_TIME, SET_CALIBRATION), so a
         * refusal there is logged but the status stage completes. */
        if (wlen > sizeof data) {
            (void)write(s->ep0, NULL, 0); /* stall */
            s->stalls++;
            return;
        }
        ssize_t n = read(s->ep0, data, wlen);
        if (n < 0) {
            logf_("ep0 data read: %s", strerror(errno));
            return;
        }
        pthread_mutex_lock(&s->lock);
        s->reply_len = 0;
        s->sent = s->stalled = 0;
        plm_usb_on_setup(&s->usb, raw);
        for (uint16_t off = 0; off < (uint16_t)n && !s->stalled; off = (uint16_t)(off + PLM_USB_EP0_MPS)) {
            uint16_t left = (uint16_t)((uint16_t)n - off);
            uint16_t chunk = left > PLM_USB_EP0_MPS ? (uint16_t)PLM_USB_EP0_MPS : left;
            plm_usb_on_out(&s->usb, data + off, chunk);
        }
        if (s->sent)
            plm_usb_on_in_done(&s->usb); /* the status ZLP went out */
        stalled = s->stalled;
        int withdraw = plm_dev_take_withdraw(&s->dev);
        pthread_mutex_unlock(&s->lock);
        if (withdraw)
            withdraw_tx(s);
        if (stalled) {
            s->stalls++;
            logf_("request 0x%02x refused after its data stage (cannot stall it on FunctionFS)", c->bRequest);
        }
        return;
    }

    pthread_mutex_lock(&s->lock);
    s->reply_len = 0;
    s->sent = s->stalled = 0;
    plm_usb_on_setup(&s->usb, raw);
    if (in) {
        /* the state machine sends one packet at a time: let it finish the data stage */
        int guard = 0;
        while (!s->stalled && s->usb.stage == PLM_EP0_DATA_IN && guard++ < 16) {
            s->sent = 0;
            plm_usb_on_in_done(&s->usb);
        }
        if (!s->stalled && s->usb.stage == PLM_EP0_STATUS_OUT)
            plm_usb_on_out(&s->usb, NULL, 0); /* the host's status stage */
    } else if (s->sent) {
        plm_usb_on_in_done(&s->usb); /* status ZLP */
    }
    stalled = s->stalled;
    uint16_t len = s->reply_len;
    if (len > wlen)
        len = wlen;
    uint8_t reply[sizeof s->reply];
    memcpy(reply, s->reply, len);
    s->usb.stage = PLM_EP0_IDLE;
    int withdraw = plm_dev_take_withdraw(&s->dev);
    pthread_mutex_unlock(&s->lock);
    /* REWIND: the frame being written is taken back before the request completes, so the host's next
     * read gets the oldest uncommitted frame */
    if (withdraw)
        withdraw_tx(s);

    if (stalled) {
        s->stalls++;
        /* FunctionFS: a transfer in the direction opposite to the request stalls */
        if (in)
            (void)read(s->ep0, NULL, 0);
        else
            (void)write(s->ep0, NULL, 0);
        return;
    }
    if (in && fault_ctrl > 0 && (c->bRequestType & USB_TYPE_MASK) == USB_TYPE_VENDOR) {
        fault_ctrl--;
        s->faults_ctrl++;
        memset(reply, 0xEE, 2);
        len = len < 2u ? len : 2u;
    }
    if (in) {
        if (write(s->ep0, reply, len) < 0)
            logf_("ep0 reply: %s", strerror(errno));
    } else {
        if (read(s->ep0, NULL, 0) < 0)
            logf_("ep0 status: %s", strerror(errno));
    }
}

static void *ep0_thread(void *arg)
{
    sensor_t *s = arg;
    struct usb_functionfs_event ev[4];
    while (!stop_requested) {
        ssize_t n = read(s->ep0, ev, sizeof ev);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            logf_("ep0 read: %s", strerror(errno));
            usleep(100000);
            continue;
        }
        for (size_t i = 0; i < (size_t)n / sizeof ev[0]; i++) {
            switch (ev[i].type) {
            case FUNCTIONFS_SETUP:
                handle_setup(s, &ev[i].u.setup);
                break;
            case FUNCTIONFS_ENABLE:
            case FUNCTIONFS_DISABLE: {
                /* the link went down or up (unbind/bind, bus reset, SET_CONFIGURATION): frames sent and not
                 * committed are sent again, oldest first (the core's rewind, as on the board's bus reset) */
                if (ev[i].type == FUNCTIONFS_ENABLE)
                    s->enables++;
                else
                    s->disables++;
                __atomic_add_fetch(&s->link_changes, 1, __ATOMIC_SEQ_CST);
                pthread_mutex_lock(&s->lock);
                plm_dev_rewind(&s->dev);
                int withdraw = plm_dev_take_withdraw(&s->dev);
                pthread_mutex_unlock(&s->lock);
                if (withdraw)
                    withdraw_tx(s);
                break;
            }
            case FUNCTIONFS_BIND:
                s->binds++;
                break;
            case FUNCTIONFS_UNBIND:
                s->unbinds++;
                break;
            default:
                break;
            }
        }
    }
    return NULL;
}

/* ---- bulk and interrupt IN ---------------------------------------------------------- */

static void *frames_thread(void *arg)
{
    sensor_t *s = arg;
    uint8_t frame[PLM_FRAME_MAX_SIZE];
    /* only this thread takes SIGUSR2: withdraw_tx interrupts its endpoint write with it */
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
    while (!stop_requested) {
        uint32_t len = 0;
        pthread_mutex_lock(&s->lock);
        const uint8_t *f = plm_dev_tx_frame(&s->dev, &len);
        if (f != NULL) {
            memcpy(frame, f, len);
            __atomic_store_n(&s->in_write, 1, __ATOMIC_SEQ_CST);
        }
        pthread_mutex_unlock(&s->lock);
        if (f == NULL) {
            usleep(5000);
            continue;
        }
        if (fault_rounds > 0) {
            fault_rounds--;
            fault_corrupt++;
            fault_halt++;
            fault_ctrl++;
        }
        int corrupted = 0;
        if (fault_corrupt > 0 && len > 30u) {
            fault_corrupt--;
            frame[30] ^= 0x5Au; /* a sample byte: the CRC no longer matches */
            corrupted = 1;
        } else if (fault_halt > 0) {
            fault_halt--;
            /* FunctionFS: a transfer against an IN endpoint's direction halts it */
            uint8_t b;
            if (read(s->ep_frames, &b, 1) < 0 && errno == EBADMSG)
                s->faults_halt++;
        }
        unsigned link_before = __atomic_load_n(&s->link_changes, __ATOMIC_SEQ_CST);
        uint64_t write_started = mono_ns();
        ssize_t n = write(s->ep_frames, frame, len);
        int write_errno = errno;
        __atomic_store_n(&s->in_write, 0, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&s->writes_done, 1, __ATOMIC_SEQ_CST);
        if (n == (ssize_t)len && __atomic_load_n(&s->link_changes, __ATOMIC_SEQ_CST) != link_before) {
            s->acked_across_link_change++;
            logf_("frame %u: write returned success at %.3f s, started %.3f s, the function was disabled/enabled "
                  "meanwhile", plm_get_u32(frame + 4), (double)mono_ns() / 1e9, (double)write_started / 1e9);
        } else if (n != (ssize_t)len && write_errno != EINTR && s->write_errors < 1000) {
            logf_("frame %u: write %zd (%s) at %.3f s", plm_get_u32(frame + 4), n, n < 0 ? strerror(write_errno) : "short",
                  (double)mono_ns() / 1e9);
        }
        if (corrupted && n == (ssize_t)len) {
            /* sent as the sensor's radio or cable would have garbled it: the device thinks it delivered it */
            s->faults_corrupt++;
        }
        if (n == (ssize_t)len) {
            uint32_t seq = plm_get_u32(frame + 4);
            pthread_mutex_lock(&s->lock);
            plm_dev_tx_done(&s->dev);
            s->frames_acked++;
            s->last_acked_seq = seq;
            s->have_acked = 1;
            pthread_mutex_unlock(&s->lock);
            if (s->acklog != NULL)
                fprintf(s->acklog, "%u %llu\n", seq, (unsigned long long)(mono_ns() / 1000u));
        } else {
            /* unbound mid-transfer (ESHUTDOWN/ECONNRESET), halted, or withdrawn by a
             * rewind (EINTR): the frame stays the device's; it is sent again */
            s->write_errors++;
            usleep(2000);
        }
    }
    return NULL;
}

static void *status_thread(void *arg)
{
    sensor_t *s = arg;
    uint8_t msg[PLM_STATUS_SIZE];
    while (!stop_requested) {
        pthread_mutex_lock(&s->lock);
        int due = plm_dev_status_poll(&s->dev, msg);
        pthread_mutex_unlock(&s->lock);
        if (!due) {
            usleep(50000);
            continue;
        }
        if (write(s->ep_status, msg, sizeof msg) == (ssize_t)sizeof msg)
            s->status_sent++;
        else
            usleep(2000);
    }
    return NULL;
}

/* ---- sampling: one data-ready event per sample period of real time ------------------ */

static void *sampler_thread(void *arg)
{
    sensor_t *s = arg;
    while (!stop_requested) {
        uint64_t now = mono_ns();
        pthread_mutex_lock(&s->lock);
        if (s->dev.running && !s->ready_armed) {
            s->ready_armed = 1;
            s->next_ready_ns = now + 1000000000ull / s->dev.rate_hz;
        } else if (!s->dev.running) {
            s->ready_armed = 0;
        }
        while (s->ready_armed && s->next_ready_ns <= now) {
            plm_dev_on_data_ready(&s->dev, clk_at(s->next_ready_ns));
            s->next_ready_ns += 1000000000ull / s->dev.rate_hz;
        }
        plm_dev_poll(&s->dev);
        pthread_mutex_unlock(&s->lock);
        struct timespec ts = {0, 5000000}; /* 5 ms; a late wake-up still gets every period */
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* ---- main ------------------------------------------------------------------------------ */

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        fault_rounds++;
    else if (sig != SIGUSR2)
        stop_requested = 1;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void write_stats(sensor_t *s)
{
    if (s->stats_path == NULL)
        return;
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.tmp", s->stats_path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return;
    plm_buffered_t b;
    pthread_mutex_lock(&s->lock);
    plm_dev_buffered(&s->dev, &b);
    fprintf(f, "serial=%s\nside=%u\nnext_seq=%u\nframes_acked=%llu\nlast_acked_seq=%u\nhave_acked=%d\n",
            s->serial, s->side, s->dev.next_seq, (unsigned long long)s->frames_acked, s->last_acked_seq,
            s->have_acked);
    fprintf(f, "buffered_frames=%u\nbuffered_samples=%u\ndropped_frames=%u\nlost_samples=%u\nin_tx=%u\n",
            b.frames, b.samples, b.frames_dropped, b.samples_lost, s->dev.tx_len > 0u ? 1u : 0u);
    fprintf(f, "running=%d\nwrite_errors=%llu\nstatus_sent=%llu\nsetups=%llu\nstalls=%llu\n", s->dev.running ? 1 : 0,
            (unsigned long long)s->write_errors, (unsigned long long)s->status_sent, (unsigned long long)s->setups,
            (unsigned long long)s->stalls);
    fprintf(f, "faults_corrupt=%llu\nfaults_halt=%llu\nfaults_ctrl=%llu\n", (unsigned long long)s->faults_corrupt,
            (unsigned long long)s->faults_halt, (unsigned long long)s->faults_ctrl);
    fprintf(f, "acked_across_link_change=%llu\nwithdrawals=%llu\nretained=%u\ncommitting=%d\n",
            (unsigned long long)s->acked_across_link_change, (unsigned long long)s->withdrawals, s->dev.u_count,
            s->dev.retain ? 1 : 0);
    fprintf(f, "enables=%llu\ndisables=%llu\nbinds=%llu\nunbinds=%llu\nstore_faults=%u\n",
            (unsigned long long)s->enables, (unsigned long long)s->disables, (unsigned long long)s->binds,
            (unsigned long long)s->unbinds, s->rs.faults);
    pthread_mutex_unlock(&s->lock);
    fclose(f);
    rename(tmp, s->stats_path);
}

static void usage(void)
{
    fprintf(stderr, "usage: ffs_sensor --ffs DIR --serial HEX24 --side left|right [--gadget DIR --udc NAME] "
                    "[--stats FILE] [--acklog FILE] [--slots N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    sensor_t *s = &S;
    s->slots = 16384; /* 1 MiB of frame flash: 16 min at 100 Hz */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (strcmp(a, "--ffs") == 0)
            s->ffs_dir = v;
        else if (strcmp(a, "--serial") == 0)
            s->serial = v;
        else if (strcmp(a, "--side") == 0)
            s->side = strcmp(v, "left") == 0 ? 1 : strcmp(v, "right") == 0 ? 2 : 0;
        else if (strcmp(a, "--gadget") == 0)
            s->gadget_dir = v;
        else if (strcmp(a, "--udc") == 0)
            s->udc = v;
        else if (strcmp(a, "--stats") == 0)
            s->stats_path = v;
        else if (strcmp(a, "--acklog") == 0)
            s->acklog_path = v;
        else if (strcmp(a, "--slots") == 0)
            s->slots = (uint32_t)strtoul(v, NULL, 10);
        else
            usage();
    }
    if (s->ffs_dir == NULL || s->serial == NULL || s->side == 0 || s->slots < SLOTS_PER_BLOCK * 2u)
        usage();

    pthread_mutex_init(&s->lock, NULL);
    s->store_mem = malloc((size_t)s->slots * PLM_STORAGE_SLOT_SIZE);
    if (s->store_mem == NULL)
        return 1;
    s->accel = (plm_accel_t){s, PLM_ACCEL_SIMULATED, acc_configure, acc_start, acc_stop, acc_read};
    s->clock = (plm_clock_t){s, TICKS_PER_US, clk_now};
    s->nvs = (plm_nvstore_t){s, nv_load, nv_save};
    plm_ramstore_init(&s->rs, &s->st, s->store_mem, s->slots, SLOTS_PER_BLOCK);
    plm_config_t cfg;
    plm_config_defaults(&cfg);
    cfg.side = s->side;
    plm_config_encode(&cfg, s->nv_rec);
    plm_device_config_t dc = {.accel = &s->accel, .clock = &s->clock, .storage = &s->st, .nv = &s->nvs,
                              .serial = s->serial};
    plm_dev_init(&s->dev, &dc);
    s->hw = (plm_usb_hw_t){s, hw_ep0_send, hw_ep0_stall, hw_ep0_receive, hw_set_address, hw_set_configured,
                           hw_ep_set_halt};
    plm_usb_init(&s->usb, &s->hw, &s->dev, PLM_USB_EP0_MPS);

    char path[512];
    snprintf(path, sizeof path, "%s/ep0", s->ffs_dir);
    s->ep0 = open(path, O_RDWR);
    if (s->ep0 < 0 || write_descriptors(s->ep0) != 0) {
        logf_("%s: cannot write descriptors: %s", path, strerror(errno));
        return 1;
    }
    snprintf(path, sizeof path, "%s/ep1", s->ffs_dir);
    s->ep_frames = open(path, O_RDWR);
    snprintf(path, sizeof path, "%s/ep2", s->ffs_dir);
    s->ep_status = open(path, O_RDWR);
    if (s->ep_frames < 0 || s->ep_status < 0) {
        logf_("cannot open the endpoint files: %s", strerror(errno));
        return 1;
    }
    if (s->acklog_path != NULL) {
        s->acklog = fopen(s->acklog_path, "w");
        if (s->acklog != NULL)
            setvbuf(s->acklog, NULL, _IOFBF, 1 << 16);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: blocking reads/writes return EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL); /* withdraw_tx: only interrupts the frames thread's write */

    /* signals go to the main thread only: an endpoint write cut by EINTR could send a frame twice */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t th[4];
    pthread_create(&th[0], NULL, ep0_thread, s);
    pthread_create(&s->frames_tid, NULL, frames_thread, s);
    th[1] = s->frames_tid;
    pthread_create(&th[2], NULL, status_thread, s);
    pthread_create(&th[3], NULL, sampler_thread, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (s->gadget_dir != NULL && s->udc != NULL) {
        snprintf(path, sizeof path, "%s/UDC", s->gadget_dir);
        if (write_file(path, s->udc) != 0) {
            logf_("cannot bind %s to %s: %s", s->gadget_dir, s->udc, strerror(errno));
            return 1;
        }
    }
    logf_("ready: serial %s on %s", s->serial, s->udc != NULL ? s->udc : "(not bound)");

    while (!stop_requested) {
        sleep(1);
        if (s->acklog != NULL)
            fflush(s->acklog);
        write_stats(s);
    }
    /* the worker threads may be blocked in an endpoint write the host never completes: leave them */
    if (s->acklog != NULL)
        fflush(s->acklog);
    write_stats(s);
    logf_("stopped: next_seq %u, acked %llu", s->dev.next_seq, (unsigned long long)s->frames_acked);
    _exit(0);
}
