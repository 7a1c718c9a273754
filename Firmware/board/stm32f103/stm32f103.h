/* STM32F103 register addresses and bits used by this firmware, written from
 * the STM32F10xxx reference manual (RM0008) and the Cortex-M3 TRM. Only what
 * the board code touches is defined. */
#ifndef PLM_STM32F103_H
#define PLM_STM32F103_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* RCC */
#define RCC_BASE 0x40021000u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_CFGR REG32(RCC_BASE + 0x04u)
#define RCC_APB2ENR REG32(RCC_BASE + 0x18u)
#define RCC_APB1ENR REG32(RCC_BASE + 0x1Cu)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CFGR_SW_PLL (2u << 0)
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_CFGR_PPRE1_DIV2 (4u << 8)
#define RCC_CFGR_PLLSRC_HSE (1u << 16)
#define RCC_CFGR_PLLMUL9 (7u << 18)
#define RCC_CFGR_USBPRE_DIV1_5 (0u << 22)
#define RCC_APB2ENR_AFIOEN (1u << 0)
#define RCC_APB2ENR_IOPAEN (1u << 2)
#define RCC_APB2ENR_IOPBEN (1u << 3)
#define RCC_APB2ENR_IOPCEN (1u << 4)
#define RCC_APB2ENR_SPI1EN (1u << 12)
#define RCC_APB1ENR_USBEN (1u << 23)

/* FLASH interface */
#define FLASH_BASE_R 0x40022000u
#define FLASH_ACR REG32(FLASH_BASE_R + 0x00u)
#define FLASH_KEYR REG32(FLASH_BASE_R + 0x04u)
#define FLASH_SR REG32(FLASH_BASE_R + 0x0Cu)
#define FLASH_CR REG32(FLASH_BASE_R + 0x10u)
#define FLASH_AR REG32(FLASH_BASE_R + 0x14u)
#define FLASH_ACR_LATENCY_2 (2u << 0)
#define FLASH_ACR_PRFTBE (1u << 4)
#define FLASH_SR_BSY (1u << 0)
#define FLASH_SR_PGERR (1u << 2)
#define FLASH_SR_WRPRTERR (1u << 4)
#define FLASH_SR_EOP (1u << 5)
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_PER (1u << 1)
#define FLASH_CR_STRT (1u << 6)
#define FLASH_CR_LOCK (1u << 7)
#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu

/* GPIO (F1 style: CRL/CRH, 4 bits per pin) */
#define GPIOA_BASE 0x40010800u
#define GPIOB_BASE 0x40010C00u
#define GPIOC_BASE 0x40011000u
#define GPIO_CRL(b) REG32((b) + 0x00u)
#define GPIO_CRH(b) REG32((b) + 0x04u)
#define GPIO_IDR(b) REG32((b) + 0x08u)
#define GPIO_BSRR(b) REG32((b) + 0x10u)
#define GPIO_BRR(b) REG32((b) + 0x14u)
#define GPIO_MODE_OUT_PP_50MHZ 0x3u
#define GPIO_MODE_AF_PP_50MHZ 0xBu
#define GPIO_MODE_IN_FLOATING 0x4u
#define GPIO_MODE_IN_PULL 0x8u

/* AFIO / EXTI */
#define AFIO_BASE 0x40010000u
#define AFIO_EXTICR1 REG32(AFIO_BASE + 0x08u)
#define EXTI_BASE 0x40010400u
#define EXTI_IMR REG32(EXTI_BASE + 0x00u)
#define EXTI_RTSR REG32(EXTI_BASE + 0x08u)
#define EXTI_PR REG32(EXTI_BASE + 0x14u)

/* SPI1 */
#define SPI1_BASE 0x40013000u
#define SPI1_CR1 REG32(SPI1_BASE + 0x00u)
#define SPI1_SR REG32(SPI1_BASE + 0x08u)
#define SPI1_DR REG32(SPI1_BASE + 0x0Cu)
#define SPI_CR1_CPHA (1u << 0)
#define SPI_CR1_CPOL (1u << 1)
#define SPI_CR1_MSTR (1u << 2)
#define SPI_CR1_BR_DIV8 (2u << 3)
#define SPI_CR1_SPE (1u << 6)
#define SPI_CR1_SSI (1u << 8)
#define SPI_CR1_SSM (1u << 9)
#define SPI_SR_RXNE (1u << 0)
#define SPI_SR_TXE (1u << 1)
#define SPI_SR_BSY (1u << 7)

/* USB full-speed device peripheral and its packet memory area */
#define USB_BASE 0x40005C00u
#define USB_EPR(n) REG32(USB_BASE + 4u * (n))
#define USB_CNTR REG32(USB_BASE + 0x40u)
#define USB_ISTR REG32(USB_BASE + 0x44u)
#define USB_DADDR REG32(USB_BASE + 0x4Cu)
#define USB_BTABLE REG32(USB_BASE + 0x50u)
#define USB_PMA_BASE 0x40006000u
#define USB_CNTR_FRES (1u << 0)
#define USB_CNTR_PDWN (1u << 1)
#define USB_ISTR_EP_ID 0x000Fu
#define USB_ISTR_DIR (1u << 4)
#define USB_ISTR_SUSP (1u << 11)
#define USB_ISTR_WKUP (1u << 12)
#define USB_ISTR_RESET (1u << 10)
#define USB_ISTR_CTR (1u << 15)
#define USB_DADDR_EF (1u << 7)
#define USB_EP_CTR_RX 0x8000u
#define USB_EP_DTOG_RX 0x4000u
#define USB_EP_STAT_RX 0x3000u
#define USB_EP_SETUP 0x0800u
#define USB_EP_TYPE 0x0600u
#define USB_EP_KIND 0x0100u
#define USB_EP_CTR_TX 0x0080u
#define USB_EP_DTOG_TX 0x0040u
#define USB_EP_STAT_TX 0x0030u
#define USB_EP_EA 0x000Fu
#define USB_EP_TYPE_BULK 0x0000u
#define USB_EP_TYPE_CONTROL 0x0200u
#define USB_EP_TYPE_INTERRUPT 0x0600u
#define USB_STAT_DISABLED 0u
#define USB_STAT_STALL 1u
#define USB_STAT_NAK 2u
#define USB_STAT_VALID 3u

/* Cortex-M3 core */
#define DEMCR REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CYCCNT REG32(0xE0001004u)
#define NVIC_ISER0 REG32(0xE000E100u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define IRQ_EXTI1 7u

/* device electronic signature: 96-bit unique ID */
#define UID_BASE 0x1FFFF7E8u

#define SYSCLK_HZ 72000000u

#endif
