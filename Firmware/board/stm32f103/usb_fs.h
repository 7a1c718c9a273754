/* STM32F103 USB full-speed device peripheral (packet memory area) driver.
 * Moves packets only; all protocol logic is in core/plm_usb.c. Polled from
 * the main loop, so the core is never entered from an interrupt. */
#ifndef PLM_USB_FS_H
#define PLM_USB_FS_H

#include "plm_usb.h"

void usb_fs_init(plm_device_t *dev);
void usb_fs_poll(void);

#endif
