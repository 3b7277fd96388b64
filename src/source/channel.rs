//! A blocking reader over a channel of byte chunks: how a producer thread (the
//! engine's HTTP stream, the archive reader handing a layer to its worker)
//! feeds code that wants `std::io::Read`.

use std::io::{self, Read};
use std::sync::mpsc::Receiver;

/// Reads the chunks in order; an `Err` chunk is returned as the read error, and
/// a closed channel is the end of the stream.
pub(crate) struct ChannelReader<T> {
    rx: Receiver<io::Result<T>>,
    current: Option<T>,
    pos: usize,
}

impl<T> ChannelReader<T> {
    pub(crate) fn new(rx: Receiver<io::Result<T>>) -> Self {
        ChannelReader {
            rx,
            current: None,
            pos: 0,
        }
    }
}

impl<T: AsRef<[u8]>> Read for ChannelReader<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(chunk) = &self.current {
                let rest = &chunk.as_ref()[self.pos..];
                if !rest.is_empty() {
                    let n = buf.len().min(rest.len());
                    buf[..n].copy_from_slice(&rest[..n]);
                    self.pos += n;
                    return Ok(n);
                }
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.current = Some(chunk);
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
    }
}

/// Stops a layer read early once another layer has failed.
pub(crate) struct Cancellable<'a, R> {
    pub(crate) inner: R,
    pub(crate) cancel: &'a std::sync::atomic::AtomicBool,
}

impl<R: std::io::Read> std::io::Read for Cancellable<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(std::io::Error::other("cancelled: another layer failed"));
        }
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_read_in_order_and_errors_pass_through() {
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        tx.send(Ok(b"ab".to_vec())).unwrap();
        tx.send(Ok(Vec::new())).unwrap();
        tx.send(Ok(b"cde".to_vec())).unwrap();
        tx.send(Err(io::Error::other("engine died"))).unwrap();
        drop(tx);
        let mut r = ChannelReader::new(rx);
        let mut buf = [0u8; 2];
        let mut got = Vec::new();
        loop {
            match r.read(&mut buf) {
                Ok(0) => panic!("the error comes before the end"),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => {
                    assert_eq!(e.to_string(), "engine died");
                    break;
                }
            }
        }
        assert_eq!(got, b"abcde");
        assert_eq!(r.read(&mut buf).unwrap(), 0, "then the end");
    }
}
