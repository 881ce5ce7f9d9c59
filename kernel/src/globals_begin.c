/* SPDX-License-Identifier: MIT */
/*
 * Linked first among a kernel-C test's own objects (LastrefKernelTest.cmake):
 * these two markers open the ranges of the test's writable globals. The
 * linker lays out input .data (with .data.*) and .bss (with .bss.*)
 * sections in link order, so everything between these markers and those of
 * globals_end.c is the user's (linux.c, "The user's globals").
 */
char lastref_user_data_begin[1] = {1};
char lastref_user_bss_begin[1];
