/* USB descriptors and the endpoint-0 state machine, driven by a simulated host. */
#include <string.h>

#include "plm_usb.h"
#include "sim.h"
#include "test.h"

typedef struct {
    uint8_t pkt[64];
    uint16_t pkt_len;
    int pkt_pending;
    int stalled;
    int rx_armed;
    int addr_set;
    uint8_t addr;
    int configured_calls;
    uint8_t config;
    uint8_t halt_ep;
    int halt_val;
} fake_hw_t;

static fake_hw_t H;
static sim_t S;
static plm_usb_t U;

static void f_send(void *ctx, const uint8_t *buf, uint16_t len)
{
    (void)ctx;
    CHECK(!H.pkt_pending);
    CHECK(len <= U.mps0);
    if (len)
        memcpy(H.pkt, buf, len);
    H.pkt_len = len;
    H.pkt_pending = 1;
}
static void f_stall(void *ctx) { (void)ctx; H.stalled = 1; }
static void f_receive(void *ctx) { (void)ctx; H.rx_armed++; }
static void f_addr(void *ctx, uint8_t a) { (void)ctx; H.addr_set++; H.addr = a; }
static void f_conf(void *ctx, uint8_t c) { (void)ctx; H.configured_calls++; H.config = c; }
static void f_halt(void *ctx, uint8_t ep, bool h) { (void)ctx; H.halt_ep = ep; H.halt_val = h; }

static const plm_usb_hw_t HW = {NULL, f_send, f_stall, f_receive, f_addr, f_conf, f_halt};

static void setup_usb(uint16_t mps0)
{
    memset(&H, 0, sizeof H);
    sim_setup(&S, NULL, 0, 0, 0);
    plm_usb_init(&U, &HW, &S.dev, mps0);
    plm_usb_bus_reset(&U);
}

static void mk(uint8_t *p, uint8_t t, uint8_t r, uint16_t v, uint16_t i, uint16_t l)
{
    p[0] = t;
    p[1] = r;
    plm_put_u16(p + 2, v);
    plm_put_u16(p + 4, i);
    plm_put_u16(p + 6, l);
}

/* control read: returns bytes received, -1 on stall; *npk = packets */
static int ctrl_in(uint8_t t, uint8_t r, uint16_t v, uint16_t i, uint16_t l, uint8_t *out, int *npk)
{
    uint8_t s[8];
    mk(s, t, r, v, i, l);
    H.stalled = 0;
    H.pkt_pending = 0;
    plm_usb_on_setup(&U, s);
    int total = 0, packets = 0;
    while (!H.stalled) {
        if (!H.pkt_pending)
            return -2; /* device did not answer */
        H.pkt_pending = 0;
        memcpy(out + total, H.pkt, H.pkt_len);
        total += H.pkt_len;
        packets++;
        uint16_t plen = H.pkt_len;
        plm_usb_on_in_done(&U);
        if (plen < U.mps0 || total >= l)
            break;
    }
    if (npk)
        *npk = packets;
    if (H.stalled)
        return -1;
    CHECK(!H.pkt_pending); /* nothing sent after the data stage */
    plm_usb_on_out(&U, NULL, 0); /* status stage */
    CHECK_EQ(U.stage, PLM_EP0_IDLE);
    return total;
}

/* control write: 0 on success, -1 on stall */
static int ctrl_out(uint8_t t, uint8_t r, uint16_t v, uint16_t i, const uint8_t *data, uint16_t l)
{
    uint8_t s[8];
    mk(s, t, r, v, i, l);
    H.stalled = 0;
    H.pkt_pending = 0;
    plm_usb_on_setup(&U, s);
    for (uint16_t off = 0; off < l && !H.stalled; off = (uint16_t)(off + U.mps0)) {
        uint16_t n = (uint16_t)(l - off < U.mps0 ? l - off : U.mps0);
        plm_usb_on_out(&U, data + off, n);
    }
    if (H.stalled)
        return -1;
    if (!H.pkt_pending || H.pkt_len != 0)
        return -2; /* status stage must be a ZLP */
    H.pkt_pending = 0;
    plm_usb_on_in_done(&U);
    return 0;
}

void test_usb_device_descriptor_bytes(void)
{
    setup_usb(64);
    uint8_t b[256];
    CHECK_EQ(ctrl_in(0x80, 6, 0x0100, 0, 64, b, NULL), 18);
    static const uint8_t e[18] = {0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x09,
                                  0x12, 0x01, 0x00, PLM_FW_MINOR, PLM_FW_MAJOR, 1, 2, 3, 1};
    CHECK(memcmp(b, e, 18) == 0);
    /* the host's first request asks for 8 bytes only */
    CHECK_EQ(ctrl_in(0x80, 6, 0x0100, 0, 8, b, NULL), 8);
}

void test_usb_configuration_descriptor_bytes(void)
{
    setup_usb(64);
    uint8_t b[256];
    CHECK_EQ(ctrl_in(0x80, 6, 0x0200, 0, 9, b, NULL), 9);
    CHECK_EQ(plm_get_u16(b + 2), 32);
    CHECK_EQ(ctrl_in(0x80, 6, 0x0200, 0, 255, b, NULL), 32);
    static const uint8_t e[32] = {
        0x09, 0x02, 0x20, 0x00, 0x01, 0x01, 0x00, 0x80, 0x32,  /* config */
        0x09, 0x04, 0x00, 0x00, 0x02, 0xFF, 0x00, 0x00, 0x00,  /* interface, vendor class */
        0x07, 0x05, 0x81, 0x02, 0x40, 0x00, 0x00,              /* EP1 IN bulk 64 */
        0x07, 0x05, 0x82, 0x03, 0x10, 0x00, 0x0A,              /* EP2 IN interrupt 16, 10 ms */
    };
    CHECK(memcmp(b, e, 32) == 0);
}

void test_usb_string_descriptors(void)
{
    setup_usb(64);
    uint8_t b[256];
    CHECK_EQ(ctrl_in(0x80, 6, 0x0300, 0, 255, b, NULL), 4);
    CHECK(b[2] == 0x09 && b[3] == 0x04);
    int n = ctrl_in(0x80, 6, 0x0303, 0x0409, 255, b, NULL);
    CHECK_EQ(n, 2 + 2 * 24);
    CHECK(b[0] == 50 && b[1] == 3 && b[2] == '0' && b[3] == 0 && b[48] == '7' && b[49] == 0);
    CHECK_EQ(ctrl_in(0x80, 6, 0x0302, 0x0409, 255, b, NULL), 2 + 2 * 23); /* "plm leg movement sensor" */
    CHECK_EQ(ctrl_in(0x80, 6, 0x0304, 0x0409, 255, b, NULL), -1);
    CHECK_EQ(ctrl_in(0x80, 6, 0x0600, 0, 10, b, NULL), -1); /* device qualifier: full speed only */
}

void test_usb_multi_packet_and_zlp(void)
{
    setup_usb(8);
    uint8_t b[256];
    int npk = 0;
    /* 32-byte config descriptor in 8-byte packets: 4 packets, ends exactly at
     * a packet boundary but shorter than asked: a ZLP must follow */
    CHECK_EQ(ctrl_in(0x80, 6, 0x0200, 0, 255, b, &npk), 32);
    CHECK_EQ(npk, 5);
    CHECK_EQ(plm_get_u16(b + 2), 32);
    /* asked for exactly 32: no ZLP */
    CHECK_EQ(ctrl_in(0x80, 6, 0x0200, 0, 32, b, &npk), 32);
    CHECK_EQ(npk, 4);
    /* 18 bytes: 8 + 8 + 2 */
    CHECK_EQ(ctrl_in(0x80, 6, 0x0100, 0, 64, b, &npk), 18);
    CHECK_EQ(npk, 3);
    CHECK_EQ(b[7], 8); /* bMaxPacketSize0 follows the endpoint */
    /* vendor OUT with a data stage split over two packets */
    uint8_t t[8];
    plm_put_u64(t, 42);
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_SET_HOST_TIME, 0, 0, t, 8), 0);
    CHECK(S.dev.tb.synced);
}

void test_usb_enumeration_sequence(void)
{
    setup_usb(64);
    uint8_t b[64];
    CHECK_EQ(ctrl_out(0x00, 9, 1, 0, NULL, 0), -1); /* SET_CONFIGURATION before an address */
    CHECK_EQ(ctrl_out(0x00, 5, 23, 0, NULL, 0), 0);
    CHECK_EQ(H.addr_set, 1); /* applied only after the status stage */
    CHECK_EQ(H.addr, 23);
    CHECK_EQ(ctrl_in(0x80, 8, 0, 0, 1, b, NULL), 1);
    CHECK_EQ(b[0], 0);
    CHECK_EQ(ctrl_out(0x00, 9, 2, 0, NULL, 0), -1);
    CHECK_EQ(ctrl_out(0x00, 9, 1, 0, NULL, 0), 0);
    CHECK_EQ(H.config, 1);
    CHECK_EQ(ctrl_in(0x80, 8, 0, 0, 1, b, NULL), 1);
    CHECK_EQ(b[0], 1);
    CHECK_EQ(ctrl_in(0x80, 0, 0, 0, 2, b, NULL), 2);
    CHECK(b[0] == 0 && b[1] == 0);
    CHECK_EQ(ctrl_out(0x01, 11, 0, 0, NULL, 0), 0); /* SET_INTERFACE 0/0 */
    CHECK_EQ(ctrl_out(0x01, 11, 1, 0, NULL, 0), -1);
    CHECK_EQ(ctrl_in(0x81, 10, 0, 0, 1, b, NULL), 1);
    /* halt and clear the bulk endpoint */
    CHECK_EQ(ctrl_out(0x02, 3, 0, 0x81, NULL, 0), 0);
    CHECK(H.halt_ep == 0x81 && H.halt_val == 1);
    CHECK_EQ(ctrl_in(0x82, 0, 0, 0x81, 2, b, NULL), 2);
    CHECK_EQ(b[0], 1);
    CHECK_EQ(ctrl_out(0x02, 1, 0, 0x81, NULL, 0), 0);
    CHECK(H.halt_ep == 0x81 && H.halt_val == 0);
    CHECK_EQ(ctrl_out(0x02, 1, 0, 0x85, NULL, 0), -1);
    /* after a bus reset the device is unconfigured at address 0 */
    plm_usb_bus_reset(&U);
    CHECK_EQ(ctrl_in(0x80, 8, 0, 0, 1, b, NULL), 1);
    CHECK_EQ(b[0], 0);
}

void test_usb_vendor_requests_end_to_end(void)
{
    setup_usb(64);
    uint8_t b[64];
    /* GET_INFO truncated to what the host asks */
    CHECK_EQ(ctrl_in(0xC0, PLM_REQ_GET_INFO, 0, 0, 10, b, NULL), 10);
    CHECK_EQ(b[0], PLM_PROTOCOL_VERSION);
    CHECK_EQ(ctrl_in(0xC0, PLM_REQ_GET_INFO, 0, 0, 64, b, NULL), 48);
    CHECK(memcmp(b + 24, "0123456789ABCDEF01234567", 24) == 0);
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_CONFIGURE, 200, 8, NULL, 0), 0);
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_CONFIGURE, 201, 8, NULL, 0), -1);
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_START, 0, 0, NULL, 0), 0);
    CHECK(S.dev.running);
    CHECK_EQ(ctrl_in(0xC0, PLM_REQ_GET_BUFFERED, 0, 0, 16, b, NULL), 16);
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_STOP, 0, 0, NULL, 0), 0);
    CHECK(!S.dev.running);
    uint8_t cal[6] = {1, 0, 2, 0, 3, 0};
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_SET_CALIBRATION, 0, 0, cal, 6), 0);
    CHECK_EQ(S.dev.settings.cal[2], 3);
    CHECK_EQ(ctrl_out(0x41, PLM_REQ_START, 0, 0, NULL, 0), -1); /* vendor to interface: not ours */
    CHECK_EQ(ctrl_out(0x20, 0, 0, 0, NULL, 0), -1);             /* class request */
    /* a too-long data stage is refused at setup */
    uint8_t big[200] = {0};
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_SET_HOST_TIME, 0, 0, big, 200), -1);
    /* after a stall the next setup works */
    CHECK_EQ(ctrl_in(0xC0, PLM_REQ_GET_DEVICE_TIME, 0, 0, 8, b, NULL), 8);
}

void test_usb_link_events_resend_uncommitted_frames(void)
{
    setup_usb(64);
    CHECK_EQ(ctrl_out(0x00, 5, 7, 0, NULL, 0), 0);
    CHECK_EQ(ctrl_out(0x00, 9, 1, 0, NULL, 0), 0);
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_START, 0, 0, NULL, 0), 0);
    for (int i = 0; i < 30; i++) { /* frames 0..4 */
        S.clk.ticks += 10000u * SIM_TPU;
        plm_dev_on_data_ready(&S.dev, S.clk.ticks);
    }
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_REWIND, 0, 0, NULL, 0), 0);
    uint32_t len;
    for (uint32_t k = 0; k < 3; k++) {
        const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
        REQUIRE(p != NULL);
        CHECK_EQ(plm_get_u32(p + PLM_OFF_SEQ), k);
        plm_dev_tx_done(&S.dev);
    }
    uint16_t v, i;
    plm_commit_split(0, &v, &i);
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_COMMIT, v, i, NULL, 0), 0);
    plm_commit_split(3, &v, &i);
    CHECK_EQ(ctrl_out(0x40, PLM_REQ_COMMIT, v, i, NULL, 0), -1); /* never sent */
    /* the frame endpoint's halt cleared, a bus reset, SET_CONFIGURATION: each sends 1 and 2 again */
    for (int ev = 0; ev < 3; ev++) {
        if (ev == 0)
            CHECK_EQ(ctrl_out(0x02, 1, 0, 0x81, NULL, 0), 0);
        else if (ev == 1)
            plm_usb_bus_reset(&U);
        else {
            CHECK_EQ(ctrl_out(0x00, 5, 8, 0, NULL, 0), 0);
            CHECK_EQ(ctrl_out(0x00, 9, 1, 0, NULL, 0), 0);
        }
        const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
        REQUIRE(p != NULL);
        CHECK_EQ(plm_get_u32(p + PLM_OFF_SEQ), 1);
        plm_dev_tx_done(&S.dev);
    }
    const uint8_t *p = plm_dev_tx_frame(&S.dev, &len);
    REQUIRE(p != NULL);
    CHECK_EQ(plm_get_u32(p + PLM_OFF_SEQ), 2);
}
