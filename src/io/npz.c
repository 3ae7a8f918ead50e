/* .npz: a zip archive of .npy members "<tensor>.npy" (numpy.savez stores
 * them, numpy.savez_compressed deflates them; both write Zip64 records).
 * The container is libzip's business: it reads stored, deflated and Zip64
 * entries and checks each member's CRC-32 when the member is read to its end,
 * which io_npz_member always does. */
#include "io/io_impl.h"

#include <stdlib.h>
#include <string.h>
#include <zip.h>

static const char *zip_code_str(int code, char *buf, size_t cap)
{
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    snprintf(buf, cap, "%s", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return buf;
}

deq_status io_npz_open(io_tensor_file_t F, deq_error_t err)
{
    int code = 0;
    /* ZIP_CHECKCONS: the central directory must agree with the local
     * headers, so a damaged archive fails here rather than half-way. */
    zip_t *za = zip_open(F->path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!za) {
        char msg[128];
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: not a readable .npz (zip) archive: %s",
                             F->path, zip_code_str(code, msg, sizeof msg));
    }
    F->zip = za;
    zip_int64_t n = zip_get_num_entries(za, 0);
    F->entries = deq_calloc((size_t)(n > 0 ? n : 1), sizeof *F->entries);
    for (zip_int64_t i = 0; i < n; i++) {
        const char *member = zip_get_name(za, (zip_uint64_t)i, 0);
        if (!member)
            return deq_error_set(err, DEQ_ERR_INPUT, "%s: member %lld: %s", F->path, (long long)i,
                                 zip_strerror(za));
        /* Members that are not arrays (a directory, a README) are no tensors. */
        size_t len = strlen(member);
        if (len <= 4 || strcmp(member + len - 4, ".npy") != 0)
            continue;
        char clean[64];
        if (io_has_control(member))
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: member \"%s\": control character in the name", F->path,
                                 io_clean(clean, sizeof clean, member));
        char *name = deq_malloc(len - 3);
        memcpy(name, member, len - 4);
        name[len - 4] = '\0';
        for (long k = 0; k < F->count; k++)
            if (strcmp(F->entries[k].name, name) == 0) {
                deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: two members named %s", F->path,
                              name, member);
                free(name);
                return err->status;
            }
        F->entries[F->count].name = name;
        F->entries[F->count].zip_index = (uint64_t)i;
        F->count++;
    }
    return DEQ_OK;
}

void io_npz_close(io_tensor_file_t F)
{
    if (F->zip)
        zip_discard(F->zip); /* read-only: nothing to write back */
    F->zip = NULL;
}

deq_status io_npz_member(unsigned char **b, size_t *n, const io_tensor_file_t F,
                         const io_entry *e, deq_error_t err)
{
    *b = NULL;
    *n = 0;
    zip_file_t *zf = zip_fopen_index(F->zip, e->zip_index, 0);
    if (!zf)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: cannot open member %s.npy: %s",
                             F->path, e->name, e->name, zip_strerror(F->zip));
    /* Read in chunks, the buffer growing with what actually arrives: the
     * sizes in the zip directory and in the .npy header are claims, and a
     * small deflated member may claim gigabytes. Once the header is complete
     * its shape says how many bytes to keep; the rest (trailing bytes, or
     * everything after a bad header) is read without being kept, so that
     * the member is always read to its end, where libzip checks the CRC: a
     * damaged member is reported as such, not by whatever its damaged
     * header says. */
    size_t cap = 1 << 12, len = 0, need = 0;
    int known = 0, keep = 1;
    unsigned char *buf = deq_malloc(cap);
    unsigned char scratch[1 << 14];
    for (;;) {
        /* small reads until the header is known, then up to 1 MiB at a
         * time, the buffer never larger than the image needs */
        size_t want = sizeof scratch;
        unsigned char *dst = scratch;
        if (keep) {
            want = known ? need + 1 - len : 1 << 12;
            if (want > 1 << 20)
                want = 1 << 20;
            if (cap - len < want) {
                size_t grown = cap;
                while (grown - len < want)
                    grown *= 2;
                if (known && grown > need + 1)
                    grown = need + 1;
                buf = deq_realloc(buf, cap = grown);
            }
            dst = buf + len;
        }
        zip_int64_t got = zip_fread(zf, dst, want);
        if (got < 0) {
            deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: cannot read member %s.npy: %s",
                          F->path, e->name, e->name, zip_file_strerror(zf));
            zip_fclose(zf);
            free(buf);
            return err->status;
        }
        if (got == 0)
            break;
        if (!keep)
            continue;
        len += (size_t)got;
        if (known) {
            if (len > need)
                keep = 0; /* one byte too many: shows as trailing bytes */
            continue;
        }
        io_npy_header h;
        deq_error_t ignored;
        deq_error_init(ignored);
        int more;
        if (io_npy_parse_header(&h, buf, len, F->path, e->name, &more, ignored) == DEQ_OK) {
            /* refused by its dtype, or too large: the data does not matter */
            need = h.data_offset + h.count * h.itemsize;
            if (h.kind == IO_NPY_OTHER || need < h.data_offset)
                keep = 0;
            else
                known = 1, keep = len <= need;
        } else if (!more) {
            keep = 0; /* a bad header: reported by the caller's parse */
        }
    }
    zip_fclose(zf);
    *b = buf;
    *n = len;
    return DEQ_OK;
}
