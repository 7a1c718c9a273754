#include "plm_usb.h"

#include <string.h>

enum {
    DESC_DEVICE = 1,
    DESC_CONFIG = 2,
    DESC_STRING = 3,
    DESC_INTERFACE = 4,
    DESC_ENDPOINT = 5,
};

enum {
    REQ_GET_STATUS = 0,
    REQ_CLEAR_FEATURE = 1,
    REQ_SET_FEATURE = 3,
    REQ_SET_ADDRESS = 5,
    REQ_GET_DESCRIPTOR = 6,
    REQ_GET_CONFIGURATION = 8,
    REQ_SET_CONFIGURATION = 9,
    REQ_GET_INTERFACE = 10,
    REQ_SET_INTERFACE = 11,
};

static const char *const strings[] = {NULL, "plm project", "plm leg movement sensor"};

static uint16_t string_desc(const char *s, uint8_t *out, uint16_t cap)
{
    size_t n = strlen(s);
    uint16_t len = (uint16_t)(2u + 2u * n);
    if (len > cap)
        return 0;
    out[0] = (uint8_t)len;
    out[1] = DESC_STRING;
    for (size_t i = 0; i < n; i++) {
        out[2 + 2 * i] = (uint8_t)s[i]; /* ASCII -> UTF-16LE */
        out[3 + 2 * i] = 0;
    }
    return len;
}

uint16_t plm_usb_descriptor(const plm_usb_t *u, uint8_t type, uint8_t index, uint8_t *out, uint16_t cap)
{
    if (type == DESC_DEVICE && index == 0 && cap >= 18u) {
        const uint8_t d[18] = {
            18, DESC_DEVICE, 0x00, 0x02,  /* bcdUSB 2.00 */
            0x00, 0x00, 0x00,             /* class per interface */
            (uint8_t)u->mps0,             /* bMaxPacketSize0 */
            (uint8_t)(PLM_USB_VID & 0xFFu), (uint8_t)(PLM_USB_VID >> 8), (uint8_t)(PLM_USB_PID & 0xFFu),
            (uint8_t)(PLM_USB_PID >> 8), PLM_FW_MINOR, PLM_FW_MAJOR, /* bcdDevice = firmware version */
            1, 2, 3,                      /* iManufacturer, iProduct, iSerialNumber */
            1,                            /* bNumConfigurations */
        };
        memcpy(out, d, sizeof d);
        return 18;
    }
    if (type == DESC_CONFIG && index == 0 && cap >= PLM_USB_CONFIG_DESC_SIZE) {
        const uint8_t c[PLM_USB_CONFIG_DESC_SIZE] = {
            /* configuration */
            9, DESC_CONFIG, PLM_USB_CONFIG_DESC_SIZE, 0, 1, 1, 0, 0x80, 50, /* bus powered, 100 mA */
            /* interface 0: vendor specific, 2 endpoints */
            9, DESC_INTERFACE, 0, 0, 2, PLM_USB_INTERFACE_CLASS, 0x00, 0x00, 0,
            /* EP1 IN bulk 64 */
            7, DESC_ENDPOINT, PLM_USB_EP_FRAMES_IN, 0x02, PLM_USB_BULK_MPS, 0, 0,
            /* EP2 IN interrupt 16, every 10 ms */
            7, DESC_ENDPOINT, PLM_USB_EP_STATUS_IN, 0x03, PLM_USB_STATUS_MPS, 0, PLM_USB_STATUS_INTERVAL_MS,
        };
        memcpy(out, c, sizeof c);
        return PLM_USB_CONFIG_DESC_SIZE;
    }
    if (type == DESC_STRING) {
        if (index == 0) {
            if (cap < 4u)
                return 0;
            out[0] = 4;
            out[1] = DESC_STRING;
            out[2] = 0x09; /* English (US) */
            out[3] = 0x04;
            return 4;
        }
        if (index == 1 || index == 2)
            return string_desc(strings[index], out, cap);
        if (index == 3)
            return string_desc(u->dev->serial, out, cap);
    }
    return 0;
}

void plm_usb_init(plm_usb_t *u, const plm_usb_hw_t *hw, plm_device_t *dev, uint16_t mps0)
{
    memset(u, 0, sizeof *u);
    u->hw = hw;
    u->dev = dev;
    u->mps0 = mps0;
}

void plm_usb_bus_reset(plm_usb_t *u)
{
    u->address = 0;
    u->config = 0;
    memset(u->halted, 0, sizeof u->halted);
    u->stage = PLM_EP0_IDLE;
    u->pending_address = 0;
    plm_dev_rewind(u->dev); /* the armed packet is gone with the reset */
}

static void stall(plm_usb_t *u)
{
    u->stage = PLM_EP0_IDLE;
    u->hw->ep0_stall(u->hw->ctx);
}

static void send_next(plm_usb_t *u)
{
    uint16_t n = (uint16_t)(u->len - u->pos);
    if (n > u->mps0)
        n = u->mps0;
    u->hw->ep0_send(u->hw->ctx, u->buf + u->pos, n);
    u->pos = (uint16_t)(u->pos + n);
}

/* Start the IN data stage with u->len bytes in u->buf. */
static void start_in(plm_usb_t *u)
{
    if (u->len > u->setup.wLength)
        u->len = u->setup.wLength;
    /* a reply shorter than asked and a multiple of mps ends with a ZLP */
    u->zlp = u->len < u->setup.wLength && (u->len % u->mps0) == 0u;
    u->pos = 0;
    u->stage = PLM_EP0_DATA_IN;
    send_next(u);
    if (u->len == 0u)
        u->zlp = false; /* the packet just sent was the ZLP */
}

static void status_in(plm_usb_t *u)
{
    u->stage = PLM_EP0_STATUS_IN;
    u->hw->ep0_send(u->hw->ctx, NULL, 0);
}

static int endpoint_index(uint16_t wIndex)
{
    if (wIndex == PLM_USB_EP_FRAMES_IN)
        return 1;
    if (wIndex == PLM_USB_EP_STATUS_IN)
        return 2;
    if ((wIndex & 0x7Fu) == 0u)
        return 0;
    return -1;
}

/* Standard requests. Returns 1 with data in u->buf/u->len for an IN reply,
 * 0 for success without data, -1 to stall. */
static int standard_request(plm_usb_t *u)
{
    const plm_setup_t *s = &u->setup;
    uint8_t recipient = s->bmRequestType & 0x1Fu;
    bool dir_in = (s->bmRequestType & 0x80u) != 0u;
    switch (s->bRequest) {
    case REQ_GET_DESCRIPTOR:
        if (!dir_in || recipient != 0u)
            return -1;
        u->len = plm_usb_descriptor(u, (uint8_t)(s->wValue >> 8), (uint8_t)(s->wValue & 0xFFu), u->buf,
                                    sizeof u->buf);
        return u->len ? 1 : -1;
    case REQ_SET_ADDRESS:
        if (dir_in || s->wValue > 127u)
            return -1;
        u->pending_address = (uint8_t)(0x80u | s->wValue);
        return 0;
    case REQ_GET_CONFIGURATION:
        if (!dir_in)
            return -1;
        u->buf[0] = u->config;
        u->len = 1;
        return 1;
    case REQ_SET_CONFIGURATION:
        if (dir_in || s->wValue > 1u || u->address == 0u)
            return -1;
        u->config = (uint8_t)s->wValue;
        memset(u->halted, 0, sizeof u->halted);
        u->hw->set_configured(u->hw->ctx, u->config);
        plm_dev_rewind(u->dev); /* endpoints reopened: retained frames are sent again */
        return 0;
    case REQ_GET_INTERFACE:
        if (!dir_in || u->config == 0u || s->wIndex != 0u)
            return -1;
        u->buf[0] = 0;
        u->len = 1;
        return 1;
    case REQ_SET_INTERFACE:
        return (u->config != 0u && s->wIndex == 0u && s->wValue == 0u) ? 0 : -1;
    case REQ_GET_STATUS: {
        if (!dir_in)
            return -1;
        uint16_t v = 0;
        if (recipient == 2u) {
            int ep = endpoint_index(s->wIndex);
            if (ep < 0)
                return -1;
            v = u->halted[ep] ? 1u : 0u;
        } else if (recipient > 2u) {
            return -1;
        }
        plm_put_u16(u->buf, v); /* device: bus powered, no remote wakeup */
        u->len = 2;
        return 1;
    }
    case REQ_CLEAR_FEATURE:
    case REQ_SET_FEATURE: {
        if (dir_in || recipient != 2u || s->wValue != 0u) /* ENDPOINT_HALT only */
            return -1;
        int ep = endpoint_index(s->wIndex);
        if (ep <= 0 || u->config == 0u)
            return -1;
        u->halted[ep] = s->bRequest == REQ_SET_FEATURE;
        u->hw->ep_set_halt(u->hw->ctx, (uint8_t)s->wIndex, u->halted[ep]);
        if (ep == 1 && s->bRequest == REQ_CLEAR_FEATURE)
            plm_dev_rewind(u->dev); /* what was in flight at the halt is sent again */
        return 0;
    }
    default:
        return -1;
    }
}

/* Run a complete request (setup + any OUT data in u->buf) and start the
 * reply or status stage. */
static void dispatch(plm_usb_t *u, const uint8_t *data, uint16_t data_len)
{
    const plm_setup_t *s = &u->setup;
    uint8_t type = (s->bmRequestType >> 5) & 3u;
    int r;
    if (type == 0u) {
        r = standard_request(u);
    } else if (type == 2u && (s->bmRequestType & 0x1Fu) == 0u) {
        uint8_t reply[PLM_USB_EP0_BUF];
        uint16_t rlen = 0;
        r = plm_dev_vendor_request(u->dev, s, data, data_len, reply, sizeof reply, &rlen);
        if (r == 0 && (s->bmRequestType & 0x80u)) {
            memcpy(u->buf, reply, rlen);
            u->len = rlen;
            r = 1;
        }
    } else {
        r = -1;
    }
    if (r < 0) {
        stall(u);
    } else if (r == 1) {
        start_in(u);
    } else {
        status_in(u);
    }
}

void plm_usb_on_setup(plm_usb_t *u, const uint8_t pkt[8])
{
    plm_setup_parse(pkt, &u->setup);
    u->pending_address = 0;
    bool dir_in = (u->setup.bmRequestType & 0x80u) != 0u;
    if (!dir_in && u->setup.wLength > 0u) {
        if (u->setup.wLength > sizeof u->buf) {
            stall(u);
            return;
        }
        u->stage = PLM_EP0_DATA_OUT;
        u->pos = 0;
        u->hw->ep0_receive(u->hw->ctx);
        return;
    }
    dispatch(u, NULL, 0);
}

void plm_usb_on_out(plm_usb_t *u, const uint8_t *data, uint16_t len)
{
    if (u->stage == PLM_EP0_DATA_OUT) {
        if ((uint32_t)u->pos + len > u->setup.wLength) {
            stall(u);
            return;
        }
        memcpy(u->buf + u->pos, data, len);
        u->pos = (uint16_t)(u->pos + len);
        if (u->pos < u->setup.wLength && len == u->mps0) {
            u->hw->ep0_receive(u->hw->ctx);
            return;
        }
        if (u->pos != u->setup.wLength) { /* short data stage */
            stall(u);
            return;
        }
        uint8_t data_copy[PLM_USB_EP0_BUF];
        memcpy(data_copy, u->buf, u->pos);
        dispatch(u, data_copy, u->pos);
        return;
    }
    /* status stage of an IN transfer (a ZLP from the host), or stray data */
    u->stage = PLM_EP0_IDLE;
    u->hw->ep0_receive(u->hw->ctx);
}

void plm_usb_on_in_done(plm_usb_t *u)
{
    if (u->stage == PLM_EP0_DATA_IN) {
        if (u->pos < u->len) {
            send_next(u);
        } else if (u->zlp) {
            u->zlp = false;
            u->hw->ep0_send(u->hw->ctx, NULL, 0);
        } else {
            u->stage = PLM_EP0_STATUS_OUT;
            u->hw->ep0_receive(u->hw->ctx);
        }
        return;
    }
    if (u->stage == PLM_EP0_STATUS_IN) {
        if (u->pending_address & 0x80u) {
            u->address = (uint8_t)(u->pending_address & 0x7Fu);
            u->pending_address = 0;
            u->hw->set_address(u->hw->ctx, u->address);
        }
        u->stage = PLM_EP0_IDLE;
        u->hw->ep0_receive(u->hw->ctx);
    }
}
