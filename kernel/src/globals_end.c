/* SPDX-License-Identifier: MIT */
/*
 * Linked last among a kernel-C test's own objects (LastrefKernelTest.cmake):
 * these two markers close the ranges globals_begin.c opens.
 */
char lastref_user_data_end[1] = {1};
char lastref_user_bss_end[1];
