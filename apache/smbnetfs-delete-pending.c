/*
 * smbnetfs-delete-pending: lets a file that is open on the smbfuse mount
 * (STORAGE_MODE=smbfuse) be deleted as on production's kernel CIFS mount.
 * Loaded into smbnetfs with LD_PRELOAD beside smbnetfs-append.so by
 * mount-storage.sh; built in the web image (apache/Dockerfile).
 *
 * What the kernel's mount does (measured from the CIFS VM against the lab's
 * Samba box, docs/storage.md): a zip that Apache is sending can be deleted;
 * the box marks it delete-pending; the reader goes on to its end; the name
 * stays listed but cannot be opened or made again (ENOENT) until the last
 * handle closes, and then it is gone.
 *
 * What smbnetfs does, and what this library changes, in three places:
 *
 * 1. Share access. Every SMB open names what other handles may do to the
 *    file meanwhile. The kernel's client shares read, write and delete;
 *    libsmbclient shares read and write only (its DENY_NONE), and its
 *    interface has no share mode that adds delete. Its opens go through
 *    cli_ntcreate() of Samba's liblibsmb (called from libsmbclient, and from
 *    liblibsmb's own cli_open(), both through the dynamic linker), so
 *    cli_ntcreate() here adds FILE_SHARE_DELETE and calls Samba's own.
 *
 * 2. The unlink of an open file. libfuse does not pass it on: it renames the
 *    file to .fuse_hidden<16 hex digits> and deletes that at the last close
 *    (its hard_remove option passes the unlink on, but then fails every read
 *    of the open file, as smbnetfs serves files by path). So the name could
 *    be made again at once. smbc_rename() here turns a rename to that exact
 *    form of name into the unlink of the original, which the box makes
 *    delete-pending. libfuse hides the same way the target of a rename that
 *    is open; that rename then meets a delete-pending name and fails, as the
 *    kernel's does (its retry after an unlink meets the same), though that
 *    is not measured.
 *
 * 3. The error for a delete-pending name. libsmbclient maps the box's
 *    STATUS_DELETE_PENDING to EINVAL for stat and open (the kernel, to
 *    ENOENT). smbnetfs takes EINVAL for a broken connection: it restarts its
 *    worker, which closes every handle, so the delete completes under the
 *    reader, and reopens each by its name: the reader of a 4,000,000 byte
 *    file got 194,337 bytes, the rest of a new empty file. EINVAL also stands
 *    for a lost session and other statuses, where that restart is what
 *    reconnects; so EINVAL from smbc_open() and smbc_creat() becomes ENOENT
 *    only when the box answered their cli_ntcreate() with DELETE_PENDING,
 *    and from smbc_stat() only when an open of the name meets that too.
 *
 * The same changes upstream: a libsmbclient share mode that includes delete
 * (smbc_setOptionOpenShareMode()), DELETE_PENDING mapped to ENOENT, and
 * smbnetfs using hard_remove with its open files' handles. cli_ntcreate()
 * is a private interface whose arguments have changed before; this is
 * Samba 4.17's (Debian bookworm's samba-libs), and smbnetfs refuses to start
 * with another. tests/integration/test_storage_deletes.py fails if any of
 * this stops taking effect; mount-storage.sh refuses smbfuse without it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libsmbclient.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* the Samba whose cli_ntcreate() this library was written against */
#define SAMBA_SERIES "4.17."
/* FILE_SHARE_DELETE, from MS-SMB2 2.2.13 (ShareAccess) */
#define SHARE_DELETE 0x00000004u
/* from MS-ERREF 2.3.1 */
#define STATUS_DELETE_PENDING 0xC0000056u
/* the name libfuse gives an open file it hides (fuse.c, hidden_name()) */
#define FUSE_HIDDEN ".fuse_hidden"
#define FUSE_HIDDEN_DIGITS 16

struct cli_state;
struct smb_create_returns;
/* NTSTATUS is a 32-bit code in Samba's release builds */
typedef uint32_t ntstatus;

typedef ntstatus (*cli_ntcreate_fn)(struct cli_state *cli, const char *fname, uint32_t create_flags,
                                    uint32_t desired_access, uint32_t file_attributes, uint32_t share_access,
                                    uint32_t create_disposition, uint32_t create_options, uint8_t security_flags,
                                    uint16_t *pfid, struct smb_create_returns *cr);
/* libsmbclient's and Samba's own, found at load; libsmbclient.h gives their types */
static cli_ntcreate_fn samba_ntcreate;
static __typeof__(smbc_rename) *samba_rename;
static __typeof__(smbc_unlink) *samba_unlink;
static __typeof__(smbc_stat) *samba_stat;
static __typeof__(smbc_open) *samba_open;
static __typeof__(smbc_creat) *samba_creat;
static __typeof__(smbc_close) *samba_close;
/* the status of the worker's last cli_ntcreate(); smbnetfs's workers run one call at a time */
static ntstatus last_create;

/* The next definition of `name` (libsmbclient's or Samba's); smbnetfs must not start without it. */
static void *next(const char *name)
{
    void *found = dlsym(RTLD_NEXT, name);

    if (found == NULL) {
        const char *why = dlerror();
        fprintf(stderr, "smbnetfs-delete-pending: %s not found: %s\n", name, why != NULL ? why : "no reason given");
        abort();
    }
    return found;
}

/* At load, in smbnetfs before it forks its workers: every symbol found, and the Samba it was written for. */
__attribute__((constructor)) static void find_samba(void)
{
    __typeof__(smbc_version) *smbc_version_next = dlsym(RTLD_NEXT, "smbc_version");
    const char *version;

    if (smbc_version_next == NULL)
        return; /* a process without libsmbclient: setpriv, which starts smbnetfs with this preloaded */
    version = smbc_version_next();
    if (strncmp(version, SAMBA_SERIES, strlen(SAMBA_SERIES)) != 0) {
        fprintf(stderr, "smbnetfs-delete-pending: written for Samba %sx, not %s (cli_ntcreate() is private)\n",
                SAMBA_SERIES, version);
        abort();
    }
    samba_ntcreate = (cli_ntcreate_fn) next("cli_ntcreate");
    samba_rename = next("smbc_rename");
    samba_unlink = next("smbc_unlink");
    samba_stat = next("smbc_stat");
    samba_open = next("smbc_open");
    samba_creat = next("smbc_creat");
    samba_close = next("smbc_close");
}

/* Whether `url` names a file as libfuse hides one: .fuse_hidden and 16 hex digits. */
static int hidden_by_fuse(const char *url)
{
    const char *base = strrchr(url, '/');
    size_t prefix = strlen(FUSE_HIDDEN);

    base = base != NULL ? base + 1 : url;
    if (strncmp(base, FUSE_HIDDEN, prefix) != 0 || strlen(base + prefix) != FUSE_HIDDEN_DIGITS)
        return 0;
    return strspn(base + prefix, "0123456789abcdef") == FUSE_HIDDEN_DIGITS;
}

/* A failed call's errno as the kernel's mount gives it: ENOENT where the box
   answered the call's open with STATUS_DELETE_PENDING. */
static int as_the_kernel(int result)
{
    if (result < 0 && errno == EINVAL && last_create == STATUS_DELETE_PENDING)
        errno = ENOENT;
    return result;
}

ntstatus cli_ntcreate(struct cli_state *cli, const char *fname, uint32_t create_flags,
                      uint32_t desired_access, uint32_t file_attributes, uint32_t share_access,
                      uint32_t create_disposition, uint32_t create_options, uint8_t security_flags,
                      uint16_t *pfid, struct smb_create_returns *cr)
{
    last_create = samba_ntcreate(cli, fname, create_flags, desired_access, file_attributes,
                                 share_access | SHARE_DELETE, create_disposition, create_options, security_flags,
                                 pfid, cr);
    return last_create;
}

int smbc_rename(const char *old_url, const char *new_url)
{
    if (hidden_by_fuse(new_url))
        return samba_unlink(old_url);
    return samba_rename(old_url, new_url);
}

int smbc_stat(const char *url, struct stat *st)
{
    int result = samba_stat(url, st);
    int probe;

    if (result < 0 && errno == EINVAL) {
        /* libsmbclient's stat does not open through cli_ntcreate(): an open
           of the name says whether the box holds it delete-pending */
        last_create = 0;
        if ((probe = samba_open(url, O_RDONLY, 0)) >= 0)
            samba_close(probe);
        errno = probe < 0 && last_create == STATUS_DELETE_PENDING ? ENOENT : EINVAL;
    }
    return result;
}

int smbc_open(const char *url, int flags, mode_t mode)
{
    last_create = 0;
    return as_the_kernel(samba_open(url, flags, mode));
}

int smbc_creat(const char *url, mode_t mode)
{
    last_create = 0;
    return as_the_kernel(samba_creat(url, mode));
}
