/*
 * Texts of the CCT_E* codes; everything else is libuv's to explain.
 */
#include "error.h"

#include <uv.h>

const char *cct_strerror(int code)
{
    switch (code) {
#define CCT_X(name, text) case CCT_E##name: return text;
        CCT_ERRNO_MAP(CCT_X)
#undef CCT_X
    default:
        return uv_strerror(code);
    }
}
