/** @file hotline/version.h  The release version, for --version, the
 *  User-Agent of outgoing HTTP and the Server header */
#ifndef HOTLINE_VERSION_H
#define HOTLINE_VERSION_H

/* keep equal to the #define in src/app/main.c until main.c includes this
 * header (an identical redefinition is allowed) */
#define HOTLINE_VERSION "0.1.0"

#endif
