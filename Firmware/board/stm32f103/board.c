#include "board.h"

#include "stm32f103.h"

#define DRDY_QUEUE 16u
static volatile uint32_t drdy_q[DRDY_QUEUE];
static volatile uint32_t drdy_head, drdy_tail;

static void clock_init(void)
{
    /* HSE 8 MHz crystal -> PLL x9 = 72 MHz SYSCLK; AHB 72, APB1 36, APB2 72;
     * USB clock = PLL / 1.5 = 48 MHz. Flash needs 2 wait states at 72 MHz. */
    RCC_CR |= RCC_CR_HSEON;
    while (!(RCC_CR & RCC_CR_HSERDY)) {
    }
    FLASH_ACR = FLASH_ACR_LATENCY_2 | FLASH_ACR_PRFTBE;
    RCC_CFGR = RCC_CFGR_PLLSRC_HSE | RCC_CFGR_PLLMUL9 | RCC_CFGR_USBPRE_DIV1_5 | RCC_CFGR_PPRE1_DIV2;
    RCC_CR |= RCC_CR_PLLON;
    while (!(RCC_CR & RCC_CR_PLLRDY)) {
    }
    RCC_CFGR |= RCC_CFGR_SW_PLL;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL) {
    }
}

static void pin_mode(uint32_t port, uint32_t pin, uint32_t mode)
{
    volatile uint32_t *cr = pin < 8u ? &GPIO_CRL(port) : &GPIO_CRH(port);
    uint32_t shift = (pin % 8u) * 4u;
    *cr = (*cr & ~(0xFu << shift)) | (mode << shift);
}

void board_init(void)
{
    clock_init();
    RCC_APB2ENR |= RCC_APB2ENR_AFIOEN | RCC_APB2ENR_IOPAEN | RCC_APB2ENR_IOPBEN | RCC_APB2ENR_IOPCEN |
                   RCC_APB2ENR_SPI1EN;

    /* cycle counter for timestamps */
    DEMCR |= DEMCR_TRCENA;
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;

    /* chip selects high, then outputs */
    GPIO_BSRR(GPIOA_BASE) = (1u << BOARD_CS_ACCEL) | (1u << BOARD_CS_FLASH);
    pin_mode(GPIOA_BASE, BOARD_CS_ACCEL, GPIO_MODE_OUT_PP_50MHZ);
    pin_mode(GPIOA_BASE, BOARD_CS_FLASH, GPIO_MODE_OUT_PP_50MHZ);
    pin_mode(GPIOA_BASE, 5, GPIO_MODE_AF_PP_50MHZ);  /* SCK */
    pin_mode(GPIOA_BASE, 6, GPIO_MODE_IN_FLOATING);  /* MISO */
    pin_mode(GPIOA_BASE, 7, GPIO_MODE_AF_PP_50MHZ);  /* MOSI */
    GPIO_BRR(GPIOA_BASE) = 1u << 1;                   /* INT1 input with pull-down */
    pin_mode(GPIOA_BASE, 1, GPIO_MODE_IN_PULL);
    GPIO_BSRR(GPIOC_BASE) = 1u << 13;                 /* LED off */
    pin_mode(GPIOC_BASE, 13, GPIO_MODE_OUT_PP_50MHZ);

    /* SPI1 master, mode 3, 72 MHz / 8 = 9 MHz (LIS3DH max 10 MHz), software NSS */
    SPI1_CR1 = SPI_CR1_CPHA | SPI_CR1_CPOL | SPI_CR1_MSTR | SPI_CR1_BR_DIV8 | SPI_CR1_SSM | SPI_CR1_SSI;
    SPI1_CR1 |= SPI_CR1_SPE;

    /* EXTI1 <- PA1 (EXTICR1 field 0 = port A), rising edge */
    AFIO_EXTICR1 &= ~(0xFu << 4);
    EXTI_RTSR |= 1u << 1;
    EXTI_IMR |= 1u << 1;
    NVIC_ISER0 = 1u << IRQ_EXTI1;
}

uint32_t board_ticks(void)
{
    return DWT_CYCCNT;
}

void board_delay_us(uint32_t us)
{
    uint32_t start = DWT_CYCCNT;
    while (DWT_CYCCNT - start < us * (SYSCLK_HZ / 1000000u)) {
    }
}

void board_serial(char out[25])
{
    static const char hex[] = "0123456789ABCDEF";
    for (uint32_t i = 0; i < 12u; i++) {
        uint8_t b = *(volatile const uint8_t *)(uintptr_t)(UID_BASE + i);
        out[2 * i] = hex[b >> 4];
        out[2 * i + 1] = hex[b & 0xFu];
    }
    out[24] = '\0';
}

void board_led(bool on)
{
    if (on)
        GPIO_BRR(GPIOC_BASE) = 1u << 13;
    else
        GPIO_BSRR(GPIOC_BASE) = 1u << 13;
}

bool board_drdy_level(void)
{
    return (GPIO_IDR(GPIOA_BASE) & (1u << 1)) != 0u;
}

void board_fatal(void)
{
    /* request a system reset */
    SCB_AIRCR = (0x5FAu << 16) | (1u << 2);
    for (;;) {
    }
}

void spi_select(uint32_t cs_pin)
{
    GPIO_BRR(GPIOA_BASE) = 1u << cs_pin;
}

void spi_deselect(uint32_t cs_pin)
{
    while (SPI1_SR & SPI_SR_BSY) {
    }
    GPIO_BSRR(GPIOA_BASE) = 1u << cs_pin;
}

uint8_t spi_xfer(uint8_t b)
{
    while (!(SPI1_SR & SPI_SR_TXE)) {
    }
    SPI1_DR = b;
    while (!(SPI1_SR & SPI_SR_RXNE)) {
    }
    return (uint8_t)(SPI1_DR & 0xFFu);
}

void board_drdy_push(uint32_t ticks)
{
    uint32_t h = drdy_head;
    if (h - drdy_tail >= DRDY_QUEUE)
        return; /* full: the main loop sees the gap in the timestamps */
    drdy_q[h % DRDY_QUEUE] = ticks;
    drdy_head = h + 1u;
}

bool board_drdy_pop(uint32_t *ticks)
{
    uint32_t t = drdy_tail;
    if (t == drdy_head)
        return false;
    *ticks = drdy_q[t % DRDY_QUEUE];
    drdy_tail = t + 1u;
    return true;
}

void EXTI1_IRQHandler(void)
{
    uint32_t now = DWT_CYCCNT;
    EXTI_PR = 1u << 1;
    board_drdy_push(now);
}
