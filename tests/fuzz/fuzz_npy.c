/* libFuzzer target: the .npy reader of io/tensor.h. The input is the file; the
 * properties checked are listed in fuzz_tensor.h. */
#include "fuzz_tensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_tensor_file(data, size, IO_FORMAT_NPY);
    return 0;
}
