#include "common/utf8.h"

size_t sy_utf8_decode(const uint8_t *bytes, size_t len, uint32_t *code)
{
    uint8_t lead = bytes[0];
    if (lead < 0x80) {
        if (code != NULL) {
            *code = lead;
        }
        return 1;
    }

    /* The lead byte gives the length, its payload bits and the smallest code
     * point of that length (anything smaller is an overlong form). */
    size_t need;
    uint32_t value;
    uint32_t min;
    if ((lead & 0xE0) == 0xC0) {
        need = 2;
        value = lead & 0x1Fu;
        min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        need = 3;
        value = lead & 0x0Fu;
        min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        need = 4;
        value = lead & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (need > len) {
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        if ((bytes[i] & 0xC0) != 0x80) {
            return 0;
        }
        value = value << 6 | (bytes[i] & 0x3Fu);
    }

    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        return 0;
    }
    if (code != NULL) {
        *code = value;
    }
    return need;
}
