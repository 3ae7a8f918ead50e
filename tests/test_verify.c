#include <criterion/criterion.h>
Test(verify, placeholder) {}
