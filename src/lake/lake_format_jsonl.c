/* The JSON lines format: no header, no trailer, one line per record. */
#include "lake/lake_jsonl.h"
#include "lake/lake_writer.h"

static lake_err jsonl_open(void **state, lake_buf *out)
{
    (void)out;
    *state = NULL;
    return LAKE_OK;
}

static lake_err jsonl_append(void *state, const lake_record *record, lake_buf *out)
{
    (void)state;
    return lake_jsonl_encode(record, out);
}

static lake_err jsonl_finish(void *state, lake_buf *out)
{
    (void)state;
    (void)out;
    return LAKE_OK;
}

static void jsonl_free(void *state)
{
    (void)state;
}

const lake_format lake_format_jsonl = {
    .name = "jsonl",
    .extension = ".jsonl",
    .content_type = "application/x-ndjson",
    .open = jsonl_open,
    .append = jsonl_append,
    .finish = jsonl_finish,
    .free = jsonl_free,
};
