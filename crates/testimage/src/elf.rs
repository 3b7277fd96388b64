//! Tiny ELF objects for the tests of ballast's binary sniffing.

/// A minimal 64-bit little-endian ELF object: an executable (`ET_EXEC`) with
/// the given interpreter, or a shared object (`ET_DYN` with a dynamic
/// segment) whose dynamic strings name `needed`, or a static executable when
/// both are `None`. `extra` is appended (a Go build ID note, say).
pub fn elf(interp: Option<&str>, needed: Option<&str>, extra: &[u8]) -> Vec<u8> {
    let mut phdrs: Vec<(u32, u64, u64)> = Vec::new();
    let data_at = 64 + 56 * 2;
    let mut data = Vec::new();
    if let Some(i) = interp {
        phdrs.push((3, (data_at + data.len()) as u64, i.len() as u64 + 1));
        data.extend_from_slice(i.as_bytes());
        data.push(0);
    }
    if let Some(n) = needed {
        phdrs.push((2, (data_at + data.len()) as u64, n.len() as u64 + 1));
        data.extend_from_slice(n.as_bytes());
        data.push(0);
    }
    if phdrs.is_empty() {
        // PT_LOAD only.
        phdrs.push((1, 0, 0));
    }
    let e_type: u16 = if needed.is_some() && interp.is_none() {
        3
    } else {
        2
    };
    let mut out = vec![0u8; 64];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = 2;
    out[5] = 1;
    out[6] = 1;
    out[16..18].copy_from_slice(&e_type.to_le_bytes());
    out[18..20].copy_from_slice(&0x3eu16.to_le_bytes());
    out[20..24].copy_from_slice(&1u32.to_le_bytes());
    out[32..40].copy_from_slice(&64u64.to_le_bytes());
    out[52..54].copy_from_slice(&64u16.to_le_bytes());
    out[54..56].copy_from_slice(&56u16.to_le_bytes());
    out[56..58].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
    for (p_type, offset, size) in &phdrs {
        let mut ph = vec![0u8; 56];
        ph[..4].copy_from_slice(&p_type.to_le_bytes());
        ph[8..16].copy_from_slice(&offset.to_le_bytes());
        ph[32..40].copy_from_slice(&size.to_le_bytes());
        ph[40..48].copy_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&ph);
    }
    out.resize(data_at, 0);
    out.extend_from_slice(&data);
    out.extend_from_slice(extra);
    out
}
