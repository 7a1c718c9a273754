#include "w25q.h"

#include "board.h"

enum {
    CMD_WRITE_ENABLE = 0x06,
    CMD_READ_STATUS1 = 0x05,
    CMD_READ_DATA = 0x03,
    CMD_PAGE_PROGRAM = 0x02,
    CMD_SECTOR_ERASE = 0x20,
    CMD_JEDEC_ID = 0x9F,
    CMD_RELEASE_PD = 0xAB,
    SR1_BUSY = 0x01,
};

#define SECTOR_SIZE 4096u

static void cmd_addr(uint8_t cmd, uint32_t addr)
{
    (void)spi_xfer(cmd);
    (void)spi_xfer((uint8_t)(addr >> 16));
    (void)spi_xfer((uint8_t)(addr >> 8));
    (void)spi_xfer((uint8_t)addr);
}

static void write_enable(void)
{
    spi_select(BOARD_CS_FLASH);
    (void)spi_xfer(CMD_WRITE_ENABLE);
    spi_deselect(BOARD_CS_FLASH);
}

static int f_busy(void *ctx)
{
    (void)ctx;
    spi_select(BOARD_CS_FLASH);
    (void)spi_xfer(CMD_READ_STATUS1);
    uint8_t sr = spi_xfer(0);
    spi_deselect(BOARD_CS_FLASH);
    return (sr & SR1_BUSY) ? 1 : 0;
}

static int f_read(void *ctx, uint32_t slot, uint32_t offset, uint8_t *buf, uint32_t len)
{
    (void)ctx;
    spi_select(BOARD_CS_FLASH);
    cmd_addr(CMD_READ_DATA, slot * PLM_STORAGE_SLOT_SIZE + offset);
    for (uint32_t i = 0; i < len; i++)
        buf[i] = spi_xfer(0);
    spi_deselect(BOARD_CS_FLASH);
    return 0;
}

static int f_program(void *ctx, uint32_t slot, const uint8_t *buf, uint32_t len)
{
    (void)ctx;
    /* a 64-byte slot never crosses a 256-byte page */
    write_enable();
    spi_select(BOARD_CS_FLASH);
    cmd_addr(CMD_PAGE_PROGRAM, slot * PLM_STORAGE_SLOT_SIZE);
    for (uint32_t i = 0; i < len; i++)
        (void)spi_xfer(buf[i]);
    spi_deselect(BOARD_CS_FLASH);
    return 0;
}

static int f_erase(void *ctx, uint32_t block)
{
    (void)ctx;
    write_enable();
    spi_select(BOARD_CS_FLASH);
    cmd_addr(CMD_SECTOR_ERASE, block * SECTOR_SIZE);
    spi_deselect(BOARD_CS_FLASH);
    return 0;
}

int w25q_init(plm_storage_t *st)
{
    spi_select(BOARD_CS_FLASH);
    (void)spi_xfer(CMD_RELEASE_PD);
    spi_deselect(BOARD_CS_FLASH);
    board_delay_us(50);
    uint8_t id[3];
    spi_select(BOARD_CS_FLASH);
    (void)spi_xfer(CMD_JEDEC_ID);
    for (int i = 0; i < 3; i++)
        id[i] = spi_xfer(0);
    spi_deselect(BOARD_CS_FLASH);
    /* Winbond (0xEF), capacity code 0x14 (1 MiB) .. 0x18 (16 MiB); 3-byte addressing */
    if (id[0] != 0xEFu || id[2] < 0x14u || id[2] > 0x18u)
        return -1;
    uint32_t bytes = 1u << id[2];
    st->ctx = 0;
    st->slot_count = bytes / PLM_STORAGE_SLOT_SIZE;
    st->slots_per_block = SECTOR_SIZE / PLM_STORAGE_SLOT_SIZE;
    st->busy = f_busy;
    st->read = f_read;
    st->program = f_program;
    st->erase_block = f_erase;
    return 0;
}
