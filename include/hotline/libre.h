/** @file hotline/libre.h  libre's umbrella header, made to coexist with
 *  jansson: re_json.h (no include guard) declares enumerators JSON_STRING
 *  and JSON_NULL, which jansson.h declares too. Include this instead of
 *  <re.h> in any file that also uses jansson. */
#ifndef HOTLINE_LIBRE_H
#define HOTLINE_LIBRE_H

#define JSON_STRING RE_JSON_STRING
#define JSON_NULL   RE_JSON_NULL
#include <re.h>
#undef JSON_STRING
#undef JSON_NULL

#endif
