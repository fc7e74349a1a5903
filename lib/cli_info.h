/*
 * cli_info.h: --help and --version for the worker binaries (connector-<role>), which otherwise take
 * only the supervisor's arguments. Call first thing in main(): when argv holds --help or --version it
 * prints to stdout and exits 0, else it returns and changes nothing.
 */
#ifndef CONNECTOR_CLI_INFO_H
#define CONNECTOR_CLI_INFO_H

/* name: "connector-http-api"; usage: the text after "usage: " (arguments and what it does). */
void cli_info_handle(int argc, char **argv, const char *name, const char *usage);

#endif
