/*
 * The router's reader of device payloads: checks that a payload is one JSON
 * document and finds one member of its top-level object, without building
 * the document.
 *
 * It accepts what jansson 2.14's json_loadb accepts with
 * JSON_REJECT_DUPLICATES and no other flag, so that the router's decisions
 * do not depend on which of the two reads a payload (a fuzz target compares
 * them). The one exception is a NUL byte right after a number, which jansson
 * skips and this reader rejects, as RFC 8259 does. The rules:
 *   - the top level is an object or an array, and only whitespace (space,
 *     tab, CR, LF) may follow it;
 *   - at most 2048 nested values, counting scalars;
 *   - strings are UTF-8 without control characters, and escapes are the
 *     standard ones; \u0000 and unpaired surrogates are rejected;
 *   - an integer (a number without fraction or exponent) fits in 64 bits,
 *     and a real does not overflow a double;
 *   - no object repeats a member name (compared after unescaping).
 *
 * Memory: small payloads use the stack only. Payloads with many or long
 * member names allocate working memory, freed before the call returns.
 * Thread safety: none needed, there is no shared state.
 */
#ifndef SWITCHYARD_ROUTE_ROUTE_JSON_H
#define SWITCHYARD_ROUTE_ROUTE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nested values that a document may have, as in jansson. */
#define ROUTE_JSON_MAX_DEPTH 2048

/* Bytes of a member's text that are stored. A longer text is cut (see truncated). */
#define ROUTE_JSON_MEMBER_TEXT_MAX 128

typedef enum {
    ROUTE_JSON_ABSENT,  /* no such member, or the top level is an array */
    ROUTE_JSON_STRING,  /* text is the unescaped string */
    ROUTE_JSON_INTEGER, /* text is the integer in decimal, as jansson prints it */
    ROUTE_JSON_OTHER,   /* a real, true, false, null, an object or an array */
} route_json_kind;

typedef struct {
    route_json_kind kind;
    size_t len; /* the text's whole length, even when cut */
    bool truncated;
    char text[ROUTE_JSON_MEMBER_TEXT_MAX + 1]; /* NUL-terminated */
} route_json_member;

/*
 * Checks bytes and, when they are a valid document, describes the member
 * named name of its top-level object in *member. Returns false for an
 * invalid document (or when working memory cannot be allocated), and then
 * *member is undefined.
 */
bool route_json_read(const uint8_t *bytes, size_t len, const char *name, route_json_member *member);

#endif
