//! Extended attributes, read without following symlinks: overlay marks an
//! opaque directory (one that hides the layers below) with an xattr.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Whether overlay marks `dir` opaque (`trusted.overlay.opaque` or, for
/// rootless engines, `user.overlay.opaque`, set to `y`).
pub(super) fn is_opaque(dir: &Path) -> bool {
    // One listxattr answers for nearly every directory: most have no xattrs.
    let Ok(cpath) = CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    let mut names = [0u8; 1024];
    // SAFETY: a NUL-terminated path and a buffer described by pointer and length.
    let n = unsafe { libc::llistxattr(cpath.as_ptr(), names.as_mut_ptr().cast(), names.len()) };
    if n == 0 {
        return false;
    }
    ["trusted.overlay.opaque", "user.overlay.opaque"]
        .iter()
        .any(|attr| get_xattr(dir, attr).is_some_and(|v| v == b"y"))
}

fn get_xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let cpath = CString::new(path.as_os_str().as_bytes()).ok()?;
    let cname = CString::new(name).ok()?;
    let mut buf = [0u8; 16];
    // SAFETY: both strings are NUL-terminated and live across the call; the
    // buffer pointer and length describe `buf`.
    let n = unsafe {
        libc::lgetxattr(
            cpath.as_ptr(),
            cname.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    (n >= 0).then(|| buf[..n as usize].to_vec())
}
