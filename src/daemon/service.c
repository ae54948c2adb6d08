/* service: the one start-in-order, stop-in-reverse helper (service.h). */
#include "daemon/service.h"

#include "common/log.h"

#include <assert.h>
#include <errno.h>

int service_start_all(struct service_run *run, const struct service *table, size_t n, void *ctx)
{
    if (!run || !table || n > SERVICE_MAX)
        return -EINVAL;
    run->table = table;
    run->n = n;
    for (size_t i = 0; i < SERVICE_MAX; i++)
        run->started[i] = false;
    for (size_t i = 0; i < n; i++) {
        assert(table[i].start);
        int rc = table[i].start(ctx);
        if (rc == 0) {
            run->started[i] = true;
            continue;
        }
        if (!table[i].required)
            continue;
        LOG_DEBUG("service %s failed to start (%d): stopping", table[i].name, rc);
        service_stop_all(run, ctx);
        return rc < 0 ? rc : -EIO;
    }
    return 0;
}

void service_stop_all(struct service_run *run, void *ctx)
{
    if (!run || !run->table)
        return;
    for (size_t i = run->n; i-- > 0;) {
        if (!run->started[i])
            continue;
        run->started[i] = false;
        if (run->table[i].stop)
            run->table[i].stop(ctx);
    }
}
