/*
 * sy_utf8_decode: a table of valid and invalid sequences at the edges of
 * each length, with the code point of each valid one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "common/utf8.h"

typedef struct {
    const char *bytes;
    size_t length; /* 0: invalid */
    uint32_t code;
} utf8_case;

static const utf8_case cases[] = {
    {"A", 1, 0x41},
    {"\x7F", 1, 0x7F},
    {"\xC2\x80", 2, 0x80},
    {"\xDF\xBF", 2, 0x7FF},
    {"\xE0\xA0\x80", 3, 0x800},
    {"\xED\x9F\xBF", 3, 0xD7FF},
    {"\xEE\x80\x80", 3, 0xE000},
    {"\xEF\xBF\xBF", 3, 0xFFFF},
    {"\xF0\x90\x80\x80", 4, 0x10000},
    {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
    {"\x80", 0, 0},             /* a continuation byte first */
    {"\xC0\xAF", 0, 0},         /* overlong '/' */
    {"\xC1\xBF", 0, 0},         /* overlong */
    {"\xE0\x9F\xBF", 0, 0},     /* overlong U+07FF */
    {"\xED\xA0\x80", 0, 0},     /* surrogate U+D800 */
    {"\xED\xBF\xBF", 0, 0},     /* surrogate U+DFFF */
    {"\xF0\x8F\xBF\xBF", 0, 0}, /* overlong U+FFFF */
    {"\xF4\x90\x80\x80", 0, 0}, /* above U+10FFFF */
    {"\xF8\x88\x80\x80", 0, 0}, /* a five-byte lead */
    {"\xC3\x28", 0, 0},         /* no continuation byte */
    {"\xE2\x82", 0, 0},         /* cut short */
};

static void utf8_table_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint8_t *bytes = (const uint8_t *)cases[i].bytes;
        uint32_t code = 0xFFFFFFFFu;
        print_message("case %zu\n", i);
        assert_int_equal(sy_utf8_decode(bytes, strlen(cases[i].bytes), &code), cases[i].length);
        if (cases[i].length > 0) {
            assert_int_equal(code, cases[i].code);
        }
        assert_int_equal(sy_utf8_decode(bytes, strlen(cases[i].bytes), NULL), cases[i].length);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_table_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
