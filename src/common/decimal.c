#include "common/decimal.h"

char *sy_put_u64(char *p, uint64_t value)
{
    char reversed[20];
    int n = 0;
    do {
        reversed[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0) {
        *p++ = reversed[--n];
    }
    return p;
}

char *sy_put_message_id(char *p, uint64_t ledger_id, uint64_t entry_id, int32_t partition,
                        int32_t batch_index)
{
    p = sy_put_u64(p, ledger_id);
    *p++ = ':';
    p = sy_put_u64(p, entry_id);
    *p++ = ':';
    p = sy_put_i32(p, partition);
    *p++ = ':';
    return sy_put_i32(p, batch_index);
}

char *sy_put_i32(char *p, int32_t value)
{
    if (value < 0) {
        *p++ = '-';
        return sy_put_u64(p, (uint64_t)(-(int64_t)value));
    }
    return sy_put_u64(p, (uint64_t)value);
}
