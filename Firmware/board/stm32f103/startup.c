/* Reset handler and vector table for the STM32F103 (written here). */
#include <stdint.h>

#include "board.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);

void Default_Handler(void)
{
    for (;;) {
    }
}

void HardFault_Handler(void)
{
    board_fatal();
}

void Reset_Handler(void)
{
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;)
        *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
    (void)main();
    for (;;) {
    }
}

typedef void (*vector_t)(void);

/* 16 system exceptions + 43 interrupts of the medium-density F103 */
__attribute__((section(".isr_vector"), used)) static const vector_t vectors[16 + 43] = {
    [0] = (vector_t)(uintptr_t)&_estack,
    [1] = Reset_Handler,
    [2] = Default_Handler,   /* NMI */
    [3] = HardFault_Handler,
    [4] = Default_Handler,   /* MemManage */
    [5] = Default_Handler,   /* BusFault */
    [6] = Default_Handler,   /* UsageFault */
    [11] = Default_Handler,  /* SVCall */
    [12] = Default_Handler,  /* DebugMon */
    [14] = Default_Handler,  /* PendSV */
    [15] = Default_Handler,  /* SysTick */
    [16 + 7] = EXTI1_IRQHandler,
};
