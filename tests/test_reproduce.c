#include <criterion/criterion.h>
Test(reproduce, placeholder) { cr_assert(1); }
