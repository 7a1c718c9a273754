#include "plm_config.h"

#include "plm_protocol.h"

void plm_config_defaults(plm_config_t *c)
{
    c->side = PLM_SIDE_UNSET;
    c->cal[0] = c->cal[1] = c->cal[2] = 0;
}

void plm_config_encode(const plm_config_t *c, uint8_t out[PLM_CONFIG_SIZE])
{
    plm_put_u32(out, PLM_CONFIG_MAGIC);
    out[4] = PLM_CONFIG_VERSION;
    out[5] = c->side;
    for (int i = 0; i < 3; i++)
        plm_put_u16(out + 6 + 2 * i, (uint16_t)c->cal[i]);
    plm_put_u32(out + 12, plm_crc32(out, 12));
}

static int16_t i16(const uint8_t *p)
{
    uint16_t u = plm_get_u16(p);
    return (u < 0x8000u) ? (int16_t)u : (int16_t)(-(int32_t)(0x10000u - u));
}

int plm_config_decode(const uint8_t in[PLM_CONFIG_SIZE], plm_config_t *c)
{
    if (plm_get_u32(in) != PLM_CONFIG_MAGIC || in[4] != PLM_CONFIG_VERSION || in[5] > PLM_SIDE_RIGHT ||
        plm_get_u32(in + 12) != plm_crc32(in, 12))
        return -1;
    c->side = in[5];
    for (int i = 0; i < 3; i++)
        c->cal[i] = i16(in + 6 + 2 * i);
    return 0;
}
