#include "lake/lake_buf.h"

#include <stdlib.h>
#include <string.h>

lake_err lake_buf_reserve(lake_buf *buf, size_t extra)
{
    if (extra <= buf->cap - buf->len) {
        return LAKE_OK;
    }
    if (extra > SIZE_MAX / 2 - buf->len) {
        return LAKE_ERR_NOMEM;
    }
    size_t cap = buf->cap < 256 ? 256 : buf->cap;
    while (cap - buf->len < extra) {
        cap *= 2;
    }
    uint8_t *data = realloc(buf->data, cap);
    if (data == NULL) {
        return LAKE_ERR_NOMEM;
    }
    buf->data = data;
    buf->cap = cap;
    return LAKE_OK;
}

lake_err lake_buf_append(lake_buf *buf, const void *bytes, size_t len)
{
    if (len == 0) {
        return LAKE_OK;
    }
    lake_err rc = lake_buf_reserve(buf, len);
    if (rc != LAKE_OK) {
        return rc;
    }
    memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
    return LAKE_OK;
}

lake_err lake_buf_append_str(lake_buf *buf, const char *text)
{
    return lake_buf_append(buf, text, strlen(text));
}

void lake_buf_clear(lake_buf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}
