/* Tests of issue 19's user-facing behaviour, through the CLI: --version names
 * the revision; train's exit status on divergence; kernel's certification
 * line and --require-certified; Ctrl-C during a checkpointed run prints a
 * resume command that works; progress and --max-memory. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/status.h"
#include "testutil.h"

TestSuite(longrun);

Test(longrun, version_names_the_revision)
{
    int st = test_run_cli("--version", NULL);
    cr_assert_eq(st, 0, "exit %d: %s", st, test_cli_err);
    cr_expect(strncmp(test_cli_out, "deqcheck ", 9) == 0, "%s", test_cli_out);
    cr_expect(strstr(test_cli_out, "(revision ") != NULL, "no revision: %s", test_cli_out);
    /* never an empty revision: git describe's answer or "unknown" */
    cr_expect(strstr(test_cli_out, "(revision )") == NULL, "%s", test_cli_out);
}
