/* A tiny assertion harness for the C test programs: CHECK counts a failure and goes on, main()
 * returns non-zero when |failures| is. */
#ifndef JWTX_C_TEST_CHECK_H_
#define JWTX_C_TEST_CHECK_H_

#include <stdio.h>

static int failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#endif
