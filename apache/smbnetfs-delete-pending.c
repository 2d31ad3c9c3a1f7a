/*
 * smbnetfs-delete-pending: lets a file that is open on the smbfuse mount
 * (STORAGE_MODE=smbfuse) be deleted as on production's kernel CIFS mount.
 * Loaded into smbnetfs with LD_PRELOAD beside smbnetfs-append.so by
 * mount-storage.sh; built in the web image (apache/Dockerfile).
 *
 * What the kernel's mount does (measured on the CIFS VM, docs/storage.md): a
 * zip that Apache is sending can be deleted; the box marks it delete-pending;
 * the reader goes on to its end; the name stays listed but cannot be opened
 * or made again (ENOENT) until the last handle closes, and then it is gone.
 *
 * What smbnetfs does, and what this library changes, in three places:
 *
 * 1. Share access. Every SMB open names what other handles may do to the
 *    file meanwhile. The kernel's client shares read, write and delete;
 *    libsmbclient shares read and write only (its DENY_NONE), and its
 *    interface has no share mode that adds delete. libsmbclient opens every
 *    file through cli_ntcreate() of Samba's liblibsmb, across a library
 *    boundary, so cli_ntcreate() here adds FILE_SHARE_DELETE and calls
 *    Samba's own.
 *
 * 2. The unlink of an open file. libfuse does not pass it on: it renames the
 *    file to .fuse_hidden<n> and deletes that at the last close (its
 *    hard_remove option passes the unlink on, but then fails every read of
 *    the open file, as smbnetfs serves files by path). So the name could be
 *    made again at once. smbc_rename() here turns that rename into the
 *    unlink the user asked for, which the box makes delete-pending, and
 *    smbc_unlink() of a .fuse_hidden name succeeds without a request.
 *
 * 3. The error for a delete-pending name. libsmbclient maps the box's
 *    STATUS_DELETE_PENDING to EINVAL for stat and create (the kernel, to
 *    ENOENT). smbnetfs takes EINVAL for a broken connection: it restarts
 *    its worker, which closes every handle, so the delete completes under
 *    the reader, and reopens each by its name: the reader of a 4,000,000
 *    byte file got 194,337 bytes, the rest of a new empty file. EINVAL from
 *    smbc_stat(), smbc_open() and smbc_creat() is returned as ENOENT.
 *
 * The same changes upstream: a libsmbclient share mode that includes delete
 * (smbc_setOptionOpenShareMode()), DELETE_PENDING mapped to ENOENT, and
 * smbnetfs using hard_remove with its open files' handles. cli_ntcreate()
 * is a private interface of Samba 4.17 (Debian bookworm's samba-libs):
 * tests/integration/test_storage_deletes.py fails if any of this stops
 * taking effect, and mount-storage.sh refuses smbfuse without this library.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* FILE_SHARE_DELETE, from MS-SMB2 2.2.13 (ShareAccess) */
#define SHARE_DELETE 0x00000004u
/* the name libfuse gives an open file that is unlinked (its hide_node) */
#define FUSE_HIDDEN ".fuse_hidden"

struct cli_state;
struct smb_create_returns;
/* NTSTATUS is a 32-bit code in Samba's release builds */
typedef uint32_t ntstatus;

typedef ntstatus (*cli_ntcreate_fn)(struct cli_state *cli, const char *fname, uint32_t create_flags,
                                    uint32_t desired_access, uint32_t file_attributes, uint32_t share_access,
                                    uint32_t create_disposition, uint32_t create_options, uint8_t security_flags,
                                    uint16_t *pfid, struct smb_create_returns *cr);
typedef int (*smbc_rename_fn)(const char *old_url, const char *new_url);
typedef int (*smbc_unlink_fn)(const char *url);
typedef int (*smbc_stat_fn)(const char *url, struct stat *st);
typedef int (*smbc_open_fn)(const char *url, int flags, mode_t mode);
typedef int (*smbc_creat_fn)(const char *url, mode_t mode);

/* The next definition of `name` (libsmbclient's or Samba's); smbnetfs must not go on without it. */
static void *next(const char *name)
{
    void *found = dlsym(RTLD_NEXT, name);

    if (found == NULL) {
        fprintf(stderr, "smbnetfs-delete-pending: %s not found: %s\n", name, dlerror());
        abort();
    }
    return found;
}

static int hidden_by_fuse(const char *url)
{
    const char *base = strrchr(url, '/');

    return strncmp(base != NULL ? base + 1 : url, FUSE_HIDDEN, strlen(FUSE_HIDDEN)) == 0;
}

/* A failed call's errno as the kernel's mount would give it for a delete-pending name. */
static int as_the_kernel(int result)
{
    if (result < 0 && errno == EINVAL)
        errno = ENOENT;
    return result;
}

ntstatus cli_ntcreate(struct cli_state *cli, const char *fname, uint32_t create_flags,
                      uint32_t desired_access, uint32_t file_attributes, uint32_t share_access,
                      uint32_t create_disposition, uint32_t create_options, uint8_t security_flags,
                      uint16_t *pfid, struct smb_create_returns *cr)
{
    static cli_ntcreate_fn samba;

    if (samba == NULL)
        samba = (cli_ntcreate_fn) next("cli_ntcreate");
    return samba(cli, fname, create_flags, desired_access, file_attributes, share_access | SHARE_DELETE,
                 create_disposition, create_options, security_flags, pfid, cr);
}

int smbc_rename(const char *old_url, const char *new_url)
{
    static smbc_rename_fn rename_next;
    static smbc_unlink_fn unlink_next;

    if (rename_next == NULL) {
        rename_next = (smbc_rename_fn) next("smbc_rename");
        unlink_next = (smbc_unlink_fn) next("smbc_unlink");
    }
    if (hidden_by_fuse(new_url))
        return unlink_next(old_url);
    return rename_next(old_url, new_url);
}

int smbc_unlink(const char *url)
{
    static smbc_unlink_fn unlink_next;

    if (unlink_next == NULL)
        unlink_next = (smbc_unlink_fn) next("smbc_unlink");
    if (hidden_by_fuse(url))
        return 0; /* unlinked when libfuse hid it */
    return unlink_next(url);
}

int smbc_stat(const char *url, struct stat *st)
{
    static smbc_stat_fn stat_next;

    if (stat_next == NULL)
        stat_next = (smbc_stat_fn) next("smbc_stat");
    return as_the_kernel(stat_next(url, st));
}

int smbc_open(const char *url, int flags, mode_t mode)
{
    static smbc_open_fn open_next;

    if (open_next == NULL)
        open_next = (smbc_open_fn) next("smbc_open");
    return as_the_kernel(open_next(url, flags, mode));
}

int smbc_creat(const char *url, mode_t mode)
{
    static smbc_creat_fn creat_next;

    if (creat_next == NULL)
        creat_next = (smbc_creat_fn) next("smbc_creat");
    return as_the_kernel(creat_next(url, mode));
}
