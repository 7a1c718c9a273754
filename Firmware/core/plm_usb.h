/*
 * USB device logic that does not depend on the peripheral: descriptors,
 * standard requests, dispatch of vendor requests to the device core, and
 * the endpoint-0 control transfer state machine (setup / data / status
 * stages, packetising IN data, zero-length packets). The board's USB
 * driver only moves packets and calls plm_usb_on_* for events.
 */
#ifndef PLM_USB_H
#define PLM_USB_H

#include <stdbool.h>
#include <stdint.h>

#include "plm_device.h"

#define PLM_USB_EP0_MPS 64u
#define PLM_USB_CONFIG_DESC_SIZE 32u
#define PLM_USB_EP0_BUF 128u

typedef struct {
    void *ctx;
    void (*ep0_send)(void *ctx, const uint8_t *buf, uint16_t len); /* arm one IN packet (len <= mps) */
    void (*ep0_stall)(void *ctx);                                  /* STALL both directions until next SETUP */
    void (*ep0_receive)(void *ctx);                                /* arm OUT (data or status stage) */
    void (*set_address)(void *ctx, uint8_t addr);                  /* after the status stage */
    void (*set_configured)(void *ctx, uint8_t config);             /* 0: deconfigure; 1: open EP1/EP2 */
    void (*ep_set_halt)(void *ctx, uint8_t ep, bool halt);
} plm_usb_hw_t;

typedef enum { PLM_EP0_IDLE, PLM_EP0_DATA_IN, PLM_EP0_DATA_OUT, PLM_EP0_STATUS_IN, PLM_EP0_STATUS_OUT } plm_ep0_stage_t;

typedef struct {
    const plm_usb_hw_t *hw;
    plm_device_t *dev;
    uint16_t mps0;
    uint8_t address;
    uint8_t config;
    bool halted[3];
    plm_ep0_stage_t stage;
    plm_setup_t setup;
    uint8_t buf[PLM_USB_EP0_BUF];
    uint16_t len, pos;
    bool zlp;
    uint8_t pending_address; /* 0x80 | addr while SET_ADDRESS waits for its status stage */
} plm_usb_t;

void plm_usb_init(plm_usb_t *u, const plm_usb_hw_t *hw, plm_device_t *dev, uint16_t mps0);
void plm_usb_bus_reset(plm_usb_t *u);
void plm_usb_on_setup(plm_usb_t *u, const uint8_t pkt[8]);
void plm_usb_on_out(plm_usb_t *u, const uint8_t *data, uint16_t len);
void plm_usb_on_in_done(plm_usb_t *u);

/* Descriptor for GET_DESCRIPTOR(type, index); returns its length, 0 if none. */
uint16_t plm_usb_descriptor(const plm_usb_t *u, uint8_t type, uint8_t index, uint8_t *out, uint16_t cap);

#endif
