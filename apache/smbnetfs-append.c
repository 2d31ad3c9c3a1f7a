/*
 * smbnetfs-append: lets smbnetfs (STORAGE_MODE=smbfuse) open a file for
 * appending, as production's kernel CIFS mount does. Loaded into smbnetfs
 * with LD_PRELOAD by mount-storage.sh; built in the web image (apache/Dockerfile).
 *
 * Why. SpaceDock writes every upload chunk with open(path, 'ab'), that is
 * O_WRONLY|O_CREAT|O_APPEND. FUSE hands those flags to smbnetfs, which gives
 * them to libsmbclient's smbc_open(). SMB has no append mode, so libsmbclient
 * emulates O_APPEND by seeking to the end of the file at open; finding the
 * end needs FILE_READ_ATTRIBUTES, which a handle opened write-only does not
 * have, so the seek fails and smbc_open() returns ENXIO. smbnetfs treats an
 * error it does not expect as fatal: its worker process for the share exits,
 * the request is retried on fresh workers, and after about 4 s the write gets
 * EIO; the other requests to the share fail or wait for seconds (seen with
 * smbnetfs_debug 10: "smb_conn_srv_open: errno=6, No such device or address").
 *
 * The fix. Open without O_APPEND. FUSE places every write itself: for a file
 * opened O_APPEND the kernel writes at the end of the file as it knows it,
 * and smbnetfs writes each request at the offset FUSE gives. That is what
 * the kernel's CIFS client does (it also writes at the end it knows: there is
 * no atomic append in SMB). The same change inside smbnetfs is one line in
 * its open: clear O_APPEND from the flags before smbc_open(); this file is
 * the lab's way of making it without rebuilding Debian's package, whose
 * source the build machines cannot fetch.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/types.h>

typedef int (*smbc_open_fn)(const char *url, int flags, mode_t mode);

int smbc_open(const char *url, int flags, mode_t mode)
{
    static smbc_open_fn libsmbclient_open;

    if (libsmbclient_open == NULL
        && (libsmbclient_open = (smbc_open_fn) dlsym(RTLD_NEXT, "smbc_open")) == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return libsmbclient_open(url, flags & ~O_APPEND, mode);
}
