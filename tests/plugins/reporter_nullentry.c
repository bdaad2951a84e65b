/*
 * A shared object that exports cct_plugin_entry() but has no descriptor to
 * give: the loader must refuse it instead of reading through NULL.
 */
#include <stddef.h>

#include "cctrial/plugin.h"

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return NULL;
}
