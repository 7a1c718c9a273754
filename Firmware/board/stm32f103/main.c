/* plm firmware for the STM32F103C8 "Blue Pill" with a LIS3DH and a W25Q. */
#include "board.h"
#include "flash_nv.h"
#include "lis3dh.h"
#include "plm_device.h"
#include "usb_fs.h"
#include "w25q.h"

static plm_device_t dev;
static plm_accel_t accel;
static plm_storage_t storage;
static plm_nvstore_t nv;
static char serial[25];

static uint32_t clock_now(void *ctx)
{
    (void)ctx;
    return board_ticks();
}

static const plm_clock_t clk = {0, 72u, clock_now};

int main(void)
{
    board_init();
    board_serial(serial);
    int accel_ok = lis3dh_init(&accel);
    int storage_ok = w25q_init(&storage);
    flash_nv_init(&nv);

    plm_device_config_t cfg = {
        .accel = &accel,
        .clock = &clk,
        .storage = storage_ok == 0 ? &storage : 0,
        .nv = &nv,
        .serial = serial,
    };
    plm_dev_init(&dev, &cfg);
    dev.sensor_error = accel_ok != 0;
    usb_fs_init(&dev);

    uint32_t last_edge = board_ticks();
    for (;;) {
        uint32_t ts;
        while (board_drdy_pop(&ts)) {
            plm_dev_on_data_ready(&dev, ts);
            last_edge = ts;
        }
        /* INT1 is a level that only falls when the data is read: if an edge
         * was missed while it stayed high, read now so the edges resume.
         * The missed samples show up as a counted gap. */
        uint32_t period = (1000000u / dev.rate_hz) * 72u;
        if (dev.running && board_drdy_level() && board_ticks() - last_edge > 3u * period) {
            last_edge = board_ticks();
            board_drdy_push(last_edge);
        }
        usb_fs_poll();
        plm_dev_poll(&dev);
        board_led(dev.running);
    }
}
