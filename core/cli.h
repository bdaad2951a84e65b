/*
 * The command line: what to do (run, list, print, install a hook) and the
 * settings given as flags, which override every configuration file.
 */
#ifndef CCT_CLI_H
#define CCT_CLI_H

#include "config.h"
#include "util.h"

typedef enum cct_command {
    CCT_CMD_RUN = 0,       /* the continuous workflow (or --once) */
    CCT_CMD_HELP,
    CCT_CMD_VERSION,
    CCT_CMD_LIST_PLUGINS,
    CCT_CMD_PRINT_CONFIG,
    CCT_CMD_LIST_SELECTED,
    CCT_CMD_INSTALL_HOOK,
    CCT_CMD_HELP_REPORTERS, /* trial's --help-reporters */
    CCT_CMD_HISTORY        /* cctrial history: what the history holds */
} cct_command;

typedef struct cct_cli {
    cct_command command;
    int once;
    int hook;
    int force;            /* install-hook --force */
    char *since;          /* --since REF */
    char *config_file;    /* --config FILE */
    int no_config;
    int trust_project;    /* --trust-project */
    cct_strv names;       /* TEST_NAME... */
    cct_config flags;     /* settings given as flags, section "cctrial" */
    int json;             /* history --json */
    unsigned limit;       /* history --limit=N: rows of each list; 0:
                             not given */
} cct_cli;

/* Parses argv.  Returns 0, or CCT_EUSAGE with *error explaining. */
int cct_cli_parse(cct_cli *cli, int argc, char **argv, char **error);
void cct_cli_free(cct_cli *cli);
/* Copies the flags' settings into `config` (they win over files). */
void cct_cli_apply(const cct_cli *cli, cct_config *config);
/* The text of --help. */
const char *cct_cli_help(void);

#endif
