//! Reading the files a user names (the Dockerfile, `.dockerignore`) safely:
//! only regular files. A FIFO would block the read forever and a device
//! could be endless, so the file is opened without blocking and its type
//! checked on the open handle (no window for a swap between check and read).

use std::io::{self, Read};
use std::path::Path;

/// The bytes of the regular file at `path`; anything else (a FIFO, a
/// socket, a device, a directory) is an `InvalidInput` error saying what it is.
pub fn read_regular_file(path: &Path) -> io::Result<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading would wait for a writer.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let mut file = options.open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "it is {}, not a regular file; give the path of a regular file",
                describe(kind)
            ),
        ));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`read_regular_file`] as UTF-8 text (invalid UTF-8 is an `InvalidData` error).
pub fn read_regular_text(path: &Path) -> io::Result<String> {
    String::from_utf8(read_regular_file(path)?).map_err(|e| {
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
