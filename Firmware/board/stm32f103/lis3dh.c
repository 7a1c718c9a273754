#include "lis3dh.h"

#include "board.h"
#include "plm_protocol.h"

enum {
    WHO_AM_I = 0x0F,
    CTRL_REG1 = 0x20,
    CTRL_REG3 = 0x22,
    CTRL_REG4 = 0x23,
    OUT_X_L = 0x28,
    SPI_READ = 0x80,
    SPI_AUTOINC = 0x40,
    I1_ZYXDA = 0x10,
    CTRL4_BDU = 0x80,
    CTRL4_HR = 0x08,
};

typedef struct {
    uint8_t ctrl1; /* ODR and axis enables for the configured rate */
    uint8_t ctrl4;
} lis3dh_t;

static lis3dh_t lis;

static uint8_t rd(uint8_t reg)
{
    spi_select(BOARD_CS_ACCEL);
    (void)spi_xfer((uint8_t)(SPI_READ | reg));
    uint8_t v = spi_xfer(0);
    spi_deselect(BOARD_CS_ACCEL);
    return v;
}

static void wr(uint8_t reg, uint8_t v)
{
    spi_select(BOARD_CS_ACCEL);
    (void)spi_xfer(reg);
    (void)spi_xfer(v);
    spi_deselect(BOARD_CS_ACCEL);
}

static int l_configure(void *ctx, uint16_t rate_hz, uint8_t range_g)
{
    lis3dh_t *l = ctx;
    uint8_t odr, fs;
    switch (rate_hz) {
    case 50: odr = 0x4; break;
    case 100: odr = 0x5; break;
    case 200: odr = 0x6; break;
    default: return -1;
    }
    switch (range_g) {
    case 2: fs = 0; break;
    case 4: fs = 1; break;
    case 8: fs = 2; break;
    case 16: fs = 3; break;
    default: return -1;
    }
    l->ctrl1 = (uint8_t)((odr << 4) | 0x07u); /* X, Y, Z enabled, not low-power */
    l->ctrl4 = (uint8_t)(CTRL4_BDU | (fs << 4) | CTRL4_HR);
    wr(CTRL_REG4, l->ctrl4);
    return rd(CTRL_REG4) == l->ctrl4 ? 0 : -1;
}

static int l_read(void *ctx, int16_t xyz[3])
{
    (void)ctx;
    uint8_t b[6];
    spi_select(BOARD_CS_ACCEL);
    (void)spi_xfer((uint8_t)(SPI_READ | SPI_AUTOINC | OUT_X_L));
    for (int i = 0; i < 6; i++)
        b[i] = spi_xfer(0);
    spi_deselect(BOARD_CS_ACCEL);
    for (int i = 0; i < 3; i++) {
        uint16_t u = plm_get_u16(b + 2 * i); /* left-justified 12-bit in HR mode */
        xyz[i] = (u < 0x8000u) ? (int16_t)u : (int16_t)(-(int32_t)(0x10000u - u));
    }
    return 0;
}

static int l_start(void *ctx)
{
    lis3dh_t *l = ctx;
    wr(CTRL_REG1, l->ctrl1);
    wr(CTRL_REG3, I1_ZYXDA);
    int16_t dummy[3];
    (void)l_read(ctx, dummy); /* clear a pending data-ready so the next edge comes */
    return rd(CTRL_REG1) == l->ctrl1 ? 0 : -1;
}

static int l_stop(void *ctx)
{
    (void)ctx;
    wr(CTRL_REG3, 0);
    wr(CTRL_REG1, 0); /* power down */
    return 0;
}

int lis3dh_init(plm_accel_t *a)
{
    a->ctx = &lis;
    a->model = PLM_ACCEL_LIS3DH;
    a->configure = l_configure;
    a->start = l_start;
    a->stop = l_stop;
    a->read = l_read;
    if (rd(WHO_AM_I) != 0x33u)
        return -1;
    (void)l_stop(&lis);
    return l_configure(&lis, 100, 4);
}
