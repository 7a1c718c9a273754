#include "usb_fs.h"

#include "board.h"
#include "stm32f103.h"

/* packet memory layout (byte offsets in the 512-byte PMA) */
#define PMA_BTABLE 0x000u
#define PMA_EP0_RX 0x040u
#define PMA_EP0_TX 0x080u
#define PMA_EP1_TX 0x0C0u
#define PMA_EP2_TX 0x100u
#define COUNT_RX_64 0x8400u /* BL_SIZE=1 (32-byte blocks), NUM_BLOCK=1: 64 bytes */

static plm_usb_t usb;
static plm_device_t *device;
static bool ep1_busy, ep2_busy;

/* The F103 PMA is 256 x 16-bit words, each at a 32-bit aligned CPU address. */
static volatile uint32_t *pma_word(uint32_t off)
{
    return (volatile uint32_t *)(uintptr_t)(USB_PMA_BASE + off * 2u);
}

static void pma_set(uint32_t off, uint16_t v)
{
    *pma_word(off) = v;
}

static uint16_t pma_get(uint32_t off)
{
    return (uint16_t)(*pma_word(off) & 0xFFFFu);
}

static void pma_write(uint32_t off, const uint8_t *buf, uint32_t len)
{
    for (uint32_t i = 0; i < len; i += 2u) {
        uint16_t v = buf[i];
        if (i + 1u < len)
            v = (uint16_t)(v | (buf[i + 1u] << 8));
        pma_set(off + i, v);
    }
}

static void pma_read(uint32_t off, uint8_t *buf, uint32_t len)
{
    for (uint32_t i = 0; i < len; i += 2u) {
        uint16_t v = pma_get(off + i);
        buf[i] = (uint8_t)v;
        if (i + 1u < len)
            buf[i + 1u] = (uint8_t)(v >> 8);
    }
}

#define BT_ADDR_TX(n) (PMA_BTABLE + 8u * (n) + 0u)
#define BT_COUNT_TX(n) (PMA_BTABLE + 8u * (n) + 2u)
#define BT_ADDR_RX(n) (PMA_BTABLE + 8u * (n) + 4u)
#define BT_COUNT_RX(n) (PMA_BTABLE + 8u * (n) + 6u)

/* EPnR has toggle bits (STAT, DTOG: write 1 to flip), rc_w0 bits (CTR:
 * write 0 to clear) and plain bits (EA, EP_TYPE, EP_KIND). */
#define EP_KEEP (USB_EP_TYPE | USB_EP_KIND | USB_EP_EA)

static void ep_set_stat_tx(uint32_t ep, uint32_t stat)
{
    uint32_t r = USB_EPR(ep);
    USB_EPR(ep) = (r & EP_KEEP) | USB_EP_CTR_RX | USB_EP_CTR_TX | ((r ^ (stat << 4)) & USB_EP_STAT_TX);
}

static void ep_set_stat_rx(uint32_t ep, uint32_t stat)
{
    uint32_t r = USB_EPR(ep);
    USB_EPR(ep) = (r & EP_KEEP) | USB_EP_CTR_RX | USB_EP_CTR_TX | ((r ^ (stat << 12)) & USB_EP_STAT_RX);
}

static void ep_clear_ctr_rx(uint32_t ep)
{
    USB_EPR(ep) = (USB_EPR(ep) & EP_KEEP) | USB_EP_CTR_TX;
}

static void ep_clear_ctr_tx(uint32_t ep)
{
    USB_EPR(ep) = (USB_EPR(ep) & EP_KEEP) | USB_EP_CTR_RX;
}

/* (Re)initialise an endpoint: type, address, both data toggles to 0 */
static void ep_open(uint32_t ep, uint32_t type, uint32_t stat_tx, uint32_t stat_rx)
{
    uint32_t r = USB_EPR(ep);
    uint32_t want = (stat_tx << 4) | (stat_rx << 12); /* DTOG bits want 0 */
    uint32_t toggles = USB_EP_STAT_TX | USB_EP_STAT_RX | USB_EP_DTOG_TX | USB_EP_DTOG_RX;
    USB_EPR(ep) = type | ep | USB_EP_CTR_RX | USB_EP_CTR_TX | ((r ^ want) & toggles);
}

static void hw_ep0_send(void *ctx, const uint8_t *buf, uint16_t len)
{
    (void)ctx;
    if (len)
        pma_write(PMA_EP0_TX, buf, len);
    pma_set(BT_COUNT_TX(0), len);
    ep_set_stat_tx(0, USB_STAT_VALID);
}

static void hw_ep0_stall(void *ctx)
{
    (void)ctx;
    ep_set_stat_tx(0, USB_STAT_STALL);
    ep_set_stat_rx(0, USB_STAT_STALL);
}

static void hw_ep0_receive(void *ctx)
{
    (void)ctx;
    ep_set_stat_rx(0, USB_STAT_VALID);
}

static void hw_set_address(void *ctx, uint8_t addr)
{
    (void)ctx;
    USB_DADDR = USB_DADDR_EF | addr;
}

static void hw_set_configured(void *ctx, uint8_t config)
{
    (void)ctx;
    ep1_busy = ep2_busy = false;
    if (config) {
        ep_open(1, USB_EP_TYPE_BULK, USB_STAT_NAK, USB_STAT_DISABLED);
        ep_open(2, USB_EP_TYPE_INTERRUPT, USB_STAT_NAK, USB_STAT_DISABLED);
    } else {
        ep_open(1, USB_EP_TYPE_BULK, USB_STAT_DISABLED, USB_STAT_DISABLED);
        ep_open(2, USB_EP_TYPE_INTERRUPT, USB_STAT_DISABLED, USB_STAT_DISABLED);
    }
}

static void hw_ep_set_halt(void *ctx, uint8_t ep, bool halt)
{
    (void)ctx;
    uint32_t n = ep & 0x7Fu;
    if (halt) {
        ep_set_stat_tx(n, USB_STAT_STALL);
    } else {
        /* clearing a halt resets the data toggle; a frame that was armed is
         * sent again (it was not acknowledged) */
        ep_open(n, n == 1u ? USB_EP_TYPE_BULK : USB_EP_TYPE_INTERRUPT, USB_STAT_NAK, USB_STAT_DISABLED);
        if (n == 1u)
            ep1_busy = false;
        else
            ep2_busy = false;
    }
}

static const plm_usb_hw_t hw = {
    0, hw_ep0_send, hw_ep0_stall, hw_ep0_receive, hw_set_address, hw_set_configured, hw_ep_set_halt,
};

static void bus_reset(void)
{
    USB_BTABLE = PMA_BTABLE;
    pma_set(BT_ADDR_TX(0), PMA_EP0_TX);
    pma_set(BT_COUNT_TX(0), 0);
    pma_set(BT_ADDR_RX(0), PMA_EP0_RX);
    pma_set(BT_COUNT_RX(0), COUNT_RX_64);
    pma_set(BT_ADDR_TX(1), PMA_EP1_TX);
    pma_set(BT_COUNT_TX(1), 0);
    pma_set(BT_ADDR_TX(2), PMA_EP2_TX);
    pma_set(BT_COUNT_TX(2), 0);
    ep_open(0, USB_EP_TYPE_CONTROL, USB_STAT_NAK, USB_STAT_VALID);
    USB_DADDR = USB_DADDR_EF;
    ep1_busy = ep2_busy = false;
    plm_usb_bus_reset(&usb);
}

void usb_fs_init(plm_device_t *dev)
{
    device = dev;
    plm_usb_init(&usb, &hw, dev, PLM_USB_EP0_MPS);
    /* The Blue Pill has a fixed 1.5k pull-up on D+: drive D+ (PA12) low for
     * 10 ms so the host sees a disconnect after a reset, then release it. */
    GPIO_BRR(GPIOA_BASE) = 1u << 12;
    GPIO_CRH(GPIOA_BASE) = (GPIO_CRH(GPIOA_BASE) & ~(0xFu << 16)) | (GPIO_MODE_OUT_PP_50MHZ << 16);
    board_delay_us(10000);
    GPIO_CRH(GPIOA_BASE) = (GPIO_CRH(GPIOA_BASE) & ~(0xFu << 16)) | (GPIO_MODE_IN_FLOATING << 16);

    RCC_APB1ENR |= RCC_APB1ENR_USBEN;
    USB_CNTR = USB_CNTR_FRES; /* power up (PDWN=0), keep in reset */
    board_delay_us(2);        /* tSTARTUP 1 µs */
    USB_CNTR = 0;
    USB_ISTR = 0;
    bus_reset();
}

static void handle_ep0(void)
{
    uint32_t r = USB_EPR(0);
    if (r & USB_EP_CTR_TX) {
        ep_clear_ctr_tx(0);
        plm_usb_on_in_done(&usb);
    }
    if (r & USB_EP_CTR_RX) {
        uint8_t buf[64];
        uint16_t len = (uint16_t)(pma_get(BT_COUNT_RX(0)) & 0x3FFu);
        if (len > sizeof buf)
            len = sizeof buf;
        pma_read(PMA_EP0_RX, buf, len);
        ep_clear_ctr_rx(0);
        if (r & USB_EP_SETUP) {
            if (len == 8u)
                plm_usb_on_setup(&usb, buf);
            else
                hw_ep0_stall(0);
        } else {
            plm_usb_on_out(&usb, buf, len);
        }
    }
}

void usb_fs_poll(void)
{
    uint32_t istr = USB_ISTR;
    if (istr & USB_ISTR_RESET) {
        USB_ISTR = (uint16_t)~USB_ISTR_RESET; /* rc_w0 */
        bus_reset();
    }
    if (istr & (USB_ISTR_SUSP | USB_ISTR_WKUP)) {
        /* no low-power mode: sampling goes on while the bus is suspended */
        USB_ISTR = (uint16_t)~(USB_ISTR_SUSP | USB_ISTR_WKUP);
    }
    for (int guard = 0; guard < 8 && (USB_ISTR & USB_ISTR_CTR); guard++) {
        uint32_t ep = USB_ISTR & USB_ISTR_EP_ID;
        if (ep == 0u) {
            handle_ep0();
        } else if (ep == 1u) {
            ep_clear_ctr_tx(1);
            plm_dev_tx_done(device); /* the host acknowledged the frame */
            ep1_busy = false;
        } else {
            ep_clear_ctr_tx(ep);
            ep2_busy = false;
        }
    }
    if (usb.config == 0u)
        return;
    if (!ep1_busy && !usb.halted[1]) {
        uint32_t len;
        const uint8_t *f = plm_dev_tx_frame(device, &len);
        if (f != 0) {
            pma_write(PMA_EP1_TX, f, len);
            pma_set(BT_COUNT_TX(1), (uint16_t)len);
            ep_set_stat_tx(1, USB_STAT_VALID);
            ep1_busy = true;
        }
    }
    if (!ep2_busy && !usb.halted[2]) {
        uint8_t msg[PLM_STATUS_SIZE];
        if (plm_dev_status_poll(device, msg)) {
            pma_write(PMA_EP2_TX, msg, sizeof msg);
            pma_set(BT_COUNT_TX(2), PLM_STATUS_SIZE);
            ep_set_stat_tx(2, USB_STAT_VALID);
            ep2_busy = true;
        }
    }
}
