#include "flash_nv.h"

#include <string.h>

#include "stm32f103.h"

extern const uint8_t _nv_page[]; /* from the linker script: 0x0800FC00 */

static int wait_ready(void)
{
    while (FLASH_SR & FLASH_SR_BSY) {
    }
    uint32_t sr = FLASH_SR;
    FLASH_SR = FLASH_SR_EOP | FLASH_SR_PGERR | FLASH_SR_WRPRTERR; /* write 1 to clear */
    return (sr & (FLASH_SR_PGERR | FLASH_SR_WRPRTERR)) ? -1 : 0;
}

static int nv_load(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    if (len > 1024u)
        return -1;
    memcpy(buf, _nv_page, len);
    return 0;
}

static int nv_save(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    if (len > 1024u || (len % 2u) != 0u)
        return -1;
    FLASH_KEYR = FLASH_KEY1;
    FLASH_KEYR = FLASH_KEY2;
    int err = 0;
    FLASH_CR |= FLASH_CR_PER;
    FLASH_AR = (uint32_t)(uintptr_t)_nv_page;
    FLASH_CR |= FLASH_CR_STRT;
    err |= wait_ready();
    FLASH_CR &= ~FLASH_CR_PER;
    FLASH_CR |= FLASH_CR_PG;
    for (size_t i = 0; i < len && err == 0; i += 2u) {
        *(volatile uint16_t *)(uintptr_t)((uintptr_t)_nv_page + i) = (uint16_t)(buf[i] | (buf[i + 1u] << 8));
        err |= wait_ready();
    }
    FLASH_CR &= ~FLASH_CR_PG;
    FLASH_CR |= FLASH_CR_LOCK;
    if (err == 0 && memcmp(_nv_page, buf, len) != 0)
        err = -1;
    return err;
}

void flash_nv_init(plm_nvstore_t *nv)
{
    nv->ctx = 0;
    nv->load = nv_load;
    nv->save = nv_save;
}
