/*
 * Emulated plm sensors for the USB tests: a umockdev testbed (fake sysfs,
 * /dev and udev events) whose usbfs ioctls are answered by the firmware's own
 * portable core (Firmware/core) running on simulated time. libusb, unmodified,
 * talks to these devices as it would to real ones. See docs/daemon.md.
 *
 * Rules: one emulator per process at a time; create it before libusb_init and
 * free it after libusb_exit. The test process must have libumockdev-preload
 * loaded (it is linked into the test binary).
 */
#ifndef PLM_EMULATOR_H
#define PLM_EMULATOR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct plm_emu plm_emu_t;

/* A new testbed with no devices; NULL on failure. */
plm_emu_t *plm_emu_new(void);
/* Removes the testbed. Call after libusb_exit. */
void plm_emu_free(plm_emu_t *emu);

/* Powers up a sensor (serial: up to 24 ASCII characters; side 0 unset, 1
 * left, 2 right, as stored in its flash) and plugs it in. Returns its index
 * (>= 0) or -1. */
int plm_emu_add_sensor(plm_emu_t *emu, const char *serial, uint8_t side);

/* Unplugs the sensor: in-flight URBs complete with -ENODEV, later calls fail
 * with ENODEV, the sysfs device is removed and a "remove" uevent is sent. The
 * sensor keeps sampling into its buffer (it runs on its battery). */
int plm_emu_unplug(plm_emu_t *emu, int sensor);
/* Unplugs it mid-transfer: first up to n frames are handed over on the bulk
 * endpoint as if the host controller had acknowledged their packets, but they
 * never reach the host (the cable came out before it delivered them). */
int plm_emu_unplug_losing(plm_emu_t *emu, int sensor, uint32_t n);
/* The next n frames put on the bulk endpoint are acknowledged to the device
 * but never delivered to the host (what the VM's gadget stack did after a
 * daemon restart, docs/daemon.md "Findings" 2). */
void plm_emu_lose_next(plm_emu_t *emu, int sensor, uint32_t n);
/* Plugs it in again under a new device number; buffered frames are kept. */
int plm_emu_replug(plm_emu_t *emu, int sensor);
/* Flips one byte in each of the next n frames put on the bulk endpoint. */
void plm_emu_corrupt_next(plm_emu_t *emu, int sensor, uint32_t n);
/* The next bulk IN URB fails with a STALL and the endpoint stays halted until
 * the host clears the halt. */
void plm_emu_stall_next(plm_emu_t *emu, int sensor);
/* While the bulk endpoint is halted, fail every URB queued on it with a STALL (as Linux host controllers do:
 * each in-flight transfer reports the one halt), instead of holding them until the halt is cleared. */
void plm_emu_stall_fails_queued(plm_emu_t *emu, int sensor, int on);
/* Moves the sensor's clock forward (it samples the skipped time at once). */
void plm_emu_fast_forward(plm_emu_t *emu, int sensor, uint64_t microseconds);

/* Current USB address (device number on bus 1); 0 while unplugged. */
int plm_emu_device_number(plm_emu_t *emu, int sensor);
/* Frames the firmware has produced so far (its next sequence number). */
uint32_t plm_emu_frames_produced(plm_emu_t *emu, int sensor);
/* Frames handed to the host on the bulk endpoint (a frame sent again counts again). */
uint32_t plm_emu_frames_sent(plm_emu_t *emu, int sensor);
/* Frames lost by plm_emu_unplug_losing. */
uint32_t plm_emu_frames_lost_in_flight(plm_emu_t *emu, int sensor);
/* STALLs reported and halts cleared by the host. */
uint32_t plm_emu_stalls(plm_emu_t *emu, int sensor);
uint32_t plm_emu_halts_cleared(plm_emu_t *emu, int sensor);
/* Frames the sensor has sent and keeps until the host commits them (0 until the host uses COMMIT or REWIND;
 * at PLM_RETAIN_FRAMES the sensor sends nothing new). */
uint32_t plm_emu_frames_uncommitted(plm_emu_t *emu, int sensor);

#ifdef __cplusplus
}
#endif

#endif
