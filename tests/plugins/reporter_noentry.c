/*
 * A shared object that is not a cctrial plugin: it exports a function, but
 * not cct_plugin_entry().  The loader must say that the entry is missing.
 */
#include "cctrial/plugin.h"

CCT_PLUGIN_EXPORT int cct_plugin_entry_v0(void);

CCT_PLUGIN_EXPORT int cct_plugin_entry_v0(void)
{
    return CCT_PLUGIN_ABI_MAJOR;
}
