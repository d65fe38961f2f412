/** @file hotline/utf8text.h  UTF-8 in C strings: the well-formed sequence
 *  at a byte, cutting at a character boundary, making a string valid
 *  (pure, no I/O)
 *
 * For streamed input that must be validated across buffers, see
 * api/ws_frame.c (it keeps its own state machine).
 */
#ifndef HOTLINE_UTF8TEXT_H
#define HOTLINE_UTF8TEXT_H

#include <stddef.h>

size_t utf8text_seq_len(const char *s);
size_t utf8text_cut(const char *s, size_t n);
void   utf8text_trim(char *s);

#endif
