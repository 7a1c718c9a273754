/* Blue Pill board support: clocks, pins, SPI1, cycle counter, data-ready
 * interrupt. Pin map (docs/firmware.md):
 *   PA1  LIS3DH INT1 (data ready) -> EXTI1, rising edge
 *   PA3  W25Q chip select (active low)
 *   PA4  LIS3DH chip select (active low)
 *   PA5  SPI1 SCK, PA6 SPI1 MISO, PA7 SPI1 MOSI (shared bus, SPI mode 3, 9 MHz)
 *   PA11/PA12 USB D-/D+      PC13 LED (active low) */
#ifndef PLM_BOARD_H
#define PLM_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#define BOARD_CS_ACCEL 4u
#define BOARD_CS_FLASH 3u

void board_init(void);
uint32_t board_ticks(void); /* 72 MHz cycle counter */
void board_delay_us(uint32_t us);
void board_serial(char out[25]); /* 96-bit unique ID as 24 hex digits */
void board_led(bool on);
bool board_drdy_level(void);
void board_fatal(void);

void spi_select(uint32_t cs_pin);
void spi_deselect(uint32_t cs_pin);
uint8_t spi_xfer(uint8_t b);

/* timestamps of data-ready edges recorded by the interrupt */
bool board_drdy_pop(uint32_t *ticks);
void board_drdy_push(uint32_t ticks); /* also used by the main loop to recover a missed edge */
void EXTI1_IRQHandler(void);

#endif
