//! Reading the files a user names (the Dockerfile, `.dockerignore`, the
//! budget file, the fleet's reference list) safely: only regular files, and
//! no more of them than the `text-file` limit. A FIFO would block the read
//! forever and a device could be endless, so the file is opened without
//! blocking and its type checked on the open handle (no window for a swap
//! between check and read); the read stops one byte past the limit.

use std::io::{self, Read};
use std::path::Path;

use crate::limits::{Limit, Limits};

/// [`read_regular_file_within`] the default limits.
pub fn read_regular_file(path: &Path) -> io::Result<Vec<u8>> {
    read_regular_file_within(path, &Limits::default())
}

/// The bytes of the regular file at `path`; anything else (a FIFO, a
/// socket, a device, a directory) is an `InvalidInput` error saying what it
/// is, a file over the `text-file` limit an `InvalidData` error naming it.
pub fn read_regular_file_within(path: &Path, limits: &Limits) -> io::Result<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading would wait for a writer.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "it is {}, not a regular file; give the path of a regular file",
                describe(kind)
            ),
        ));
    }
    read_within(file, Some(meta.len()), limits)
}

/// All of `reader` (a file's size, when known, for the message), up to the
/// `text-file` limit: the read stops one byte past it, and that is an
/// `InvalidData` error naming the limit.
pub fn read_within(reader: impl Read, size: Option<u64>, limits: &Limits) -> io::Result<Vec<u8>> {
    let max = limits.get(Limit::TextFile);
    let mut bytes = Vec::new();
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        // A pipe's size is not known: only that it goes past the limit.
        let size = size.map(|n| n.max(bytes.len() as u64));
        let shown = size.map_or(format!("more than {max} bytes"), |n| format!("{n} bytes"));
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is {shown}, over the limit on the text files ballast reads \
                 (Dockerfile, .dockerignore, budget file, reference list): {}",
                limits.breach(Limit::TextFile, size)
            ),
        ));
    }
    Ok(bytes)
}

/// [`read_regular_text_within`] the default limits.
pub fn read_regular_text(path: &Path) -> io::Result<String> {
    read_regular_text_within(path, &Limits::default())
}

/// [`read_regular_file_within`] as UTF-8 text (invalid UTF-8 is an
/// `InvalidData` error).
pub fn read_regular_text_within(path: &Path, limits: &Limits) -> io::Result<String> {
    String::from_utf8(read_regular_file_within(path, limits)?).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is not valid UTF-8 ({})", e.utf8_error()),
        )
    })
}

fn describe(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}
